/** Requests the transaction layer derives from an INVITE: the ACK for a non-2xx (§17.1.1.3) and CANCEL (§9.1). */
import { CSeq, HeaderField, SipRequest, type SipResponse } from '../message/index.js';

/**
 * RFC 3261 §17.1.1.3: "The ACK request constructed by the client transaction MUST contain
 * values for the Call-ID, From, and Request-URI that are equal to the values of those header
 * fields in the request passed to the transport by the client transaction ... The To header
 * field in the ACK MUST equal the To header field in the response being acknowledged ... The
 * ACK MUST contain a single Via header field, and this MUST be equal to the top Via header
 * field of the original request. The CSeq header field in the ACK MUST contain the same value
 * for the sequence number as was present in the original request, but the method parameter
 * MUST be equal to 'ACK'. If the INVITE request whose response is being acknowledged had
 * Route header fields, those header fields MUST appear in the ACK."
 */
export function buildAckForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: HeaderField[] = [
    new HeaderField('Via', 'via', invite.topVia.toString()),
    new HeaderField('Max-Forwards', 'max-forwards', '70'),
    copyField(invite, 'from'),
    copyField(response, 'to'),
    copyField(invite, 'call-id'),
    new HeaderField('CSeq', 'cseq', new CSeq(invite.cseq.seq, 'ACK').toString()),
    ...invite.fields('route'),
  ];
  const ack = new SipRequest('ACK', invite.uri, headers);
  ack.setBody(Buffer.alloc(0));
  return ack;
}

/**
 * RFC 3261 §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header
 * fields in the CANCEL request MUST be identical to those in the request being cancelled,
 * including tags. A CANCEL constructed by a client MUST have only a single Via header field
 * value matching the top Via value in the request being cancelled ... the method part of
 * the CSeq header field MUST have a value of CANCEL ... If the request being cancelled
 * contains a Route header field, the CANCEL request MUST include that Route header field's
 * values." The CANCEL is then sent in its own non-INVITE client transaction.
 */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers: HeaderField[] = [
    new HeaderField('Via', 'via', invite.topVia.toString()),
    new HeaderField('Max-Forwards', 'max-forwards', '70'),
    copyField(invite, 'from'),
    copyField(invite, 'to'),
    copyField(invite, 'call-id'),
    new HeaderField('CSeq', 'cseq', new CSeq(invite.cseq.seq, 'CANCEL').toString()),
    ...invite.fields('route'),
  ];
  const cancel = new SipRequest('CANCEL', invite.uri, headers);
  cancel.setBody(Buffer.alloc(0));
  return cancel;
}

function copyField(message: SipRequest | SipResponse, key: string): HeaderField {
  const f = message.fields(key)[0];
  if (f === undefined) throw new Error(`message has no ${key} header`);
  return f;
}
