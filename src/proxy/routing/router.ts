/**
 * The routing policy in force: the declarative route list, the trunks and the hooks, swapped
 * as a whole on reload (SIGHUP / `switchboard reload`). A request keeps the policy it started
 * with, so a reload never changes the rules under a call in progress. Hook failures are
 * logged and ignored: a broken hook file must not take calls down.
 */
import { firstMatch } from './rule-match.js';
import type { BranchDecision, BranchView, ReplyView, RequestView, RouteAction, RouteRule, RoutingHooks, Trunk } from './types.js';

export interface RoutingPolicy {
  readonly rules: readonly RouteRule[];
  readonly trunks: readonly Trunk[];
  readonly hooks: RoutingHooks;
}

export const EMPTY_POLICY: RoutingPolicy = { rules: [], trunks: [], hooks: {} };

export interface RouterLog {
  warn(obj: object, msg: string): void;
}

export interface RoutingDecision {
  readonly action: RouteAction;
  /** The rule that chose it (its failure route applies), undefined when a hook chose. */
  readonly rule: RouteRule | undefined;
}

export class Router {
  private policy: RoutingPolicy;

  constructor(
    policy: RoutingPolicy = EMPTY_POLICY,
    private readonly log?: RouterLog,
  ) {
    this.policy = policy;
  }

  /** The policy for a new request. */
  get current(): RoutingPolicy {
    return this.policy;
  }

  replace(policy: RoutingPolicy): void {
    this.policy = policy;
  }

  /** Trunk whose source networks contain `ip` (its calls are trusted), if any. */
  trunkFromSource(ip: string): Trunk | undefined {
    return this.policy.trunks.find((t) => t.isSource(ip));
  }

  /** onRequest hook first, then the route list; undefined = the default (location for our domains). */
  async decide(policy: RoutingPolicy, req: RequestView): Promise<RoutingDecision | undefined> {
    const hooked = await this.call('onRequest', req, () => policy.hooks.onRequest?.(req));
    if (hooked) return { action: hooked, rule: undefined };
    const rule = firstMatch(policy.rules, req);
    return rule === undefined ? undefined : { action: rule.action, rule };
  }

  /** Failure route: the onFailure hook, else the chosen rule's `on_failure` for that code. */
  async failure(policy: RoutingPolicy, req: RequestView, rule: RouteRule | undefined, status: number, reason: string): Promise<RouteAction | undefined> {
    const hooked = await this.call('onFailure', req, () => policy.hooks.onFailure?.(req, { status, reason }));
    if (hooked) return hooked;
    if (rule?.onFailure !== undefined && rule.onFailure.codes.includes(status)) return rule.onFailure.action;
    return undefined;
  }

  branch(policy: RoutingPolicy, req: RequestView, branch: BranchView): BranchDecision {
    const hook = policy.hooks.onBranch;
    if (hook === undefined) return undefined;
    try {
      return hook(req, branch);
    } catch (err) {
      this.log?.warn({ err, hook: 'onBranch', callId: req.callId, user: req.fromUser }, 'routing hook failed');
      return undefined;
    }
  }

  reply(policy: RoutingPolicy, req: RequestView, reply: ReplyView): void {
    if (policy.hooks.onReply === undefined) return;
    void this.call('onReply', req, () => policy.hooks.onReply?.(req, reply));
  }

  private async call<T>(hook: string, req: RequestView, fn: () => T | Promise<T>): Promise<Exclude<T, void> | undefined> {
    try {
      const v = await fn();
      return (v ?? undefined) as Exclude<T, void> | undefined;
    } catch (err) {
      this.log?.warn({ err, hook, callId: req.callId, user: req.fromUser }, 'routing hook failed');
      return undefined;
    }
  }
}
