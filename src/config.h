/*
 * config.h -- the command line and LPROBE_* environment into one struct.
 *
 * Flags follow Go's `flag` package (the syntax of fivexl/lprobe and
 * grpc_health_probe): -name=value, -name value, --name=value; booleans as
 * -name or -name=true|false; parsing stops at "--" or the first non-flag,
 * and anything left over is a usage error.  Every flag may also come from
 * LPROBE_<NAME> (upper case, '-' as '_'); the command line wins.
 *
 * Strings point into argv/environ: nothing is copied or allocated.
 */
#ifndef LP_CONFIG_H
#define LP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "result.h"

/* The Makefile passes -DLP_VERSION from ./VERSION (mk/ship.mk); builds that
 * bypass its flags (fuzz/run.sh) say so. */
#ifndef LP_VERSION
#define LP_VERSION "0.0.0-unversioned"
#endif

#define LP_MAX_HEADERS	    16	 /* -http-header / -rpc-header, each */
#define LP_MAX_GROUPS	    16	 /* probe groups of one run, separated by "--" */
#define LP_HOST_MAX	    255	 /* -host (and so :authority) length */
#define LP_RPC_VALUE_MAX    4096 /* one -rpc-header value */
#define LP_SERVICE_NAME_MAX 1024 /* = grpc_proto.h's LP_SERVICE_MAX */
#define LP_MAX_CODE_RANGES  32	 /* -http-codes */

enum lp_mode { LP_MODE_HTTP = 0, LP_MODE_GRPC, LP_MODE_TCP };
enum lp_method { LP_GET = 0, LP_HEAD };
enum lp_exit_mode { LP_EXIT_DOCKER = 0, LP_EXIT_DETAILED };
enum lp_action { LP_RUN = 0, LP_HELP, LP_VERSION_ACTION, LP_LICENSES_ACTION };

struct lp_code_range {
	uint16_t lo, hi;
};

struct lp_config {
	enum lp_action action;
	enum lp_mode mode;
	bool mode_given; /* -mode was set: -addr then does not imply grpc */
	int port;
	bool ipv6;
	const char *addr;
	const char *unix_path;
	const char *endpoint; /* as given; the probe adds the leading '/' */
	const char *host;
	const char *expect_body;
	const char *user_agent;
	const char *service;
	const char *service_more[LP_MAX_GROUPS - 1]; /* a repeated -service */
	int n_service_more;
	enum lp_method method;
	struct lp_code_range codes[LP_MAX_CODE_RANGES];
	int n_codes;
	const char *http_headers[LP_MAX_HEADERS];
	int n_http_headers;
	const char *rpc_headers[LP_MAX_HEADERS];
	int n_rpc_headers;
	int64_t connect_timeout_ms;
	int64_t rpc_timeout_ms;
	bool tls, tls_no_verify;
	const char *tls_ca_cert, *tls_client_cert, *tls_client_key;
	const char *tls_server_name;
	bool gzip;
	/* run-wide: one value for every group, given in the first */
	enum lp_exit_mode exit_mode;
	bool verbose;
	bool no_sandbox;      /* -no-sandbox: probe even where seccomp is refused */
	int64_t wait_ms;      /* -wait: 0 for a single attempt */
	int64_t interval_ms;  /* -interval (default 1s with -wait) */
	const char *log_path; /* -log */
};

/* Fills cfg from argv then envp (either may be NULL-terminated lists; envp
 * may be NULL).  Returns 0, or -1 with r->kind == LP_USAGE and a one-line
 * reason.  cfg->action says whether to run, print help or the version. */
int lp_config_parse(struct lp_config *cfg, int argc, char **argv, char **envp, struct lp_result *r);

/* A run: up to LP_MAX_GROUPS groups of flags, one probe each. */
struct lp_run_config {
	size_t n; /* first: in the page of group[0], not one page further (bench/) */
	struct lp_config group[LP_MAX_GROUPS];
	char names[LP_MAX_GROUPS][LP_SERVICE_NAME_MAX + 1]; /* -service=a,b split */
	/* the group whose connection group g shares (a -service list), or g */
	unsigned char rides[LP_MAX_GROUPS];
};

/* The whole command line: groups separated by a lone "--", each parsed
 * as lp_config_parse parses one (the environment gives every group its
 * defaults); run-wide flags (-v, -exit-codes, -wait, -interval, -log,
 * -no-sandbox, -h, -version) only in the first group, and they hold for
 * all.  A grpc group whose -service is a comma list (or repeated) becomes
 * one group per service, each riding on the first's connection (rides[]).  Returns 0, or -1 with r set (LP_USAGE, naming the group when
 * it is not the first). */
int lp_config_parse_run(struct lp_run_config *run, int argc, char **argv, char **envp,
			struct lp_result *r);

/* Go duration ("250ms", "1m30s", "1.5s") or bare seconds ("2") into
 * milliseconds, rounded up.  Returns 0, or -1 if malformed, negative,
 * zero or larger than a day. */
int lp_parse_duration(const char *s, int64_t *ms);

/* Formats ms the way Go prints a time.Duration ("1s", "250ms", "1m30s"). */
void lp_format_duration(int64_t ms, char *buf, size_t cap);

/* A decimal port, 1-65535, of exactly len bytes.  Returns 0, or -1. */
int lp_parse_port(const char *s, size_t len, int *port);

/* "200-299", "200,204,300-399" into ranges.  Returns the count, or -1. */
int lp_parse_codes(const char *s, struct lp_code_range *out, int max);

/* True if status is in one of the ranges. */
bool lp_codes_match(const struct lp_code_range *c, int n, int status);

/* strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False. */
int lp_parse_bool(const char *s, bool *out);

/* Prints the usage text on stdout. */
void lp_config_usage(void);

#endif
