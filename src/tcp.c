/*
 * tcp.c -- the tcp mode: healthy iff the connection (and, with -tls, the
 * handshake) completes in time (SPEC "Verdict: tcp").  The probe has done
 * all of that before begin runs.
 */
#include "mode.h"

static int lp_tcp_begin(void *m, struct lp_exchange *x)
{
	(void)m;
	x->res.kind = LP_OK;
	return 0;
}

static int lp_tcp_step(void *m, struct lp_exchange *x)
{
	(void)m, (void)x;
	return 1;
}

static void lp_tcp_expire(void *m, struct lp_exchange *x, const char *d)
{
	(void)m, (void)d;
	lp_fail(&x->res, LP_INTERNAL, "tcp: no exchange to time out");
}

const struct lp_mode_ops lp_tcp_mode = {
	.name = "tcp",
	.alpn = NULL,
	.nodelay = false,
	.prepare = NULL,
	.begin = lp_tcp_begin,
	.step = lp_tcp_step,
	.expire = lp_tcp_expire,
	.release = NULL,
};
