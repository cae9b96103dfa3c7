/**
 * Prometheus metrics (prom-client, on a Registry of our own): everything is fed from the
 * diagnostics channels (SIP messages, calls, security events, media sessions) or read at scrape
 * time from the sources (transactions, registrations, calls, media, bans), so neither the SIP
 * core nor the media layers import this. RTP metrics: media-metrics.ts.
 */
import diagnostics from 'node:diagnostics_channel';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MEDIA_CHANNEL, isMediaEvent } from '../media-session/index.js';
import { CALL_CHANNEL, type CallEvent, type CallSource } from '../proxy/index.js';
import { STANDARD_METHODS, messageMethod } from '../sip/endpoint/index.js';
import { SIP_MESSAGE_CHANNEL, type SipWireEvent } from '../sip/transport/index.js';
import { type BanSource, SECURITY_CHANNEL, SECURITY_EVENT_KINDS, type SecurityEvent, isSecurityEvent } from './security-events.js';
import { MediaMetrics } from './media-metrics.js';
import type { MediaSource, RegistrationSource, TransactionStats } from './sources.js';
import { TallyCounter } from './tally-counter.js';

export interface MetricsOptions {
  readonly registrations?: () => RegistrationSource | undefined;
  readonly transactions?: () => TransactionStats | undefined;
  readonly calls?: CallSource;
  /** The media sessions (RTP counters and the active-session gauge at scrape time). */
  readonly media?: () => MediaSource | undefined;
  readonly bans?: BanSource;
  /** Process and Node.js metrics (CPU, memory, event-loop lag, GC); default true. */
  readonly processMetrics?: boolean;
  readonly now?: () => number;
}

/** Methods outside this set are counted as "other": a label per attacker-chosen token would grow without bound. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([...STANDARD_METHODS, 'PRACK', 'UPDATE', 'INFO', 'REFER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH']);

function methodLabel(m: string | undefined): string {
  if (m === undefined) return 'unknown';
  // Nearly every method arrives upper-case: no copy for those.
  if (KNOWN_METHODS.has(m)) return m;
  const u = m.toUpperCase();
  return KNOWN_METHODS.has(u) ? u : 'other';
}

const KNOWN_SECURITY_KINDS: ReadonlySet<string> = new Set(SECURITY_EVENT_KINDS);

const CODE_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx', '6xx', '7xx', '8xx', '9xx'];

function codeClass(status: number): string {
  return CODE_CLASSES[Math.floor(status / 100)] ?? 'other';
}

/** Call setup (INVITE → 2xx) buckets, seconds. */
const SETUP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];

export class AdminMetrics {
  readonly registry = new Registry();
  private readonly requests: TallyCounter<'method' | 'direction'>;
  private readonly responses: TallyCounter<'method' | 'class' | 'direction'>;
  private readonly unparsable: Counter;
  private readonly callsTotal: TallyCounter<'outcome'>;
  private readonly setupTime: Histogram;
  private readonly authFailures: Counter;
  private readonly bansTotal: Counter;
  private readonly securityEvents: Counter<'kind'>;
  private readonly media: MediaMetrics;
  /** Calls in progress by Call-ID, when no CallSource is given (from the call events). */
  private readonly liveCalls = new Set<string>();
  private subscribed = false;
  private readonly onWire = (m: unknown): void => this.wire(m as SipWireEvent);
  private readonly onCall = (m: unknown): void => this.call(m as CallEvent);
  private readonly onSecurity = (m: unknown): void => {
    if (isSecurityEvent(m)) this.security(m);
  };
  private readonly onMedia = (m: unknown): void => {
    if (isMediaEvent(m)) this.media.event(m);
  };

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const now = options.now ?? Date.now;
    this.requests = new TallyCounter({
      name: 'switchboard_sip_requests_total',
      help: 'SIP requests received (in) and sent (out), by method',
      labelNames: ['method', 'direction'],
      registry: this.registry,
    });
    this.responses = new TallyCounter({
      name: 'switchboard_sip_responses_total',
      help: 'SIP responses received (in) and sent (out), by CSeq method and status class',
      labelNames: ['method', 'class', 'direction'],
      registry: this.registry,
    });
    this.unparsable = new Counter({ name: 'switchboard_sip_unparsable_total', help: 'Inbound messages that did not parse as SIP', registers });
    this.callsTotal = new TallyCounter({ name: 'switchboard_calls_total', help: 'Calls by outcome (answered, failed, ended)', labelNames: ['outcome'], registry: this.registry });
    this.setupTime = new Histogram({ name: 'switchboard_call_setup_seconds', help: 'INVITE received to 2xx forwarded', buckets: SETUP_BUCKETS, registers });
    this.authFailures = new Counter({
      name: 'switchboard_auth_failures_total',
      help: 'Failed authentications (wrong password, unknown user, malformed credentials, identity mismatch)',
      registers,
    });
    this.bansTotal = new Counter({
      name: 'switchboard_bans_total',
      help: 'Bans this server imposed since start (failed authentications, floods, scanners); bans read from the store are not counted',
      registers,
    });
    // One count per security event (per structured log line), so the SIEM and the metrics
    // agree. What one event is depends on the kind: flood and overload are episodes, not
    // packets or requests; the rest are single requests or bans.
    this.securityEvents = new Counter({
      name: 'switchboard_security_events_total',
      help:
        'Security events by kind: auth-failed, acl-denied, scanner-blocked, fraud-limit = one refused request each; ' +
        'flood = a source starting to flood, and again when the flood turns into a ban; banned, unbanned = a ban imposed or lifted; ' +
        'overload = an overload episode starting or ending',
      labelNames: ['kind'],
      registers,
    });
    for (const kind of SECURITY_EVENT_KINDS) this.securityEvents.inc({ kind }, 0);

    const transactions = options.transactions;
    new Gauge({
      name: 'switchboard_transactions',
      help: 'Live SIP transactions',
      labelNames: ['side'],
      registers,
      collect() {
        const s = transactions?.();
        if (s === undefined) return;
        this.set({ side: 'client' }, s.client);
        this.set({ side: 'server' }, s.server);
      },
    });
    new Gauge({
      name: 'switchboard_requests_in_flight',
      help: 'Requests received and not yet finally answered',
      registers,
      collect() {
        const s = transactions?.();
        if (s !== undefined) this.set(s.inFlight);
      },
    });
    const registrations = options.registrations;
    new Gauge({
      name: 'switchboard_registrations',
      help: 'Registered addresses-of-record (kind=aors) and contacts (kind=bindings)',
      labelNames: ['kind'],
      registers,
      async collect() {
        const store = registrations?.();
        if (store === undefined) return;
        const c = await store.count(now());
        this.set({ kind: 'aors' }, c.aors);
        this.set({ kind: 'bindings' }, c.bindings);
      },
    });
    const calls = options.calls;
    const live = this.liveCalls;
    new Gauge({
      name: 'switchboard_active_calls',
      help: 'Calls being set up or up',
      registers,
      collect() {
        this.set(calls !== undefined ? calls.list().length : live.size);
      },
    });
    const bans = options.bans;
    if (bans !== undefined) {
      new Gauge({
        name: 'switchboard_bans_active',
        help: 'Sources banned right now',
        registers,
        async collect() {
          this.set((await bans.list()).length);
        },
      });
    }
    this.media = new MediaMetrics(this.registry, options.media);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Subscribes to the channels. */
  start(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    diagnostics.subscribe(SIP_MESSAGE_CHANNEL, this.onWire);
    diagnostics.subscribe(CALL_CHANNEL, this.onCall);
    diagnostics.subscribe(SECURITY_CHANNEL, this.onSecurity);
    diagnostics.subscribe(MEDIA_CHANNEL, this.onMedia);
  }

  stop(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    diagnostics.unsubscribe(SIP_MESSAGE_CHANNEL, this.onWire);
    diagnostics.unsubscribe(CALL_CHANNEL, this.onCall);
    diagnostics.unsubscribe(SECURITY_CHANNEL, this.onSecurity);
    diagnostics.unsubscribe(MEDIA_CHANNEL, this.onMedia);
  }

  /** The exposition text for `/metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private wire(e: SipWireEvent): void {
    const m = e.message;
    if (m === undefined) {
      this.unparsable.inc();
      return;
    }
    if (m.kind === 'request') {
      this.requests.inc(methodLabel(m.method), e.direction);
      return;
    }
    this.responses.inc(methodLabel(messageMethod(m)), codeClass(m.status), e.direction);
  }

  private call(e: CallEvent): void {
    switch (e.kind) {
      case 'started':
        if (this.liveCalls.size < 1_000_000) this.liveCalls.add(e.call.callId);
        return;
      case 'ringing':
        return;
      case 'answered':
        this.callsTotal.inc('answered');
        this.setupTime.observe(e.setupMs / 1000);
        return;
      case 'failed':
        this.liveCalls.delete(e.call.callId);
        this.callsTotal.inc('failed');
        return;
      case 'ended':
        this.liveCalls.delete(e.call.callId);
        this.callsTotal.inc('ended');
        return;
    }
  }

  private security(e: SecurityEvent): void {
    // Kinds are a closed set; anything else (a foreign publisher) shares one label.
    this.securityEvents.inc({ kind: KNOWN_SECURITY_KINDS.has(e.kind) ? e.kind : 'other' });
    if (e.kind === 'auth-failed') this.authFailures.inc();
    else if (e.kind === 'banned') this.bansTotal.inc();
  }
}
