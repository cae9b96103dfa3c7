/**
 * Typed failures of this folder. Bad input is never thrown: parse returns an SdpError (the
 * caller answers 400 with its reason), offer filtering returns a MediaRejection (the caller
 * answers 488 with a 305 Warning), offer/answer planning returns an OfferAnswerError.
 */

export type SdpErrorCode =
  | 'SDP_ERR_EMPTY'
  | 'SDP_ERR_TOO_LARGE'
  | 'SDP_ERR_TOO_MANY_LINES'
  | 'SDP_ERR_TOO_MANY_MEDIA'
  | 'SDP_ERR_LINE_SYNTAX'
  | 'SDP_ERR_FIELD'
  | 'SDP_ERR_MISSING_LINE'
  | 'SDP_ERR_ORDER';

/** A parse failure with a short human reason, safe for a SIP reason phrase (ASCII, no CR/LF). */
export interface SdpError {
  readonly code: SdpErrorCode;
  readonly reason: string;
  /** 1-based line number in the input, when one line is at fault. */
  readonly line?: number;
}

export function sdpError(code: SdpErrorCode, reason: string, line?: number): SdpError {
  return line === undefined ? { code, reason: sanitize(reason) } : { code, reason: sanitize(reason), line };
}

/**
 * The offer names no codec the policy allows: RFC 3261 §21.4.26 `488 Not Acceptable Here`
 * with `Warning: 305 <host> "Incompatible media format"` (RFC 3261 §20.43).
 */
export interface MediaRejection {
  readonly status: 488;
  readonly reasonPhrase: 'Not Acceptable Here';
  readonly warningCode: 305;
  readonly warningText: 'Incompatible media format';
  /** Index of the first m-line that had no acceptable codec. */
  readonly mediaIndex: number;
  /** Human detail for logs, e.g. "m-line 0 (audio): no allowed codec among PCMU, GSM". */
  readonly detail: string;
}

export function mediaRejection(mediaIndex: number, detail: string): MediaRejection {
  return {
    status: 488,
    reasonPhrase: 'Not Acceptable Here',
    warningCode: 305,
    warningText: 'Incompatible media format',
    mediaIndex,
    detail: sanitize(detail),
  };
}

/** The Warning header value for a rejection: `305 <host> "Incompatible media format"` (RFC 3261 §20.43). */
export function warningHeaderValue(rejection: MediaRejection, host: string): string {
  return `${rejection.warningCode} ${host} "${rejection.warningText}"`;
}

export type OfferAnswerErrorCode = 'OA_ERR_MLINE_COUNT' | 'OA_ERR_MLINE_TYPE' | 'OA_ERR_NO_COMMON_CODEC';

/** An answer that does not fit its offer (RFC 3264 §6). */
export interface OfferAnswerError {
  readonly code: OfferAnswerErrorCode;
  readonly reason: string;
  readonly mediaIndex?: number;
}

export function offerAnswerError(code: OfferAnswerErrorCode, reason: string, mediaIndex?: number): OfferAnswerError {
  return mediaIndex === undefined ? { code, reason: sanitize(reason) } : { code, reason: sanitize(reason), mediaIndex };
}

/** Keeps reasons printable ASCII and short: they may end up in a reason phrase or a log line. */
function sanitize(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 160 ? clean.slice(0, 157) + '...' : clean;
}
