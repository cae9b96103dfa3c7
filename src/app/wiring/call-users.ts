/**
 * Call-ID → user of the calls the proxy tracks, learnt from the call channel
 * (`switchboard:call`), so log lines from layers that know only the Call-ID (the media session
 * controller) carry the `user` field too. The user is the From URI's user, as on the SIP lines
 * (sipLogFields). Ended calls are remembered for a while (a bounded list, oldest dropped
 * first): their media is released after the BYE.
 */
import diagnostics from 'node:diagnostics_channel';
import { CALL_CHANNEL, type CallEvent } from '../../proxy/index.js';
import { parseUri } from '../../sip/message/index.js';
import { uriLogUser } from '../../sip/endpoint/index.js';

/** Bounds: a flood of calls must not grow the index without limit. */
const MAX_LIVE = 1_000_000;
const MAX_RECENT = 4096;

/** The logger methods wrapped (pino's Logger fits). */
export interface CallLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}

export class CallUsers {
  private readonly live = new Map<string, string>();
  private readonly recent = new Map<string, string>();
  private subscribed = false;
  private readonly onCall = (m: unknown): void => this.event(m as CallEvent);

  start(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    diagnostics.subscribe(CALL_CHANNEL, this.onCall);
  }

  stop(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    diagnostics.unsubscribe(CALL_CHANNEL, this.onCall);
    this.live.clear();
    this.recent.clear();
  }

  userOf(callId: string): string | undefined {
    return this.live.get(callId) ?? this.recent.get(callId);
  }

  private event(e: CallEvent): void {
    const callId = e.call.callId;
    if (e.kind === 'started') {
      const user = uriLogUser(parseUri(e.call.from)) ?? e.call.user;
      if (user !== undefined && this.live.size < MAX_LIVE) this.live.set(callId, user);
      return;
    }
    if (e.kind !== 'failed' && e.kind !== 'ended') return;
    const user = this.live.get(callId);
    if (user === undefined) return;
    this.live.delete(callId);
    this.recent.set(callId, user);
    if (this.recent.size > MAX_RECENT) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) this.recent.delete(oldest.value);
    }
  }

  /** A logger whose lines with a `callId` and no `user` get the call's user. */
  wrap(log: CallLog & { isLevelEnabled(level: string): boolean }): CallLog {
    const add = (fields: object): object => {
      const f = fields as { callId?: unknown; user?: unknown };
      if (typeof f.callId !== 'string' || f.user !== undefined) return fields;
      const user = this.userOf(f.callId);
      return user === undefined ? fields : { ...fields, user };
    };
    return {
      info: (fields: object, msg: string) => log.info(add(fields), msg),
      warn: (fields: object, msg: string) => log.warn(add(fields), msg),
      debug: (fields: object, msg: string) => {
        if (log.isLevelEnabled('debug')) log.debug(add(fields), msg);
      },
    };
  }
}
