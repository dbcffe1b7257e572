#include "grpc.h"

int lp_grpc_begin(struct lp_grpc_probe *g, const struct lp_config *c, const struct lp_target *t,
		  struct lp_result *r)
{
	(void)g, (void)c, (void)t;
	return lp_fail(r, LP_UNSUPPORTED, "-mode=grpc");
}

int lp_grpc_step(struct lp_grpc_probe *g, struct lp_conn *conn, struct lp_result *r)
{
	(void)g, (void)conn;
	lp_fail(r, LP_UNSUPPORTED, "-mode=grpc");
	return 1;
}

bool lp_grpc_is_up(const struct lp_grpc_probe *g)
{
	return g->up;
}

void lp_grpc_timeout(struct lp_grpc_probe *g, const char *d, struct lp_result *r)
{
	(void)g;
	lp_fail(r, LP_TIMEOUT, "%s waiting for the health check", d);
}
