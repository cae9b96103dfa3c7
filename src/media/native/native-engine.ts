/**
 * The relay's handle on the native RTP engine: creates it (N forwarding threads) on first use,
 * binds sockets in it, registers sessions and routes the packets it hands back to JS to their
 * session links. One per MediaRelay; `shutdown` joins the threads (recreated on next use).
 */
import { type Clock, type Result, err, ok } from '../../lib/index.js';
import type { RelaySession } from '../relay/relay-session.js';
import type { BindError } from '../relay/relay-socket.js';
import { NativeSessionLink } from './native-session-link.js';
import type { EngineHandle, RtpAddon } from './rtp-addon.js';

/** A socket bound in the addon, not yet part of a session (close it if the session fails). */
export interface NativeSocket {
  readonly fd: number;
  readonly port: number;
}

export class NativeEngine {
  private handle: EngineHandle | null = null;
  private readonly links = new Map<number, NativeSessionLink>();

  constructor(
    private readonly addon: RtpAddon,
    readonly threads: number,
  ) {}

  bind(address: string, port: number): Result<NativeSocket, BindError> {
    const [fd, info] = this.addon.bind(address, port);
    if (fd >= 0) return ok({ fd, port: info as number });
    const message = `udp bind ${address}:${port}: ${String(info)}`;
    return err(info === 'EADDRINUSE' ? { code: 'address-in-use', message } : { code: 'bind-failed', message });
  }

  close(socket: NativeSocket): void {
    this.addon.closeFd(socket.fd);
  }

  /** Hands the sockets (ownership passes) and the session to the engine. */
  attach(session: RelaySession, clock: Clock, a: { rtp: NativeSocket; rtcp: NativeSocket | null }, b: { rtp: NativeSocket; rtcp: NativeSocket | null }): NativeSessionLink {
    const h = this.engine();
    const sid = this.addon.addSession(h, a.rtp.fd, a.rtcp?.fd ?? -1, b.rtp.fd, b.rtcp?.fd ?? -1);
    const link = new NativeSessionLink(this.addon, h, sid, session, clock);
    this.links.set(sid, link);
    return link;
  }

  /** Removes the session from the engine; its sockets are closed when this returns. */
  detach(link: NativeSessionLink): void {
    this.links.delete(link.sessionId);
    link.remove();
  }

  /** Stops the forwarding threads once no session is left. */
  shutdown(): void {
    if (this.handle === null || this.links.size > 0) return;
    this.addon.destroyEngine(this.handle);
    this.handle = null;
  }

  private engine(): EngineHandle {
    if (this.handle === null) {
      this.handle = this.addon.createEngine(this.threads, (sid, channel, packet, address, port) => {
        this.links.get(sid)?.onPacket(channel, packet, address, port);
      });
    }
    return this.handle;
  }
}
