/** Digest authentication (RFC 3261 §22, RFC 8760) and the user directory. */
export type { DigestAlgorithm, UserCredentials, UserDirectory, DigestVerdict } from './types.js';
