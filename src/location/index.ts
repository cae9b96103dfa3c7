/** The location service (RFC 3261 §10.3): the bindings store and its backends. */
export type { Binding, BindingChange, BindingSource, ListOptions, LocationStore, RegistrationEntry } from './types.js';
export { LocationStoreError } from './errors.js';
export { MemoryLocationStore, type MemoryLocationData } from './memory-store.js';
export { SqliteLocationStore, type SqliteLocationStoreOptions } from './sqlite-store.js';
export { RedisLocationStore, type RedisLocationStoreOptions } from './redis-store.js';
export { ExpiryPurger, type ExpiryPurgerOptions } from './expiry-purger.js';
export { connectRedis, type RedisConnectOptions } from './redis-connect.js';
