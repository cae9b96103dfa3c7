/** Configuration: one validated, frozen `Config` from a YAML file, defaults and flags. */
export { type Config, type ParsedConfig, configSchema, SECTIONS } from './schema.js';
export { type ConfigOverrides, type LoadOptions, type LoadResult, NO_FILE, loadConfig, parseConfig, defaultDomains } from './load.js';
export { type ConfigIssue, formatIssue, formatPath } from './issues.js';
export { exampleConfig } from './example.js';
export { type ListenerConfig, TRANSPORT_KINDS, parseListenSpec, formatListener } from './listen-spec.js';
export { LOG_LEVELS, type LogLevel } from './sections/log.js';
export { type DeepReadonly, deepFreeze } from './section.js';
