/**
 * The media session controller's diagnostics channel: a call's media session starting, timing
 * out and ending (with its final statistics) is published on `switchboard:media` when someone
 * subscribes (metrics). This is the only link from the media layers to their consumers
 * (`node:diagnostics_channel`): src/media and src/media-session never import them.
 */
import diagnostics from 'node:diagnostics_channel';
import type { CallMediaStats } from './types.js';

export const MEDIA_CHANNEL = 'switchboard:media';

export type MediaEvent =
  /** The first offer of a call allocated its relay sessions. */
  | { readonly kind: 'started'; readonly callId: string; readonly timestamp: number }
  /** Every stream of the call was silent for `timeoutMs` (reported to the timeout handlers). */
  | { readonly kind: 'timeout'; readonly callId: string; readonly reason: string; readonly timeoutMs: number; readonly timestamp: number }
  /** The call's ports were released; `stats` is its last record (counters as of the release). */
  | { readonly kind: 'ended'; readonly callId: string; readonly reason: string; readonly durationMs: number; readonly stats: CallMediaStats; readonly timestamp: number };

export const mediaChannel = diagnostics.channel(MEDIA_CHANNEL);

/** Builds and publishes the event only when someone listens. */
export function publishMedia(event: () => MediaEvent): void {
  if (mediaChannel.hasSubscribers) mediaChannel.publish(event());
}

/** Narrows a channel message to a MediaEvent (subscribers outside this folder). */
export function isMediaEvent(m: unknown): m is MediaEvent {
  if (m === null || typeof m !== 'object') return false;
  const e = m as Record<string, unknown>;
  if (typeof e['callId'] !== 'string' || typeof e['timestamp'] !== 'number') return false;
  switch (e['kind']) {
    case 'started':
      return true;
    case 'timeout':
      return typeof e['timeoutMs'] === 'number';
    case 'ended':
      return typeof e['stats'] === 'object' && e['stats'] !== null && Array.isArray((e['stats'] as { streams?: unknown }).streams);
    default:
      return false;
  }
}
