/**
 * Scanner hygiene: requests whose User-Agent names a known attack tool (friendly-scanner is
 * SIPVicious's, sipcli, sundayddr …) are refused with 403 before any other module sees them,
 * and reported (the wiring bans the source, after which its packets are dropped unanswered).
 * Matching is a case-insensitive substring test on the User-Agent header.
 */
import type { EndpointModule, IncomingRequest } from '../sip/endpoint/index.js';

export interface ScannerModuleOptions {
  readonly userAgents: readonly string[];
  /** A request from a blocked User-Agent arrived from `source` (an IP address). */
  readonly onScanner: (source: string, userAgent: string) => void;
}

export function matchesUserAgent(userAgent: string, blocked: readonly string[]): boolean {
  const ua = userAgent.toLowerCase();
  return blocked.some((b) => ua.includes(b));
}

export function createScannerModule(o: ScannerModuleOptions): EndpointModule {
  const blocked = o.userAgents.map((u) => u.toLowerCase()).filter((u) => u.length > 0);
  return {
    name: 'security-scanners',
    priority: 'security',
    onRequest(req: IncomingRequest): boolean {
      if (blocked.length === 0) return false;
      const ua = req.request.header('user-agent');
      if (ua === undefined || !matchesUserAgent(ua, blocked)) return false;
      o.onScanner(req.rx.source.host, ua);
      // An ACK is never answered (RFC 3261 §17.1.1.3): it is absorbed.
      if (req.request.method !== 'ACK') req.respond(403);
      return true;
    },
  };
}
