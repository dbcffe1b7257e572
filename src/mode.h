/*
 * mode.h -- what a probe mode is: one table of operations, as curl's
 * struct Curl_handler describes a protocol, and what those operations see
 * of their probe (struct lp_exchange).  probe.c drives every mode through
 * its table and never asks which mode it runs.
 *
 * Adding a mode: a value in config (enum lp_mode and -mode's parser), one
 * file with its state struct and its struct lp_mode_ops, and one line in
 * each of probe.h's state union and probe.c's table.
 */
#ifndef LP_MODE_H
#define LP_MODE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "net.h"
#include "result.h"
#include "target.h"

/* The part of a probe a mode works with. */
struct lp_exchange {
	struct lp_conn conn;		/* plaintext or TLS, connected */
	struct lp_result res;		/* the mode fills kind and detail */
	const struct lp_config *cfg;	/* this probe's group of flags */
	const struct lp_target *target; /* where it talks to (name for messages) */
	bool tls;			/* conn runs over TLS */
	const char *alpn;		/* the protocol the TLS server selected, or NULL */
	int64_t deadline;		/* absolute (clock.h); conn reads stop at it */
	int64_t timeout_ms;		/* what deadline was set from, for messages */
	int64_t t_phase;		/* -v: when the current step began */
};

/* The probe's API for its mode (probe.c). */

/* Moves the deadline to ms from now: gRPC's -rpc-timeout starts once the
 * HTTP/2 connection is up. */
void lp_exchange_set_deadline(struct lp_exchange *x, int64_t ms);

/* -v: "<what> <target> in N ms" since the last step; starts the next. */
void lp_exchange_log_step(struct lp_exchange *x, const char *what);

struct lp_mode_ops {
	const char *name;
	const char *alpn; /* protocol to offer in the TLS handshake, or NULL */
	bool nodelay;	  /* answers a peer's flight with several writes (HTTP/2) */
	/* Before any socket exists: builds what can be built from the flags,
	 * so a bad value is a usage error.  0, or -1 with r set. */
	int (*prepare)(void *m, const struct lp_exchange *x, struct lp_result *r);
	/* Another check on the same connection, with c's flags (they differ
	 * from the probe's in what the check asks only: gRPC's -service).
	 * Before any socket.  0, or -1 with r set.  NULL: one check per
	 * connection. */
	int (*add)(void *m, const struct lp_config *c, struct lp_result *r);
	/* Connected (and TLS up): starts the exchange.  0, or -1 with x->res
	 * set (the verdict). */
	int (*begin)(void *m, struct lp_exchange *x);
	/* Drives the exchange as far as the stream allows: 1 when x->res
	 * holds the verdict, 0 to wait for x->conn.events. */
	int (*step)(void *m, struct lp_exchange *x);
	/* The deadline passed in the exchange: x->res says what was awaited;
	 * d is the timeout as Go prints it. */
	void (*expire)(void *m, struct lp_exchange *x, const char *d);
	/* Gives back what begin took (an HTTP/2 session); once per probe,
	 * whether or not begin ran.  NULL: nothing to give back. */
	void (*release)(void *m);
	/* Check i's own verdict (0: prepare's, then add's in order), or NULL
	 * while it has none: the exchange's result (a connection failure, a
	 * timeout) stands for it.  NULL: the exchange's result is the one
	 * check's. */
	const struct lp_result *(*result)(const void *m, size_t i);
	/* What tells check i apart from the others on its connection, for its
	 * line (" service \"orders\""), into buf.  NULL: nothing to add. */
	void (*label)(const void *m, size_t i, char *buf, size_t cap);
};

extern const struct lp_mode_ops lp_http1_mode, lp_grpc_mode, lp_tcp_mode;

#endif
