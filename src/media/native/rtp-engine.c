/*
 * Native RTP forwarding engine: engine threads with epoll + recvmmsg/sendmmsg, symmetric
 * latching, per-channel counters and receive statistics. See rtp-engine.h for the threading
 * and locking rules.
 */
#define _GNU_SOURCE
#include "rtp-engine.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PKT_MAX 4096
#define ROUNDS 4 /* batches per readable socket per wakeup (fairness between sockets) */
#define EVENTS 256

typedef struct sb_thread {
  pthread_t tid;
  int started;
  int ep;
  int evfd;
  sb_engine *engine;
  pthread_mutex_t cmd_lock;
  pthread_cond_t cmd_cond;
  sb_session *remove_head; /* guarded by cmd_lock */
  int stop;                /* guarded by cmd_lock */
  /* Per-thread batch buffers (touched by this thread only). */
  struct mmsghdr rx[BATCH];
  struct iovec rx_iov[BATCH];
  struct sockaddr_storage rx_src[BATCH];
  struct mmsghdr tx[BATCH];
  struct iovec tx_iov[BATCH];
  sb_delivery *pending[BATCH];
  unsigned char buf[BATCH][PKT_MAX];
} sb_thread;

struct sb_engine {
  int nthreads;
  unsigned next; /* round-robin cursor (main thread) */
  sb_deliver_fn deliver;
  void *ctx;
  sb_thread **threads;
};

int64_t sb_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int sb_parse_address(const char *address, int port, int family, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET6 || (family == 0 && strchr(address, ':') != NULL)) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) {
      /* An IPv4 literal sent from a dual-stack socket: use the v4-mapped form. */
      struct in_addr v4;
      if (inet_pton(AF_INET, address, &v4) != 1) return -1;
      a->sin6_addr.s6_addr[10] = 0xff;
      a->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    }
    *len = sizeof *a;
    return 0;
  }
  struct sockaddr_in *a = (struct sockaddr_in *)ss;
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, address, &a->sin_addr) != 1) return -1;
  *len = sizeof *a;
  return 0;
}

void sb_format_address(const struct sockaddr_storage *ss, char *out, size_t outlen, int *port) {
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)outlen);
    *port = ntohs(a->sin6_port);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)outlen);
    *port = ntohs(a->sin_port);
  }
}

static int same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
  return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
}

int sb_bind_udp(const char *address, int port, int *bound) {
  struct sockaddr_storage ss;
  socklen_t len;
  if (sb_parse_address(address, port, 0, &ss, &len) != 0) return -EINVAL;
  int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int rcv = 4 << 20, snd = 1 << 20; /* as NodeUdpSocketFactory; the kernel clamps to rmem_max */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  struct sockaddr_storage got;
  socklen_t glen = sizeof got;
  getsockname(fd, (struct sockaddr *)&got, &glen);
  char tmp[INET6_ADDRSTRLEN];
  sb_format_address(&got, tmp, sizeof tmp, bound);
  return fd;
}

/* Length of the RTP header incl. CSRCs and extension, or -1: same checks as rtpPayloadOffset. */
static int rtp_payload_offset(const unsigned char *p, size_t len) {
  if (len < 12) return -1;
  unsigned b0 = p[0];
  if ((b0 >> 6) != 2) return -1;
  size_t off = 12 + (b0 & 0x0f) * 4;
  if (off > len) return -1;
  if (b0 & 0x10) { /* RFC 3550 §5.3.1 header extension */
    if (off + 4 > len) return -1;
    off += 4 + (size_t)((p[off + 2] << 8) | p[off + 3]) * 4;
    if (off > len) return -1;
  }
  if (b0 & 0x20) {
    unsigned pad = p[len - 1];
    if (pad == 0 || off + pad > len) return -1;
  }
  return (int)off;
}

static sb_delivery *make_delivery(sb_session *s, int ch, const struct sockaddr_storage *src, const unsigned char *data, size_t len) {
  sb_delivery *d = malloc(sizeof *d + len);
  if (d == NULL) return NULL;
  d->session_id = s->id;
  d->channel = ch;
  sb_format_address(src, d->address, sizeof d->address, &d->port);
  d->len = (uint32_t)len;
  memcpy(d->data, data, len);
  return d;
}

/* Sends tx[0..k) out of fd; failures are counted, never retried (RTP is loss tolerant). */
static void send_batch(sb_thread *t, int fd, int k, uint64_t *errors) {
  int off = 0;
  while (off < k) {
    int r = sendmmsg(fd, t->tx + off, (unsigned)(k - off), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        __atomic_add_fetch(errors, (uint64_t)(k - off), __ATOMIC_RELAXED);
        return;
      }
      __atomic_add_fetch(errors, 1, __ATOMIC_RELAXED); /* skip the failing datagram */
      off++;
      continue;
    }
    off += r;
  }
}

/* Handles `n` received datagrams of RTP channel `c` under the session lock. Returns how many
 * were queued in t->tx for the partner and how many deliveries are in t->pending. */
static int process_rtp(sb_thread *t, sb_channel *c, int n, int64_t now, int *ndeliver) {
  sb_session *s = c->session;
  sb_channel *dst = &s->ch[SB_PARTNER(c->index)];
  double now_ms = (double)now / 1e6;
  int k = 0;
  *ndeliver = 0;
  for (int j = 0; j < n; j++) {
    const unsigned char *p = t->buf[j];
    size_t len = t->rx[j].msg_len;
    const struct sockaddr_storage *src = &t->rx_src[j];
    /* Symmetric RTP (RFC 4961): after latching, other sources are injection attempts. */
    if (c->latched && !same_address(src, &c->peer)) {
      c->injected++;
      continue;
    }
    if ((t->rx[j].msg_hdr.msg_flags & MSG_TRUNC) || rtp_payload_offset(p, len) < 0) {
      c->invalid++;
      continue;
    }
    if (!c->latched) {
      c->latched = 1;
      c->has_peer = 1;
      c->peer = *src;
      c->peer_len = t->rx[j].msg_hdr.msg_namelen;
      c->peer_gen++;
    }
    s->last_ns = now;
    c->pkts_in++;
    c->bytes_in += len;
    unsigned pt = p[1] & 0x7f;
    int32_t r = c->pt_rate[pt];
    uint32_t seq = ((uint32_t)p[2] << 8) | p[3];
    uint32_t ts = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
    uint32_t ssrc = ((uint32_t)p[8] << 24) | ((uint32_t)p[9] << 16) | ((uint32_t)p[10] << 8) | p[11];
    sb_rx_update(&c->rx, seq, ts, ssrc, now_ms, (double)(r < 0 ? -r : r));
    if (r < 0) {
      c->unknown_pt++;
      continue;
    }
    if (!c->forward) {
      sb_delivery *d = make_delivery(s, c->index, src, p, len);
      if (d == NULL) c->deliver_dropped++;
      else t->pending[(*ndeliver)++] = d;
      continue;
    }
    dst->out_rate = (uint32_t)r;
    if (!dst->has_peer) {
      c->no_dest++;
      continue;
    }
    dst->pkts_out++;
    dst->bytes_out += len;
    /* msg_iov, msg_iovlen and the (absent) control data are set once, in init_headers. */
    t->tx_iov[k].iov_base = (void *)p;
    t->tx_iov[k].iov_len = len;
    t->tx[k].msg_hdr.msg_name = &dst->peer;
    t->tx[k].msg_hdr.msg_namelen = dst->peer_len;
    k++;
  }
  return k;
}

static void on_readable(sb_thread *t, sb_channel *c) {
  sb_session *s = c->session;
  for (int round = 0; round < ROUNDS; round++) {
    /* recvmmsg writes back only msg_namelen (and msg_len, msg_flags); the rest is set once. */
    for (int j = 0; j < BATCH; j++) t->rx[j].msg_hdr.msg_namelen = sizeof t->rx_src[j];
    int n = recvmmsg(c->fd, t->rx, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return; /* EAGAIN, or an error such as a queued ICMP report: nothing to do */
    int64_t now = sb_now_ns();
    int k = 0, nd = 0;
    pthread_mutex_lock(&s->lock);
    if (SB_IS_RTCP(c->index)) {
      /* RTCP (~1 packet / 5 s) is handled by the JS session core: latching, reports, counters. */
      for (int j = 0; j < n; j++) {
        sb_delivery *d = make_delivery(s, c->index, &t->rx_src[j], t->buf[j], t->rx[j].msg_len);
        if (d == NULL) c->deliver_dropped++;
        else t->pending[nd++] = d;
      }
    } else {
      k = process_rtp(t, c, n, now, &nd);
    }
    /* The queued msghdrs point at the partner's peer address, which the main thread may rewrite
     * (setPeer): send before unlocking. The fd itself is closed only by this thread. */
    if (k > 0) send_batch(t, s->ch[SB_PARTNER(c->index)].fd, k, &s->ch[SB_PARTNER(c->index)].send_errors);
    pthread_mutex_unlock(&s->lock);
    for (int j = 0; j < nd; j++) {
      if (t->engine->deliver(t->engine->ctx, t->pending[j]) != 0) {
        free(t->pending[j]);
        __atomic_add_fetch(&c->deliver_dropped, 1, __ATOMIC_RELAXED);
      }
    }
    if (n < BATCH) return;
  }
}

/* Runs queued removals; returns non-zero when the thread must stop. Called between rounds. */
static int run_commands(sb_thread *t) {
  uint64_t v;
  while (read(t->evfd, &v, sizeof v) > 0) {
  }
  pthread_mutex_lock(&t->cmd_lock);
  sb_session *s = t->remove_head;
  t->remove_head = NULL;
  for (; s != NULL; s = s->next_remove) {
    for (int i = 0; i < SB_CHANNELS; i++) {
      if (s->ch[i].fd < 0) continue;
      epoll_ctl(t->ep, EPOLL_CTL_DEL, s->ch[i].fd, NULL);
      close(s->ch[i].fd);
      s->ch[i].fd = -1;
    }
    s->removed = 1;
  }
  pthread_cond_broadcast(&t->cmd_cond);
  int stop = t->stop;
  pthread_mutex_unlock(&t->cmd_lock);
  return stop;
}

static void *thread_main(void *arg) {
  sb_thread *t = arg;
  struct epoll_event evs[EVENTS];
  for (;;) {
    int n = epoll_wait(t->ep, evs, EVENTS, -1);
    if (n < 0 && errno != EINTR) break;
    int command = 0;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.ptr == NULL) command = 1;
      else on_readable(t, evs[i].data.ptr);
    }
    if (command && run_commands(t)) break;
  }
  return NULL;
}

static void wake(sb_thread *t) {
  uint64_t one = 1;
  ssize_t r = write(t->evfd, &one, sizeof one);
  (void)r;
}

static void thread_free(sb_thread *t) {
  if (t->ep >= 0) close(t->ep);
  if (t->evfd >= 0) close(t->evfd);
  pthread_mutex_destroy(&t->cmd_lock);
  pthread_cond_destroy(&t->cmd_cond);
  free(t);
}

/* The parts of the batch headers that never change: buffers, address slots, one iovec each. */
static void init_headers(sb_thread *t) {
  for (int j = 0; j < BATCH; j++) {
    t->rx_iov[j].iov_base = t->buf[j];
    t->rx_iov[j].iov_len = PKT_MAX;
    t->rx[j].msg_hdr.msg_name = &t->rx_src[j];
    t->rx[j].msg_hdr.msg_namelen = sizeof t->rx_src[j];
    t->rx[j].msg_hdr.msg_iov = &t->rx_iov[j];
    t->rx[j].msg_hdr.msg_iovlen = 1;
    t->tx[j].msg_hdr.msg_iov = &t->tx_iov[j];
    t->tx[j].msg_hdr.msg_iovlen = 1;
  }
}

sb_engine *sb_engine_create(int threads, sb_deliver_fn deliver, void *ctx, char *err, size_t errlen) {
  if (threads < 1) threads = 1;
  sb_engine *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->deliver = deliver;
  e->ctx = ctx;
  e->threads = calloc((size_t)threads, sizeof *e->threads);
  if (e->threads == NULL) {
    free(e);
    return NULL;
  }
  for (int i = 0; i < threads; i++) {
    sb_thread *t = calloc(1, sizeof *t);
    if (t == NULL) break;
    t->engine = e;
    init_headers(t);
    pthread_mutex_init(&t->cmd_lock, NULL);
    pthread_cond_init(&t->cmd_cond, NULL);
    t->ep = epoll_create1(EPOLL_CLOEXEC);
    t->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (t->ep < 0 || t->evfd < 0 || epoll_ctl(t->ep, EPOLL_CTL_ADD, t->evfd, &ev) != 0 ||
        pthread_create(&t->tid, NULL, thread_main, t) != 0) {
      snprintf(err, errlen, "engine thread %d: %s", i, strerror(errno));
      thread_free(t);
      break;
    }
    t->started = 1;
    e->threads[e->nthreads++] = t;
  }
  if (e->nthreads < threads) {
    sb_engine_destroy(e);
    return NULL;
  }
  return e;
}

void sb_engine_destroy(sb_engine *e) {
  for (int i = 0; i < e->nthreads; i++) {
    sb_thread *t = e->threads[i];
    pthread_mutex_lock(&t->cmd_lock);
    t->stop = 1;
    pthread_mutex_unlock(&t->cmd_lock);
    wake(t);
    pthread_join(t->tid, NULL);
    thread_free(t);
  }
  free(e->threads);
  free(e);
}

sb_session *sb_session_add(sb_engine *e, const int fds[SB_CHANNELS], uint32_t id) {
  sb_session *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->id = id;
  pthread_mutex_init(&s->lock, NULL);
  s->thread = e->threads[e->next++ % (unsigned)e->nthreads];
  for (int i = 0; i < SB_CHANNELS; i++) {
    sb_channel *c = &s->ch[i];
    c->fd = fds[i];
    c->index = i;
    c->session = s;
    c->forward = !SB_IS_RTCP(i);
    for (int pt = 0; pt < 128; pt++) c->pt_rate[pt] = 8000;
    sb_rx_init(&c->rx);
  }
  /* Fully initialised before the fds enter the epoll set. A session whose sockets cannot all
   * be watched would never forward: it is not created (same as running out of memory). */
  for (int i = 0; i < SB_CHANNELS; i++) {
    if (s->ch[i].fd < 0) continue;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &s->ch[i]};
    if (epoll_ctl(s->thread->ep, EPOLL_CTL_ADD, s->ch[i].fd, &ev) != 0) {
      for (int j = 0; j < i; j++)
        if (s->ch[j].fd >= 0) epoll_ctl(s->thread->ep, EPOLL_CTL_DEL, s->ch[j].fd, NULL);
      pthread_mutex_destroy(&s->lock);
      free(s);
      return NULL;
    }
  }
  return s;
}

void sb_session_remove(sb_engine *e, sb_session *s) {
  (void)e;
  sb_thread *t = s->thread;
  pthread_mutex_lock(&t->cmd_lock);
  s->next_remove = t->remove_head;
  t->remove_head = s;
  wake(t);
  while (!s->removed) pthread_cond_wait(&t->cmd_cond, &t->cmd_lock);
  pthread_mutex_unlock(&t->cmd_lock);
  pthread_mutex_destroy(&s->lock);
  free(s);
}

void sb_session_forward(sb_session *s, int src, const void *data, size_t len) {
  sb_channel *c = &s->ch[src];
  sb_channel *dst = &s->ch[SB_PARTNER(src)];
  pthread_mutex_lock(&s->lock);
  if (!dst->has_peer || dst->fd < 0) {
    c->no_dest++;
  } else {
    dst->pkts_out++;
    dst->bytes_out += len;
    if (sendto(dst->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&dst->peer, dst->peer_len) < 0) dst->send_errors++;
  }
  pthread_mutex_unlock(&s->lock);
}
