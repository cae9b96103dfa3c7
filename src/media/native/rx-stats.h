/*
 * Receiver statistics of one incoming RTP stream, a line-for-line port of
 * src/media/stats/receive-stats.ts (RFC 3550 A.1 sequence tracking without probation, A.3
 * expected/lost, A.8 interarrival jitter). Same arithmetic (doubles for jitter) so both engines
 * report the same numbers for the same packets and arrival times.
 */
#ifndef SB_RX_STATS_H
#define SB_RX_STATS_H
#include <stdint.h>

typedef struct sb_rx_stats {
  uint32_t ssrc;
  int started;
  uint32_t base_seq, max_seq, bad_seq;
  double cycles, received, prior_expected, prior_received;
  double rate, last_arrival, jitter_units;
  uint32_t last_ts;
} sb_rx_stats;

void sb_rx_init(sb_rx_stats *r);
/* One packet: sequence, RTP timestamp, SSRC, arrival time (ms) and clock rate (Hz). */
void sb_rx_update(sb_rx_stats *r, uint32_t seq, uint32_t ts, uint32_t ssrc, double now_ms, double rate);
double sb_rx_expected(const sb_rx_stats *r);
double sb_rx_received(const sb_rx_stats *r);
#endif
