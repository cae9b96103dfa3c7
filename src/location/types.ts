/**
 * The location service (RFC 3261 §10.3): bindings of an address-of-record to contacts.
 * One interface, several backends (memory, SQLite, Redis); one contract test suite runs
 * against all of them. Knows nothing of SIP messages: AORs and contacts are strings.
 */

/** Where a REGISTER really came from, so requests go back through the UA's NAT pinhole. */
export interface BindingSource {
  /** udp, tcp, tls, ws or wss */
  readonly transport: string;
  /** IP literal, no brackets */
  readonly host: string;
  readonly port: number;
}

export interface Binding {
  /** The Contact URI exactly as registered (without header parameters). */
  readonly contact: string;
  /** Preference 0..1 (§20.10 `q`); 1 when absent. */
  readonly q: number;
  /** Absolute expiry, wall-clock ms since the epoch. */
  readonly expiresAt: number;
  /** Call-ID and CSeq of the REGISTER that last wrote it (§10.3 step 7 ordering). */
  readonly callId: string;
  readonly cseq: number;
  /** The packet source of that REGISTER (received/rport). */
  readonly source: BindingSource;
  /**
   * True when the UA sits behind a NAT (detected at registration: its Via sent-by is not the
   * packet source, or its Contact is a private address). Requests then go to `source`, the
   * NAT pinhole; otherwise to the Contact itself (RFC 3261 §16.6 step 7).
   */
  readonly nat?: boolean;
  /** The local listener it arrived on ("udp:192.0.2.1:5060"), to send from the same socket. */
  readonly local?: string;
  /** Stream transports: the connection it arrived on (valid only on `node`). */
  readonly connectionId?: string;
  /** The server node that holds `connectionId` (multi-node deployments). */
  readonly node?: string;
  /** RFC 5626: +sip.instance and reg-id, when the UA uses outbound. */
  readonly instanceId?: string;
  readonly regId?: number;
  /** RFC 3327 Path header values, in order. */
  readonly path?: readonly string[];
  readonly userAgent?: string;
  /** When this contact was first bound (ms since the epoch). */
  readonly registeredAt: number;
}

/** The outcome of one atomic change to an AOR: the new binding set and a value for the caller. */
export interface BindingChange<T> {
  readonly bindings: readonly Binding[];
  readonly result: T;
}

export interface RegistrationEntry {
  readonly aor: string;
  readonly bindings: readonly Binding[];
}

export interface LocationStore {
  /** Human name of the backend for logs ("sqlite", "redis", "memory"). */
  readonly kind: string;
  /** The unexpired bindings of `aor` at `now` (ms since the epoch), highest q first. */
  lookup(aor: string, now: number): Promise<Binding[]>;
  /**
   * Atomic read-modify-write of one AOR: `change` receives the bindings unexpired at `now`
   * and returns the complete new set plus a result. No other writer — in this process or on
   * another node sharing the backend — interleaves between the read and the write; on
   * Redis a conflicting write makes the store call `change` again with fresh data, so
   * `change` must be a pure function of its input. An empty set deletes the AOR.
   * The returned promise resolves only after the change is durable (committed).
   */
  modify<T>(aor: string, now: number, change: (current: readonly Binding[]) => BindingChange<T>): Promise<T>;
  /** Deletes bindings expired at `now`; resolves to how many were removed. */
  purgeExpired(now: number): Promise<number>;
  /**
   * Registrations in AOR order (byte order), unexpired bindings only, at most `limit`; with
   * `after`, only AORs ordered after it (a page cursor: pass the last AOR of the previous page).
   */
  list(now: number, options?: ListOptions): Promise<RegistrationEntry[]>;
  /** Counts of AORs and unexpired bindings. */
  count(now: number): Promise<{ aors: number; bindings: number }>;
  close(): Promise<void>;
}

/** What `LocationStore.list` returns. */
export interface ListOptions {
  /** Only AORs starting with this. */
  readonly aorPrefix?: string;
  /** At most this many entries. */
  readonly limit?: number;
  /** Only AORs after this one (exclusive). */
  readonly after?: string;
}
