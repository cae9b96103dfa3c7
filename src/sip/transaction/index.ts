/** The SIP transaction layer (RFC 3261 §17, RFC 6026). */
export { TransactionLayer, DEFAULT_MAX_TRANSACTIONS, type TransactionLayerOptions, type TransactionLayerStats } from './transaction-layer.js';
export type {
  TransactionUser,
  ServerTransaction,
  ClientTransaction,
  ClientTransactionCallbacks,
  ServerTransactionState,
  ClientTransactionState,
  TransactionError,
  TransactionErrorCode,
} from './transaction-user.js';
export { InviteClientTransaction, type InviteClientState } from './invite-client-transaction.js';
export { NonInviteClientTransaction, type NonInviteClientState } from './non-invite-client-transaction.js';
export { InviteServerTransaction, type InviteServerState } from './invite-server-transaction.js';
export { NonInviteServerTransaction, type NonInviteServerState } from './non-invite-server-transaction.js';
export {
  serverKey,
  clientKey,
  responseClientKey,
  ackLookupKeys,
  ackMatches2543,
  cancelTargetKey,
  isRfc3261Branch,
  usesRfc3261Matching,
} from './matching.js';
export { buildAckForNon2xx, buildCancel } from './request-builders.js';
export { type TimerOptions, type TimerValues, resolveTimers, timeout64, DEFAULT_T1, DEFAULT_T2, DEFAULT_T4, DEFAULT_TIMER_D, TRYING_DELAY } from './timers.js';
