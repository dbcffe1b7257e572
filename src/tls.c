#include "tls.h"

int lp_tls_load(struct lp_tls **out, const struct lp_config *c, struct lp_result *r)
{
	(void)c;
	*out = 0;
	return lp_fail(r, LP_UNSUPPORTED, "-tls");
}

int lp_tls_start(struct lp_tls *t, struct lp_conn *conn, const struct lp_target *tg, bool h2,
		 struct lp_result *r)
{
	(void)t, (void)conn, (void)tg, (void)h2;
	return lp_fail(r, LP_UNSUPPORTED, "-tls");
}

int lp_tls_handshake(struct lp_conn *conn, struct lp_result *r)
{
	(void)conn;
	return lp_fail(r, LP_UNSUPPORTED, "-tls");
}

ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	(void)c, (void)buf, (void)len;
	return lp_fail(r, LP_UNSUPPORTED, "-tls");
}

ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	(void)c, (void)buf, (void)len;
	return lp_fail(r, LP_UNSUPPORTED, "-tls");
}
