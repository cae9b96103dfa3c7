/** SIP message + URI model: parse(Buffer) / serialize() — RFC 3261 §7, §19, §20, §25. */
export { parse, type ParseOptions, type ParseResult, type PartialMessage, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_HEADERS } from './parser.js';
export { serialize } from './serializer.js';
export { SipRequest, SipResponse, type SipMessage, type HeaderValue } from './message.js';
export { HeaderField } from './header-field.js';
export { headerKey, canonicalName, isListHeader, isSingleHeader } from './header-names.js';
export { SipUri, TelUri, AbsoluteUri, type Uri, type SipUriParts, type UriHeader, parseUri, uriEquals, unescape, isValidHost } from './uri.js';
export { NameAddr, parseNameAddr } from './name-addr.js';
export { Via, type ViaParts, parseVia } from './via.js';
export { CSeq, MAX_CSEQ, parseCSeq, parseMaxForwards, parseContentLength, parseDeltaSeconds, isValidCallId } from './cseq.js';
export { type Param, getParam, hasParam, withParam, withoutParam, formatParams, parseHeaderParams, splitList, isToken, quote, unquote } from './lexer.js';
export { MESSAGE_ERRORS, type MessageError, type MessageErrorCode, messageError } from './errors.js';
export { createRequest, createResponse, copyRequest, type RequestSpec, type ResponseOptions } from './build.js';
export { reasonPhrase } from './status-codes.js';
export { validateRequest, validateResponse, validateHeaderSyntax, type ValidateOptions } from './validate.js';
