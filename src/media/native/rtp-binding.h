/*
 * What the two Node-API files of the native RTP engine share: the engine handle, the session id
 * layout, the snapshot layout, and the argument helpers. rtp-binding.c holds the engine and
 * session lifecycle; rtp-binding-io.c the statistics reads and the packets JS hands back.
 */
#ifndef SB_RTP_BINDING_H
#define SB_RTP_BINDING_H
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>
#include "rtp-engine.h"

#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define SNAP_PER_CHANNEL 18
#define SNAP_SIZE (2 * SNAP_PER_CHANNEL + 1)

typedef struct instance {
  sb_engine *engine;
  napi_threadsafe_function tsfn;
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

napi_value sbn_undefined(napi_env env);
napi_value sbn_number(napi_env env, double v);
/* Parses the leading (handle, sid) arguments shared by the session calls. */
sb_session *sbn_session_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, instance **pin);
int sbn_channel_arg(napi_env env, napi_value v);
int sbn_string_arg(napi_env env, napi_value v, char *out, size_t outlen);

napi_value sbn_snapshot(napi_env env, napi_callback_info info);
napi_value sbn_peer(napi_env env, napi_callback_info info);
napi_value sbn_forward(napi_env env, napi_callback_info info);
napi_value sbn_send_to(napi_env env, napi_callback_info info);
napi_value sbn_rx_stats_probe(napi_env env, napi_callback_info info);

#endif
