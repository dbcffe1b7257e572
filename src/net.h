/*
 * net.h -- non-blocking sockets under one absolute deadline.
 *
 * Time is a CLOCK_MONOTONIC microsecond count (lp_now); every wait is for
 * an absolute deadline, so retries and phases never extend the total.
 * Sockets are non-blocking and close-on-exec; sends use MSG_NOSIGNAL, so a
 * peer that closes early never raises SIGPIPE.
 *
 * struct lp_conn is the byte stream a probe talks through: plaintext, or
 * TLS when conn->tls is set (tls.c plugs in behind the same two calls).
 */
#ifndef LP_NET_H
#define LP_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "result.h"
#include "target.h"

/* Return values of lp_conn_send/lp_conn_recv besides a byte count. */
#define LP_IO_ERROR (-1) /* result filled */
#define LP_IO_AGAIN (-2) /* wait for conn->events, then call again */

struct lp_tls; /* tls.h */

struct lp_conn {
	int fd;
	short events;	    /* poll events the stream waits for after AGAIN */
	struct lp_tls *tls; /* NULL: plaintext */
	const char *where;  /* the target's name, for messages */
};

/* Monotonic microseconds: deadlines are absolute values of this clock. */
int64_t lp_now(void);

/* Milliseconds left until deadline, rounded up, 0 if past; for poll(). */
int lp_ms_left(int64_t deadline, int64_t now);

/* Starts a non-blocking connect to t.  Returns 1 when connected, 0 when in
 * progress (wait for POLLOUT, then lp_net_connect_finish), -1 with r set. */
int lp_net_connect(const struct lp_target *t, int *fd, struct lp_result *r);

/* After POLLOUT on a connecting socket: 1 connected, -1 with r set. */
int lp_net_connect_finish(int fd, const struct lp_target *t, struct lp_result *r);

/* Sends/receives at most len bytes without blocking.  Return a count (recv:
 * 0 is end of stream), LP_IO_AGAIN with c->events set, or LP_IO_ERROR. */
ssize_t lp_conn_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
ssize_t lp_conn_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);

/* Raw socket I/O under lp_conn (and BearSSL's record pump): same returns. */
ssize_t lp_sock_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
ssize_t lp_sock_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);

/* TCP_NODELAY: protocols that answer a peer's flight with several small
 * writes (TLS handshake, HTTP/2) must not wait out Nagle + delayed ACK
 * (40 ms on Linux).  No-op on a unix socket. */
void lp_net_nodelay(int fd);

/* Closes the socket if open. */
void lp_conn_close(struct lp_conn *c);

#endif
