/**
 * name-addr / addr-spec values with header parameters: From, To, Contact, Route,
 * Record-Route, Path, Reply-To … (RFC 3261 §20.10, §25.1).
 */
import {
  type Param,
  formatParams,
  getParam,
  isTokenChar,
  isWsp,
  parseHeaderParams,
  quote,
  scanQuoted,
  trimLws,
  unquote,
  withParam,
} from './lexer.js';
import { type Uri, parseUri } from './uri.js';

export class NameAddr {
  /**
   * @param displayName the display name as written: a quoted-string with its quotes, or the
   *   unquoted tokens; undefined when absent.
   * @param bracketed whether the URI was (or is to be) written inside `<>`.
   */
  constructor(
    readonly displayName: string | undefined,
    readonly uri: Uri,
    readonly params: readonly Param[] = [],
    readonly bracketed = true,
    private readonly raw?: string,
  ) {}

  /** Builds a value from code: a display name in plain text is quoted as needed. */
  static of(uri: Uri, displayText?: string, params: readonly Param[] = []): NameAddr {
    const dn = displayText === undefined || displayText === '' ? undefined : quote(displayText);
    return new NameAddr(dn, uri, params, true);
  }

  /** The display name's text: quotes removed and quoted-pairs resolved. */
  get displayText(): string | undefined {
    if (this.displayName === undefined) return undefined;
    return this.displayName.startsWith('"') ? unquote(this.displayName) : this.displayName;
  }

  param(name: string): string | null | undefined {
    return getParam(this.params, name);
  }

  get tag(): string | undefined {
    const t = this.param('tag');
    return t === null ? undefined : t;
  }

  withParam(name: string, value: string | null): NameAddr {
    return new NameAddr(this.displayName, this.uri, withParam(this.params, name, value), this.bracketed);
  }

  withUri(uri: Uri): NameAddr {
    return new NameAddr(this.displayName, uri, this.params, true);
  }

  toString(): string {
    if (this.raw !== undefined) return this.raw;
    // §20: an addr-spec whose URI has ';', ',' or '?' must be bracketed, so we always bracket
    // when writing ourselves unless the value was parsed unbracketed and is unchanged.
    const uri = this.uri.toString();
    const body = this.bracketed || /[;,?]/.test(uri) || this.displayName !== undefined ? `<${uri}>` : uri;
    const dn = this.displayName === undefined ? '' : this.displayName + ' ';
    return dn + body + formatParams(this.params);
  }
}

/**
 * Parses one (already list-split) name-addr or addr-spec value with its header params.
 * Strict where RFC 4475 expects a 400: an unterminated quote, whitespace inside `<>`, an
 * unquoted display name that is not `*(token LWS)` (e.g. with a comma), and an addr-spec
 * whose URI contains `?` or `,`. Liberal where RFC 4475 §3.1.1.6 asks for it: no space is
 * needed between a display name and `<`.
 */
export function parseNameAddr(value: string): NameAddr | undefined {
  const s = trimLws(value);
  if (s.length === 0) return undefined;
  let i = 0;
  let displayName: string | undefined;

  if (s.charCodeAt(0) === 0x22) {
    const end = scanQuoted(s, 0);
    if (end < 0) return undefined;
    displayName = s.slice(0, end);
    i = end;
    while (i < s.length && isWsp(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x3c) return undefined;
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      const dn = trimLws(s.slice(0, lt));
      for (let j = 0; j < dn.length; j++) {
        const c = dn.charCodeAt(j);
        if (!isTokenChar(c) && !isWsp(c)) return undefined;
      }
      if (dn.length > 0) displayName = dn;
      i = lt;
    }
  }

  if (s.charCodeAt(i) === 0x3c) {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0) return undefined;
    const inner = s.slice(i + 1, gt);
    // parseUri refuses whitespace and '<' in every scheme (RFC 4475 §3.1.2.14 badaspec).
    if (inner.length === 0) return undefined;
    const uri = parseUri(inner);
    if (uri === undefined) return undefined;
    const params = parseHeaderParams(s, gt + 1);
    if (params === undefined) return undefined;
    return new NameAddr(displayName, uri, params, true, s);
  }

  // addr-spec: RFC 3261 §20 — parameters after an unbracketed URI are header parameters,
  // and such a URI cannot contain ';', ',' or '?'.
  const semi = s.indexOf(';');
  const uriText = semi < 0 ? s : trimLws(s.slice(0, semi));
  if (/[\s,?<>"]/.test(uriText)) return undefined;
  const uri = parseUri(uriText);
  if (uri === undefined) return undefined;
  const params = parseHeaderParams(s, semi < 0 ? s.length : semi);
  if (params === undefined) return undefined;
  return new NameAddr(undefined, uri, params, false, s);
}
