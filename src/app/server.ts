/**
 * The composition seam: builds the server's components from the validated, frozen config,
 * in start order (stopped in reverse): registration services (location, auth), then the SIP
 * core with the registrar and the proxy as its modules.
 */
import type { Config } from './config/index.js';
import type { Component } from './lifecycle.js';
import type { Logger } from './log.js';
import type { ReloadConfig } from './cli/start-deps.js';
import { createHeapReclaim } from './wiring/heap-reclaim.js';
import { createAdmin } from './wiring/admin.js';
import { createMedia } from './wiring/media.js';
import { createRegistration } from './wiring/registration.js';
import { createRoutingService } from './wiring/routing.js';
import { createSecurity } from './wiring/security.js';
import { createSipCore } from './wiring/sip-core.js';
import { type WorkerContext, createReadySignal, createWorkerLink } from './cluster/worker.js';

export async function buildComponents(config: Config, logger: Logger, reloadConfig?: ReloadConfig, worker?: WorkerContext): Promise<Component[]> {
  // In a group, the housekeeping that must happen once (admin API, keep-alives, purging) runs
  // in worker 0; every worker handles the calls its Call-IDs hash to.
  const first = worker === undefined || worker.role.index === 0;
  const link = worker === undefined ? undefined : createWorkerLink(worker.role, worker.channel, logger);
  const routing = createRoutingService(config, logger, reloadConfig);
  const onSighup = (): void => void routing.reload();
  const routingComponent: Component = {
    name: 'routing',
    async start() {
      await routing.init();
      // SIGHUP reloads the routing policy (route list, trunks, hooks), as Kamailio's and
      // Asterisk's operators expect; registrations and calls in progress are untouched.
      process.on('SIGHUP', onSighup);
    },
    async stop() {
      process.off('SIGHUP', onSighup);
    },
  };
  // Security first: bans are loaded before the first packet; its modules run before the others.
  const security = createSecurity(config, logger);
  // The media relay (and its ng control listener), started before the proxy that uses it.
  const media = createMedia(config, logger);
  const registration = createRegistration(config, logger, undefined, {
    router: routing.router,
    callPolicy: security.callPolicy,
    onAuthEvent: security.onAuthEvent,
    // The relay lives in one process: a group has none (the config requires media.mode: never).
    ...(worker === undefined ? { media: () => media.sessions() } : {}),
    housekeeping: first,
  });
  const mediaTimeouts: Component = {
    name: 'media-timeouts',
    async start() {
      // No RTP for media.timeout seconds: the call is torn down with BYE on both legs.
      media.sessions().onTimeout((callId, reason) => {
        const sent = registration.terminate(callId, `media timeout: ${reason}`);
        logger.warn({ callId, user: media.userOf(callId), reason, byeSent: sent }, 'call ended: no media');
        if (!sent) void media.sessions().delete(callId, 'media timeout');
      });
    },
    async stop() {},
  };
  const sip = await createSipCore(config, logger, [...security.modules, registration.registrarModule, registration.proxyModule], undefined, {
    admit: security.admit,
    ...(link === undefined ? {} : { shard: link.shard }),
  });
  security.attachTransport(sip.transport);
  const admin = createAdmin(config, logger, {
    location: registration.location,
    endpoint: sip.endpoint,
    calls: registration.calls,
    media: () => media.sessions(),
    banList: () => security.guard().bans,
    reloaders: [
      async () => {
        const r = await routing.reload();
        if (!r.ok) throw new Error(r.message);
        // The other workers reload the same file (their SIGHUP handler above).
        worker?.channel.send({ sb: 'reload-others' });
        return r.message;
      },
    ],
  });
  const heapReclaim = createHeapReclaim(config, logger, () => registration.calls.size + media.activeSessions());
  if (link === undefined || worker === undefined) return [routingComponent, security, media, mediaTimeouts, registration, sip, admin, heapReclaim];
  return [link, routingComponent, security, registration, sip, ...(first ? [admin] : []), heapReclaim, createReadySignal(worker.channel)];
}
