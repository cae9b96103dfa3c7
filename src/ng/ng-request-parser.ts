/**
 * Turns an ng request dictionary into the typed requests of ng-types.ts, following rtpengine's
 * docs/ng_control_protocol.md. Policy for options:
 *  - missing required keys are errors with rtpengine's own messages ("No SDP body in message",
 *    "No call-id in message", "No from-tag in message", "No to-tag in message");
 *  - a known key with a value of the wrong type, or outside its documented set (e.g. `ICE`,
 *    `transport-protocol`, `DTLS`, `address-family`, `direction` not of two entries), is an error
 *    reply naming the key, so a misconfigured proxy learns about it at once;
 *  - unknown keys, flags and list entries are accepted and ignored, as rtpengine does ("Unknown
 *    flag encountered" is only logged there); they are listed in the request's `ignored` field.
 */
import { type Result, ok, err } from '../lib/index.js';
import type { BencodeDict } from './bencode.js';
import { NgDictReader, hyphenate, listOfStrings } from './ng-dict-reader.js';
import { type FlagState, addCodecOp, addFlag, addReplace, addRtcpMux, newFlagState } from './ng-flags.js';
import type {
  NgAddressFamily,
  NgAnswerRequest,
  NgDeleteRequest,
  NgDtlsMode,
  NgIceMode,
  NgOfferAnswerBase,
  NgOfferRequest,
  NgQueryRequest,
  NgSource,
  NgTransportProtocol,
} from './ng-types.js';

const ICE_MODES: readonly NgIceMode[] = ['remove', 'force', 'default', 'force-relay', 'optional'];
const TRANSPORT_PROTOCOLS: readonly NgTransportProtocol[] = ['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF'];
const FAMILIES: readonly NgAddressFamily[] = ['IP4', 'IP6'];
/** rtpengine's default `list` limit ("This list is limited to 32 elements by default"). */
export const DEFAULT_LIST_LIMIT = 32;
/** Our ceiling, so a reply still fits one UDP datagram. */
export const MAX_LIST_LIMIT = 1000;

export function parseOffer(dict: BencodeDict, source: NgSource): Result<NgOfferRequest, string> {
  return parseOfferAnswer(dict, source, 'offer') as Result<NgOfferRequest, string>;
}

export function parseAnswer(dict: BencodeDict, source: NgSource): Result<NgAnswerRequest, string> {
  return parseOfferAnswer(dict, source, 'answer') as Result<NgAnswerRequest, string>;
}

function parseOfferAnswer(dict: BencodeDict, source: NgSource, op: 'offer' | 'answer'): Result<NgOfferRequest | NgAnswerRequest, string> {
  const r = new NgDictReader(dict);
  r.consume('command');
  const sdp = r.text('sdp');
  const callId = r.str('call-id');
  const fromTag = r.str('from-tag');
  const toTag = r.str('to-tag');
  if (r.error !== undefined) return err(r.error);
  // Checked in rtpengine's order (call_offer_answer_ng).
  if (sdp === undefined) return err('No SDP body in message');
  if (callId === undefined) return err('No call-id in message');
  if (fromTag === undefined) return err('No from-tag in message');
  if (op === 'answer' && toTag === undefined) return err('No to-tag in message');

  const state = newFlagState();
  for (const f of r.strList('flags') ?? []) addFlag(state, f);
  for (const v of r.strList('replace') ?? []) addReplace(state, v);
  for (const v of r.strList('rtcp-mux') ?? []) addRtcpMux(state, v);
  for (const v of r.strList('SDES') ?? []) state.sdes.push(v);
  readCodecDict(r, state);

  const ice = oneOf(r, 'ICE', ICE_MODES, (v) => hyphenate(v).toLowerCase().replaceAll('_', '-'));
  const transportProtocol = readTransportProtocol(r, op);
  const addressFamily = oneOf(r, 'address-family', FAMILIES, (v) => v.toUpperCase());
  const dtls = readDtls(r);
  const direction = readDirection(r);
  const receivedFrom = readReceivedFrom(r);
  const recordCall = readYesNo(r, 'record-call');
  // "`label` or `from-label`".
  const label = r.str('label');
  const fromLabel = r.str('from-label');
  const base: NgOfferAnswerBase = {
    callId,
    fromTag,
    viaBranch: r.str('via-branch'),
    sdp,
    flags: state.flags,
    replace: state.replace,
    direction,
    receivedFrom,
    mediaAddress: r.str('media-address'),
    addressFamily,
    ice,
    transportProtocol,
    rtcpMux: state.rtcpMux,
    codec: state.codec,
    dtls,
    sdes: state.sdes,
    label: label ?? fromLabel,
    ptime: r.int('ptime'),
    ptimeReverse: r.int('ptime-reverse'),
    recordCall,
    supports: r.strList('supports') ?? [],
    ignored: state.ignored,
    source,
  };
  if (r.error !== undefined) return err(r.error);
  for (const k of r.unread()) state.ignored.push(`key '${k}'`);
  return ok(toTag === undefined ? base : { ...base, toTag });
}

function readCodecDict(r: NgDictReader, state: FlagState): void {
  const codec = r.dict('codec');
  if (codec === undefined) return;
  for (const [rawKey, v] of codec) {
    const key = hyphenate(rawKey);
    const names = listOfStrings(v, true);
    if (names === undefined) {
      r.error ??= `Invalid value for 'codec.${key}': expected a list of strings`;
      return;
    }
    if (!addCodecOp(state, key, names)) state.ignored.push(`key 'codec.${key}'`);
  }
}

/** A string key restricted to a set of values (after `normalise`); anything else is an error. */
function oneOf<T extends string>(r: NgDictReader, key: string, allowed: readonly T[], normalise: (v: string) => string): T | undefined {
  const raw = r.str(key);
  if (raw === undefined) return undefined;
  const v = normalise(raw);
  const found = allowed.find((a) => a === v);
  if (found === undefined) r.error ??= `Invalid value for '${key}': '${raw}' (expected one of ${allowed.join(', ')})`;
  return found;
}

function readTransportProtocol(r: NgDictReader, op: 'offer' | 'answer'): NgTransportProtocol | 'accept' | undefined {
  const raw = r.str('transport-protocol');
  if (raw === undefined) return undefined;
  // "Additionally the string `accept` can be given in `answer` messages".
  if (raw.toLowerCase() === 'accept') {
    if (op === 'answer') return 'accept';
    r.error ??= "Invalid value for 'transport-protocol': 'accept' is valid only in an answer";
    return undefined;
  }
  const found = TRANSPORT_PROTOCOLS.find((p) => p === raw.toUpperCase());
  if (found === undefined) r.error ??= `Invalid value for 'transport-protocol': '${raw}' (expected one of ${TRANSPORT_PROTOCOLS.join(', ')})`;
  return found;
}

function readDtls(r: NgDictReader): NgDtlsMode | undefined {
  const raw = r.str('DTLS');
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  // "`off` or `no` or `disable`", "`passive`", "`active`".
  if (v === 'off' || v === 'no' || v === 'disable') return 'off';
  if (v === 'passive' || v === 'active') return v;
  r.error ??= `Invalid value for 'DTLS': '${raw}' (expected off, no, disable, passive or active)`;
  return undefined;
}

/** `direction`: "Contains a list of two strings". */
function readDirection(r: NgDictReader): readonly [string, string] | undefined {
  const list = r.strList('direction');
  if (list === undefined || list.length === 0) return undefined;
  if (list.length !== 2) {
    r.error ??= `Invalid value for 'direction': expected two interface names, got ${list.length}`;
    return undefined;
  }
  return [list[0], list[1]];
}

/** `received-from`: "a list of exactly two elements": address family, then the address. */
function readReceivedFrom(r: NgDictReader): NgOfferAnswerBase['receivedFrom'] {
  const list = r.strList('received-from');
  if (list === undefined) return undefined;
  const family = list[0]?.toUpperCase();
  if (list.length !== 2 || (family !== 'IP4' && family !== 'IP6') || list[1] === '') {
    r.error ??= "Invalid value for 'received-from': expected [\"IP4\"|\"IP6\", address]";
    return undefined;
  }
  return { family, address: list[1] };
}

/** `record call`: "one of the strings `yes`, `no`, `on` or `off`". */
function readYesNo(r: NgDictReader, key: string): boolean | undefined {
  const raw = r.str(key);
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v === 'yes' || v === 'on') return true;
  if (v === 'no' || v === 'off') return false;
  r.error ??= `Invalid value for '${key}': '${raw}' (expected yes, no, on or off)`;
  return undefined;
}

export function parseDelete(dict: BencodeDict, source: NgSource): Result<NgDeleteRequest, string> {
  const r = new NgDictReader(dict);
  r.consume('command');
  const callId = r.str('call-id');
  const state = newFlagState();
  for (const f of r.strList('flags') ?? []) addFlag(state, f);
  const req: NgDeleteRequest = {
    callId: callId ?? '',
    fromTag: r.str('from-tag'),
    toTag: r.str('to-tag'),
    viaBranch: r.str('via-branch'),
    deleteDelay: r.int('delete-delay'),
    fatal: state.flags.has('fatal'),
    ignored: state.ignored,
    source,
  };
  if (r.error !== undefined) return err(r.error);
  if (callId === undefined) return err('No call-id in message');
  // "Value must be positive (in seconds) otherwise" — zero means at once.
  if (req.deleteDelay !== undefined && req.deleteDelay < 0) return err("Invalid value for 'delete-delay': must be >= 0");
  for (const f of state.flags) if (f !== 'fatal') state.ignored.push(`flag '${f}'`);
  for (const k of r.unread()) state.ignored.push(`key '${k}'`);
  return ok(req);
}

export function parseQuery(dict: BencodeDict, source: NgSource): Result<NgQueryRequest, string> {
  const r = new NgDictReader(dict);
  const callId = r.str('call-id');
  const fromTag = r.str('from-tag');
  const toTag = r.str('to-tag');
  if (r.error !== undefined) return err(r.error);
  if (callId === undefined) return err('No call-id in message');
  return ok({ callId, fromTag, toTag, source });
}

/** `list`: optional `limit` (default 32; rtpengine: "invalid limit, must be >= 0"). */
export function parseListLimit(dict: BencodeDict): Result<number, string> {
  const r = new NgDictReader(dict);
  const limit = r.int('limit');
  if (r.error !== undefined) return err(r.error);
  if (limit === undefined) return ok(DEFAULT_LIST_LIMIT);
  if (limit < 0) return err('invalid limit, must be >= 0');
  return ok(Math.min(limit, MAX_LIST_LIMIT));
}
