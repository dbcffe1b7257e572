/*
 * tls.h -- TLS client for the probe's stream (placeholder until the TLS
 * issue lands: every call reports "not supported in this build").
 */
#ifndef LP_TLS_H
#define LP_TLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "net.h"
#include "result.h"
#include "target.h"

struct lp_tls;

/* Reads and parses every TLS file named by c (before the sandbox). */
int lp_tls_load(struct lp_tls **out, const struct lp_config *c, struct lp_result *r);

/* Starts a client handshake on conn (h2: offer ALPN "h2"). */
int lp_tls_start(struct lp_tls *t, struct lp_conn *conn, const struct lp_target *tg, bool h2,
		 struct lp_result *r);

/* 1 handshake done, 0 wait for conn->events, -1 failed (r set). */
int lp_tls_handshake(struct lp_conn *conn, struct lp_result *r);

ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);

#endif
