/**
 * The media component: the RTP relay (src/media) and the media session controller
 * (src/media-session) from the `media` config section, plus the rtpengine ng control listener
 * when `media.ng` is set. Stopping releases every call's ports and closes the listener.
 */
import { type Clock, systemClock } from '../../lib/index.js';
import { MediaRelay } from '../../media/index.js';
import { type MediaSessionControl, MediaSessions } from '../../media-session/index.js';
import { MediaSessionNgBackend, NgProtocol, NgServer } from '../../ng/index.js';
import type { Config } from '../config/index.js';
import type { Component } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { CallUsers } from './call-users.js';

export interface MediaComponent extends Component {
  /** The controller the proxy drives (throws until started). */
  sessions(): MediaSessionControl;
  /** Calls with media sessions now (0 while media is stopped). */
  activeSessions(): number;
  /** The bound ng listener, when configured and started. */
  ngAddress(): { host: string; port: number } | undefined;
  /** The user of a call the proxy tracks (or tracked lately), for log lines keyed by Call-ID. */
  userOf(callId: string): string | undefined;
}

export interface MediaOptions {
  readonly clock?: Clock;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** `media.bind_address`, else the first listen address that is not a wildcard, else 127.0.0.1. */
export function mediaBindAddress(config: Pick<Config, 'media' | 'listen'>): string {
  if (config.media.bindAddress !== undefined) return config.media.bindAddress;
  return config.listen.find((l) => !WILDCARDS.has(l.address))?.address ?? '127.0.0.1';
}

export function createMedia(config: Config, logger: Logger, options: MediaOptions = {}): MediaComponent {
  const log = logger.child({ component: 'media' });
  const m = config.media;
  const clock = options.clock ?? systemClock;
  const bindAddress = mediaBindAddress(config);
  const advertisedAddress = m.advertisedAddress ?? bindAddress;
  let relay: MediaRelay | undefined;
  let sessions: MediaSessions | undefined;
  let ng: NgServer | undefined;
  // Media log lines know the Call-ID only: the user comes from the proxy's call events.
  const callUsers = new CallUsers();

  const stop = async (): Promise<void> => {
    const server = ng;
    ng = undefined;
    await server?.close();
    const s = sessions;
    sessions = undefined;
    if (s !== undefined) {
      const n = await s.deleteAll('shutdown');
      if (n > 0) log.info({ calls: n }, 'media released at stop');
    }
    const r = relay;
    relay = undefined;
    await r?.close();
    callUsers.stop();
  };

  return {
    name: 'media',
    sessions() {
      if (sessions === undefined) throw new Error('media not started');
      return sessions;
    },
    activeSessions: () => sessions?.size ?? 0,
    ngAddress() {
      return ng?.address;
    },
    userOf: (callId) => callUsers.userOf(callId),
    async start() {
      callUsers.start();
      relay = MediaRelay.create({
        bindAddress,
        portRange: { min: m.portMin, max: m.portMax },
        clock,
        mediaTimeoutMs: m.timeout * 1000,
        engine: m.engine,
        threads: m.threads,
      });
      log.info({ engine: relay.engine }, 'media relay forwarding engine');
      sessions = new MediaSessions({
        relay,
        clock,
        codecs: [...m.codecs],
        transcode: m.transcode,
        advertisedAddress,
        mediaTimeoutMs: m.timeout * 1000,
        holdTimeoutMs: m.holdTimeout * 1000,
        log: callUsers.wrap(log),
      });
      if (m.ng !== undefined) {
        const backend = new MediaSessionNgBackend({ sessions });
        const protocol = new NgProtocol({ backend, clock, onBackendError: (command, err) => log.error({ command, err }, 'ng backend failed') });
        const server = new NgServer(protocol, { onSendError: (err) => log.warn({ err }, 'ng reply not sent') });
        const r = await server.listen(m.ng.address, m.ng.port);
        if (!r.ok) {
          await stop();
          throw new Error(r.error);
        }
        ng = server;
      }
    },
    stop,
    describe() {
      return {
        media: {
          mode: m.mode,
          bind: bindAddress,
          advertised: advertisedAddress,
          ports: `${m.portMin}-${m.portMax}`,
          codecs: [...m.codecs],
          transcode: m.transcode,
          ...(ng?.address === undefined ? {} : { ng: `${ng.address.host}:${ng.address.port}` }),
        },
      };
    },
  };
}
