/*
 * target.h -- the loopback-only address policy (SPEC security guarantee 1).
 *
 * A target is 127.0.0.0/8, ::1 or a unix socket path, decided from -unix,
 * -addr, -ipv6 and -port without DNS, /etc/hosts or proxy variables.
 * Everything else is refused here, before any socket exists.
 */
#ifndef LP_TARGET_H
#define LP_TARGET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "result.h"

struct lp_target {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_un un;
	} addr;
	socklen_t addr_len;
	int port;		 /* 0 for unix */
	bool fallback_v6;	 /* a refused 127.0.0.1 may be retried once on ::1 */
	char name[LP_WHERE_MAX]; /* "127.0.0.1:8080", "[::1]:8080", "/run/app.sock" */
};

/* Decides the target from the configuration.  Returns 0, or -1 with
 * r->kind LP_TARGET (refused by policy) or LP_USAGE (malformed). */
int lp_target_from_config(const struct lp_config *c, struct lp_target *t, struct lp_result *r);

/* Switches an IPv4 127.0.0.1 target to [::1] on the same port (the SPEC's
 * one retry after "connection refused"); clears fallback_v6. */
void lp_target_use_ipv6(struct lp_target *t);

/* Strict dotted-quad IPv4 ("127.0.0.1"; no "127.1", no leading zeros).
 * Returns 0 and the address in network order, or -1.  Pure, for tests. */
int lp_parse_ipv4(const char *s, size_t len, struct in_addr *out);

#endif
