/*
 * probe.h -- one probe as a state machine: connect, TLS handshake, the
 * mode's exchange (mode.h), verdict.  All of a probe's state is in its
 * struct lp_probe, fixed-size; nothing is shared between probes but the
 * read-only configuration and TLS files.
 *
 * A run goes in two halves, so that confinement comes between them
 * (sandbox.h): lp_probes_connect() connects every probe (with the one
 * 127.0.0.1 -> ::1 retry) and reads nothing from any peer;
 * lp_probes_finish() drives the handshakes and exchanges to their
 * verdicts under one poll loop.
 * Nothing blocks in the poll loop: each phase makes progress or sets
 * conn.events and returns, and each probe expires at its own absolute
 * deadline.
 *
 * Deadlines (SPEC): http -- -connect-timeout bounds the whole probe;
 * grpc -- -connect-timeout bounds connect + TLS + HTTP/2 preface, then
 * -rpc-timeout the RPC (the mode moves its deadline); tcp --
 * -connect-timeout bounds connect + TLS.
 */
#ifndef LP_PROBE_H
#define LP_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "grpc.h"
#include "http1.h"
#include "mode.h"
#include "target.h"
#include "tls.h"

#define LP_MAX_PROBES 16 /* probes of one run (SPEC: at most 16 groups) */

enum lp_phase {
	LP_PH_IDLE,	 /* initialised, not started */
	LP_PH_CONNECT,	 /* connect in progress */
	LP_PH_CONNECTED, /* waiting for the other probes, then confinement */
	LP_PH_HANDSHAKE, /* TLS */
	LP_PH_EXCHANGE,	 /* the mode's */
	LP_PH_DONE	 /* x.res holds the verdict */
};

struct lp_probe {
	const struct lp_mode_ops *ops;
	const struct lp_config *cfg;
	struct lp_target target;
	struct lp_exchange x;
	enum lp_phase phase;
	bool v4_refused; /* 127.0.0.1 refused; now trying ::1 */
	char v4_name[LP_WHERE_MAX];
	int64_t t_start;
	struct lp_tls tls; /* when cfg->tls */
	union {
		struct lp_http1_probe http;
		struct lp_grpc_probe grpc;
	} m;
};

/* Applies the target policy, prepares the mode (requests built) and the
 * TLS state (files: the loaded TLS files when c->tls, else NULL).  Before
 * any socket.  Returns 0, or -1 with r set (refused target, usage). */
int lp_probe_init(struct lp_probe *p, const struct lp_config *c, const struct lp_tls_files *files,
		  struct lp_result *r);

/* Starts n probes and runs the poll loop until every one is connected or
 * done.  Reads nothing from any peer.  More than LP_MAX_PROBES: none is
 * started, each is done with an LP_INTERNAL result that says so. */
void lp_probes_connect(struct lp_probe *ps, size_t n);

/* Runs n connected probes to their verdicts under one poll loop. */
void lp_probes_finish(struct lp_probe *ps, size_t n);

/* For tests and fuzzing: a probe connected by its caller.  fd is a
 * connected, non-blocking stream socket, which the probe now owns (it is
 * closed when the probe is done); the deadline starts now, as after
 * lp_probes_connect.  Then lp_probes_finish. */
void lp_probe_adopt(struct lp_probe *p, int fd);

/* Adds a check that shares p's connection (a gRPC -service list: the
 * same flags but the service).  Before any socket.  0, or -1 with r set
 * (the mode has one check per connection, or no room). */
int lp_probe_share(struct lp_probe *p, const struct lp_config *c, struct lp_result *r);

/* The verdict (LP_UNDECIDED until the probe is done): of all its checks. */
const struct lp_result *lp_probe_result(const struct lp_probe *p);

/* Check i's verdict (0: the probe's own flags; then lp_probe_share's). */
const struct lp_result *lp_probe_check_result(const struct lp_probe *p, size_t i);

/* What tells check i apart, for its line (the mode's label), or "". */
void lp_probe_check_label(const struct lp_probe *p, size_t i, char *buf, size_t cap);

#endif
