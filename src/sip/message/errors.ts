/**
 * Parse and validation failures, from one table. Each has a stable code (usable as a metric
 * label) and the SIP status a UAS answers with. Bad input is never thrown: it is returned.
 */

export const MESSAGE_ERRORS = {
  SIP_ERR_EMPTY: { status: 400, reason: 'Empty message' },
  SIP_ERR_TOO_LARGE: { status: 513, reason: 'Message Too Large' },
  SIP_ERR_START_LINE: { status: 400, reason: 'Malformed start line' },
  SIP_ERR_REQUEST_URI: { status: 400, reason: 'Malformed Request-URI' },
  SIP_ERR_STATUS_CODE: { status: 400, reason: 'Malformed status code' },
  SIP_ERR_HEADER_LINE: { status: 400, reason: 'Malformed header line' },
  SIP_ERR_TOO_MANY_HEADERS: { status: 400, reason: 'Too many headers' },
  SIP_ERR_HEADER_SYNTAX: { status: 400, reason: 'Malformed header' },
  SIP_ERR_MISSING_HEADER: { status: 400, reason: 'Missing mandatory header' },
  SIP_ERR_DUPLICATE_HEADER: { status: 400, reason: 'Header may appear only once' },
  SIP_ERR_CONTENT_LENGTH: { status: 400, reason: 'Bad Content-Length' },
  SIP_ERR_VERSION: { status: 505, reason: 'Version Not Supported' },
  SIP_ERR_URI_SCHEME: { status: 416, reason: 'Unsupported URI Scheme' },
  SIP_ERR_CSEQ_METHOD: { status: 400, reason: 'CSeq method does not match request method' },
  SIP_ERR_RURI_HEADERS: { status: 400, reason: 'Request-URI must not contain headers' },
  SIP_ERR_METHOD_UNKNOWN: { status: 501, reason: 'Not Implemented' },
} as const satisfies Record<string, { status: number; reason: string }>;

export type MessageErrorCode = keyof typeof MESSAGE_ERRORS;

/** A typed protocol failure: what went wrong, where, and the status to answer with. */
export interface MessageError {
  readonly code: MessageErrorCode;
  readonly status: number;
  /** Human-readable, safe to put in a reason phrase (ASCII, no CR/LF). */
  readonly reason: string;
  /** Canonical lower-case name of the header at fault, when there is one. */
  readonly header?: string;
}

/** Builds a MessageError; `detail` refines the table's reason phrase. */
export function messageError(code: MessageErrorCode, detail?: string, header?: string): MessageError {
  const entry = MESSAGE_ERRORS[code];
  const reason = detail === undefined ? entry.reason : sanitizeReason(detail);
  return header === undefined ? { code, status: entry.status, reason } : { code, status: entry.status, reason, header };
}

/** Reason phrases end up on the wire: keep them printable ASCII and short. */
function sanitizeReason(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
