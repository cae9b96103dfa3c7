/**
 * RFC 3261 §8.2 checks a UAS core makes before a module acts on a request, as a pure
 * function: the request in, the response to send (or nothing) out.
 */
import { type SipRequest, validateRequest } from '../message/index.js';

export interface CheckVerdict {
  readonly status: number;
  readonly reason: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
}

export interface CheckPolicy {
  /** Methods some module implements; undefined when a module takes any method (a proxy). */
  readonly methods: readonly string[] | undefined;
  /** Option tags the server supports. */
  readonly extensions: readonly string[];
  /** Request-URI schemes accepted. */
  readonly uriSchemes: readonly string[];
}

/** Methods RFC 3261 and its common extensions define (for 405 vs 501). */
export const STANDARD_METHODS = [
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
] as const;

/**
 * Version (505), header syntax (400), Request-URI scheme (416), method (501 for a method no
 * module implements and nobody defines; §8.2.1), CSeq/method mismatch (400), and
 * Require (420 with Unsupported; §8.2.2.3 — not for ACK and CANCEL).
 */
export function checkRequest(req: SipRequest, policy: CheckPolicy): CheckVerdict | undefined {
  const known = policy.methods === undefined ? undefined : [...new Set([...policy.methods, ...STANDARD_METHODS])];
  const invalid = validateRequest(req, { uriSchemes: policy.uriSchemes, knownMethods: known });
  if (invalid !== undefined) {
    if (invalid.status === 501 && policy.methods !== undefined) {
      return { status: 501, reason: 'Not Implemented', headers: [['Allow', policy.methods.join(', ')]] };
    }
    return { status: invalid.status, reason: invalid.reason };
  }
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const required = req.headerValues('require') ?? [];
    // §8.2.2.3: "the UAS MUST respond with a 420 (Bad Extension) response ... [and] MUST add
    // an Unsupported header field, and list in it those options it does not understand".
    const unsupported = required.filter((tag) => tag !== '' && !policy.extensions.includes(tag.toLowerCase()));
    if (unsupported.length > 0) {
      return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] };
    }
  }
  return undefined;
}
