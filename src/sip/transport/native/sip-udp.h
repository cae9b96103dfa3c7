/* Shared by the native SIP UDP socket's files (sip-udp.c: open, receive, close; sip-udp-send.c: sending). */
#ifndef SWITCHBOARD_SIP_UDP_H
#define SWITCHBOARD_SIP_UDP_H
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

typedef struct sock {
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
  char *rx;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  out_item *qhead, *qtail;
  size_t qbytes;
} sock_t;

napi_value sbu_undef(napi_env env);
/* host (an IP literal of `family`; for AF_INET6 an IPv4 one too, as ::ffff:a.b.c.d) and port
 * as a socket address; -EINVAL when host is not one. */
int sbu_sockaddr(int family, const char *host, int port, struct sockaddr_storage *out, socklen_t *len);
/* The socket behind a JS handle, or NULL when it is not one. */
sock_t *sbu_unwrap(napi_env env, napi_value v);
/* Polls for `events` (UV_READABLE, and UV_WRITABLE while datagrams wait to be sent). */
void sbu_set_events(sock_t *s, int events);
/* Sends what is queued, in order, until the kernel pushes back again. */
void sbu_flush_queue(sock_t *s);
napi_value js_send_batch(napi_env env, napi_callback_info info);

#endif
