/*
 * probe.c -- the probe state machine and the loops that drive it.  Every
 * mode is reached through its table (mode.h); nothing here knows which
 * mode runs.
 */
#include "probe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const struct lp_mode_ops *const lp_modes[] = {
	[LP_MODE_HTTP] = &lp_http1_mode,
	[LP_MODE_GRPC] = &lp_grpc_mode,
	[LP_MODE_TCP] = &lp_tcp_mode,
};

/* ---- the probe's API for its mode (mode.h) ------------------------------ */

void lp_exchange_set_deadline(struct lp_exchange *x, int64_t ms)
{
	x->deadline = lp_now() + ms * 1000;
	x->timeout_ms = ms;
}

void lp_exchange_log_step(struct lp_exchange *x, const char *what)
{
	int64_t now, us;

	if (!x->cfg->verbose)
		return;
	now = lp_now();
	us = now - x->t_phase;
	lp_log("%s %s in %lld.%03lld ms", what, x->target->name, (long long)(us / 1000),
	       (long long)(us % 1000));
	x->t_phase = now;
}

/* ---- phases --------------------------------------------------------------- */

static void lp_finish(struct lp_probe *p)
{
	int64_t us;

	if (p->phase == LP_PH_DONE)
		return;
	p->phase = LP_PH_DONE;
	if (p->ops->release)
		p->ops->release(&p->m);
	lp_conn_close(&p->x.conn);
	if (p->cfg->verbose) {
		us = lp_now() - p->t_start;
		lp_log("%s after %lld.%03lld ms", p->x.res.kind == LP_OK ? "healthy" : "unhealthy",
		       (long long)(us / 1000), (long long)(us % 1000));
	}
}

static void lp_exchange_step(struct lp_probe *p)
{
	if (p->ops->step(&p->m, &p->x) == 1)
		lp_finish(p);
}

static void lp_exchange_begin(struct lp_probe *p)
{
	p->phase = LP_PH_EXCHANGE;
	if (p->ops->begin(&p->m, &p->x) < 0)
		lp_finish(p);
	else
		lp_exchange_step(p);
}

static void lp_handshake_step(struct lp_probe *p)
{
	int rc = lp_tls_handshake(&p->tls, &p->x.conn, &p->x.res);

	if (rc == 0)
		return;
	if (rc < 0) {
		lp_finish(p);
		return;
	}
	p->x.alpn = lp_tls_alpn(&p->tls);
	lp_exchange_log_step(&p->x, "TLS handshake done with");
	lp_exchange_begin(p);
}

/* After confinement: the first bytes go out (ClientHello or the mode's). */
static void lp_start_talking(struct lp_probe *p)
{
	if (!p->x.tls) {
		lp_exchange_begin(p);
		return;
	}
	p->phase = LP_PH_HANDSHAKE;
	if (lp_tls_start(&p->tls, &p->x.conn, &p->target, p->ops->alpn, &p->x.res) < 0)
		lp_finish(p);
	else
		lp_handshake_step(p);
}

static void lp_connected(struct lp_probe *p)
{
	/* a TLS handshake or an HTTP/2 exchange answers a peer's flight with
	 * several small writes: no Nagle + delayed ACK (40 ms).  Now, before
	 * confinement, which leaves no setsockopt(2). */
	if (p->x.tls || p->ops->nodelay)
		lp_net_nodelay(p->x.conn.fd);
	lp_exchange_log_step(&p->x, "connected to");
	p->phase = LP_PH_CONNECTED;
}

static void lp_connect_begin(struct lp_probe *p);

/* SPEC -ipv6: a refused 127.0.0.1 is retried once on ::1; if that fails
 * too, the IPv4 refusal is what the user hears about. */
static void lp_connect_failed(struct lp_probe *p)
{
	struct lp_result *r = &p->x.res;
	bool v6_refused = r->kind == LP_REFUSED;

	lp_conn_close(&p->x.conn);
	if (r->kind == LP_REFUSED && p->target.fallback_v6) {
		if (p->cfg->verbose)
			lp_log("connect %s: connection refused; trying [::1]", p->target.name);
		p->v4_refused = true;
		memcpy(p->v4_name, p->target.name, sizeof p->v4_name);
		lp_target_use_ipv6(&p->target);
		memcpy(r->where, p->target.name, sizeof r->where);
		lp_connect_begin(p);
		return;
	}
	if (p->v4_refused) {
		if (p->cfg->verbose && !v6_refused)
			lp_log("connect %s: %s", p->target.name, r->detail);
		memcpy(r->where, p->v4_name, sizeof r->where);
		if (v6_refused)
			lp_fail(r, LP_REFUSED, " (and on %s)", p->target.name);
		else
			lp_fail(r, LP_REFUSED, "%s", "");
	}
	lp_finish(p);
}

static void lp_connect_begin(struct lp_probe *p)
{
	int rc = lp_net_connect(&p->x.conn, &p->target, &p->x.res);

	p->phase = LP_PH_CONNECT;
	p->x.conn.events = POLLOUT;
	if (rc == 1)
		lp_connected(p);
	else if (rc < 0)
		lp_connect_failed(p);
}

static void lp_ready(struct lp_probe *p, short revents)
{
	switch (p->phase) {
	case LP_PH_CONNECT:
		/* POLLOUT alone means connected; only a failure needs SO_ERROR */
		if ((revents & (POLLERR | POLLHUP)) &&
		    lp_net_connect_finish(&p->x.conn, &p->target, &p->x.res) < 0)
			lp_connect_failed(p);
		else
			lp_connected(p);
		break;
	case LP_PH_HANDSHAKE:
		lp_handshake_step(p);
		break;
	case LP_PH_EXCHANGE:
		lp_exchange_step(p);
		break;
	case LP_PH_IDLE:
	case LP_PH_CONNECTED:
	case LP_PH_DONE:
		break;
	}
}

static void lp_expire(struct lp_probe *p)
{
	struct lp_result *r = &p->x.res;
	const char *name = p->target.name;
	char d[24];

	lp_format_duration(p->x.timeout_ms, d, sizeof d);
	switch (p->phase) {
	case LP_PH_CONNECT:
		lp_fail(r, LP_CONNECT_TIMEOUT, "%s connecting to %s", d, name);
		break;
	case LP_PH_CONNECTED:
		lp_fail(r, LP_CONNECT_TIMEOUT,
			"%s: connected to %s, but another group's connect took the whole deadline",
			d, name);
		break;
	case LP_PH_HANDSHAKE:
		lp_fail(r, LP_CONNECT_TIMEOUT, "%s in the TLS handshake with %s", d, name);
		break;
	case LP_PH_EXCHANGE:
		p->ops->expire(&p->m, &p->x, d);
		break;
	case LP_PH_IDLE:
	case LP_PH_DONE:
		return;
	}
	lp_finish(p);
}

int lp_probe_init(struct lp_probe *p, const struct lp_config *c, const struct lp_tls_files *files,
		  struct lp_result *r)
{
	memset(p, 0, offsetof(struct lp_probe, tls));
	p->ops = lp_modes[c->mode];
	p->cfg = c;
	p->x.cfg = c;
	p->x.target = &p->target;
	p->x.tls = c->tls;
	lp_conn_init(&p->x.conn, &p->x.deadline);
	if (lp_target_from_config(c, &p->target, r) < 0)
		return -1;
	memcpy(p->x.res.where, p->target.name, sizeof p->x.res.where);
	if (c->tls && lp_tls_prepare(&p->tls, files, c, r) < 0)
		return -1;
	/* SPEC: usage errors come before any socket */
	if (p->ops->prepare && p->ops->prepare(&p->m, &p->x, r) < 0)
		return -1;
	return 0;
}

int lp_probe_share(struct lp_probe *p, const struct lp_config *c, struct lp_result *r)
{
	if (!p->ops->add)
		return lp_fail(r, LP_INTERNAL, "%s: one check per connection", p->ops->name);
	return p->ops->add(&p->m, c, r);
}

const struct lp_result *lp_probe_result(const struct lp_probe *p)
{
	return &p->x.res;
}

void lp_probe_check_label(const struct lp_probe *p, size_t i, char *buf, size_t cap)
{
	if (cap)
		buf[0] = '\0';
	if (p->ops->label)
		p->ops->label(&p->m, i, buf, cap);
}

const struct lp_result *lp_probe_check_result(const struct lp_probe *p, size_t i)
{
	const struct lp_result *r = p->ops->result ? p->ops->result(&p->m, i) : NULL;

	return r ? r : &p->x.res;
}

/* ---- loops ---------------------------------------------------------------- */

/* The probe's clock starts: -connect-timeout from now. */
static void lp_probe_clock_start(struct lp_probe *p, int64_t now)
{
	p->t_start = p->x.t_phase = now;
	p->x.deadline = now + p->cfg->connect_timeout_ms * 1000;
	p->x.timeout_ms = p->cfg->connect_timeout_ms;
}

static void lp_probe_start(struct lp_probe *p, int64_t now)
{
	lp_probe_clock_start(p, now);
	lp_connect_begin(p);
}

/* The probes poll_loop waits on: those in a phase it drives. */
static bool lp_polled(const struct lp_probe *p, bool connect_only)
{
	if (connect_only)
		return p->phase == LP_PH_CONNECT;
	return p->phase == LP_PH_HANDSHAKE || p->phase == LP_PH_EXCHANGE;
}

static void lp_poll_loop(struct lp_probe *ps, size_t n, bool connect_only)
{
	struct pollfd pfd[LP_MAX_PROBES];
	size_t idx[LP_MAX_PROBES], i, k;
	int64_t next;
	int rc;

	for (;;) {
		next = INT64_MAX;
		for (i = k = 0; i < n; i++) {
			if (!lp_polled(&ps[i], connect_only))
				continue;
			pfd[k].fd = ps[i].x.conn.fd, pfd[k].events = ps[i].x.conn.events;
			pfd[k].revents = 0;
			idx[k++] = i;
			if (ps[i].x.deadline < next)
				next = ps[i].x.deadline;
		}
		if (k == 0)
			return;
		rc = poll(pfd, (nfds_t)k, lp_ms_left(next, lp_now()));
		if (rc < 0 && errno != EINTR) {
			for (i = 0; i < k; i++) {
				lp_fail(&ps[idx[i]].x.res, LP_INTERNAL, "poll: %s",
					strerror(errno));
				lp_finish(&ps[idx[i]]);
			}
			return;
		}
		for (i = 0; i < k; i++) {
			struct lp_probe *p = &ps[idx[i]];
			if (rc > 0 && pfd[i].revents)
				lp_ready(p, pfd[i].revents);
			if (lp_polled(p, connect_only) && lp_now() >= p->x.deadline)
				lp_expire(p);
		}
	}
}

void lp_probes_connect(struct lp_probe *ps, size_t n)
{
	int64_t now = lp_now();
	size_t i;

	if (n > LP_MAX_PROBES) { /* never a silent skip: every probe says why */
		for (i = 0; i < n; i++) {
			lp_fail(&ps[i].x.res, LP_INTERNAL, "more than %d probes in one run",
				LP_MAX_PROBES);
			ps[i].phase = LP_PH_DONE;
		}
		return;
	}
	for (i = 0; i < n; i++)
		lp_probe_start(&ps[i], now);
	lp_poll_loop(ps, n, true);
	/* a probe whose deadline passed while others still connected */
	now = lp_now();
	for (i = 0; i < n; i++)
		if (ps[i].phase == LP_PH_CONNECTED && now >= ps[i].x.deadline)
			lp_expire(&ps[i]);
}

void lp_probes_finish(struct lp_probe *ps, size_t n)
{
	size_t i;

	if (n > LP_MAX_PROBES)
		return; /* lp_probes_connect refused them */
	for (i = 0; i < n; i++)
		if (ps[i].phase == LP_PH_CONNECTED)
			lp_start_talking(&ps[i]);
	lp_poll_loop(ps, n, false);
}

/* ---- for tests and fuzzing ------------------------------------------------ */

void lp_probe_adopt(struct lp_probe *p, int fd)
{
	lp_probe_clock_start(p, lp_now());
	p->x.conn.fd = fd;
	lp_connected(p);
}
