/**
 * The routing policy's vocabulary (Kamailio's request_route / branch_route / onreply_route /
 * failure_route): what a rule or a hook sees of a request, and the actions it can choose.
 * Hook files written in TypeScript import these types from the package (`switchboard/hooks`).
 */
import type { NetAddress } from '../../sip/transport/index.js';

/** A read-only view of the request being routed. */
export interface RequestView {
  readonly method: string;
  /** The Request-URI as received, e.g. `sip:bob@example.com`. */
  readonly ruri: string;
  /** The Request-URI's user part (unescaped), '' when there is none. */
  readonly ruriUser: string;
  readonly ruriHost: string;
  /** From and To URIs. */
  readonly from: string;
  readonly fromUser: string;
  readonly to: string;
  readonly callId: string;
  readonly source: NetAddress;
  /** The authenticated user (digest username), when the request was authenticated. */
  readonly user: string | undefined;
  /** The first value of a header, by name (case-insensitive). */
  header(name: string): string | undefined;
}

/** What to do with a request. */
export type RouteAction =
  /** The registered contacts of the Request-URI's user (or of `uri`) — the default for our domains. */
  | { readonly kind: 'location'; readonly uri?: string }
  /** A fixed URI: the Request-URI is replaced and the request is sent there. */
  | { readonly kind: 'forward'; readonly uri: string }
  /** A configured trunk: the dialled user part is sent to the trunk's host. */
  | { readonly kind: 'trunk'; readonly trunk: string }
  /** 302 Moved Temporarily with the contacts of `uris`, or of the user's registrations. */
  | { readonly kind: 'redirect'; readonly uris?: readonly string[] }
  /** A final response. */
  | { readonly kind: 'reject'; readonly status: number; readonly reason?: string };

export interface BranchView {
  /** The branch's Request-URI. */
  readonly uri: string;
  /** Where it is sent, `transport:host:port`, when known. */
  readonly destination: string | undefined;
}

export interface ReplyView {
  readonly status: number;
  readonly reason: string;
  readonly branch: BranchView;
}

/** What a branch hook may say: drop the branch, or add headers to its request. */
export type BranchDecision = { readonly drop: true } | { readonly headers: Readonly<Record<string, string>> } | undefined | void;

/**
 * Hooks for what a route list cannot say. Every hook is optional and may be async; one that
 * throws is logged and treated as if it returned nothing (the call goes on by the rules).
 */
export interface RoutingHooks {
  /** Before the route list: an action decides, undefined lets the route list decide. */
  onRequest?(req: RequestView): RouteAction | undefined | void | Promise<RouteAction | undefined | void>;
  /** Once per branch, before it is sent (synchronous: the branch is being created). */
  onBranch?(req: RequestView, branch: BranchView): BranchDecision;
  /** Every response received on a branch (observe only). */
  onReply?(req: RequestView, reply: ReplyView): void | Promise<void>;
  /** Every branch failed: an action continues the call (e.g. voicemail on 486/408). */
  onFailure?(req: RequestView, final: { readonly status: number; readonly reason: string }): RouteAction | undefined | void | Promise<RouteAction | undefined | void>;
}

/** Conditions of a declarative rule; all given ones must hold. */
export interface RouteMatch {
  readonly methods?: readonly string[];
  /** Regular expression on the Request-URI user part. */
  readonly ruriUser?: RegExp;
  /** Regular expression on the Request-URI host. */
  readonly ruriHost?: RegExp;
  /** Regular expression on the From URI. */
  readonly from?: RegExp;
  /** The source address is in one of these networks. */
  readonly source?: (ip: string) => boolean;
}

export interface RouteRule {
  readonly name: string;
  readonly match: RouteMatch;
  readonly action: RouteAction;
  /** Failure route of this rule: when the final status is one of `codes`, take `action`. */
  readonly onFailure?: { readonly codes: readonly number[]; readonly action: RouteAction };
  /** Media anchoring for calls this rule routes (default: the `media.mode` of the config). */
  readonly media?: 'always' | 'nat' | 'never';
}

export interface Trunk {
  readonly name: string;
  /** Where calls to the trunk go, e.g. `sip:gw.carrier.example:5060;transport=udp`. */
  readonly uri: string;
  /** Digits removed from the front of the dialled number, then `prefix` added. */
  readonly strip: number;
  readonly prefix: string;
  /** Calls from these networks come from the trunk (trusted: no digest challenge). */
  readonly isSource: (ip: string) => boolean;
}
