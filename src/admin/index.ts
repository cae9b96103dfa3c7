/**
 * Operations: the admin HTTP API, Prometheus metrics, live SIP trace, pcap and HEPv3 capture,
 * and the tables the CLI prints. Fed by diagnostics channels and small source interfaces;
 * nothing below this folder imports it.
 */
export { AdminService, DEFAULT_ADMIN_PORT, type AdminServiceOptions, type AdminLog } from './admin-service.js';
export { AdminApi, type AdminApiOptions } from './admin-api.js';
export { AdminMetrics, type MetricsOptions } from './metrics.js';
export {
  type AdminSources,
  type RegistrationSource,
  type TransactionStats,
  type UserInfo,
  type UserSource,
  type MediaSource,
  type Reloader,
  type ReloadReport,
  runReloaders,
  redactSecrets,
} from './sources.js';
export { SECURITY_CHANNEL, type SecurityEvent, type SecurityEventKind, type BanInfo, type BanSource, isSecurityEvent } from './security-events.js';
export { TOKEN_FILE, tokenPath, loadOrCreateToken, bearerMatches } from './admin-token.js';
export { DISCOVERY_FILE, type AdminDiscovery, discoveryPath, readDiscovery, writeDiscovery, removeDiscovery } from './discovery-file.js';
export { type TraceRecord, type TraceFilter, type TraceAddress, traceRecord, matchesFilter } from './trace-record.js';
export { type TraceLine } from './trace-stream.js';
export { type RegistrationView, type BindingView } from './admin-views.js';
export { PcapEncoder, pcapGlobalHeader, LINKTYPE_RAW, type CapturedMessage, type CaptureEndpoint } from './pcap-writer.js';
export { encodeHep3, HEP_CHUNK, type HepOptions } from './hep-encoder.js';
export { HepExporter, type HepExporterOptions } from './hep-exporter.js';
export { formatTable, formatDuration, formatBytes } from './format-table.js';
export { registrationsTable, callsTable, callDetail, bansTable, statsTable, MEDIA_LEG_COLUMNS, MEDIA_STREAM_COLUMNS } from './format-views.js';
export { type CallView, type CallMediaView, type MediaLegView, type CallDetailView, callsView, callDetailView, callMediaView } from './media-views.js';
export { formatTraceRecord, type TraceFormatOptions } from './format-trace.js';
