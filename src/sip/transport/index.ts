/** Transports (RFC 3261 §18, RFC 3581, RFC 7118). */
export * from './types.js';
