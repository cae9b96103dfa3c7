/**
 * RFC 3551 §6 static RTP payload types (Tables 4 and 5), used when an m-line names a static
 * payload type without an `a=rtpmap` line (RFC 8866 §6.6: static types need no rtpmap).
 */

export interface StaticPayloadType {
  encodingName: string;
  clockRate: number;
  /** Audio channels; absent for video types. */
  channels?: number;
  media: 'audio' | 'video' | 'audio/video';
}

const A = (encodingName: string, clockRate: number, channels = 1): StaticPayloadType => ({ encodingName, clockRate, channels, media: 'audio' });
const V = (encodingName: string): StaticPayloadType => ({ encodingName, clockRate: 90000, media: 'video' });

/** PT → encoding (RFC 3551 Table 4 / Table 5). Reserved and unassigned numbers are absent. */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, StaticPayloadType> = new Map<number, StaticPayloadType>([
  [0, A('PCMU', 8000)],
  [3, A('GSM', 8000)],
  [4, A('G723', 8000)],
  [5, A('DVI4', 8000)],
  [6, A('DVI4', 16000)],
  [7, A('LPC', 8000)],
  [8, A('PCMA', 8000)],
  // RFC 3551 §4.5.2: G722 is sampled at 16 kHz but its RTP clock rate is 8000 (an error kept
  // for backward compatibility).
  [9, A('G722', 8000)],
  [10, A('L16', 44100, 2)],
  [11, A('L16', 44100, 1)],
  [12, A('QCELP', 8000)],
  [13, A('CN', 8000)],
  [14, A('MPA', 90000)],
  [15, A('G728', 8000)],
  [16, A('DVI4', 11025)],
  [17, A('DVI4', 22050)],
  [18, A('G729', 8000)],
  [25, V('CelB')],
  [26, V('JPEG')],
  [28, V('nv')],
  [31, V('H261')],
  [32, V('MPV')],
  [33, { encodingName: 'MP2T', clockRate: 90000, media: 'audio/video' }],
  [34, V('H263')],
]);

/** The static PT RFC 3551 assigns to an encoding at a clock rate (first match), if any. */
export function staticPayloadTypeFor(encodingName: string, clockRate: number, channels = 1): number | undefined {
  const want = encodingName.toLowerCase();
  for (const [pt, e] of STATIC_PAYLOAD_TYPES) {
    if (e.encodingName.toLowerCase() === want && e.clockRate === clockRate && (e.channels ?? 1) === channels) return pt;
  }
  return undefined;
}
