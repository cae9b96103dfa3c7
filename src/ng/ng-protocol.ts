/**
 * Sans-IO core of rtpengine's "ng" control protocol (docs/ng_control_protocol.md): datagram
 * bytes, source and time in; reply bytes out. "Each message ... contains of two parts: a unique
 * message cookie and a dictionary document, separated by a single space. ... The message cookie
 * in the response generated to a particular request therefore must be the same as in the
 * request." The dictionary is bencoded; "The dictionary of each request must contain at least
 * one key called `command`", and "The response dictionary must contain at least one key called
 * `result`. ... If the result is `error`, then another key `error-reason` must be given".
 *
 * Commands: ping, offer, answer, delete, query, list. rtpengine's other documented commands are
 * answered "Unsupported command '<name>'", anything else "Unrecognized command". A datagram
 * without a cookie is dropped (there is nothing to answer to); every other bad datagram gets an
 * error reply. Nothing a peer sends can make this throw; a backend that throws (a bug) is
 * reported through `onBackendError` and the request answered "Internal error".
 */
import type { Clock } from '../lib/index.js';
import { type BencodeDict, type BencodeInput, type BencodeLimits, binaryStringBytes, decodeBencode, encodeBencode } from './bencode.js';
import { NgCookieCache, type NgCookieCacheOptions } from './ng-cookie-cache.js';
import { parseAnswer, parseDelete, parseListLimit, parseOffer, parseQuery } from './ng-request-parser.js';
import { callStatsEntries } from './ng-stats-format.js';
import type { NgBackend, NgResult, NgSource } from './ng-types.js';

export interface NgProtocolOptions {
  readonly backend: NgBackend;
  readonly clock: Clock;
  /** Larger datagrams get an error reply (default 65535, the UDP maximum). */
  readonly maxDatagramBytes?: number;
  /** Longer cookies are treated as no cookie (default 256). */
  readonly maxCookieBytes?: number;
  readonly cache?: NgCookieCacheOptions;
  readonly limits?: BencodeLimits;
  readonly onBackendError?: (command: string, error: unknown) => void;
}

type Reply = Map<string, BencodeInput | undefined>;

const SPACE = 0x20;
/** Commands rtpengine documents that this relay does not implement. */
const UNSUPPORTED = new Set([
  'start recording',
  'stop recording',
  'pause recording',
  'block DTMF',
  'unblock DTMF',
  'block media',
  'unblock media',
  'silence media',
  'unsilence media',
  'start forwarding',
  'stop forwarding',
  'play media',
  'stop media',
  'play DTMF',
  'statistics',
  'publish',
  'subscribe request',
  'subscribe answer',
  'unsubscribe',
]);

export function errorReply(reason: string): Reply {
  return new Map([
    ['result', 'error'],
    ['error-reason', reason],
  ]);
}

export class NgProtocol {
  private readonly backend: NgBackend;
  private readonly clock: Clock;
  private readonly maxDatagram: number;
  private readonly maxCookie: number;
  private readonly limits: BencodeLimits;
  private readonly cache: NgCookieCache;
  private readonly onBackendError: (command: string, error: unknown) => void;

  constructor(options: NgProtocolOptions) {
    this.backend = options.backend;
    this.clock = options.clock;
    this.maxDatagram = options.maxDatagramBytes ?? 65535;
    this.maxCookie = options.maxCookieBytes ?? 256;
    this.limits = options.limits ?? {};
    this.cache = new NgCookieCache(options.cache);
    this.onBackendError = options.onBackendError ?? (() => undefined);
  }

  /** Number of replies (and requests in progress) held for retransmissions. */
  get cachedReplies(): number {
    return this.cache.size;
  }

  /** Handles one datagram; resolves to the reply to send back to `source`, or `undefined` to drop it. */
  handle(datagram: Buffer, source: NgSource, now: number = this.clock.now()): Promise<Buffer | undefined> {
    const space = datagram.indexOf(SPACE);
    // rtpengine: no space, or an empty cookie, is "Invalid data (no cookie)" and is not answered.
    if (space <= 0 || space > this.maxCookie) return Promise.resolve(undefined);
    const cookie = Buffer.from(datagram.subarray(0, space));
    if (datagram.length > this.maxDatagram) return Promise.resolve(this.encode(cookie, errorReply('Message too large')));

    const key = NgCookieCache.key(source.host, source.port, cookie);
    const seen = this.cache.lookup(key, now);
    if (seen !== undefined) return Promise.resolve(seen.reply);
    const reply = this.process(datagram.subarray(space + 1), source).then((r) => {
      try {
        return this.encode(cookie, r);
      } catch (e) {
        // Only a backend value that cannot be encoded (e.g. a NaN counter) gets here.
        this.onBackendError('encode', e);
        return this.encode(cookie, errorReply('Internal error'));
      }
    });
    this.cache.start(key, now, reply);
    return reply;
  }

  private encode(cookie: Buffer, reply: Reply): Buffer {
    return encodeBencode(reply, Buffer.concat([cookie, Buffer.of(SPACE)]));
  }

  private async process(body: Buffer, source: NgSource): Promise<Reply> {
    const decoded = decodeBencode(trimTrailingWhitespace(body), this.limits);
    if (!decoded.ok || !(decoded.value instanceof Map)) return errorReply('Could not decode dictionary');
    const dict = decoded.value;
    const command = dict.get('command');
    if (!Buffer.isBuffer(command)) return errorReply('Dictionary contains no key "command"');
    const name = command.toString('latin1');
    try {
      return await this.dispatch(name, dict, source);
    } catch (e) {
      this.onBackendError(name, e);
      return errorReply('Internal error');
    }
  }

  private async dispatch(command: string, dict: BencodeDict, source: NgSource): Promise<Reply> {
    switch (command) {
      case 'ping':
        return new Map([['result', 'pong']]);
      case 'offer': {
        const req = parseOffer(dict, source);
        if (!req.ok) return errorReply(req.error);
        return sdpReply(await this.backend.offer(req.value));
      }
      case 'answer': {
        const req = parseAnswer(dict, source);
        if (!req.ok) return errorReply(req.error);
        return sdpReply(await this.backend.answer(req.value));
      }
      case 'delete': {
        const req = parseDelete(dict, source);
        if (!req.ok) return errorReply(req.error);
        const res = await this.backend.delete(req.value);
        if (res.result === 'error') {
          // "fatal: Specifies that any non-syntactical error ... shall result in an error reply
          // ... The default is to reply with a warning only (i.e. "result": "ok", "warning": ...)."
          return req.value.fatal ? errorReply(res.errorReason) : okReply(new Map(), res.errorReason);
        }
        return okReply(res.value.stats === undefined ? new Map() : callStatsEntries(res.value.stats), res.warning);
      }
      case 'query': {
        const req = parseQuery(dict, source);
        if (!req.ok) return errorReply(req.error);
        const res = await this.backend.query(req.value);
        if (res.result === 'error') return errorReply(res.errorReason);
        return okReply(callStatsEntries(res.value), res.warning);
      }
      case 'list': {
        if (this.backend.list === undefined) return errorReply("Unsupported command 'list'");
        const limit = parseListLimit(dict);
        if (!limit.ok) return errorReply(limit.error);
        const calls = (await this.backend.list(limit.value)).slice(0, limit.value);
        return okReply(new Map([['calls', calls.map(binaryStringBytes)]]));
      }
      default:
        return errorReply(UNSUPPORTED.has(command) ? `Unsupported command '${command}'` : 'Unrecognized command');
    }
  }
}

function okReply(entries: Reply, warning?: string): Reply {
  const reply: Reply = new Map<string, BencodeInput | undefined>([['result', 'ok']]);
  if (warning !== undefined) reply.set('warning', warning);
  for (const [k, v] of entries) reply.set(k, v);
  return reply;
}

/** "The response message only contains the key `sdp` in addition to `result`". */
function sdpReply(res: NgResult<{ sdp: string }>): Reply {
  if (res.result === 'error') return errorReply(res.errorReason);
  return okReply(new Map([['sdp', res.value.sdp]]), res.warning);
}

/** Tolerates a trailing newline or spaces after the dictionary (e.g. from `nc`). */
function trimTrailingWhitespace(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === SPACE || b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0x09)) end--;
  return b.subarray(0, end);
}
