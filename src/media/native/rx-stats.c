/* See rx-stats.h: port of receive-stats.ts (RFC 3550 A.1 / A.3 / A.8). */
#include "rx-stats.h"
#include <string.h>

#define RTP_SEQ_MOD 65536u
#define MAX_DROPOUT 3000u  /* RFC 3550 A.1 */
#define MAX_MISORDER 100u

void sb_rx_init(sb_rx_stats *r) {
  memset(r, 0, sizeof *r);
  r->bad_seq = RTP_SEQ_MOD + 1;
}

static void init_seq(sb_rx_stats *r, uint32_t seq) {
  r->base_seq = seq;
  r->max_seq = seq;
  r->bad_seq = RTP_SEQ_MOD + 1;
  r->cycles = 0;
}

static double expected_current(const sb_rx_stats *r) {
  return r->cycles + (double)r->max_seq - (double)r->base_seq + 1;
}

static void start_jitter(sb_rx_stats *r, uint32_t ts, double now_ms, double rate) {
  r->rate = rate;
  r->last_arrival = (now_ms * rate) / 1000;
  r->last_ts = ts;
}

void sb_rx_update(sb_rx_stats *r, uint32_t seq, uint32_t ts, uint32_t ssrc, double now_ms, double rate) {
  if (!r->started || ssrc != r->ssrc) {
    if (r->started) {
      r->prior_expected += expected_current(r);
      r->prior_received += r->received;
    }
    r->started = 1;
    r->ssrc = ssrc;
    init_seq(r, seq);
    r->received = 1;
    start_jitter(r, ts, now_ms, rate);
    return;
  }
  /* RFC 3550 A.1 update_seq (no probation: a relay counts from the first packet). */
  uint32_t udelta = (seq - r->max_seq) & 0xffff;
  if (udelta < MAX_DROPOUT) {
    /* "in order, with permissible gap" */
    if (seq < r->max_seq) r->cycles += RTP_SEQ_MOD; /* "Sequence number wrapped" */
    r->max_seq = seq;
  } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
    /* "the sequence number made a very large jump" */
    if (seq == r->bad_seq) {
      /* "Two sequential packets -- assume that the other side restarted without telling us" */
      r->prior_expected += expected_current(r);
      r->prior_received += r->received;
      init_seq(r, seq);
      r->received = 0;
    } else {
      r->bad_seq = (seq + 1) & 0xffff;
      return;
    }
  }
  /* else: "duplicate or reordered packet" -- counted as received. */
  r->received++;
  /* RFC 3550 A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16. */
  if (rate != r->rate) {
    start_jitter(r, ts, now_ms, rate);
    return;
  }
  double arrival = (now_ms * rate) / 1000;
  double d = arrival - r->last_arrival - (double)(int32_t)(ts - r->last_ts);
  r->last_arrival = arrival;
  r->last_ts = ts;
  r->jitter_units += ((d < 0 ? -d : d) - r->jitter_units) / 16;
}

double sb_rx_expected(const sb_rx_stats *r) {
  return r->started ? r->prior_expected + expected_current(r) : 0;
}

double sb_rx_received(const sb_rx_stats *r) {
  return r->prior_received + r->received;
}
