/**
 * The SIP message log: at `debug`, one line per SIP message received or sent, fed from the
 * transport's diagnostics channel (`switchboard:sip:message`) so the SIP core never logs per
 * message itself. Each line carries direction, method (a response's CSeq method) and status,
 * `callId` and `user` (see sipLogFields), the far end and the transport. Subscribed only while
 * debug lines are written: without a subscriber the transport publishes nothing.
 */
import diagnostics from 'node:diagnostics_channel';
import { messageMethod, sipLogFields } from '../../sip/endpoint/index.js';
import { type NetAddress, SIP_MESSAGE_CHANNEL, type SipWireEvent, hostPort } from '../../sip/transport/index.js';
import type { Logger } from '../log.js';

export interface SipMessageLog {
  start(): void;
  stop(): void;
}

function addressText(a: NetAddress): string {
  return hostPort(a.host, a.port);
}

/** The fields of one message's line (exported for the tests). */
export function sipMessageLogFields(e: SipWireEvent): Record<string, unknown> {
  const m = e.message;
  const where = e.direction === 'in' ? { source: addressText(e.remote) } : { destination: addressText(e.remote) };
  const base = { direction: e.direction, transport: e.remote.transport, ...where, local: addressText(e.local), size: e.bytes.length };
  const conn = e.connectionId === undefined ? {} : { connectionId: e.connectionId };
  if (m === undefined) return { ...base, ...conn, unparsable: true };
  return { ...sipLogFields(m), ...base, ...conn, method: messageMethod(m), ...(m.kind === 'response' ? { status: m.status } : {}) };
}

function messageText(e: SipWireEvent): string {
  const what = e.message === undefined ? 'unparsable SIP message' : `SIP ${e.message.kind}`;
  return `${what} ${e.direction === 'in' ? 'received' : 'sent'}`;
}

export function createSipMessageLog(logger: Logger): SipMessageLog {
  let subscribed = false;
  const onMessage = (m: unknown): void => {
    const e = m as SipWireEvent;
    logger.debug(sipMessageLogFields(e), messageText(e));
  };
  return {
    start() {
      if (subscribed || !logger.isLevelEnabled('debug')) return;
      subscribed = true;
      diagnostics.subscribe(SIP_MESSAGE_CHANNEL, onMessage);
    },
    stop() {
      if (!subscribed) return;
      subscribed = false;
      diagnostics.unsubscribe(SIP_MESSAGE_CHANNEL, onMessage);
    },
  };
}
