/*
 * The SIP UDP socket without node:dgram (Node-API, plain C, Linux). Everything runs on the JS
 * main thread: the socket is a uv_poll_t on Node's own loop, so a readable socket is drained
 * with recvmmsg(2) — up to BATCH datagrams a system call — and handed to JS as ONE call per
 * batch (one Buffer holding every payload, an Int32Array of offset/length/port triples, an
 * array of source addresses), instead of one libuv read, one Buffer, one rinfo object and one
 * 'message' event per datagram. Sending is in sip-udp-send.c (sendmmsg of a turn's datagrams;
 * when the kernel's send buffer is full they queue, bounded, and this file's poll flushes the
 * queue once the socket turns writable, in order).
 *
 * SO_REUSEPORT is set only when asked for (a worker group: each worker binds its own socket to
 * the one port and the kernel spreads the flows over them, instead of every worker waking for
 * every datagram of one shared socket).
 *
 * JS API (../node/native-udp.ts):
 *   open(address, port, reusePort, rcvbuf, meta: Int32Array, onBatch)
 *        -> [handle, boundPort, grantedRcvbuf] | [null, errno, failed system call]
 *   sendBatch(handle, buffers[], ports: Int32Array, addresses[], count, results: Int32Array)
 *   close(handle)
 */
#include "sip-udp.h"

napi_value sbu_undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
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

static void on_poll(uv_poll_t *h, int status, int events);

void sbu_set_events(sock_t *s, int events) {
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
    /* The headers were set up by open(); the kernel rewrites only the source's length. */
    for (int i = 0; i < BATCH; i++) s->msgs[i].msg_hdr.msg_namelen = sizeof s->from[i];
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
  if (events & UV_WRITABLE) sbu_flush_queue(s);
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

/* [null, errno, the system call that failed]: the JS side turns it into node's error text. */
static napi_value fail(napi_env env, int err, const char *syscall) {
  napi_value r, v;
  napi_create_array_with_length(env, 3, &r);
  napi_get_null(env, &v);
  napi_set_element(env, r, 0, v);
  napi_create_int32(env, err, &v);
  napi_set_element(env, r, 1, v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
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
  struct in6_addr literal;
  int family = inet_pton(AF_INET, host, &literal) == 1 ? AF_INET : inet_pton(AF_INET6, host, &literal) == 1 ? AF_INET6 : 0;
  if (family == 0) return fail(env, EINVAL, "inet_pton");
  struct sockaddr_storage ss;
  socklen_t sl;
  sbu_sockaddr(family, host, port, &ss, &sl);
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(env, errno, "socket");
  int one = 1;
  if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return fail(env, e, "setsockopt");
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
  s->poll.data = s;
  for (int i = 0; i < BATCH; i++) {
    s->iov[i].iov_base = rx + (size_t)i * MAX_DATAGRAM;
    s->iov[i].iov_len = MAX_DATAGRAM;
    s->msgs[i].msg_hdr.msg_iov = &s->iov[i];
    s->msgs[i].msg_hdr.msg_iovlen = 1;
    s->msgs[i].msg_hdr.msg_name = &s->from[i];
  }
  napi_value resource, name, handle, result, v;
  napi_create_object(env, &resource);
  napi_create_string_utf8(env, "switchboard:sip-udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &s->actx);
  napi_create_reference(env, resource, 1, &s->resource);
  napi_create_reference(env, argv[4], 1, &s->meta_ref);
  napi_create_reference(env, argv[5], 1, &s->on_batch);
  napi_create_external(env, s, finalize_handle, NULL, &handle);
  napi_add_env_cleanup_hook(env, cleanup_hook, s);
  sbu_set_events(s, UV_READABLE);

  napi_create_array_with_length(env, 3, &result);
  napi_set_element(env, result, 0, handle);
  napi_create_int32(env, bound, &v);
  napi_set_element(env, result, 1, v);
  napi_create_int32(env, granted, &v);
  napi_set_element(env, result, 2, v);
  return result;
}

sock_t *sbu_unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  sock_t *s = argc == 1 ? sbu_unwrap(env, argv[0]) : NULL;
  if (s == NULL) {
    napi_throw_type_error(env, NULL, "close(handle)");
    return NULL;
  }
  if (!s->closed) {
    /* What is still queued gets one last try before the socket goes. */
    sbu_flush_queue(s);
    napi_remove_env_cleanup_hook(env, cleanup_hook, s);
    shutdown_socket(s, 0);
  }
  return sbu_undef(env);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendBatch", NULL, js_send_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_value v;
  napi_create_int32(env, BATCH, &v);
  napi_set_named_property(env, exports, "BATCH", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
