/*
 * probe.c -- the probe state machine and the poll loop that drives it.
 */
#include "probe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define LP_MAX_PROBES 16

/* -v: a step and how long it took, from the clock itself (the loop's `now`
 * is when it woke up, and several steps may run in one wake-up). */
static void lp_vlog(const struct lp_probe *p, const char *what)
{
	int64_t us;

	if (!p->cfg->verbose)
		return;
	us = lp_now() - p->t_phase;
	lp_log("%s %s in %lld.%03lld ms", what, p->target.name, (long long)(us / 1000),
	       (long long)(us % 1000));
}

static void lp_finish(struct lp_probe *p, int64_t now)
{
	int64_t us = (p->cfg->verbose ? lp_now() : now) - p->t_start;

	p->phase = LP_PH_DONE;
	lp_conn_close(&p->conn);
	if (p->cfg->verbose)
		lp_log("%s after %lld.%03lld ms", p->res.kind == LP_OK ? "healthy" : "unhealthy",
		       (long long)(us / 1000), (long long)(us % 1000));
}

static void lp_exchange_step(struct lp_probe *p, int64_t now)
{
	int rc;

	switch (p->cfg->mode) {
	case LP_MODE_HTTP:
		rc = lp_http1_step(&p->m.http, &p->conn, &p->res);
		break;
	case LP_MODE_GRPC:
		rc = lp_grpc_step(&p->m.grpc, &p->conn, &p->res);
		if (rc == LP_GRPC_UP) { /* connection up: the RPC gets its own deadline */
			lp_vlog(p, "HTTP/2 connection up with");
			p->t_phase = p->cfg->verbose ? lp_now() : now;
			p->deadline = now + p->cfg->rpc_timeout_ms * 1000;
			rc = lp_grpc_step(&p->m.grpc, &p->conn, &p->res);
		}
		break;
	default: /* tcp: the connection (and handshake) was the whole test */
		p->res.kind = LP_OK;
		rc = 1;
	}
	if (rc == 1)
		lp_finish(p, now);
}

static void lp_exchange_begin(struct lp_probe *p, int64_t now)
{
	int rc = 0;

	p->phase = LP_PH_EXCHANGE;
	p->t_phase = now;
	/* the request was built by lp_probe_init (http: or the ::1 retry) */
	if (p->cfg->mode == LP_MODE_GRPC)
		rc = lp_grpc_begin(&p->m.grpc, &p->target, &p->conn, &p->res);
	if (rc < 0)
		lp_finish(p, now);
	else
		lp_exchange_step(p, now);
}

static void lp_handshake_step(struct lp_probe *p, int64_t now)
{
	int rc = lp_tls_handshake(&p->conn, &p->res);

	if (rc == 0)
		return;
	if (rc < 0) {
		lp_finish(p, now);
		return;
	}
	lp_vlog(p, "TLS handshake done with");
	lp_exchange_begin(p, now);
}

static void lp_connected(struct lp_probe *p, int64_t now)
{
	lp_vlog(p, "connected to");
	p->t_phase = p->cfg->verbose ? lp_now() : now;
	p->conn.where = p->target.name;
	if (!p->tls) {
		lp_exchange_begin(p, now);
		return;
	}
	p->phase = LP_PH_HANDSHAKE;
	if (lp_tls_start(p->tls, &p->conn, &p->target, p->cfg->mode == LP_MODE_GRPC, &p->res) < 0)
		lp_finish(p, now);
	else
		lp_handshake_step(p, now);
}

static void lp_connect_begin(struct lp_probe *p, int64_t now);

/* SPEC -ipv6: a refused 127.0.0.1 is retried once on ::1; if that fails
 * too, the IPv4 refusal is what the user hears about. */
static void lp_connect_failed(struct lp_probe *p, int64_t now)
{
	bool v6_refused = p->res.kind == LP_REFUSED;

	lp_conn_close(&p->conn);
	if (p->res.kind == LP_REFUSED && p->target.fallback_v6) {
		if (p->cfg->verbose)
			lp_log("connect %s: connection refused; trying [::1]", p->target.name);
		p->v4_refused = true;
		memcpy(p->v4_name, p->target.name, sizeof p->v4_name);
		lp_target_use_ipv6(&p->target);
		/* the default Host names the address probed */
		if (p->cfg->mode == LP_MODE_HTTP &&
		    lp_http1_begin(&p->m.http, p->cfg, &p->target, &p->res) < 0) {
			lp_finish(p, now);
			return;
		}
		lp_connect_begin(p, now);
		return;
	}
	if (p->v4_refused) {
		if (p->cfg->verbose && !v6_refused)
			lp_log("connect %s: %s", p->target.name, p->res.detail);
		memcpy(p->res.where, p->v4_name, sizeof p->res.where);
		lp_fail(&p->res, LP_REFUSED, v6_refused ? " (and on %s)" : "%.0s", p->target.name);
	}
	lp_finish(p, now);
}

static void lp_connect_begin(struct lp_probe *p, int64_t now)
{
	int rc = lp_net_connect(&p->target, &p->conn.fd, &p->res);

	p->phase = LP_PH_CONNECT;
	p->conn.events = POLLOUT;
	if (rc == 1)
		lp_connected(p, now);
	else if (rc < 0)
		lp_connect_failed(p, now);
}

static void lp_ready(struct lp_probe *p, short revents, int64_t now)
{
	switch (p->phase) {
	case LP_PH_CONNECT:
		/* POLLOUT alone means connected; only a failure needs SO_ERROR */
		if ((revents & (POLLERR | POLLHUP)) &&
		    lp_net_connect_finish(p->conn.fd, &p->target, &p->res) < 0)
			lp_connect_failed(p, now);
		else
			lp_connected(p, now);
		break;
	case LP_PH_HANDSHAKE:
		lp_handshake_step(p, now);
		break;
	case LP_PH_EXCHANGE:
		lp_exchange_step(p, now);
		break;
	case LP_PH_DONE:
		break;
	}
}

static void lp_expire(struct lp_probe *p, int64_t now)
{
	const struct lp_config *c = p->cfg;
	char d[24];

	lp_format_duration(p->phase == LP_PH_EXCHANGE && c->mode == LP_MODE_GRPC &&
					   lp_grpc_is_up(&p->m.grpc)
				   ? c->rpc_timeout_ms
				   : c->connect_timeout_ms,
			   d, sizeof d);
	memcpy(p->res.where, p->target.name, sizeof p->res.where);
	if (p->phase == LP_PH_CONNECT)
		lp_fail(&p->res, LP_CONNECT_TIMEOUT, "%s connecting to %s", d, p->target.name);
	else if (p->phase == LP_PH_HANDSHAKE)
		lp_fail(&p->res, LP_CONNECT_TIMEOUT, "%s in the TLS handshake with %s", d,
			p->target.name);
	else if (c->mode == LP_MODE_GRPC)
		lp_grpc_timeout(&p->m.grpc, d, &p->res);
	else
		lp_fail(&p->res, LP_TIMEOUT, "%s %s %s", d, lp_http1_waiting_for(&p->m.http),
			p->target.name);
	lp_finish(p, now);
}

int lp_probe_init(struct lp_probe *p, const struct lp_config *c, struct lp_tls *tls,
		  struct lp_result *r)
{
	memset(p, 0, offsetof(struct lp_probe, m));
	p->cfg = c;
	p->tls = tls;
	p->conn.fd = -1;
	if (lp_target_from_config(c, &p->target, r) < 0)
		return -1;
	/* built now, so that an over-long request is a usage error before any
	 * socket exists (SPEC: usage errors come first) */
	if (c->mode == LP_MODE_HTTP)
		return lp_http1_begin(&p->m.http, c, &p->target, r);
	if (c->mode == LP_MODE_GRPC)
		return lp_grpc_prepare(&p->m.grpc, c, tls != NULL, r);
	return 0;
}

static void lp_probe_start(struct lp_probe *p, int64_t now)
{
	p->t_start = p->t_phase = now;
	p->deadline = now + p->cfg->connect_timeout_ms * 1000;
	p->res.kind = LP_INTERNAL;
	lp_connect_begin(p, now);
}

void lp_probe_run(struct lp_probe *ps, size_t n)
{
	struct pollfd pfd[LP_MAX_PROBES];
	size_t idx[LP_MAX_PROBES], i, k;
	int64_t now = lp_now(), next;
	int rc;

	for (i = 0; i < n && i < LP_MAX_PROBES; i++)
		lp_probe_start(&ps[i], now);
	for (;;) {
		next = INT64_MAX;
		for (i = k = 0; i < n && i < LP_MAX_PROBES; i++) {
			if (ps[i].phase == LP_PH_DONE)
				continue;
			pfd[k].fd = ps[i].conn.fd, pfd[k].events = ps[i].conn.events;
			pfd[k].revents = 0;
			idx[k++] = i;
			if (ps[i].deadline < next)
				next = ps[i].deadline;
		}
		if (k == 0)
			return;
		rc = poll(pfd, (nfds_t)k, lp_ms_left(next, now));
		if (rc < 0 && errno != EINTR) {
			for (i = 0; i < k; i++) {
				lp_fail(&ps[idx[i]].res, LP_INTERNAL, "poll: %s", strerror(errno));
				lp_finish(&ps[idx[i]], now);
			}
			return;
		}
		now = lp_now();
		for (i = 0; i < k; i++) {
			struct lp_probe *p = &ps[idx[i]];
			if (rc > 0 && pfd[i].revents)
				lp_ready(p, pfd[i].revents, now);
			if (p->phase != LP_PH_DONE && now >= p->deadline)
				lp_expire(p, now);
		}
	}
}
