/**
 * The IncomingRequest the endpoint gives its modules: a class, so every request has one shape
 * and its methods live on the prototype (an object literal with a getter and closures was
 * rebuilt through V8's slow paths for every request).
 */
import { newTag } from '../../lib/index.js';
import { type ResponseOptions, type SipRequest, type SipResponse, createResponse } from '../message/index.js';
import type { ReceivedContext } from '../transport/index.js';
import type { ServerTransaction } from '../transaction/index.js';
import type { IncomingRequest } from './module.js';

/** What a pending request needs of its endpoint. */
export interface PendingRequestHost {
  /** Requests still waiting for a final response (a graceful stop waits for them). */
  readonly unanswered: Map<string, IncomingRequest>;
  /** Keeps a stateless final response for the request's retransmissions. */
  storeStateless(request: SipRequest, response: SipResponse): void;
  sendStateless(response: SipResponse, request: SipRequest, rx: ReceivedContext): void;
}

export class PendingRequest implements IncomingRequest {
  private toTag: string | undefined;
  private done = false;

  constructor(
    private readonly host: PendingRequestHost,
    readonly request: SipRequest,
    readonly rx: ReceivedContext,
    private readonly tx: ServerTransaction | undefined,
    readonly isLocal: boolean,
    /** The key under which the host tracks it until answered (undefined: not tracked, ACK). */
    private readonly trackId: string | undefined,
  ) {
    if (trackId !== undefined) host.unanswered.set(trackId, this);
  }

  get transactionId(): string | undefined {
    return this.tx?.id;
  }

  get answered(): boolean {
    return this.done;
  }

  respond(status: number, options: ResponseOptions = {}): void {
    this.toTag ??= this.request.to.tag ?? newTag();
    this.send(createResponse(this.request, status, { ...options, toTag: this.toTag }));
  }

  send(response: SipResponse): void {
    if (response.status >= 200) {
      this.done = true;
      if (this.trackId !== undefined) this.host.unanswered.delete(this.trackId);
    }
    if (this.tx !== undefined) this.tx.respond(response);
    else if (this.request.method !== 'ACK') {
      if (response.status >= 200) this.host.storeStateless(this.request, response);
      this.host.sendStateless(response, this.request, this.rx);
    }
  }
}
