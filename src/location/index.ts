/** The location service: AOR → contact bindings (RFC 3261 §10.3), memory/SQLite/Redis backends. */
export type { Binding, BindingSource, BindingChange, RegistrationEntry, LocationStore } from './types.js';
