/** Serializing a request with another transport in its top Via (RFC 3261 §18.1.1). */
import { type SipRequest, Via, serialize } from '../message/index.js';

/**
 * RFC 3261 §18.1.1: "If this causes a change in the transport protocol from the one indicated
 * in the top Via, the value in the top Via MUST be changed." Returns the wire form of
 * `request` with the top Via's transport (and sent-by port) replaced; the request object is
 * left as it was, so the caller's copy (kept for retransmission) is unchanged.
 */
export function withTopViaTransport(request: SipRequest, transport: string, port: number): Buffer {
  const savedHeaders = request.headers.slice();
  const savedVias = request.vias;
  const top = savedVias[0];
  try {
    request.removeFirstValue('via');
    request.addHeader('via', new Via({ ...top.parts(), transport, port }), 'first');
    return serialize(request);
  } finally {
    request.headers.splice(0, request.headers.length, ...savedHeaders);
    request.prime('via', savedVias);
  }
}
