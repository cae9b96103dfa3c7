/*
 * Node-API surface of the native RTP engine (plain node_api.h). All functions run on the JS main
 * thread; packets for JS come back through one thread-safe function per engine. Sessions are
 * addressed by numeric ids (slot | generation << 20), never by pointers, so a late delivery or
 * call for a released session is simply ignored.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <errno.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rtp-engine.h"

#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define SNAP_PER_CHANNEL 18
#define SNAP_SIZE (2 * SNAP_PER_CHANNEL + 1)

typedef struct instance {
  sb_engine *engine;
  napi_threadsafe_function tsfn;
  napi_env env;
  sb_session **slots;
  uint32_t cap, used, gen;
  uint32_t *free_slots;
  uint32_t nfree;
  int destroyed;
} instance;

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error(env, NULL, "switchboard_rtp: " #call " failed"); \
      return NULL;                                                   \
    }                                                                \
  } while (0)

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)context;
  sb_delivery *d = data;
  if (env != NULL && cb != NULL) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value argv[5], recv, buf;
    void *dst;
    napi_get_undefined(env, &recv);
    napi_create_uint32(env, d->session_id, &argv[0]);
    napi_create_int32(env, d->channel, &argv[1]);
    if (napi_create_buffer_copy(env, d->len, d->data, &dst, &buf) == napi_ok) {
      argv[2] = buf;
      napi_create_string_utf8(env, d->address, NAPI_AUTO_LENGTH, &argv[3]);
      napi_create_int32(env, d->port, &argv[4]);
      napi_call_function(env, recv, cb, 5, argv, NULL);
    }
    napi_close_handle_scope(env, scope);
  }
  free(d);
}

static int deliver(void *ctx, sb_delivery *d) {
  instance *in = ctx;
  return napi_call_threadsafe_function(in->tsfn, d, napi_tsfn_nonblocking) != napi_ok;
}

static void stop_instance(instance *in) {
  if (in->destroyed) return;
  in->destroyed = 1;
  for (uint32_t i = 0; i < in->used; i++) {
    if (in->slots[i] != NULL) sb_session_remove(in->engine, in->slots[i]);
    in->slots[i] = NULL;
  }
  sb_engine_destroy(in->engine);
  in->engine = NULL;
}

static void cleanup_hook(void *arg) {
  stop_instance(arg); /* process/worker exit: the env tears the thread-safe function down itself */
}

static void finalize_instance(napi_env env, void *data, void *hint) {
  (void)hint;
  instance *in = data;
  if (!in->destroyed) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, in);
    stop_instance(in);
    napi_release_threadsafe_function(in->tsfn, napi_tsfn_release);
  }
  free(in->slots);
  free(in->free_slots);
  free(in);
}

static instance *get_instance(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, NULL, "switchboard_rtp: not an engine handle");
    return NULL;
  }
  instance *in = p;
  if (in->destroyed) {
    napi_throw_error(env, NULL, "switchboard_rtp: engine destroyed");
    return NULL;
  }
  return in;
}

static sb_session *lookup(instance *in, uint32_t sid) {
  uint32_t slot = sid & SLOT_MASK;
  if (slot >= in->used) return NULL;
  sb_session *s = in->slots[slot];
  return s != NULL && s->id == sid ? s : NULL;
}

/* Parses the leading (handle, sid) arguments shared by the session calls. */
static sb_session *session_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, instance **pin) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return NULL;
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  uint32_t sid;
  if (napi_get_value_uint32(env, argv[1], &sid) != napi_ok) return NULL;
  if (pin) *pin = in;
  return lookup(in, sid);
}

static int channel_arg(napi_env env, napi_value v) {
  int32_t ch = -1;
  napi_get_value_int32(env, v, &ch);
  return ch >= 0 && ch < SB_CHANNELS ? ch : -1;
}

static int string_arg(napi_env env, napi_value v, char *out, size_t outlen) {
  size_t n;
  return napi_get_value_string_utf8(env, v, out, outlen, &n) == napi_ok;
}

/* createEngine(threads, onPacket(sid, channel, packet, address, port)) → handle */
static napi_value create_engine(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name, handle;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t threads = 1;
  napi_get_value_int32(env, argv[0], &threads);
  instance *in = calloc(1, sizeof *in);
  if (in == NULL) return NULL;
  in->env = env;
  CHECK(napi_create_string_utf8(env, "switchboard_rtp", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[1], NULL, name, 65536, 1, NULL, NULL, NULL, call_js, &in->tsfn));
  napi_unref_threadsafe_function(env, in->tsfn); /* the engine must not keep the process alive */
  char err[160] = "cannot create engine";
  in->engine = sb_engine_create(threads, deliver, in, err, sizeof err);
  if (in->engine == NULL) {
    napi_release_threadsafe_function(in->tsfn, napi_tsfn_abort);
    free(in);
    napi_throw_error(env, NULL, err);
    return NULL;
  }
  napi_add_env_cleanup_hook(env, cleanup_hook, in);
  CHECK(napi_create_external(env, in, finalize_instance, NULL, &handle));
  return handle;
}

/* destroyEngine(handle): removes every session (closing its sockets) and joins the threads. */
static napi_value destroy_engine(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *p = NULL;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) return undefined(env);
  instance *in = p;
  if (!in->destroyed) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, in);
    stop_instance(in);
    napi_release_threadsafe_function(in->tsfn, napi_tsfn_release);
  }
  return undefined(env);
}

/* bind(address, port) → [fd, boundPort] or [-errno, message] */
static napi_value bind_udp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char addr[INET6_ADDRSTRLEN + 1] = "";
  int32_t port = 0;
  string_arg(env, argv[0], addr, sizeof addr);
  napi_get_value_int32(env, argv[1], &port);
  int bound = 0;
  int fd = sb_bind_udp(addr, port, &bound);
  CHECK(napi_create_array_with_length(env, 2, &out));
  napi_set_element(env, out, 0, number(env, fd));
  if (fd >= 0) {
    napi_set_element(env, out, 1, number(env, bound));
  } else {
    napi_value msg;
    napi_create_string_utf8(env, fd == -EADDRINUSE ? "EADDRINUSE" : strerror(-fd), NAPI_AUTO_LENGTH, &msg);
    napi_set_element(env, out, 1, msg);
  }
  return out;
}

/* closeFd(fd): closes a socket from bind() that never joined a session. */
static napi_value close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd = -1;
  napi_get_value_int32(env, argv[0], &fd);
  if (fd >= 0) close(fd);
  return undefined(env);
}

/* addSession(handle, aRtpFd, aRtcpFd, bRtpFd, bRtcpFd) → session id; the engine owns the fds. */
static napi_value add_session(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  int fds[SB_CHANNELS];
  for (int i = 0; i < SB_CHANNELS; i++) {
    int32_t fd = -1;
    napi_get_value_int32(env, argv[1 + i], &fd);
    fds[i] = fd;
  }
  uint32_t slot;
  if (in->nfree > 0) {
    slot = in->free_slots[--in->nfree];
  } else {
    if (in->used == in->cap) {
      uint32_t cap = in->cap ? in->cap * 2 : 256;
      if (cap > SLOT_MASK + 1) {
        napi_throw_error(env, NULL, "switchboard_rtp: too many sessions");
        return NULL;
      }
      sb_session **slots = realloc(in->slots, cap * sizeof *slots);
      uint32_t *fs = realloc(in->free_slots, cap * sizeof *fs);
      if (slots) in->slots = slots;
      if (fs) in->free_slots = fs;
      if (!slots || !fs) {
        napi_throw_error(env, NULL, "switchboard_rtp: out of memory");
        return NULL;
      }
      in->cap = cap;
    }
    slot = in->used++;
  }
  in->gen = (in->gen + 1) & 0xfff;
  uint32_t sid = slot | (in->gen << SLOT_BITS);
  sb_session *s = sb_session_add(in->engine, fds, sid);
  if (s == NULL) {
    in->slots[slot] = NULL;
    in->free_slots[in->nfree++] = slot;
    napi_throw_error(env, NULL, "switchboard_rtp: out of memory");
    return NULL;
  }
  in->slots[slot] = s;
  return number(env, sid);
}

/* removeSession(handle, sid) → boolean; returns once no engine thread can touch the session. */
static napi_value remove_session(napi_env env, napi_callback_info info) {
  napi_value argv[2], r;
  instance *in = NULL;
  sb_session *s = session_args(env, info, 2, argv, &in);
  if (s != NULL) {
    uint32_t slot = s->id & SLOT_MASK;
    sb_session_remove(in->engine, s);
    in->slots[slot] = NULL;
    in->free_slots[in->nfree++] = slot;
  }
  napi_get_boolean(env, s != NULL, &r);
  return r;
}

/* setPeer(handle, sid, channel, address | null, port, clearLatch): the signalled destination. */
static napi_value set_peer(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  sb_session *s = session_args(env, info, 6, argv, NULL);
  if (s == NULL) return undefined(env);
  int ch = channel_arg(env, argv[2]);
  if (ch < 0) return undefined(env);
  char addr[INET6_ADDRSTRLEN + 1] = "";
  napi_valuetype t;
  napi_typeof(env, argv[3], &t);
  int have = t == napi_string && string_arg(env, argv[3], addr, sizeof addr);
  int32_t port = 0;
  bool clear = false;
  napi_get_value_int32(env, argv[4], &port);
  napi_get_value_bool(env, argv[5], &clear);
  struct sockaddr_storage ss;
  socklen_t len = 0;
  struct sockaddr_storage local;
  socklen_t llen = sizeof local;
  int family = AF_INET;
  if (s->ch[ch].fd >= 0 && getsockname(s->ch[ch].fd, (struct sockaddr *)&local, &llen) == 0) family = local.ss_family;
  if (have && sb_parse_address(addr, port, family, &ss, &len) != 0) have = 0;
  pthread_mutex_lock(&s->lock);
  sb_channel *c = &s->ch[ch];
  if (clear) c->latched = 0;
  if (!c->latched) {
    c->has_peer = have;
    if (have) {
      c->peer = ss;
      c->peer_len = len;
    }
  }
  pthread_mutex_unlock(&s->lock);
  return undefined(env);
}

/* setRoute(handle, sid, channel, forward, Int32Array(128) rates): see sb_channel.pt_rate. */
static napi_value set_route(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  sb_session *s = session_args(env, info, 5, argv, NULL);
  if (s == NULL) return undefined(env);
  int ch = channel_arg(env, argv[2]);
  if (ch < 0 || SB_IS_RTCP(ch)) return undefined(env);
  bool fwd = true;
  napi_get_value_bool(env, argv[3], &fwd);
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[4], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array || length != 128) {
    napi_throw_type_error(env, NULL, "switchboard_rtp: rates must be an Int32Array(128)");
    return NULL;
  }
  pthread_mutex_lock(&s->lock);
  s->ch[ch].forward = fwd;
  memcpy(s->ch[ch].pt_rate, data, sizeof s->ch[ch].pt_rate);
  pthread_mutex_unlock(&s->lock);
  return undefined(env);
}

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
static napi_value snapshot(napi_env env, napi_callback_info info) {
  napi_value argv[3], r;
  sb_session *s = session_args(env, info, 3, argv, NULL);
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
static napi_value peer(napi_env env, napi_callback_info info) {
  napi_value argv[3], out, nul;
  napi_get_null(env, &nul);
  sb_session *s = session_args(env, info, 3, argv, NULL);
  int ch = s == NULL ? -1 : channel_arg(env, argv[2]);
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
  napi_set_element(env, out, 1, number(env, port));
  return out;
}

static int buffer_arg(napi_env env, napi_value v, void **data, size_t *len) {
  return napi_get_buffer_info(env, v, data, len) == napi_ok;
}

/* forward(handle, sid, srcChannel, packet): a JS-mapped RTP packet out of the partner channel. */
static napi_value forward(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  sb_session *s = session_args(env, info, 4, argv, NULL);
  int ch = s == NULL ? -1 : channel_arg(env, argv[2]);
  void *data;
  size_t len;
  if (ch >= 0 && buffer_arg(env, argv[3], &data, &len)) sb_session_forward(s, ch, data, len);
  return undefined(env);
}

/* sendTo(handle, sid, channel, packet, address, port): RTCP from the JS core, out of `channel`. */
static napi_value send_to(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  sb_session *s = session_args(env, info, 6, argv, NULL);
  int ch = s == NULL ? -1 : channel_arg(env, argv[2]);
  void *data;
  size_t len;
  char addr[INET6_ADDRSTRLEN + 1] = "";
  int32_t port = 0;
  if (ch < 0 || s->ch[ch].fd < 0 || !buffer_arg(env, argv[3], &data, &len) || !string_arg(env, argv[4], addr, sizeof addr)) return undefined(env);
  napi_get_value_int32(env, argv[5], &port);
  struct sockaddr_storage local, ss;
  socklen_t llen = sizeof local, len2;
  int family = getsockname(s->ch[ch].fd, (struct sockaddr *)&local, &llen) == 0 ? local.ss_family : AF_INET;
  /* The fd is closed only by removeSession, which runs on this same (main) thread. */
  if (sb_parse_address(addr, port, family, &ss, &len2) == 0) sendto(s->ch[ch].fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&ss, len2);
  return undefined(env);
}

/* rxStatsProbe(Float64Array [seq, ts, ssrc, nowMs, rate]*) → [ssrc, expected, received, jitterUnits, rate]
 * Runs the engine's receive statistics over given packets (for equivalence tests with JS). */
static napi_value rx_stats_probe(napi_env env, napi_callback_info info) {
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

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"createEngine", create_engine}, {"destroyEngine", destroy_engine}, {"bind", bind_udp},
      {"closeFd", close_fd},           {"addSession", add_session},      {"removeSession", remove_session},
      {"setPeer", set_peer},           {"setRoute", set_route},          {"snapshot", snapshot},
      {"peer", peer},                  {"forward", forward},             {"sendTo", send_to},
      {"rxStatsProbe", rx_stats_probe},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    CHECK(napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f));
    CHECK(napi_set_named_property(env, exports, fns[i].name, f));
  }
  napi_value n;
  napi_create_int32(env, SNAP_SIZE, &n);
  napi_set_named_property(env, exports, "SNAPSHOT_SIZE", n);
  napi_create_int32(env, SNAP_PER_CHANNEL, &n);
  napi_set_named_property(env, exports, "SNAPSHOT_PER_CHANNEL", n);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
