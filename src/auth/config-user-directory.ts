/**
 * Users listed in the config file. Passwords are turned into HA1 values when the directory
 * is built and are not kept; lookups hit a frozen map.
 */
import { computeHa1 } from './digest-hash.js';
import type { UserCredentials, UserDirectory } from './types.js';

/** One configured user, names already checked and the realm resolved. */
export interface ConfigUserEntry {
  readonly username: string;
  readonly realm: string;
  /** Plain password: hashed here, not stored. */
  readonly password?: string;
  /** Precomputed hex HA1 values (lower case). */
  readonly ha1Md5?: string;
  readonly ha1Sha256?: string;
}

export function credentialKey(username: string, realm: string): string {
  return `${realm}\u0000${username}`;
}

export class ConfigUserDirectory implements UserDirectory {
  private readonly users: ReadonlyMap<string, UserCredentials>;

  constructor(entries: readonly ConfigUserEntry[]) {
    const users = new Map<string, UserCredentials>();
    for (const e of entries) {
      const cred: UserCredentials =
        e.password !== undefined
          ? Object.freeze({
              username: e.username,
              realm: e.realm,
              ha1Md5: computeHa1('MD5', e.username, e.realm, e.password),
              ha1Sha256: computeHa1('SHA-256', e.username, e.realm, e.password),
            })
          : Object.freeze({ username: e.username, realm: e.realm, ha1Md5: e.ha1Md5, ha1Sha256: e.ha1Sha256 });
      users.set(credentialKey(e.username, e.realm), cred);
    }
    this.users = users;
  }

  get size(): number {
    return this.users.size;
  }

  find(username: string, realm: string): UserCredentials | undefined {
    return this.users.get(credentialKey(username, realm));
  }

  list(): UserCredentials[] {
    return [...this.users.values()];
  }
}
