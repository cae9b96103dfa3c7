/** rtpengine "ng" control protocol (bencode over UDP) in front of Switchboard's media relay. */
export {
  type BencodeValue,
  type BencodeDict,
  type BencodeInput,
  type BencodeLimits,
  type BencodeError,
  type BencodeErrorCode,
  decodeBencode,
  decodeBencodePrefix,
  encodeBencode,
  binaryStringBytes,
} from './bencode.js';
export {
  type NgSource,
  type NgResult,
  type NgIceMode,
  type NgTransportProtocol,
  type NgReplace,
  type NgRtcpMux,
  type NgAddressFamily,
  type NgDtlsMode,
  type NgFlag,
  NG_FLAGS,
  type NgCodecOptions,
  type NgOfferAnswerBase,
  type NgOfferRequest,
  type NgAnswerRequest,
  type NgDeleteRequest,
  type NgQueryRequest,
  type NgCounters,
  type NgEndpoint,
  type NgStreamStats,
  type NgMediaStats,
  type NgTagStats,
  type NgCallStats,
  type NgBackend,
} from './ng-types.js';
export { parseOffer, parseAnswer, parseDelete, parseQuery, parseListLimit, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './ng-request-parser.js';
export { callStatsEntries, sumTotals } from './ng-stats-format.js';
export { NgCookieCache, type NgCookieCacheOptions } from './ng-cookie-cache.js';
export { NgProtocol, type NgProtocolOptions, errorReply } from './ng-protocol.js';
export { NgServer, type NgServerOptions } from './node/ng-server.js';
export { MediaSessionNgBackend, type MediaSessionNgBackendOptions, ngCallStats } from './media-session-backend.js';
