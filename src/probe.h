/*
 * probe.h -- one probe as a state machine: connect, TLS handshake, the
 * mode's exchange, verdict.  It never blocks: the run loop polls every
 * probe's socket for what it waits for, and expires it at its absolute
 * deadline.  All state is in struct lp_probe, fixed-size.
 *
 * Deadlines (SPEC): http -- -connect-timeout bounds the whole probe;
 * grpc -- -connect-timeout bounds connect + TLS + HTTP/2 preface, then
 * -rpc-timeout the RPC; tcp -- -connect-timeout bounds connect + TLS.
 */
#ifndef LP_PROBE_H
#define LP_PROBE_H

#include <stdint.h>

#include "config.h"
#include "grpc.h"
#include "http1.h"
#include "net.h"
#include "result.h"
#include "target.h"
#include "tls.h"

enum lp_phase { LP_PH_CONNECT, LP_PH_HANDSHAKE, LP_PH_EXCHANGE, LP_PH_DONE };

struct lp_probe {
	const struct lp_config *cfg;
	struct lp_target target;
	struct lp_conn conn;
	struct lp_tls *tls; /* prepared client context, or NULL */
	enum lp_phase phase;
	bool v4_refused; /* 127.0.0.1 refused; now trying ::1 */
	char v4_name[LP_WHERE_MAX];
	int64_t t_start, t_phase, deadline;
	struct lp_result res;
	union {
		struct lp_http1_probe http;
		struct lp_grpc_probe grpc;
	} m;
};

/* Applies the target policy and, for http, builds the request; tls is the
 * loaded TLS context when -tls.  Returns 0, or -1 with r set (refused
 * target, usage). */
int lp_probe_init(struct lp_probe *p, const struct lp_config *c, struct lp_tls *tls,
		  struct lp_result *r);

/* Runs n probes to completion under one poll loop; each ends with its
 * verdict in ->res. */
void lp_probe_run(struct lp_probe *ps, size_t n);

#endif
