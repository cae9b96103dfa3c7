/** Several user directories as one. */
import type { UserCredentials, UserDirectory } from './types.js';

/** Looks in each directory in turn (the config first, then the database): the first hit wins. */
export class CompositeUserDirectory implements UserDirectory {
  constructor(private readonly directories: readonly UserDirectory[]) {}

  find(username: string, realm: string): UserCredentials | undefined {
    for (const d of this.directories) {
      const found = d.find(username, realm);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
