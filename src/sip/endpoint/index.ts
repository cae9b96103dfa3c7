/** SIP endpoint core: module pipeline, RFC 3261 §8.2 checks, OPTIONS responder. */
export { Endpoint, type EndpointOptions, type EndpointLog } from './endpoint.js';
export {
  ModulePriority,
  type ModulePriorityName,
  type EndpointModule,
  type IncomingRequest,
  type IncomingResponse,
  type Handled,
  priorityOf,
} from './module.js';
export { checkRequest, STANDARD_METHODS, type CheckPolicy, type CheckVerdict } from './request-checks.js';
export { LocalIdentity } from './local-identity.js';
export { MergedRequestDetector } from './merged-requests.js';
export { StatelessResponseCache, type CacheVerdict } from './stateless-response-cache.js';
export { createOptionsModule, type CapabilitySource } from './options-module.js';
export { sipLogFields, partialLogFields, uriLogUser, messageMethod, type SipLogFields } from './log-fields.js';
