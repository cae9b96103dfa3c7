/**
 * The response context of a stateful proxy (RFC 3261 §16.7) for one server transaction: the
 * branches forked for it (parallel within a q group, groups in sequence), best-response
 * selection, immediate forwarding of provisional responses and of every 2xx, CANCEL of the
 * other branches, 6xx handling, Timer C (§16.6 step 11, §16.8) and CANCEL from upstream (§16.10),
 * and RFC 3263 §4.3 failover of a branch to the next element (address or SRV server) of its target. It
 * decides; sending and transaction creation are injected.
 */
import type { Clock, TimerHandle } from '../lib/index.js';
import { type SipRequest, type SipResponse, createResponse } from '../sip/message/index.js';
import type { Target } from './targets.js';

/** What the context needs from the proxy around it. */
export interface ContextIo {
  /** Starts a client transaction for a branch; responses come back through the handle. */
  startBranch(target: Target, events: BranchEvents): BranchHandle | { failed: number; reason: string };
  /** Sends a response upstream through the server transaction. */
  respond(response: SipResponse): void;
  readonly clock: Clock;
  /** Timer C (ms), > 3 minutes by default (§16.6 step 11). */
  readonly timerCMs: number;
  /** Called once, when a final response went upstream and every branch has finished. */
  finished?(): void;
  /**
   * Failure route (Kamailio's failure_route): asked once every branch has failed, before the
   * best response goes upstream; new target groups continue the call (e.g. to voicemail on
   * 486/408), undefined lets the best response go. Not asked after a CANCEL or a 6xx.
   */
  failover?(best: SipResponse): Promise<readonly (readonly Target[])[] | SipResponse | undefined>;
}

export interface BranchEvents {
  response(res: SipResponse): void;
  timeout(): void;
  transportError(): void;
}

export interface BranchHandle {
  /** Sends a CANCEL for the branch (§9.1); only after a provisional response (§16.10). */
  cancel(): void;
  /**
   * The context is done with the branch: its client transaction, lingering for 64·T1
   * (RFC 6026 Timer M), passes later 2xx retransmissions on without this context.
   */
  release?(): void;
}

interface Branch {
  readonly target: Target;
  handle?: BranchHandle;
  provisional: boolean;
  final?: SipResponse;
  /** It failed over to the target's next destination: its response is not a candidate. */
  superseded?: true;
  cancelWanted: boolean;
  cancelSent: boolean;
  timerC?: TimerHandle;
}

/** Within a class, responses that tell the caller how to succeed are preferred (§16.7 step 6). */
const PREFERRED = [401, 407, 415, 420, 484];

export class ResponseContext {
  private readonly branches: Branch[] = [];
  private group = 0;
  private finalSent = false;
  private noNewBranches = false;
  private readonly invite: boolean;
  private reportedDone = false;
  private failoverAsked = false;
  private deciding = false;
  private readonly groups: (readonly Target[])[];

  constructor(
    private readonly request: SipRequest,
    groups: readonly (readonly Target[])[],
    private readonly io: ContextIo,
  ) {
    this.invite = request.method === 'INVITE';
    this.groups = [...groups];
  }

  /** Forks the first group. */
  start(): void {
    this.startGroup();
    this.checkDone();
  }

  /** True once a final response went upstream and every branch is finished. */
  get done(): boolean {
    return this.finalSent && !this.deciding && this.branches.every((b) => b.final !== undefined);
  }

  /**
   * Once done, lets go of the branches. A branch's client transaction lingers for 64·T1
   * (RFC 6026 Timer M) only to pass on retransmitted 2xx, and through its callbacks it
   * would keep this context, its requests and the proxy's per-call state alive that long:
   * at 650 calls/s, most of the heap. Released branches send such a 2xx on statelessly by
   * its Via, as after Timer M (§16.7 step 5 forwards every 2xx either way).
   */
  release(): void {
    if (!this.done) return;
    for (const b of this.branches) b.handle?.release?.();
  }

  /** §16.10: a CANCEL for the original request cancels every pending branch; no new ones. */
  cancel(): void {
    this.noNewBranches = true;
    for (const b of this.branches) this.cancelBranch(b);
    this.maybeFinish();
    this.checkDone();
  }

  private checkDone(): void {
    if (this.reportedDone || !this.done) return;
    this.reportedDone = true;
    this.io.finished?.();
  }

  private startGroup(): void {
    while (this.group < this.groups.length && !this.noNewBranches) {
      const targets = this.groups[this.group++];
      let started = 0;
      for (const target of targets) if (this.launch(target)) started++;
      if (started > 0) return;
    }
    this.maybeFinish();
  }

  /** Starts a branch for `target`; true when it (or a failover of it) is pending. */
  private launch(target: Target): boolean {
    const b: Branch = { target, provisional: false, cancelWanted: false, cancelSent: false };
    this.branches.push(b);
    const h = this.io.startBranch(target, {
      response: (res) => (this.onResponse(b, res), this.checkDone()),
      // RFC 3263 §4.3: failure is also "if the transaction layer times out without ever
      // having received any response, provisional or final (i.e., timer B or timer F …
      // fires)", and a transport failure.
      timeout: () => (this.onFinal(b, this.synthetic(408), !b.provisional), this.checkDone()),
      transportError: () => (this.onFinal(b, this.synthetic(503), true), this.checkDone()),
    });
    if ('failed' in h) {
      this.settle(b, this.synthetic(h.failed, h.reason));
      return this.failOver(b);
    }
    b.handle = h;
    if (this.invite) this.armTimerC(b);
    return true;
  }

  /**
   * RFC 3263 §4.3: "If a failure occurs, the client SHOULD create a new request, which is
   * identical to the previous, but has a different value of the Via branch ID than the
   * previous (and therefore constitutes a new SIP transaction). That request is sent to the
   * next element in the list as specified by RFC 2782." True when a new branch is pending.
   */
  private failOver(b: Branch): boolean {
    const rest = b.target.alternates;
    if (rest === undefined || rest.length === 0 || this.noNewBranches || this.finalSent) return false;
    b.superseded = true;
    const [destination, ...more] = rest;
    return this.launch({ ...b.target, destination, alternates: more });
  }

  private onResponse(b: Branch, res: SipResponse): void {
    const status = res.status;
    if (status < 200) {
      b.provisional = true;
      // §16.7 step 2: "If a provisional response is received ..., the proxy MUST reset Timer C".
      if (this.invite && b.final === undefined) this.armTimerC(b);
      if (b.cancelWanted && !b.cancelSent) this.sendCancel(b);
      // Step 5: provisional responses other than 100 are forwarded immediately.
      if (status !== 100 && !this.finalSent) this.forward(res);
      return;
    }
    if (status < 300) {
      // Step 5: "Any 2xx response to an INVITE request" is forwarded immediately — every one
      // of them (a forked INVITE can be answered by several UAs, §16.7 step 5).
      if (b.final === undefined) this.settle(b, res);
      this.forward(res);
      this.finalSent = true;
      // §16.7 step 10 / §16.10: after a 2xx, the other pending branches are cancelled.
      this.noNewBranches = true;
      for (const other of this.branches) if (other !== b) this.cancelBranch(other);
      return;
    }
    // RFC 3263 §4.3: "failure occurs if the transaction layer reports a 503 error response".
    this.onFinal(b, res, status === 503);
  }

  /** A branch's final response; `failover`: a failure that moves it to its next destination. */
  private onFinal(b: Branch, res: SipResponse, failover = false): void {
    if (b.final !== undefined) return;
    this.settle(b, res);
    if (failover) this.failOver(b);
    if (res.status >= 600) {
      // §16.7 step 5: a 6xx is not forwarded at once, but "the stateful proxy SHOULD cancel
      // all client pending transactions ... and it MUST NOT create any new branches".
      this.noNewBranches = true;
      for (const other of this.branches) this.cancelBranch(other);
    }
    if (this.branches.every((x) => x.final !== undefined) && !this.noNewBranches && this.group < this.groups.length && !this.finalSent) {
      this.startGroup();
      return;
    }
    this.maybeFinish();
  }

  private settle(b: Branch, res: SipResponse): void {
    b.final = res;
    b.timerC?.cancel();
    b.timerC = undefined;
  }

  /** §16.7 step 6: when every branch has its final response, send the best one upstream. */
  private maybeFinish(): void {
    if (this.finalSent || this.deciding || !this.branches.every((b) => b.final !== undefined)) return;
    if (!this.noNewBranches && this.group < this.groups.length) return;
    const best = this.best();
    // A challenge goes to the caller as it is (best() merged the challenges into it once).
    const challenge = best.status === 401 || best.status === 407;
    if (this.io.failover !== undefined && !this.failoverAsked && !this.noNewBranches && best.status < 600 && !challenge) {
      this.failoverAsked = true;
      this.deciding = true;
      const decided = (more: readonly (readonly Target[])[] | SipResponse | undefined): void => {
        this.deciding = false;
        if (more !== undefined && !Array.isArray(more) && !this.noNewBranches) {
          // The failure route answers in place of the best response.
          this.finalSent = true;
          this.forward(more as SipResponse);
        } else if (Array.isArray(more) && more.length > 0 && !this.noNewBranches) {
          this.groups.push(...(more as readonly (readonly Target[])[]));
          this.startGroup();
        } else {
          this.maybeFinish();
        }
        this.checkDone();
      };
      this.io.failover(best).then(decided, () => decided(undefined));
      return;
    }
    this.finalSent = true;
    this.forward(best);
  }

  private best(): SipResponse {
    const finals = this.branches.filter((b) => b.superseded === undefined).map((b) => b.final as SipResponse);
    if (finals.length === 0) return this.synthetic(480, 'Temporarily Unavailable');
    const sixxx = finals.find((r) => r.status >= 600);
    let chosen: SipResponse;
    if (sixxx !== undefined) chosen = sixxx;
    else {
      const lowestClass = Math.min(...finals.map((r) => Math.floor(r.status / 100)));
      const inClass = finals.filter((r) => Math.floor(r.status / 100) === lowestClass);
      chosen = inClass.find((r) => PREFERRED.includes(r.status)) ?? inClass[0];
    }
    // §16.7 step 6: "If the selected response is a 503 ... the proxy MUST ... generate a 500".
    if (chosen.status === 503) return this.synthetic(500, 'Server Internal Error');
    if (chosen.status === 401 || chosen.status === 407) {
      // §16.7 step 7: collect the challenges of every 401/407 into the one forwarded.
      for (const r of finals) {
        if (r === chosen || (r.status !== 401 && r.status !== 407)) continue;
        for (const name of ['www-authenticate', 'proxy-authenticate']) {
          for (const f of r.fields(name)) chosen.addHeader(f.name, f.value);
        }
      }
    }
    return chosen;
  }

  private cancelBranch(b: Branch): void {
    if (b.final !== undefined || b.handle === undefined) return;
    b.cancelWanted = true;
    if (!this.invite) return;
    // §9.1: "If no provisional response has been received, the CANCEL request MUST NOT be
    // sent; rather, the client MUST wait for the arrival of a provisional response".
    if (b.provisional && !b.cancelSent) this.sendCancel(b);
  }

  private sendCancel(b: Branch): void {
    b.cancelSent = true;
    b.handle?.cancel();
  }

  /** Timer C: on expiry, CANCEL a branch that has a provisional, else treat it as 408 (§16.8). */
  private armTimerC(b: Branch): void {
    b.timerC?.cancel();
    b.timerC = this.io.clock.setTimer(this.io.timerCMs, () => {
      b.timerC = undefined;
      if (b.final !== undefined) return;
      if (b.provisional) this.sendCancel(b);
      else this.onFinal(b, this.synthetic(408));
      this.checkDone();
    });
  }

  private forward(res: SipResponse): void {
    this.io.respond(res);
  }

  private synthetic(status: number, reason?: string): SipResponse {
    return createResponse(this.request, status, reason === undefined ? {} : { reason });
  }
}
