/*
 * target.c -- loopback-only target policy.  No name is ever resolved:
 * "localhost" is taken to mean 127.0.0.1 (with the ::1 retry), as the
 * kubelet and Docker expect, without reading /etc/hosts.
 */
#include "target.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int lp_parse_ipv4(const char *s, size_t len, struct in_addr *out)
{
	unsigned char b[4];
	unsigned v;
	size_t i = 0, part, digits;

	for (part = 0; part < 4; part++) {
		if (part && (i >= len || s[i++] != '.'))
			return -1;
		for (v = 0, digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			if (digits && v == 0)
				return -1; /* leading zero: octal in some parsers */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return -1;
		}
		if (!digits)
			return -1;
		b[part] = (unsigned char)v;
	}
	if (i != len)
		return -1;
	memcpy(&out->s_addr, b, 4);
	return 0;
}

static void lp_set_v4(struct lp_target *t, struct in_addr a, int port)
{
	char ip[INET_ADDRSTRLEN];

	memset(&t->addr, 0, sizeof t->addr);
	t->addr.in.sin_family = AF_INET;
	t->addr.in.sin_port = htons((unsigned short)port);
	t->addr.in.sin_addr = a;
	t->addr_len = sizeof t->addr.in;
	t->port = port;
	inet_ntop(AF_INET, &a, ip, sizeof ip);
	snprintf(t->name, sizeof t->name, "%s:%d", ip, port);
}

static void lp_set_v6_loopback(struct lp_target *t, int port)
{
	memset(&t->addr, 0, sizeof t->addr);
	t->addr.in6.sin6_family = AF_INET6;
	t->addr.in6.sin6_port = htons((unsigned short)port);
	t->addr.in6.sin6_addr = in6addr_loopback;
	t->addr_len = sizeof t->addr.in6;
	t->port = port;
	snprintf(t->name, sizeof t->name, "[::1]:%d", port);
}

void lp_target_use_ipv6(struct lp_target *t)
{
	lp_set_v6_loopback(t, t->port);
	t->fallback_v6 = false;
}

static int lp_refuse(struct lp_result *r, const char *what, size_t len)
{
	char q[140];

	return lp_fail(r, LP_TARGET, "\"%s\"", lp_quote(q, sizeof q, what, len));
}

/* Splits "[host]:port" the way Go's net.SplitHostPort does: an IPv6 host
 * must be bracketed; the port is required. */
static int lp_split_addr(const char *a, const char **host, size_t *hlen, int *port,
			 struct lp_result *r)
{
	const char *colon = strrchr(a, ':');
	char q[140];

	lp_quote(q, sizeof q, a, strlen(a));
	if (!colon)
		return lp_fail(r, LP_USAGE, "-addr \"%s\": missing port ([host]:port)", q);
	*host = a, *hlen = (size_t)(colon - a);
	if (a[0] == '[') {
		if (*hlen < 2 || a[*hlen - 1] != ']')
			return lp_fail(r, LP_USAGE, "-addr \"%s\": malformed [host]", q);
		*host = a + 1, *hlen -= 2;
	} else if (memchr(a, ':', *hlen)) {
		return lp_fail(r, LP_USAGE,
			       "-addr \"%s\": IPv6 hosts need brackets, e.g. [::1]:5000", q);
	}
	if (lp_parse_port(colon + 1, strlen(colon + 1), port) < 0)
		return lp_fail(r, LP_USAGE, "-addr \"%s\": invalid port (1-65535)", q);
	return 0;
}

static int lp_target_from_addr(const struct lp_config *c, struct lp_target *t, struct lp_result *r)
{
	const char *host = NULL;
	size_t hlen = 0;
	int port = 0;
	struct in_addr a4;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN];

	if (lp_split_addr(c->addr, &host, &hlen, &port, r) < 0)
		return -1;
	if (hlen == 0 || (hlen == 9 && strncmp(host, "localhost", 9) == 0)) {
		a4.s_addr = htonl(INADDR_LOOPBACK);
		if (c->ipv6)
			lp_set_v6_loopback(t, port);
		else
			lp_set_v4(t, a4, port), t->fallback_v6 = true;
		return 0;
	}
	if (lp_parse_ipv4(host, hlen, &a4) == 0) {
		if ((ntohl(a4.s_addr) >> 24) != 127)
			return lp_refuse(r, c->addr, strlen(c->addr));
		lp_set_v4(t, a4, port);
		return 0;
	}
	/* ::1 in any spelling inet_pton accepts; zone ids and mapped forms fail */
	if (hlen < sizeof buf) {
		memcpy(buf, host, hlen);
		buf[hlen] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) == 1 &&
		    memcmp(&a6, &in6addr_loopback, sizeof a6) == 0) {
			lp_set_v6_loopback(t, port);
			return 0;
		}
	}
	return lp_refuse(r, c->addr, strlen(c->addr));
}

/* grpc_health_probe's -addr also takes gRPC's unix target forms,
 * "unix:relative/or/absolute" and "unix:///absolute/path". */
static const char *lp_unix_addr(const char *addr)
{
	if (!addr || strncmp(addr, "unix:", 5) != 0)
		return NULL;
	addr += 5;
	return strncmp(addr, "//", 2) == 0 ? addr + 2 : addr;
}

int lp_target_from_config(const struct lp_config *c, struct lp_target *t, struct lp_result *r)
{
	size_t len;
	struct in_addr lo = {htonl(INADDR_LOOPBACK)};
	const char *path = c->unix_path ? c->unix_path : lp_unix_addr(c->addr);

	memset(t, 0, sizeof *t);
	if (c->unix_path && c->addr)
		return lp_fail(r, LP_USAGE, "-unix and -addr both name a target: give one");
	if (path) {
		len = strlen(path);
		if (len == 0 || len >= sizeof t->addr.un.sun_path || len >= sizeof t->name)
			return lp_fail(r, LP_USAGE, "-unix: path must be 1-%d bytes",
				       (int)sizeof t->addr.un.sun_path - 1);
		t->addr.un.sun_family = AF_UNIX;
		memcpy(t->addr.un.sun_path, path, len + 1);
		t->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
		/* the name goes into messages: printable ASCII (SPEC) */
		lp_quote(t->name, sizeof t->name, path, len);
		return 0;
	}
	if (c->addr)
		return lp_target_from_addr(c, t, r);
	if (c->ipv6)
		lp_set_v6_loopback(t, c->port);
	else
		lp_set_v4(t, lo, c->port), t->fallback_v6 = true;
	return 0;
}
