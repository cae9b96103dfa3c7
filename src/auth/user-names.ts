/**
 * Names in the user directory: a username (the user part, as typed in a phone's auth
 * settings) and a realm (the user's domain). Shared by the config section, the CLI and CSV
 * import so every entry point accepts and refuses the same names.
 */
import { isIP } from 'node:net';
import { isValidHost } from '../sip/message/index.js';
import { type Result, err, ok } from '../lib/index.js';

/**
 * A username is any non-empty text without control characters, spaces or `@` (a `name@domain`
 * form is split before this check), at most 128 characters. It goes into a quoted-string on
 * the wire, where `"` and `\` are escaped.
 */
export function checkUsername(name: string): string | undefined {
  if (name.length === 0) return 'the user name is empty';
  if (name.length > 128) return 'the user name is longer than 128 characters';
  if (/[\u0000-\u0020\u007f@]/.test(name)) return `the user name "${name}" contains a space, control character or "@"`;
  return undefined;
}

/** A domain (realm) lower-cased, without IPv6 brackets; undefined when it is not a host. */
export function normalizeDomain(raw: string): string | undefined {
  let d = raw.trim().toLowerCase();
  if (d.startsWith('[') && d.endsWith(']')) d = d.slice(1, -1);
  if (d.length === 0) return undefined;
  return isIP(d) !== 0 || isValidHost(d) ? d : undefined;
}

/**
 * `bob@example.com` → { bob, example.com }; `bob` → { bob, fallback domain }. A domain in the
 * name and a different `domain` given separately is an error.
 */
export function resolveUserName(
  name: string,
  domain: string | undefined,
  fallbackDomain: string | undefined,
): Result<{ username: string; realm: string }, string> {
  const at = name.lastIndexOf('@');
  const username = at >= 0 ? name.slice(0, at) : name;
  const inName = at >= 0 ? name.slice(at + 1) : undefined;
  const problem = checkUsername(username);
  if (problem !== undefined) return err(problem);
  let realm: string | undefined;
  for (const d of [inName, domain]) {
    if (d === undefined) continue;
    const n = normalizeDomain(d);
    if (n === undefined) return err(`"${d}" is not a valid domain name or IP address`);
    if (realm !== undefined && realm !== n) return err(`the name says domain ${realm} but the domain given is ${n}`);
    realm = n;
  }
  realm ??= fallbackDomain === undefined ? undefined : normalizeDomain(fallbackDomain);
  if (realm === undefined) return err(`no domain for user "${username}": write NAME@DOMAIN or give a domain`);
  return ok({ username, realm });
}
