/*
 * Sending on the native SIP UDP socket: sendBatch() hands every datagram of an event-loop turn
 * to the kernel in sendmmsg(2) calls. When the kernel pushes back, datagrams wait in a
 * bounded queue (in order) that sip-udp.c flushes once the socket is writable.
 */
#include "sip-udp.h"

int sbu_sockaddr(int family, const char *host, int port, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  if (family == AF_INET6) {
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

void sbu_flush_queue(sock_t *s) {
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
    sbu_set_events(s, UV_READABLE);
  }
}

/* Queues one datagram behind those the kernel has pushed back; -ENOBUFS when the queue is full. */
static int enqueue(sock_t *s, const void *data, size_t len, const struct sockaddr_storage *to, socklen_t tolen) {
  if (s->qbytes + len > MAX_QUEUED_BYTES) return -ENOBUFS;
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
  sbu_set_events(s, UV_READABLE | UV_WRITABLE);
  return 0;
}

/*
 * sendBatch(handle, buffers[], ports: Int32Array, addresses[], count, results: Int32Array):
 * every datagram of one event-loop turn in sendmmsg(2) calls of up to SEND_BATCH; results[i]
 * is 0 (sent or queued) or -errno.
 */
#define SEND_BATCH 64
napi_value js_send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  sock_t *s = argc == 6 ? sbu_unwrap(env, argv[0]) : NULL;
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
      int r = sbu_sockaddr(s->family, host, ports[i], &to[n], &tolen);
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
  return sbu_undef(env);
}
