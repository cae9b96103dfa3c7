/**
 * MOS estimate from a simplified ITU-T G.107 E-model.
 *
 *   R = R0 − Is − Id − Ie,eff + A, with the G.107 defaults R0 − Is = 93.2 and A = 0:
 *   R = 93.2 − Id − Ie,eff
 *   Id     = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)       (Cole & Rosenbluth's fit of G.107's
 *            delay impairment for echo-cancelled paths; d = one-way mouth-to-ear delay in ms)
 *   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)   (G.107 §7.9 eq. 7-29; Ppl in %,
 *            BurstR = 1 for random loss)
 *   MOS    = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)     (G.107 Annex B), 1 if R < 0, 4.5 if R > 100
 *
 * Codec constants come from G.113 Appendix I (e.g. G.711: Ie = 0, Bpl = 25.1 with PLC).
 */

export interface EModelInput {
  /** Packet loss as a fraction in [0, 1]. */
  readonly lossFraction: number;
  readonly oneWayDelayMs: number;
  readonly ie: number;
  readonly bpl: number;
  readonly burstR?: number;
}

/** G.107 default R0 − Is (all other parameters at their default values). */
export const R_DEFAULT = 93.2;

/**
 * Delay a relay assumes on top of what it measures, since it sees neither the endpoints'
 * packetization, jitter buffers nor the round trip: 20 ms packetization + 20 ms minimum jitter
 * buffer + 20 ms of network and device latency. The measured jitter adds 2·J (a jitter buffer
 * sized at twice the jitter).
 */
export const ASSUMED_BASE_DELAY_MS = 60;

export function delayImpairment(d: number): number {
  return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
}

export function effectiveEquipmentImpairment(lossFraction: number, ie: number, bpl: number, burstR = 1): number {
  const ppl = Math.min(100, Math.max(0, lossFraction * 100));
  return ie + ((95 - ie) * ppl) / (ppl / burstR + bpl);
}

export function rFactor(i: EModelInput): number {
  return R_DEFAULT - delayImpairment(i.oneWayDelayMs) - effectiveEquipmentImpairment(i.lossFraction, i.ie, i.bpl, i.burstR);
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

export function estimateMos(i: EModelInput): number {
  return mosFromR(rFactor(i));
}
