/**
 * The registrar (RFC 3261 §10.3) as an endpoint module: domain check, authentication,
 * AOR canonicalisation, Contact processing through the location store's atomic modify(),
 * and the 200 OK listing every current binding with its remaining expiry.
 */
import type { Clock } from '../lib/index.js';
import { type DigestVerdict, challengeStale } from '../auth/index.js';
import type { LocationStore, Binding } from '../location/index.js';
import { type EndpointLog, type EndpointModule, type IncomingRequest, type LocalIdentity, sipLogFields } from '../sip/endpoint/index.js';
import { type SipRequest, parseDeltaSeconds, parseNameAddr, unescape } from '../sip/message/index.js';
import type { NetAddress } from '../sip/transport/index.js';
import { aorKey } from './aor.js';
import { behindNat } from './nat-detection.js';
import { type ContactSpec, type ExpiryPolicy, type RegisterData, updateBindings } from './binding-update.js';

/** What the registrar needs of digest authentication (src/auth's DigestAuthenticator). */
export interface Authenticator {
  challenge(realm: string, stale?: boolean): string[];
  verify(request: SipRequest, realm: string, kind: 'www' | 'proxy'): DigestVerdict;
}

/** A request whose digest credentials verified, as an authorization policy sees it. */
export interface AuthenticatedRequest {
  /** The authenticated user and the realm (domain) it authenticated in. */
  readonly user: string;
  readonly realm: string;
  readonly method: string;
  readonly source: NetAddress;
}

/** An authorization policy's answer; a refusal is sent with its status and reason. */
export type Authorization = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };

export interface RegistrarOptions extends ExpiryPolicy {
  readonly location: LocationStore;
  /** Digest authentication; absent only for an open registrar (tests, trusted labs). */
  readonly auth?: Authenticator;
  readonly identity: LocalIdentity;
  readonly clock: Clock;
  /** This server's node name, recorded with stream-transport bindings. */
  readonly node?: string;
  readonly log?: EndpointLog;
  /** Called for security-relevant outcomes (failed authentication …), for logs and bans. */
  readonly onSecurityEvent?: (event: RegistrarSecurityEvent) => void;
  /**
   * §10.3 step 4, beyond the AOR: whether the authenticated user may register from where the
   * request came (per-user source ACLs). Asked only after the credentials verified, so a
   * refusal tells nothing to someone without the password: all others get the same 401.
   */
  readonly authorize?: (request: AuthenticatedRequest) => Authorization;
}

export interface RegistrarSecurityEvent {
  readonly kind: 'auth-failed' | 'auth-malformed' | 'aor-mismatch';
  readonly source: { readonly host: string; readonly port: number; readonly transport: string };
  readonly aor: string;
  readonly reason: string;
}

export function createRegistrarModule(options: RegistrarOptions): EndpointModule {
  return {
    name: 'registrar',
    priority: 'registrar',
    methods: ['REGISTER'],
    // Answered statelessly like Kamailio's registrar: no 32 s Timer J state per REGISTER.
    // updateBindings treats a retransmission (same Call-ID and CSeq) as already applied.
    statelessMethods: ['REGISTER'],
    extensions: ['path'],
    onRequest: (req) => (req.request.method === 'REGISTER' ? handleRegister(req, options).then(() => true) : false),
  };
}

async function handleRegister(req: IncomingRequest, o: RegistrarOptions): Promise<void> {
  const r = req.request;
  // §10.3 step 1: "The registrar inspects the Request-URI to determine whether it has access
  // to bindings for the domain identified in the Request-URI. If not, ... the registrar
  // MUST forward the request" — we are not a proxy for foreign domains: 403.
  if (!req.isLocal) return req.respond(403, { reason: 'Domain Not Served' });

  // §10.3 step 5 (checked early so an AOR outside SIP never reaches authentication).
  const to = r.to.uri;
  if (to.kind !== 'sip') return req.respond(400, { reason: 'To must be a SIP or SIPS AOR' });
  if (!o.identity.isLocalDomain(to.host) && !o.identity.isLocalUri(to.with({ port: undefined, params: [] }))) {
    return req.respond(403, { reason: 'Domain Not Served' });
  }
  const aor = aorKey(to);
  const realm = to.hostname;

  // §10.3 step 3: "A registrar SHOULD authenticate the UAC."
  if (o.auth !== undefined) {
    const verdict = o.auth.verify(r, realm, 'www');
    const source = req.rx.source;
    switch (verdict.kind) {
      case 'ok':
        break;
      case 'malformed':
        o.onSecurityEvent?.({ kind: 'auth-malformed', source, aor, reason: verdict.reason });
        return req.respond(400, { reason: verdict.reason });
      case 'failed':
        o.onSecurityEvent?.({ kind: 'auth-failed', source, aor, reason: verdict.reason });
        return challenge(req, o.auth, realm, challengeStale(verdict));
      case 'stale':
        return challenge(req, o.auth, realm, true);
      case 'missing':
        return challenge(req, o.auth, realm, false);
    }
    // §10.3 step 4: "The registrar SHOULD determine if the authenticated user is authorized to
    // modify registrations for this address-of-record."
    if (verdict.username !== unescape(to.user ?? '')) {
      o.onSecurityEvent?.({ kind: 'aor-mismatch', source, aor, reason: `authenticated as ${verdict.username}` });
      return req.respond(403, { reason: 'Not Authorized For This AOR' });
    }
    const allowed = o.authorize?.({ user: verdict.username, realm: verdict.realm, method: r.method, source });
    if (allowed?.ok === false) return req.respond(allowed.status, { reason: allowed.reason });
  }

  const parsed = readRegister(r, req, o.node);
  if ('status' in parsed) return req.respond(parsed.status, { reason: parsed.reason });

  const now = o.clock.wallNow();
  let result;
  try {
    result = await o.location.modify(aor, now, (current) => updateBindings(current, parsed, o, now));
  } catch (err) {
    o.log?.error({ err, ...sipLogFields(r), aor }, 'location store failed');
    return req.respond(500, { reason: 'Location Store Unavailable', headers: [['Retry-After', '5']] });
  }
  if (!result.ok) return req.respond(result.status, { reason: result.reason, headers: result.headers });

  // §10.3 step 8: "The 200 (OK) response MUST contain Contact header field values enumerating
  // all current bindings ... each ... MUST contain an 'expires' parameter indicating its
  // expiration interval chosen by the registrar. The response SHOULD include a Date header".
  const headers: Array<[string, string]> = result.bindings.map((b) => ['Contact', contactValue(b, now)]);
  headers.push(['Date', new Date(now).toUTCString()]);
  if (parsed.path !== undefined && parsed.path.length > 0 && hasSupported(r, 'path')) {
    for (const p of parsed.path) headers.push(['Path', p]);
  }
  // RFC 5626 §6: "If the registrar supports outbound and the REGISTER request contains a
  // reg-id parameter on a Contact, the registrar MUST include the outbound option tag in a
  // Require header field" — we are the edge too: the flow is the connection or the UDP
  // pinhole the REGISTER came through, and requests to the binding are sent over it.
  const outbound = parsed.contacts !== '*' && parsed.contacts.some((c) => c.regId !== undefined && c.instanceId !== undefined);
  if (outbound && hasSupported(r, 'outbound')) {
    headers.push(['Require', 'outbound']);
    // §4.4.1: Flow-Timer tells the UA how often to send keep-alives (seconds).
    headers.push(['Flow-Timer', String(FLOW_TIMER_SECONDS)]);
  }
  req.respond(200, { headers });
}

function challenge(req: IncomingRequest, auth: Authenticator, realm: string, stale: boolean): void {
  req.respond(401, { headers: auth.challenge(realm, stale).map((v) => ['WWW-Authenticate', v] as [string, string]) });
}

function contactValue(b: Binding, now: number): string {
  const remaining = Math.max(0, Math.round((b.expiresAt - now) / 1000));
  let params = `;expires=${remaining}`;
  if (b.q !== 1) params += `;q=${b.q}`;
  if (b.instanceId !== undefined) params += `;+sip.instance=${b.instanceId}`;
  if (b.regId !== undefined) params += `;reg-id=${b.regId}`;
  return `<${b.contact}>${params}`;
}

function hasSupported(r: SipRequest, tag: string): boolean {
  return (r.headerValues('supported') ?? []).some((t) => t.toLowerCase() === tag);
}

/** RFC 5626 §4.4.1: keep-alive interval advertised to outbound UAs (default recommendation 120 s for streams; we ask for less to beat common NAT UDP timeouts). */
const FLOW_TIMER_SECONDS = 25;

/** §10.3 steps 6–7 input from the request; 400 for what the grammar allows but §10 forbids. */
function readRegister(r: SipRequest, req: IncomingRequest, node: string | undefined): RegisterData | { status: number; reason: string } {
  const values = r.headerValues('contact') ?? [];
  const expiresText = r.header('expires');
  const expiresHeader = expiresText === undefined ? undefined : clampSeconds(expiresText);
  if (expiresText !== undefined && expiresHeader === undefined) return { status: 400, reason: 'Invalid Expires' };
  const base = {
    expiresHeader,
    callId: r.callId,
    cseq: r.cseq.seq,
    source: { transport: req.rx.source.transport, host: req.rx.source.host, port: req.rx.source.port },
    local: `${req.rx.local.transport}:${req.rx.local.host}:${req.rx.local.port}`,
    ...(req.rx.connectionId === undefined ? {} : { connectionId: req.rx.connectionId, node }),
    path: r.headerValues('path') ?? [],
    userAgent: r.header('user-agent'),
  };
  if (values.some((v) => v.trim() === '*')) {
    // §10.2.2: "*" only with Expires: 0 and as the only Contact, else 400.
    if (values.length !== 1 || expiresHeader !== 0) return { status: 400, reason: 'Wildcard Contact needs Expires: 0 and no other Contact' };
    return { ...base, contacts: '*' };
  }
  const contacts: ContactSpec[] = [];
  const contactHosts: string[] = [];
  for (const v of values) {
    const na = parseNameAddr(v);
    if (na === undefined) return { status: 400, reason: 'Malformed Contact' };
    const exp = na.param('expires');
    const q = na.param('q');
    const instance = na.param('+sip.instance');
    const regId = na.param('reg-id');
    if (na.uri.kind === 'sip') contactHosts.push(na.uri.hostname);
    contacts.push({
      // The URI as registered; header-parameters stay with the binding's own fields.
      uri: na.uri.toString(),
      ...(exp === undefined || exp === null ? {} : { expires: clampSeconds(exp) ?? 0 }),
      ...(q === undefined || q === null ? {} : { q: Number(q) }),
      ...(instance === undefined || instance === null ? {} : { instanceId: instance }),
      ...(regId === undefined || regId === null || !/^\d{1,10}$/.test(regId) ? {} : { regId: Number(regId) }),
    });
  }
  return { ...base, nat: behindNat(r, req.rx.source.host, req.rx.source.port, contactHosts), contacts };
}

/** delta-seconds; RFC 4475 §3.1.2.4: an absurdly large value is treated as very long, not an error. */
function clampSeconds(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  return parseDeltaSeconds(t) ?? 0xffffffff;
}
