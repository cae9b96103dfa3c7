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
#include "rtp-binding.h"

napi_value sbn_undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value sbn_number(napi_env env, double v) {
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
sb_session *sbn_session_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, instance **pin) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return NULL;
  instance *in = get_instance(env, argv[0]);
  if (in == NULL) return NULL;
  uint32_t sid;
  if (napi_get_value_uint32(env, argv[1], &sid) != napi_ok) return NULL;
  if (pin) *pin = in;
  return lookup(in, sid);
}

int sbn_channel_arg(napi_env env, napi_value v) {
  int32_t ch = -1;
  napi_get_value_int32(env, v, &ch);
  return ch >= 0 && ch < SB_CHANNELS ? ch : -1;
}

int sbn_string_arg(napi_env env, napi_value v, char *out, size_t outlen) {
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
  if (napi_get_value_external(env, argv[0], &p) != napi_ok || p == NULL) return sbn_undefined(env);
  instance *in = p;
  if (!in->destroyed) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, in);
    stop_instance(in);
    napi_release_threadsafe_function(in->tsfn, napi_tsfn_release);
  }
  return sbn_undefined(env);
}

/* bind(address, port) → [fd, boundPort] or [-errno, message] */
static napi_value bind_udp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char addr[INET6_ADDRSTRLEN + 1] = "";
  int32_t port = 0;
  sbn_string_arg(env, argv[0], addr, sizeof addr);
  napi_get_value_int32(env, argv[1], &port);
  int bound = 0;
  int fd = sb_bind_udp(addr, port, &bound);
  CHECK(napi_create_array_with_length(env, 2, &out));
  napi_set_element(env, out, 0, sbn_number(env, fd));
  if (fd >= 0) {
    napi_set_element(env, out, 1, sbn_number(env, bound));
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
  return sbn_undefined(env);
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
        napi_throw_error(env, NULL, "switchboard_rtp: cannot add the session (out of memory, or its sockets cannot be watched)");
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
    napi_throw_error(env, NULL, "switchboard_rtp: cannot add the session (out of memory, or its sockets cannot be watched)");
    return NULL;
  }
  in->slots[slot] = s;
  return sbn_number(env, sid);
}

/* removeSession(handle, sid) → boolean; returns once no engine thread can touch the session. */
static napi_value remove_session(napi_env env, napi_callback_info info) {
  napi_value argv[2], r;
  instance *in = NULL;
  sb_session *s = sbn_session_args(env, info, 2, argv, &in);
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
  sb_session *s = sbn_session_args(env, info, 6, argv, NULL);
  if (s == NULL) return sbn_undefined(env);
  int ch = sbn_channel_arg(env, argv[2]);
  if (ch < 0) return sbn_undefined(env);
  char addr[INET6_ADDRSTRLEN + 1] = "";
  napi_valuetype t;
  napi_typeof(env, argv[3], &t);
  int have = t == napi_string && sbn_string_arg(env, argv[3], addr, sizeof addr);
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
  return sbn_undefined(env);
}

/* setRoute(handle, sid, channel, forward, Int32Array(128) rates): see sb_channel.pt_rate. */
static napi_value set_route(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  sb_session *s = sbn_session_args(env, info, 5, argv, NULL);
  if (s == NULL) return sbn_undefined(env);
  int ch = sbn_channel_arg(env, argv[2]);
  if (ch < 0 || SB_IS_RTCP(ch)) return sbn_undefined(env);
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
  return sbn_undefined(env);
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {
      {"createEngine", create_engine}, {"destroyEngine", destroy_engine}, {"bind", bind_udp},
      {"closeFd", close_fd},           {"addSession", add_session},      {"removeSession", remove_session},
      {"setPeer", set_peer},           {"setRoute", set_route},          {"snapshot", sbn_snapshot},
      {"peer", sbn_peer},                  {"forward", sbn_forward},             {"sendTo", sbn_send_to},
      {"rxStatsProbe", sbn_rx_stats_probe},
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
