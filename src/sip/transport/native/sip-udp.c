/*
 * The SIP UDP socket without node:dgram (Node-API, plain C, Linux). Everything runs on the JS
 * main thread: the socket is a uv_poll_t on Node's own loop, so a readable socket is drained
 * with recvmmsg(2) — up to BATCH datagrams a system call — and handed to JS as ONE call per
 * batch (one Buffer holding every payload, an Int32Array of offset/length/port triples, an
 * array of source addresses), instead of one libuv read, one Buffer, one rinfo object and one
 * 'message' event per datagram. Sends are sendto(2) straight from the JS call; when the
 * kernel's send buffer is full the datagram is queued here (bounded) and the queue is flushed
 * when the socket turns writable, in order.
 *
 * SO_REUSEPORT is set only when asked for (a worker group: each worker binds its own socket to
 * the one port and the kernel spreads the flows over them, instead of every worker waking for
 * every datagram of one shared socket).
 *
 * JS API (sip-udp-addon.ts):
 *   open(address, port, reusePort, rcvbuf, meta: Int32Array, onBatch)
 *        -> [handle, boundPort, grantedRcvbuf] | [null, 'ECODE', message]
 *   send(handle, buffer, port, address) -> 0 (sent or queued) | -errno
 *   sendBatch(handle, buffers[], ports: Int32Array, addresses[], count, results: Int32Array)
 *   stats(handle) -> [queuedBytes, droppedSends]
 *   close(handle)
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 32
#define ROUNDS 8 /* at most ROUNDS * BATCH datagrams per readiness event, then back to the loop */
#define MAX_DATAGRAM 65536
#define MAX_QUEUED_BYTES (8u << 20)

typedef struct out_item {
  struct out_item *next;
  size_t len;
  struct sockaddr_storage to;
  socklen_t tolen;
  char data[];
} out_item;

typedef struct {
  napi_env env;
  int fd;
  int family;
  int closed;
  int refs; /* the uv handle and the JS external each hold one */
  int events;
  uv_poll_t poll;
  napi_ref on_batch;
  napi_ref meta_ref;
  napi_ref resource;
  napi_async_context actx;
  int32_t *meta;
  size_t meta_len;
  char *rx;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  out_item *qhead, *qtail;
  size_t qbytes;
  double dropped;
} sock_t;

static napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static void release(sock_t *s) {
  if (--s->refs > 0) return;
  free(s->rx);
  free(s);
}

static void drop_queue(sock_t *s) {
  while (s->qhead != NULL) {
    out_item *n = s->qhead->next;
    free(s->qhead);
    s->qhead = n;
  }
  s->qtail = NULL;
  s->qbytes = 0;
}

static void on_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  close(s->fd);
  s->fd = -1;
  release(s);
}

/* Stops polling and releases the JS references; the fd closes once libuv has let go of it. */
static void shutdown_socket(sock_t *s, int from_cleanup) {
  if (s->closed) return;
  s->closed = 1;
  drop_queue(s);
  napi_env env = s->env;
  if (!from_cleanup) {
    napi_delete_reference(env, s->on_batch);
    napi_delete_reference(env, s->meta_ref);
    napi_async_destroy(env, s->actx);
    napi_delete_reference(env, s->resource);
  }
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

static void cleanup_hook(void *arg) {
  shutdown_socket(arg, 1);
}

static void set_events(sock_t *s, int events);
static void on_poll(uv_poll_t *h, int status, int events);
static sock_t *unwrap(napi_env env, napi_value v);
static int enqueue(sock_t *s, const void *data, size_t len, const struct sockaddr_storage *to, socklen_t tolen);

static int to_sockaddr(sock_t *s, const char *host, int port, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (s->family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
      /* A dual-stack socket reaches IPv4 destinations as ::ffff:a.b.c.d. */
      struct in_addr v4;
      if (inet_pton(AF_INET, host, &v4) != 1) return -EINVAL;
      a->sin6_addr.s6_addr[10] = 0xff;
      a->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    }
    *len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return -EINVAL;
    *len = sizeof *a;
  }
  return 0;
}

/* Sends what is queued, in order, until the kernel pushes back again. */
static void flush_queue(sock_t *s) {
  while (s->qhead != NULL) {
    out_item *it = s->qhead;
    ssize_t n = sendto(s->fd, it->data, it->len, MSG_DONTWAIT, (struct sockaddr *)&it->to, it->tolen);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) break;
    if (n < 0 && errno == EINTR) continue;
    /* Sent, or failed for good (the datagram is lost, as UDP may lose it anyway). */
    s->qhead = it->next;
    s->qbytes -= it->len;
    free(it);
  }
  if (s->qhead == NULL) {
    s->qtail = NULL;
    set_events(s, UV_READABLE);
  }
}

static void set_events(sock_t *s, int events) {
  if (s->closed || s->events == events) return;
  s->events = events;
  uv_poll_start(&s->poll, events, on_poll);
}

/* Hands one batch to JS; false when JS threw (the exception is reported as uncaught). */
static int deliver(sock_t *s, int count) {
  napi_env env = s->env;
  size_t total = 0;
  for (int i = 0; i < count; i++) total += s->msgs[i].msg_len;
  napi_value buf, addrs, meta, cb, resource, argv[4], ignored;
  void *dst;
  if (napi_create_buffer(env, total, &dst, &buf) != napi_ok) return 1;
  napi_create_array_with_length(env, (size_t)count, &addrs);
  size_t off = 0;
  char text[INET6_ADDRSTRLEN];
  for (int i = 0; i < count; i++) {
    size_t len = s->msgs[i].msg_len;
    memcpy((char *)dst + off, s->rx + (size_t)i * MAX_DATAGRAM, len);
    int port = 0;
    const struct sockaddr_storage *from = &s->from[i];
    if (from->ss_family == AF_INET6) {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
      /* An IPv4 peer of a dual-stack socket is reported as the IPv4 address it is. */
      if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], text, sizeof text);
      else inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    } else {
      const struct sockaddr_in *a = (const struct sockaddr_in *)from;
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    }
    s->meta[i * 3] = (int32_t)off;
    s->meta[i * 3 + 1] = (int32_t)len;
    s->meta[i * 3 + 2] = port;
    napi_value str;
    napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &str);
    napi_set_element(env, addrs, (uint32_t)i, str);
    off += len;
  }
  napi_get_reference_value(env, s->on_batch, &cb);
  napi_get_reference_value(env, s->meta_ref, &meta);
  napi_get_reference_value(env, s->resource, &resource);
  argv[0] = buf;
  argv[1] = meta;
  argv[2] = addrs;
  napi_create_int32(env, count, &argv[3]);
  napi_status st = napi_make_callback(env, s->actx, resource, cb, 4, argv, &ignored);
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
    return 0;
  }
  return 1;
}

static void receive(sock_t *s) {
  napi_handle_scope scope;
  napi_open_handle_scope(s->env, &scope);
  for (int round = 0; round < ROUNDS && !s->closed; round++) {
    for (int i = 0; i < BATCH; i++) {
      s->iov[i].iov_base = s->rx + (size_t)i * MAX_DATAGRAM;
      s->iov[i].iov_len = MAX_DATAGRAM;
      memset(&s->msgs[i].msg_hdr, 0, sizeof s->msgs[i].msg_hdr);
      s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
      s->msgs[i].msg_hdr.msg_iovlen = 1;
      s->msgs[i].msg_hdr.msg_name = &s->from[i];
      s->msgs[i].msg_hdr.msg_namelen = sizeof s->from[i];
    }
    int n = recvmmsg(s->fd, s->msgs, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0 && errno == EINTR) continue;
    /* EAGAIN: drained. Other errors (an ICMP error queued on the socket) are not the reader's. */
    if (n <= 0) break;
    if (!deliver(s, n)) break;
    if (n < BATCH) break;
  }
  napi_close_handle_scope(s->env, scope);
}

static void on_poll(uv_poll_t *h, int status, int events) {
  sock_t *s = h->data;
  if (s->closed) return;
  if (status < 0) {
    /* e.g. EBADF: nothing sensible to do but stop reading; close() still cleans up. */
    uv_poll_stop(h);
    return;
  }
  if (events & UV_WRITABLE) flush_queue(s);
  if (events & UV_READABLE) receive(s);
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)hint;
  sock_t *s = data;
  if (!s->closed) {
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    shutdown_socket(s, 0);
  }
  release(s);
}

static napi_value fail(napi_env env, int err, const char *what) {
  napi_value r, v;
  napi_create_array_with_length(env, 3, &r);
  napi_get_null(env, &v);
  napi_set_element(env, r, 0, v);
  const char *code = err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES" : err == EINVAL ? "EINVAL" : "ERROR";
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &v);
  napi_set_element(env, r, 1, v);
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &v);
  napi_set_element(env, r, 2, v);
  return r;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char host[64];
  size_t hostlen = 0;
  int32_t port = 0, rcvbuf = 0;
  bool reuse = false;
  if (argc < 6 || napi_get_value_string_latin1(env, argv[0], host, sizeof host, &hostlen) != napi_ok || hostlen >= sizeof host - 1 ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || napi_get_value_bool(env, argv[2], &reuse) != napi_ok ||
      napi_get_value_int32(env, argv[3], &rcvbuf) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(address, port, reusePort, rcvbuf, meta, onBatch)");
    return NULL;
  }
  napi_typedarray_type tt;
  size_t meta_len;
  void *meta_data;
  if (napi_get_typedarray_info(env, argv[4], &tt, &meta_len, &meta_data, NULL, NULL) != napi_ok || tt != napi_int32_array || meta_len < BATCH * 3) {
    napi_throw_type_error(env, NULL, "meta must be an Int32Array of at least 96 elements");
    return NULL;
  }
  napi_valuetype cbt;
  napi_typeof(env, argv[5], &cbt);
  if (cbt != napi_function) {
    napi_throw_type_error(env, NULL, "onBatch must be a function");
    return NULL;
  }
  struct in6_addr a6;
  struct in_addr a4;
  int family = inet_pton(AF_INET, host, &a4) == 1 ? AF_INET : inet_pton(AF_INET6, host, &a6) == 1 ? AF_INET6 : 0;
  if (family == 0) return fail(env, EINVAL, "not an IP address");
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, errno, "socket");
  int one = 1;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return fail(env, e, "SO_REUSEPORT");
  }
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  socklen_t sl;
  if (family == AF_INET) {
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    a->sin_addr = a4;
    sl = sizeof *a;
  } else {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    a->sin6_addr = a6;
    sl = sizeof *a;
  }
  if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
    int e = errno;
    close(fd);
    return fail(env, e, "bind");
  }
  socklen_t bl = sizeof ss;
  getsockname(fd, (struct sockaddr *)&ss, &bl);
  int bound = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port) : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  int granted = -1;
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  socklen_t gl = sizeof granted;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &gl) != 0) granted = -1;

  sock_t *s = calloc(1, sizeof *s);
  char *rx = malloc((size_t)BATCH * MAX_DATAGRAM);
  uv_loop_t *loop = NULL;
  if (s == NULL || rx == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init_socket(loop, &s->poll, fd) != 0) {
    free(s);
    free(rx);
    close(fd);
    return fail(env, ENOMEM, "poll");
  }
  s->env = env;
  s->fd = fd;
  s->family = family;
  s->rx = rx;
  s->refs = 2;
  s->meta = meta_data;
  s->meta_len = meta_len;
  s->poll.data = s;
  napi_value resource, name, handle, result, v;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "switchboard:sip-udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &s->actx);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_create_reference(env, argv[4], 1, &s->meta_ref);
  napi_create_reference(env, argv[5], 1, &s->on_batch);
  napi_create_external(env, s, finalize_handle, NULL, &handle);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  set_events(s, UV_READABLE);

  napi_create_array_with_length(env, 3, &result);
  napi_set_element(env, result, 0, handle);
  napi_create_int32(env, bound, &v);
  napi_set_element(env, result, 1, v);
  napi_create_int32(env, granted, &v);
  napi_set_element(env, result, 2, v);
  return result;
}

static sock_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  sock_t *s = argc == 4 ? unwrap(env, argv[0]) : NULL;
  void *data;
  size_t len;
  int32_t port;
  char host[64];
  size_t hostlen;
  if (s == NULL || napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok || napi_get_value_int32(env, argv[2], &port) != napi_ok ||
      napi_get_value_string_latin1(env, argv[3], host, sizeof host, &hostlen) != napi_ok) {
    napi_throw_type_error(env, NULL, "send(handle, buffer, port, address)");
    return NULL;
  }
  if (s->closed) return num(env, -EBADF);
  if (port <= 0 || port > 65535 || hostlen >= sizeof host - 1) return num(env, -EINVAL);
  struct sockaddr_storage to;
  socklen_t tolen;
  int r = to_sockaddr(s, host, port, &to, &tolen);
  if (r != 0) return num(env, r);
  if (s->qhead == NULL) {
    for (;;) {
      ssize_t n = sendto(s->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to, tolen);
      if (n >= 0) return num(env, 0);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) break;
      return num(env, -errno);
    }
  }
  /* The kernel pushes back (or earlier datagrams wait): queue, bounded, in order. */
  return num(env, enqueue(s, data, len, &to, tolen));
}

/* Queues one datagram behind those the kernel has pushed back; -ENOBUFS when the queue is full. */
static int enqueue(sock_t *s, const void *data, size_t len, const struct sockaddr_storage *to, socklen_t tolen) {
  if (s->qbytes + len > MAX_QUEUED_BYTES) {
    s->dropped++;
    return -ENOBUFS;
  }
  out_item *it = malloc(sizeof *it + len);
  if (it == NULL) return -ENOMEM;
  it->next = NULL;
  it->len = len;
  it->to = *to;
  it->tolen = tolen;
  memcpy(it->data, data, len);
  if (s->qtail != NULL) s->qtail->next = it;
  else s->qhead = it;
  s->qtail = it;
  s->qbytes += len;
  set_events(s, UV_READABLE | UV_WRITABLE);
  return 0;
}

/*
 * sendBatch(handle, buffers[], ports: Int32Array, addresses[], count, results: Int32Array):
 * every datagram of one event-loop turn in sendmmsg(2) calls of up to SEND_BATCH; results[i]
 * is 0 (sent or queued) or -errno.
 */
#define SEND_BATCH 64
static napi_value js_send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  sock_t *s = argc == 6 ? unwrap(env, argv[0]) : NULL;
  int32_t count = 0;
  napi_typedarray_type pt, rt;
  size_t plen, rlen;
  void *pdata, *rdata;
  if (s == NULL || napi_get_value_int32(env, argv[4], &count) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &pt, &plen, &pdata, NULL, NULL) != napi_ok || pt != napi_int32_array ||
      napi_get_typedarray_info(env, argv[5], &rt, &rlen, &rdata, NULL, NULL) != napi_ok || rt != napi_int32_array || count < 0 ||
      (size_t)count > plen || (size_t)count > rlen) {
    napi_throw_type_error(env, NULL, "sendBatch(handle, buffers, ports, addresses, count, results)");
    return NULL;
  }
  const int32_t *ports = pdata;
  int32_t *results = rdata;
  struct mmsghdr msgs[SEND_BATCH];
  struct iovec iov[SEND_BATCH];
  struct sockaddr_storage to[SEND_BATCH];
  int index[SEND_BATCH];
  for (int32_t base = 0; base < count;) {
    int n = 0;
    int32_t i = base;
    for (; i < count && n < SEND_BATCH; i++) {
      napi_value b, a;
      void *data;
      size_t len;
      char host[64];
      size_t hostlen;
      if (napi_get_element(env, argv[1], (uint32_t)i, &b) != napi_ok || napi_get_buffer_info(env, b, &data, &len) != napi_ok ||
          napi_get_element(env, argv[3], (uint32_t)i, &a) != napi_ok || napi_get_value_string_latin1(env, a, host, sizeof host, &hostlen) != napi_ok) {
        napi_throw_type_error(env, NULL, "sendBatch: buffers[i] must be a Buffer and addresses[i] a string");
        return NULL;
      }
      if (s->closed) {
        results[i] = -EBADF;
        continue;
      }
      if (ports[i] <= 0 || ports[i] > 65535 || hostlen >= sizeof host - 1) {
        results[i] = -EINVAL;
        continue;
      }
      socklen_t tolen;
      int r = to_sockaddr(s, host, ports[i], &to[n], &tolen);
      if (r != 0) {
        results[i] = r;
        continue;
      }
      iov[n].iov_base = data;
      iov[n].iov_len = len;
      memset(&msgs[n].msg_hdr, 0, sizeof msgs[n].msg_hdr);
      msgs[n].msg_hdr.msg_name = &to[n];
      msgs[n].msg_hdr.msg_namelen = tolen;
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      index[n] = i;
      n++;
    }
    base = i;
    int done = 0;
    while (done < n) {
      int sent = 0;
      if (s->qhead == NULL) {
        sent = sendmmsg(s->fd, msgs + done, (unsigned)(n - done), MSG_DONTWAIT);
        if (sent < 0 && errno == EINTR) continue;
      }
      if (sent > 0) {
        for (int k = 0; k < sent; k++) results[index[done + k]] = 0;
        done += sent;
        continue;
      }
      /* The first datagram left failed: pushed back (queue it and the rest, in order) or refused. */
      int e = s->qhead != NULL ? EAGAIN : errno;
      if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
        for (; done < n; done++) {
          results[index[done]] = enqueue(s, iov[done].iov_base, iov[done].iov_len, &to[done], msgs[done].msg_hdr.msg_namelen);
        }
      } else {
        results[index[done]] = -e;
        done++;
      }
    }
  }
  return undef(env);
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  sock_t *s = argc == 1 ? unwrap(env, argv[0]) : NULL;
  if (s == NULL) {
    napi_throw_type_error(env, NULL, "stats(handle)");
    return NULL;
  }
  napi_create_array_with_length(env, 2, &r);
  napi_set_element(env, r, 0, num(env, (double)s->qbytes));
  napi_set_element(env, r, 1, num(env, s->dropped));
  return r;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  sock_t *s = argc == 1 ? unwrap(env, argv[0]) : NULL;
  if (s == NULL) {
    napi_throw_type_error(env, NULL, "close(handle)");
    return NULL;
  }
  if (!s->closed) {
    /* What is still queued gets one last try before the socket goes. */
    flush_queue(s);
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    shutdown_socket(s, 0);
  }
  return undef(env);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBatch", NULL, js_send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value v;
  napi_create_int32(env, BATCH, &v);
  napi_set_named_property(env, exports, "BATCH", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
