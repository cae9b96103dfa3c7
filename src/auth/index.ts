/** Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760) and the user directory. */
export type { DigestAlgorithm, UserCredentials, UserDirectory, DigestVerdict } from './types.js';
export { challengeStale } from './types.js';
export { DigestAuthenticator, type DigestAuthenticatorOptions } from './digest-authenticator.js';
export { answerChallenge, type AnswerOptions } from './digest-client.js';
export { DIGEST_ALGORITHMS, computeHa1, digestResponse, normalizeHa1, digestHexLength, type ResponseInput } from './digest-hash.js';
export { parseAuthHeader, type AuthParams, type ParseAuthResult } from './digest-params.js';
export { NonceIssuer, type NonceCheck } from './nonce.js';
export { NonceCountTracker } from './nonce-counts.js';
export { ConfigUserDirectory, type ConfigUserEntry } from './config-user-directory.js';
export { CompositeUserDirectory } from './composite-user-directory.js';
export { SqliteUserDirectory, type UpsertOutcome, type BatchCounts } from './sqlite-user-directory.js';
export { importUsersCsv, parseCsv, type ImportReport, type ImportOptions, type SkippedRow } from './user-csv.js';
export { checkUsername, normalizeDomain, resolveUserName } from './user-names.js';
