/** The registrar (RFC 3261 §10.3). */
export { createRegistrarModule, type RegistrarOptions, type RegistrarSecurityEvent, type Authenticator, type AuthenticatedRequest, type Authorization } from './registrar-module.js';
export { updateBindings, type ExpiryPolicy, type ContactSpec, type RegisterData, type UpdateResult } from './binding-update.js';
export { aorKey } from './aor.js';
export { behindNat } from './nat-detection.js';
export { NatKeepalive, type NatKeepaliveOptions, type KeepaliveRound } from './nat-keepalive.js';
