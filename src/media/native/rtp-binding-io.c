/*
 * Node-API calls that read a session (statistics snapshot, latched peer) or hand packets from
 * the JS session core to the engine (transcoded RTP, RTCP), and the receive-statistics probe
 * used to test the C port against the JS one. All run on the JS main thread.
 */
#include <string.h>
#include "rtp-binding.h"

static void snap_channel(const sb_channel *c, double *o) {
  o[0] = c->latched;
  o[1] = c->peer_gen;
  o[2] = (double)c->pkts_in;
  o[3] = (double)c->bytes_in;
  o[4] = (double)c->pkts_out;
  o[5] = (double)c->bytes_out;
  o[6] = (double)c->injected;
  o[7] = (double)c->invalid;
  o[8] = (double)c->unknown_pt;
  o[9] = (double)c->no_dest;
  o[10] = c->rx.ssrc;
  o[11] = sb_rx_expected(&c->rx);
  o[12] = sb_rx_received(&c->rx);
  o[13] = c->rx.jitter_units;
  o[14] = c->rx.rate;
  o[15] = c->out_rate;
  o[16] = (double)__atomic_load_n(&c->deliver_dropped, __ATOMIC_RELAXED);
  o[17] = (double)c->send_errors;
}

/* snapshot(handle, sid, Float64Array(37)) → boolean: RTP channel A, RTP channel B, idle ms. */
napi_value sbn_snapshot(napi_env env, napi_callback_info info) {
  napi_value argv[3], r;
  sb_session *s = sbn_session_args(env, info, 3, argv, NULL);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  int ok = s != NULL && napi_get_typedarray_info(env, argv[2], &type, &length, &data, NULL, NULL) == napi_ok &&
           type == napi_float64_array && length >= SNAP_SIZE;
  if (ok) {
    double *o = data;
    int64_t now = sb_now_ns();
    pthread_mutex_lock(&s->lock);
    snap_channel(&s->ch[SB_A_RTP], o);
    snap_channel(&s->ch[SB_B_RTP], o + SNAP_PER_CHANNEL);
    o[2 * SNAP_PER_CHANNEL] = s->last_ns == 0 ? -1 : (double)(now - s->last_ns) / 1e6;
    pthread_mutex_unlock(&s->lock);
  }
  napi_get_boolean(env, ok, &r);
  return r;
}

/* peer(handle, sid, channel) → [address, port] | null */
napi_value sbn_peer(napi_env env, napi_callback_info info) {
  napi_value argv[3], out, nul;
  napi_get_null(env, &nul);
  sb_session *s = sbn_session_args(env, info, 3, argv, NULL);
  int ch = s == NULL ? -1 : sbn_channel_arg(env, argv[2]);
  if (ch < 0) return nul;
  char addr[INET6_ADDRSTRLEN] = "";
  int port = 0, have;
  pthread_mutex_lock(&s->lock);
  have = s->ch[ch].has_peer;
  if (have) sb_format_address(&s->ch[ch].peer, addr, sizeof addr, &port);
  pthread_mutex_unlock(&s->lock);
  if (!have) return nul;
  napi_value a;
  CHECK(napi_create_array_with_length(env, 2, &out));
  napi_create_string_utf8(env, addr, NAPI_AUTO_LENGTH, &a);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, sbn_number(env, port));
  return out;
}

static int buffer_arg(napi_env env, napi_value v, void **data, size_t *len) {
  return napi_get_buffer_info(env, v, data, len) == napi_ok;
}

/* forward(handle, sid, srcChannel, packet): a JS-mapped RTP packet out of the partner channel. */
napi_value sbn_forward(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  sb_session *s = sbn_session_args(env, info, 4, argv, NULL);
  int ch = s == NULL ? -1 : sbn_channel_arg(env, argv[2]);
  void *data;
  size_t len;
  if (ch >= 0 && buffer_arg(env, argv[3], &data, &len)) sb_session_forward(s, ch, data, len);
  return sbn_undefined(env);
}

/* sendTo(handle, sid, channel, packet, address, port): RTCP from the JS core, out of `channel`. */
napi_value sbn_send_to(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  sb_session *s = sbn_session_args(env, info, 6, argv, NULL);
  int ch = s == NULL ? -1 : sbn_channel_arg(env, argv[2]);
  void *data;
  size_t len;
  char addr[INET6_ADDRSTRLEN + 1] = "";
  int32_t port = 0;
  if (ch < 0 || s->ch[ch].fd < 0 || !buffer_arg(env, argv[3], &data, &len) || !sbn_string_arg(env, argv[4], addr, sizeof addr)) return sbn_undefined(env);
  napi_get_value_int32(env, argv[5], &port);
  struct sockaddr_storage local, ss;
  socklen_t llen = sizeof local, len2;
  int family = getsockname(s->ch[ch].fd, (struct sockaddr *)&local, &llen) == 0 ? local.ss_family : AF_INET;
  /* The fd is closed only by removeSession, which runs on this same (main) thread. */
  if (sb_parse_address(addr, port, family, &ss, &len2) == 0) sendto(s->ch[ch].fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&ss, len2);
  return sbn_undefined(env);
}

/* rxStatsProbe(Float64Array [seq, ts, ssrc, nowMs, rate]*) → [ssrc, expected, received, jitterUnits, rate]
 * Runs the engine's receive statistics over given packets (for equivalence tests with JS). */
napi_value sbn_rx_stats_probe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], ab, out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "switchboard_rtp: Float64Array expected");
    return NULL;
  }
  const double *v = data;
  sb_rx_stats r;
  sb_rx_init(&r);
  for (size_t i = 0; i + 5 <= length; i += 5) sb_rx_update(&r, (uint32_t)v[i], (uint32_t)v[i + 1], (uint32_t)v[i + 2], v[i + 3], v[i + 4]);
  double *o;
  CHECK(napi_create_arraybuffer(env, 5 * sizeof(double), (void **)&o, &ab));
  o[0] = r.ssrc;
  o[1] = sb_rx_expected(&r);
  o[2] = sb_rx_received(&r);
  o[3] = r.jitter_units;
  o[4] = r.rate;
  CHECK(napi_create_typedarray(env, napi_float64_array, 5, ab, 0, &out));
  return out;
}
