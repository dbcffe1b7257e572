/*
 * report.h -- from a result to the one stderr line and the exit status.
 *
 * SPEC: success prints nothing; a failure prints exactly one line starting
 * "lprobe: ".  Exit codes: `docker` mode 0 healthy / 1 anything else (never
 * 2, Docker reserves it); `detailed` mode follows grpc_health_probe:
 * 1 usage, 2 connection, 3 RPC or protocol, 4 unhealthy answer.
 */
#ifndef LP_REPORT_H
#define LP_REPORT_H

#include "config.h"
#include "result.h"

/* Writes the message for r into buf (capacity cap, NUL-terminated, without
 * the "lprobe: " prefix or newline).  Pure, for tests. */
void lp_report_format(const struct lp_result *r, char *buf, size_t cap);

/* The exit status for r under the given mode. */
int lp_report_exit_code(const struct lp_result *r, enum lp_exit_mode mode);

/* Prints the line (if r is a failure) and returns the exit status. */
int lp_report(const struct lp_result *r, enum lp_exit_mode mode);

#endif
