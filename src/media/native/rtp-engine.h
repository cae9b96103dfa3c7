/*
 * Native RTP forwarding engine for Switchboard's media relay (no Node-API in here; see
 * rtp-binding.c for the JS surface).
 *
 * Threads and ownership:
 *  - N engine threads, each with its own epoll set, an eventfd for commands, and batched
 *    recvmmsg/sendmmsg buffers. A session (4 channels: A RTP, A RTCP, B RTP, B RTCP) belongs to
 *    one thread (round-robin at creation); its sockets are in that thread's epoll set.
 *  - Control operations run on the JS main thread. Each session has a mutex that guards all of
 *    its mutable state (peers, latches, routes, counters, stats); the engine thread takes it
 *    once per received batch, the main thread per control call or snapshot.
 *  - Removal handshake: the main thread queues the session on its thread's removal list, wakes
 *    the thread through the eventfd and waits on a condition variable. The thread handles
 *    removals only between epoll_wait rounds (never while it holds a pointer from the current
 *    round), deletes the fds from epoll, closes them and signals; only then does the main thread
 *    free the session. No packet handler can see a freed session.
 */
#ifndef SB_RTP_ENGINE_H
#define SB_RTP_ENGINE_H
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include "rx-stats.h"

enum { SB_A_RTP = 0, SB_A_RTCP = 1, SB_B_RTP = 2, SB_B_RTCP = 3, SB_CHANNELS = 4 };
#define SB_PARTNER(i) ((i) ^ 2)
#define SB_IS_RTCP(i) ((i) & 1)

typedef struct sb_session sb_session;
typedef struct sb_engine sb_engine;

typedef struct sb_channel {
  int fd; /* -1: absent */
  int index;
  sb_session *session;
  /* RTP channels: 1 = forward natively, 0 = deliver to JS (transcoding). RTCP: always 0. */
  int forward;
  int latched;
  int has_peer;
  uint32_t peer_gen; /* bumped when the engine latches a new peer */
  struct sockaddr_storage peer;
  socklen_t peer_len;
  uint64_t pkts_in, bytes_in, pkts_out, bytes_out;
  uint64_t injected, invalid, unknown_pt, no_dest, deliver_dropped, send_errors;
  /* Per incoming PT: > 0 accepted with that clock rate; < 0 unknown PT (dropped), -rate for stats. */
  int32_t pt_rate[128];
  uint32_t out_rate; /* clock rate of the RTP last forwarded out of this channel */
  sb_rx_stats rx;
} sb_channel;

struct sb_session {
  uint32_t id;
  pthread_mutex_t lock;
  struct sb_thread *thread;
  sb_channel ch[SB_CHANNELS];
  int64_t last_ns; /* CLOCK_MONOTONIC of the last accepted packet, 0 = none */
  int removed;     /* set by the engine thread once its fds are out of epoll and closed */
  sb_session *next_remove;
};

/* A packet for JS (RTCP, or RTP of a transcoding direction); freed by the consumer. */
typedef struct sb_delivery {
  uint32_t session_id;
  int channel;
  char address[INET6_ADDRSTRLEN];
  int port;
  uint32_t len;
  unsigned char data[];
} sb_delivery;

/* Hands a delivery to JS; returns 0 when queued (ownership passes), non-zero when refused. */
typedef int (*sb_deliver_fn)(void *ctx, sb_delivery *d);

sb_engine *sb_engine_create(int threads, sb_deliver_fn deliver, void *ctx, char *err, size_t errlen);
/* Stops and joins the threads, closes every session's fds and frees them. */
void sb_engine_destroy(sb_engine *e);

/* Opens a UDP socket bound to address:port (0 = any). Returns the fd, or -errno. *bound gets the port. */
int sb_bind_udp(const char *address, int port, int *bound);

/* Takes ownership of the fds (-1 for absent channels). Returns the session (its id in ->id). */
sb_session *sb_session_add(sb_engine *e, const int fds[SB_CHANNELS], uint32_t id);
/* Detaches the session from its thread (blocking handshake, see above), closes fds, frees it. */
void sb_session_remove(sb_engine *e, sb_session *s);

/* Forwards a JS-produced packet received on `src` out of its partner to the partner's peer. */
void sb_session_forward(sb_session *s, int src, const void *data, size_t len);

int sb_parse_address(const char *address, int port, int family, struct sockaddr_storage *ss, socklen_t *len);
void sb_format_address(const struct sockaddr_storage *ss, char *out, size_t outlen, int *port);
int64_t sb_now_ns(void);
#endif
