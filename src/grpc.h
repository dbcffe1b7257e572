/*
 * grpc.h -- the grpc.health.v1 exchange of a grpc probe (placeholder until
 * the gRPC issue lands).
 */
#ifndef LP_GRPC_H
#define LP_GRPC_H

#include <stdbool.h>

#include "config.h"
#include "net.h"
#include "result.h"
#include "target.h"

#define LP_GRPC_UP 2 /* lp_grpc_step: HTTP/2 connection established */

struct lp_grpc_probe {
	bool up;
};

int lp_grpc_begin(struct lp_grpc_probe *g, const struct lp_config *c, const struct lp_target *t,
		  struct lp_result *r);
int lp_grpc_step(struct lp_grpc_probe *g, struct lp_conn *conn, struct lp_result *r);
bool lp_grpc_is_up(const struct lp_grpc_probe *g);
void lp_grpc_timeout(struct lp_grpc_probe *g, const char *d, struct lp_result *r);

#endif
