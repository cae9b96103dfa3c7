/**
 * Answers OPTIONS addressed to the server itself (RFC 3261 §11.2): 200 with Allow, Accept,
 * Accept-Encoding, Accept-Language and Supported. Phones and trunks send these as keep-alives.
 */
import type { EndpointModule, IncomingRequest } from './module.js';

export interface CapabilitySource {
  allowedMethods(): readonly string[];
  supportedExtensions(): readonly string[];
}

export function createOptionsModule(capabilities: CapabilitySource, serverName: string): EndpointModule {
  return {
    name: 'options',
    priority: 'endpoint',
    methods: ['OPTIONS'],
    // Keep-alive OPTIONS from every phone and trunk: answered without transaction state.
    statelessMethods: ['OPTIONS'],
    onRequest(req: IncomingRequest): boolean {
      if (req.request.method !== 'OPTIONS' || !req.isLocal) return false;
      const headers: Array<[string, string]> = [
        ['Allow', capabilities.allowedMethods().join(', ')],
        ['Accept', 'application/sdp'],
        ['Accept-Encoding', 'identity'],
        ['Accept-Language', 'en'],
      ];
      const ext = capabilities.supportedExtensions();
      if (ext.length > 0) headers.push(['Supported', ext.join(', ')]);
      headers.push(['Server', serverName]);
      req.respond(200, { headers });
      return true;
    },
  };
}
