/*
 * net.h -- the transport: non-blocking sockets under one absolute deadline.
 *
 * Time is a CLOCK_MONOTONIC microsecond count (lp_now); every wait is for
 * an absolute deadline, so retries and phases never extend the total.
 * Sockets are non-blocking and close-on-exec.  I/O uses read(2)/write(2)
 * only (SIGPIPE is ignored process-wide by lp_net_init): the sandbox has
 * no address argument to check (sandbox.h).
 *
 * struct lp_conn is the byte stream a probe talks through.  It carries
 * its read/write pair, as BearSSL's br_sslio_init(low_read, low_write)
 * does: plaintext by default (lp_conn_init), or a layer such as TLS that
 * installs its own pair over the raw socket calls below.  This file knows
 * nothing of any layer.
 *
 * Every read checks the deadline and counts bytes against a budget, so a
 * peer that never stops sending valid traffic cannot hold the probe past
 * its deadline or make it process more than LP_RX_BUDGET bytes.
 */
#ifndef LP_NET_H
#define LP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "result.h"
#include "target.h"

/* Return values of the I/O calls besides a byte count (0 is end of
 * stream for a read). */
#define LP_IO_ERROR (-1) /* result filled */
#define LP_IO_AGAIN (-2) /* wait for conn->events (or the deadline), call again */

/* Raw bytes a probe reads from its peer at most: response headers (64 KiB)
 * and searched body (64 KiB) with framing and TLS/HTTP-2 overhead fit
 * many times over; what is past it is a flood, not an answer. */
#define LP_RX_BUDGET (512 * 1024)

#define LP_FIRST_MAX 128 /* first bytes the peer sent, quoted in messages */

struct lp_conn;

/* A read/write pair with lp_conn_send/lp_conn_recv's contract. */
struct lp_stream_ops {
	ssize_t (*send)(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
	ssize_t (*recv)(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);
};

struct lp_conn {
	int fd;
	short events; /* poll events the stream waits for after AGAIN */
	const struct lp_stream_ops *ops;
	void *layer;		 /* the ops' state (TLS session), or NULL */
	const int64_t *deadline; /* the probe's; reads stop once it has passed */
	size_t rx_total;	 /* raw bytes read from the socket */
	unsigned char first[LP_FIRST_MAX];
	size_t first_len;
};

/* Once per process, before any socket: SIGPIPE ignored, so a write to a
 * peer that has gone returns EPIPE instead of killing the probe. */
int lp_net_init(struct lp_result *r);

/* A closed plaintext connection whose reads stop at *deadline. */
void lp_conn_init(struct lp_conn *c, const int64_t *deadline);

/* Starts a non-blocking connect to t.  Returns 1 when connected, 0 when in
 * progress (wait for POLLOUT, then lp_net_connect_finish), -1 with r set. */
int lp_net_connect(struct lp_conn *c, const struct lp_target *t, struct lp_result *r);

/* After POLLOUT on a connecting socket: 1 connected, -1 with r set. */
int lp_net_connect_finish(struct lp_conn *c, const struct lp_target *t, struct lp_result *r);

/* Sends/receives at most len bytes through the connection's pair.  Return
 * a count (recv: 0 is end of stream), LP_IO_AGAIN with c->events set, or
 * LP_IO_ERROR. */
ssize_t lp_conn_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
ssize_t lp_conn_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);

/* The raw socket pair under every layer: same returns. */
ssize_t lp_sock_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
ssize_t lp_sock_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);

/* The peer's first bytes were an HTTP/1.x status line: it is a plaintext
 * HTTP server, whatever protocol we spoke. */
bool lp_conn_peer_spoke_http(const struct lp_conn *c);

/* TCP_NODELAY: protocols that answer a peer's flight with several small
 * writes (TLS handshake, HTTP/2) must not wait out Nagle + delayed ACK
 * (40 ms on Linux).  No-op on a unix socket. */
void lp_net_nodelay(int fd);

/* Closes the socket if open; the stream is plaintext again. */
void lp_conn_close(struct lp_conn *c);

#endif
