/*
 * test_config.c -- flags, LPROBE_* environment, validation and the value
 * parsers of config.h (SPEC "Command line").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "match.h"

#ifndef LP_SERVICE_MAX
#define LP_SERVICE_MAX 1024
#endif

#define MAX_ARGS 40

/* Parses args and env (NULL-terminated lists; either may be NULL) into c,
 * the way main() would: argv[0] is added. */
static int parse(struct lp_config *c, const char *const *args, const char *const *env,
		 struct lp_result *r)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"lprobe";
	for (; args && *args; args++) {
		assert_true(argc <= MAX_ARGS);
		argv[argc++] = (char *)*args;
	}
	argv[argc] = NULL;
	memset(c, 0xa5, sizeof *c); /* nothing may be left to chance */
	memset(r, 0, sizeof *r);
	return lp_config_parse(c, argc, argv, (char **)env, r);
}

static const char *first(const char *const *args)
{
	return args && args[0] ? args[0] : "(none)";
}

static void accepted(struct lp_config *c, const char *const *args, const char *const *env)
{
	struct lp_result r;

	if (parse(c, args, env, &r) != 0)
		fail_msg("%s %s ...: refused: %s", first(args), env ? first(env) : "", r.detail);
}

/* Refused as a usage error whose message contains `why` (if not NULL). */
static void refused(const char *const *args, const char *const *env, const char *why)
{
	struct lp_config c;
	struct lp_result r;

	if (parse(&c, args, env, &r) != -1)
		fail_msg("%s %s ...: accepted", first(args), env ? first(env) : "");
	if (r.kind != LP_USAGE)
		fail_msg("%s: kind %d (%s), want LP_USAGE", first(args), (int)r.kind, r.detail);
	if (why && !strstr(r.detail, why))
		fail_msg("%s: \"%s\" does not say \"%s\"", first(args), r.detail, why);
}

/* --- flag syntax ------------------------------------------------------------ */

static void test_defaults_match_the_spec(void **state)
{
	struct lp_config c;

	(void)state;
	accepted(&c, NULL, NULL);
	assert_int_equal(c.action, LP_RUN);
	assert_int_equal(c.mode, LP_MODE_HTTP);
	assert_false(c.mode_given);
	assert_int_equal(c.port, 8080);
	assert_false(c.ipv6);
	assert_null(c.addr);
	assert_null(c.unix_path);
	assert_string_equal(c.endpoint, "/");
	assert_null(c.host);
	assert_null(c.expect_body);
	assert_string_equal(c.user_agent, "lprobe");
	assert_string_equal(c.service, "");
	assert_int_equal(c.method, LP_GET);
	assert_int_equal(c.n_codes, 1);
	assert_int_equal(c.codes[0].lo, 200);
	assert_int_equal(c.codes[0].hi, 299);
	assert_int_equal(c.n_http_headers, 0);
	assert_int_equal(c.n_rpc_headers, 0);
	assert_int_equal(c.connect_timeout_ms, 1000);
	assert_int_equal(c.rpc_timeout_ms, 1000);
	assert_false(c.tls);
	assert_false(c.tls_no_verify);
	assert_null(c.tls_ca_cert);
	assert_null(c.tls_client_cert);
	assert_null(c.tls_client_key);
	assert_null(c.tls_server_name);
	assert_false(c.gzip);
	assert_int_equal(c.exit_mode, LP_EXIT_DOCKER);
	assert_false(c.verbose);
}

static void test_value_flag_forms_are_equivalent(void **state)
{
	static const struct {
		const char *args[4];
	} cases[] = {
		{{"-port=9000"}},     {{"-port", "9000"}},	   {{"--port=9000"}},
		{{"--port", "9000"}}, {{"-port=1", "-port=9000"}}, /* the last one wins */
	};
	struct lp_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		accepted(&c, cases[i].args, NULL);
		if (c.port != 9000)
			fail_msg("case %zu (%s): port %d", i, cases[i].args[0], c.port);
	}
}

static void test_value_may_contain_equals_signs(void **state)
{
	static const char *const args[] = {"-endpoint=/h?a=b=c", "-user-agent", "x=y", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, NULL);
	assert_string_equal(c.endpoint, "/h?a=b=c");
	assert_string_equal(c.user_agent, "x=y");
}

static void test_bool_flag_forms(void **state)
{
	static const struct {
		const char *arg;
		bool want;
	} cases[] = {
		{"-ipv6", true},	{"--ipv6", true},	{"-ipv6=true", true},
		{"-ipv6=1", true},	{"-ipv6=t", true},	{"-ipv6=T", true},
		{"-ipv6=TRUE", true},	{"-ipv6=True", true},	{"-ipv6=false", false},
		{"-ipv6=0", false},	{"-ipv6=f", false},	{"-ipv6=F", false},
		{"-ipv6=FALSE", false}, {"-ipv6=False", false}, {"--ipv6=false", false},
	};
	const char *args[2] = {NULL, NULL};
	struct lp_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i].arg;
		accepted(&c, args, NULL);
		if (c.ipv6 != cases[i].want)
			fail_msg("%s: ipv6 %d", cases[i].arg, (int)c.ipv6);
	}
}

static void test_bool_flag_rejects_other_values(void **state)
{
	static const char *const cases[] = {"-tls=yes",	 "-tls=",    "-tls=2",	  "-tls=on",
					    "-tls=tRUE", "-gzip=no", "-v=verbose"};
	const char *args[2] = {NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i];
		refused(args, NULL, "invalid boolean value");
	}
}

static void test_bool_flag_does_not_take_the_next_argument(void **state)
{
	/* Go's flag: "-tls false" is -tls, then a stray "false" */
	static const char *const neg[] = {"-tls", "false", NULL};
	static const char *const pos[] = {"-ipv6", "true", NULL};

	(void)state;
	refused(neg, NULL, "unexpected argument \"false\"");
	refused(pos, NULL, "unexpected argument \"true\"");
}

static void test_double_dash_ends_the_flags(void **state)
{
	static const char *const ends[] = {"-port=9000", "--", NULL};
	static const char *const stray[] = {"--", "-port=9000", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, ends, NULL);
	assert_int_equal(c.port, 9000);
	/* after "--" even a flag is a positional argument */
	refused(stray, NULL, "unexpected argument \"-port=9000\"");
}

static void test_stray_positional_arguments_are_usage_errors(void **state)
{
	static const struct {
		const char *args[4];
		const char *stray;
	} cases[] = {
		{{"http://127.0.0.1:8080/"}, "http://127.0.0.1:8080/"},
		{{"-port=9000", "extra"}, "extra"},
		{{"-port", "9000", "extra"}, "extra"},
		{{"extra", "-port=9000"}, "extra"}, /* parsing stops at the first non-flag */
		{{"-"}, "-"},
		{{"-port=1", "--", "x"}, "x"},
	};
	char why[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(why, sizeof why, "unexpected argument \"%s\"", cases[i].stray);
		refused(cases[i].args, NULL, why);
	}
}

static void test_unknown_flags_are_usage_errors(void **state)
{
	static const struct {
		const char *arg;
		const char *why;
	} cases[] = {
		{"-bogus", "flag provided but not defined: -bogus"},
		{"--bogus=1", "flag provided but not defined: -bogus"},
		{"-Port=1", "flag provided but not defined: -Port"}, /* names are case-sensitive */
		{"-port-x=1", "flag provided but not defined: -port-x"},
		{"-http_codes=200", "flag provided but not defined: -http_codes"},
		{"-insecure", "flag provided but not defined: -insecure"},
	};
	const char *args[2] = {NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i].arg;
		refused(args, NULL, cases[i].why);
	}
}

static void test_bad_flag_syntax_is_a_usage_error(void **state)
{
	static const char *const cases[] = {"---port=1", "-=1", "--=1"};
	const char *args[2] = {NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i];
		refused(args, NULL, "bad flag syntax");
	}
}

static void test_value_flag_without_a_value_is_a_usage_error(void **state)
{
	static const char *const last[] = {"-tls", "-port", NULL};
	static const char *const only[] = {"--endpoint", NULL};

	(void)state;
	refused(last, NULL, "flag needs an argument: -port");
	refused(only, NULL, "flag needs an argument: -endpoint");
}

static void test_help_flags_ask_for_help(void **state)
{
	static const struct {
		const char *args[4];
	} cases[] = {
		{{"-h"}},
		{{"-help"}},
		{{"--help"}},
		{{"--h"}},
		{{"-port=9000", "-h"}},
		/* help wins over combinations that would fail validation */
		{{"-tls-no-verify", "-h"}},
	};
	struct lp_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		accepted(&c, cases[i].args, NULL);
		if (c.action != LP_HELP)
			fail_msg("case %zu (%s): action %d", i, cases[i].args[0], (int)c.action);
	}
}

static void test_version_flag_asks_for_the_version(void **state)
{
	static const struct {
		const char *args[3];
		enum lp_action want;
	} cases[] = {
		{{"-version"}, LP_VERSION_ACTION},
		{{"--version"}, LP_VERSION_ACTION},
		{{"-version=true"}, LP_VERSION_ACTION},
		{{"-version=false"}, LP_RUN},
		{{"-tls-ca-cert=x", "-version"}, LP_VERSION_ACTION},
	};
	struct lp_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		accepted(&c, cases[i].args, NULL);
		if (c.action != cases[i].want)
			fail_msg("case %zu (%s): action %d", i, cases[i].args[0], (int)c.action);
	}
}

/* --- every flag -------------------------------------------------------------- */

static void test_every_spec_flag_is_accepted(void **state)
{
	/* the SPEC table, fivexl/lprobe's flags and grpc_health_probe's */
	static const struct {
		const char *args[4];
	} cases[] = {
		{{"-mode=http"}},
		{{"-mode=grpc"}},
		{{"-mode=tcp"}},
		{{"-port=1"}},
		{{"-port=65535"}},
		{{"-ipv6"}},
		{{"-addr=:5000"}},
		{{"-addr=localhost:5000"}},
		{{"-unix=/run/app.sock"}},
		{{"-endpoint=/healthz"}},
		{{"-endpoint=healthz?x=1"}},
		{{"-http-codes=200,204,300-399"}},
		{{"-method=GET"}},
		{{"-method=HEAD"}},
		{{"-http-header=Authorization: Bearer t"}},
		{{"-host=app.internal"}},
		{{"-expect-body=UP"}},
		{{"-user-agent=kube-probe/1.30"}},
		{{"-service=orders.v1.Orders"}},
		{{"-rpc-header=authorization: Bearer t"}},
		{{"-connect-timeout=250ms"}},
		{{"-rpc-timeout=1m30s"}},
		{{"-tls"}},
		{{"-tls", "-tls-no-verify"}},
		{{"-tls", "-tls-ca-cert=/etc/ca.pem"}},
		{{"-tls", "-tls-client-cert=c.pem", "-tls-client-key=k.pem"}},
		{{"-tls", "-tls-server-name=app.internal"}},
		{{"-gzip"}},
		{{"-exit-codes=docker"}},
		{{"-exit-codes=detailed"}},
		{{"-v"}},
		{{"-alts=false"}},
		{{"-spiffe=false"}},
		{{"-version"}},
		{{"-h"}},
		{{"-help"}},
	};
	struct lp_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		accepted(&c, cases[i].args, NULL);
}

static void test_flag_values_land_in_the_config(void **state)
{
	static const char *const args[] = {"-mode=tcp",
					   "-port=9000",
					   "-ipv6",
					   "-unix=/run/a.sock",
					   "-endpoint=/healthz",
					   "-http-codes=204,300-399",
					   "-host=app",
					   "-user-agent=ua",
					   "-service=svc",
					   "-connect-timeout=2s",
					   "-rpc-timeout=250ms",
					   "-tls",
					   "-tls-ca-cert=ca.pem",
					   "-tls-client-cert=c.pem",
					   "-tls-client-key=k.pem",
					   "-tls-server-name=sni",
					   "-gzip",
					   "-exit-codes=detailed",
					   "-v",
					   "-http-header=X-A: 1",
					   "-rpc-header=k: v",
					   "-expect-body=ok",
					   NULL};
	static const char *const head[] = {"-method=HEAD", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, NULL);
	assert_int_equal(c.mode, LP_MODE_TCP);
	assert_true(c.mode_given);
	assert_int_equal(c.port, 9000);
	assert_true(c.ipv6);
	assert_string_equal(c.unix_path, "/run/a.sock");
	assert_string_equal(c.endpoint, "/healthz");
	assert_int_equal(c.n_codes, 2);
	assert_int_equal(c.codes[0].lo, 204);
	assert_int_equal(c.codes[0].hi, 204);
	assert_int_equal(c.codes[1].lo, 300);
	assert_int_equal(c.codes[1].hi, 399);
	assert_string_equal(c.host, "app");
	assert_string_equal(c.user_agent, "ua");
	assert_string_equal(c.service, "svc");
	assert_int_equal(c.connect_timeout_ms, 2000);
	assert_int_equal(c.rpc_timeout_ms, 250);
	assert_true(c.tls);
	assert_false(c.tls_no_verify);
	assert_string_equal(c.tls_ca_cert, "ca.pem");
	assert_string_equal(c.tls_client_cert, "c.pem");
	assert_string_equal(c.tls_client_key, "k.pem");
	assert_string_equal(c.tls_server_name, "sni");
	assert_true(c.gzip);
	assert_int_equal(c.exit_mode, LP_EXIT_DETAILED);
	assert_true(c.verbose);
	assert_int_equal(c.n_http_headers, 1);
	assert_string_equal(c.http_headers[0], "X-A: 1");
	assert_int_equal(c.n_rpc_headers, 1);
	assert_string_equal(c.rpc_headers[0], "k: v");
	assert_string_equal(c.expect_body, "ok");
	assert_int_equal(c.method, LP_GET);

	accepted(&c, head, NULL);
	assert_int_equal(c.method, LP_HEAD);
}

static void test_malformed_values_are_usage_errors(void **state)
{
	static const struct {
		const char *arg;
		const char *why;
	} cases[] = {
		{"-mode=udp", "invalid -mode"},
		{"-mode=HTTP", "invalid -mode"},
		{"-port=0", "invalid port"},
		{"-port=65536", "invalid port"},
		{"-port=99999999999999999999", "invalid port"},
		{"-port=-1", "invalid port"},
		{"-port=80x", "invalid port"},
		{"-port=", "invalid port"},
		{"-port= 80", "invalid port"},
		{"-port=0120", "invalid port"}, /* Go: octal 80; never silently 120 */
		{"-port=0x50", "invalid port"},
		{"-port=8_080", "invalid port"},
		{"-method=POST", "invalid -method"},
		{"-method=get", "invalid -method"},
		{"-exit-codes=verbose", "invalid -exit-codes"},
		{"-http-codes=abc", "invalid -http-codes"},
		{"-http-codes=", "invalid -http-codes"},
		{"-connect-timeout=0", "invalid duration"},
		{"-connect-timeout=fast", "invalid duration"},
		{"-rpc-timeout=-1s", "invalid duration"},
		{"-rpc-timeout=25h", "invalid duration"},
	};
	const char *args[2] = {NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i].arg;
		refused(args, NULL, cases[i].why);
	}
}

/* --- -addr and -mode ------------------------------------------------------- */

static void test_addr_implies_grpc_mode(void **state)
{
	static const char *const args[] = {"-addr=:5000", NULL};
	static const char *const env[] = {"LPROBE_ADDR=localhost:5000", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, NULL);
	assert_int_equal(c.mode, LP_MODE_GRPC);
	assert_string_equal(c.addr, ":5000");
	accepted(&c, NULL, env);
	assert_int_equal(c.mode, LP_MODE_GRPC);
}

static void test_addr_does_not_override_a_given_mode(void **state)
{
	static const struct {
		const char *args[3];
		const char *env[2];
		enum lp_mode want;
	} cases[] = {
		{{"-addr=:5000", "-mode=http"}, {NULL}, LP_MODE_HTTP},
		{{"-mode=http", "-addr=:5000"}, {NULL}, LP_MODE_HTTP},
		{{"-mode=tcp", "-addr=:5000"}, {NULL}, LP_MODE_TCP},
		{{"-addr=:5000"}, {"LPROBE_MODE=http"}, LP_MODE_HTTP},
		{{"-addr=:5000"}, {"LPROBE_MODE=tcp"}, LP_MODE_TCP},
		{{"-mode=http"}, {"LPROBE_ADDR=:5000"}, LP_MODE_HTTP},
	};
	struct lp_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		accepted(&c, cases[i].args, cases[i].env);
		if (c.mode != cases[i].want)
			fail_msg("case %zu: mode %d, want %d", i, (int)c.mode, (int)cases[i].want);
	}
}

/* --- environment ----------------------------------------------------------- */

static void test_environment_sets_flags(void **state)
{
	static const char *const env[] = {
		"PATH=/usr/bin",
		"LPROBE_PORT=9000",
		"LPROBE_HTTP_CODES=200-399",
		"LPROBE_TLS=true",
		"LPROBE_TLS_NO_VERIFY=1",
		"LPROBE_CONNECT_TIMEOUT=2s",
		"LPROBE_RPC_TIMEOUT=1.5",
		"LPROBE_ENDPOINT=/healthz",
		"LPROBE_METHOD=HEAD",
		"LPROBE_MODE=tcp",
		"LPROBE_EXIT_CODES=detailed",
		"LPROBE_USER_AGENT=ua",
		"LPROBE_V=true",
		"LPROBE_HTTP_HEADER=X-Env: 1",
		"LPROBE_RPC_HEADER=k: v",
		"LPROBE_SERVICE=svc",
		NULL,
	};
	struct lp_config c;

	(void)state;
	accepted(&c, NULL, env);
	assert_int_equal(c.port, 9000);
	assert_int_equal(c.n_codes, 1);
	assert_int_equal(c.codes[0].lo, 200);
	assert_int_equal(c.codes[0].hi, 399);
	assert_true(c.tls);
	assert_true(c.tls_no_verify);
	assert_int_equal(c.connect_timeout_ms, 2000);
	assert_int_equal(c.rpc_timeout_ms, 1500);
	assert_string_equal(c.endpoint, "/healthz");
	assert_int_equal(c.method, LP_HEAD);
	assert_int_equal(c.mode, LP_MODE_TCP);
	assert_true(c.mode_given);
	assert_int_equal(c.exit_mode, LP_EXIT_DETAILED);
	assert_string_equal(c.user_agent, "ua");
	assert_true(c.verbose);
	assert_int_equal(c.n_http_headers, 1);
	assert_string_equal(c.http_headers[0], "X-Env: 1");
	assert_int_equal(c.n_rpc_headers, 1);
	assert_string_equal(c.rpc_headers[0], "k: v");
	assert_string_equal(c.service, "svc");
}

static void test_environment_names_with_digits_work(void **state)
{
	static const char *const env[] = {"LPROBE_IPV6=true", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, NULL, env);
	assert_true(c.ipv6);
}

static void test_command_line_overrides_environment(void **state)
{
	static const char *const env[] = {"LPROBE_PORT=9000", "LPROBE_ENDPOINT=/env",
					  "LPROBE_IPV6=true", "LPROBE_CONNECT_TIMEOUT=5s", NULL};
	static const char *const args[] = {"-port=9001", "-endpoint=/cli", "-ipv6=false", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, env);
	assert_int_equal(c.port, 9001);
	assert_string_equal(c.endpoint, "/cli");
	assert_false(c.ipv6);
	assert_int_equal(c.connect_timeout_ms, 5000); /* not on the command line: kept */
}

static void test_environment_headers_are_kept_without_command_line_headers(void **state)
{
	static const char *const env[] = {"LPROBE_HTTP_HEADER=X-Env: 1", "LPROBE_RPC_HEADER=env: 1",
					  NULL};
	static const char *const args[] = {"-http-header=X-Cli: 2", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, env);
	/* a command-line -http-header does not touch the env's -rpc-header */
	assert_int_equal(c.n_rpc_headers, 1);
	assert_string_equal(c.rpc_headers[0], "env: 1");
}

static void test_command_line_headers_replace_environment_headers(void **state)
{
	static const char *const env[] = {"LPROBE_HTTP_HEADER=X-Env: 1", "LPROBE_RPC_HEADER=env: 1",
					  NULL};
	static const char *const args[] = {"-http-header=X-A: 1", "-rpc-header=a: 1",
					   "-http-header=X-B: 2", "-rpc-header=b: 2", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, env);
	assert_int_equal(c.n_http_headers, 2);
	assert_string_equal(c.http_headers[0], "X-A: 1");
	assert_string_equal(c.http_headers[1], "X-B: 2");
	assert_int_equal(c.n_rpc_headers, 2);
	assert_string_equal(c.rpc_headers[0], "a: 1");
	assert_string_equal(c.rpc_headers[1], "b: 2");
}

static void test_headers_are_repeatable_up_to_the_limit(void **state)
{
	static char http[LP_MAX_HEADERS + 1][48], rpc[LP_MAX_HEADERS + 1][48];
	const char *args[LP_MAX_HEADERS + 2];
	struct lp_config c;
	int i;

	(void)state;
	for (i = 0; i <= LP_MAX_HEADERS; i++) {
		snprintf(http[i], sizeof http[i], "-http-header=X-%d: %d", i, i);
		snprintf(rpc[i], sizeof rpc[i], "-rpc-header=k%d: %d", i, i);
	}
	for (i = 0; i < LP_MAX_HEADERS; i++)
		args[i] = http[i];
	args[LP_MAX_HEADERS] = NULL;
	accepted(&c, args, NULL);
	assert_int_equal(c.n_http_headers, LP_MAX_HEADERS);
	assert_string_equal(c.http_headers[LP_MAX_HEADERS - 1], http[LP_MAX_HEADERS - 1] + 13);
	args[LP_MAX_HEADERS] = http[LP_MAX_HEADERS];
	args[LP_MAX_HEADERS + 1] = NULL;
	refused(args, NULL, "-http-header: at most 16");

	for (i = 0; i < LP_MAX_HEADERS; i++)
		args[i] = rpc[i];
	args[LP_MAX_HEADERS] = NULL;
	accepted(&c, args, NULL);
	assert_int_equal(c.n_rpc_headers, LP_MAX_HEADERS);
	args[LP_MAX_HEADERS] = rpc[LP_MAX_HEADERS];
	refused(args, NULL, "-rpc-header: at most 16");
}

static void test_unknown_lprobe_variables_are_ignored(void **state)
{
	/* an image build may set LPROBE_VERSION; that must not fail every probe */
	static const char *const env[] = {"LPROBE_VERSION=1.2.3",
					  "LPROBE_HELP=1",
					  "LPROBE_H=true",
					  "LPROBE_FOO=bar",
					  "LPROBE_=x",
					  "LPROBE_port=1",
					  "LPROBE_TLS",
					  "LPROBE_HTTP-CODES=abc",
					  "LPROBE_A_VERY_LONG_NAME_THAT_IS_NO_FLAG_AT_ALL_REALLY=1",
					  "PORT=1",
					  "lprobe_port=1",
					  NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, NULL, env);
	assert_int_equal(c.action, LP_RUN);
	assert_int_equal(c.port, 8080);
	assert_false(c.tls);
	assert_int_equal(c.n_codes, 1);
	assert_int_equal(c.codes[0].hi, 299);
}

static void test_environment_value_error_names_the_variable(void **state)
{
	static const struct {
		const char *env[3];
		const char *why;
	} cases[] = {
		{{"LPROBE_PORT=abc"}, "LPROBE_PORT"},
		{{"PATH=/bin", "LPROBE_TLS=yes"}, "LPROBE_TLS"},
		{{"LPROBE_CONNECT_TIMEOUT=0"}, "LPROBE_CONNECT_TIMEOUT"},
		{{"LPROBE_HTTP_HEADER=Host: x"}, "LPROBE_HTTP_HEADER"},
		{{"LPROBE_ALTS=true"}, "LPROBE_ALTS"},
		{{"LPROBE_MODE=udp"}, "LPROBE_MODE"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		refused(NULL, cases[i].env, cases[i].why);
}

static void test_invalid_environment_fails_even_when_the_command_line_sets_the_flag(void **state)
{
	/* the environment is read first and in full: a typo there is reported */
	static const char *const env[] = {"LPROBE_PORT=abc", NULL};
	static const char *const args[] = {"-port=9000", NULL};

	(void)state;
	refused(args, env, "LPROBE_PORT");
}

/* --- cross-flag validation ------------------------------------------------- */

static void test_tls_flags_require_tls(void **state)
{
	static const struct {
		const char *arg;
		const char *why;
	} cases[] = {
		{"-tls-no-verify", "specified -tls-no-verify without specifying -tls"},
		{"-tls-ca-cert=ca.pem", "specified -tls-ca-cert without specifying -tls"},
		{"-tls-client-cert=c.pem", "specified -tls-client-cert without specifying -tls"},
		{"-tls-client-key=k.pem", "specified -tls-client-key without specifying -tls"},
		{"-tls-server-name=x", "specified -tls-server-name without specifying -tls"},
	};
	const char *args[3] = {NULL, "-tls=false", NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i].arg;
		refused(args, NULL, cases[i].why);
	}
}

static void test_client_cert_and_key_require_each_other(void **state)
{
	static const char *const cert[] = {"-tls", "-tls-client-cert=c.pem", NULL};
	static const char *const key[] = {"-tls", "-tls-client-key=k.pem", NULL};

	(void)state;
	refused(cert, NULL, "specified -tls-client-cert without specifying -tls-client-key");
	refused(key, NULL, "specified -tls-client-key without specifying -tls-client-cert");
}

static void test_no_verify_excludes_ca_cert_and_server_name(void **state)
{
	static const char *const ca[] = {"-tls", "-tls-no-verify", "-tls-ca-cert=ca.pem", NULL};
	static const char *const sni[] = {"-tls", "-tls-no-verify", "-tls-server-name=x", NULL};
	static const char *const env[] = {"LPROBE_TLS=1", "LPROBE_TLS_NO_VERIFY=1", NULL};
	static const char *const cli[] = {"-tls-ca-cert=ca.pem", NULL};

	(void)state;
	refused(ca, NULL, "cannot specify -tls-ca-cert with -tls-no-verify");
	refused(sni, NULL, "cannot specify -tls-server-name with -tls-no-verify");
	refused(cli, env, "cannot specify -tls-ca-cert with -tls-no-verify");
}

/* SNI carries a DNS name (RFC 6066 §3): labels of 1-63, 253 bytes at most;
 * an IP literal is matched against iPAddress SANs instead. */
static void test_tls_server_name_is_a_dns_name_or_an_ip(void **state)
{
	static char name[300];
	const char *args[3] = {"-tls", name, NULL};
	static const char *const bad[] = {"",
					  "a..b",
					  ".a",
					  "-a.b",
					  "a-.b",
					  "a b",
					  "a\r\nb",
					  "a\x1b[2J",
					  "caf\xc3\xa9.example",
					  "*.example.com"};
	struct lp_config c;
	size_t n = strlen("-tls-server-name="), i;

	(void)state;
	memcpy(name, "-tls-server-name=", n);
	/* three labels of 63 and one of 61: 253 bytes */
	for (i = 0; i < 4; i++) {
		memset(name + n + i * 64, 'a', 63);
		name[n + i * 64 + 63] = '.';
	}
	name[n + 253] = '\0';
	accepted(&c, args, NULL);
	name[n + 253] = 'a', name[n + 254] = '\0';
	refused(args, NULL, "not a DNS name");
	memset(name + n, 'a', 64), name[n + 64] = '\0'; /* one label of 64 */
	refused(args, NULL, "not a DNS name");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(name, sizeof name, "-tls-server-name=%s", bad[i]);
		refused(args, NULL, "not a DNS name");
	}
	snprintf(name, sizeof name, "-tls-server-name=127.0.0.1");
	accepted(&c, args, NULL);
	snprintf(name, sizeof name, "-tls-server-name=::1");
	accepted(&c, args, NULL);
	snprintf(name, sizeof name, "-tls-server-name=svc_a.example.com.");
	accepted(&c, args, NULL);
}

static void test_well_formed_http_headers_are_accepted(void **state)
{
	static const char *const cases[] = {
		"X-A: 1",
		"X-A:1",
		"X-A:",
		"Authorization: Bearer abc.def",
		"Accept: application/json",
		"X-Tab:\tvalue",
		"!#$%&'*+-.^_`|~09az: odd but legal token",
		"X-Hosted: Host is only owned as a whole name",
		"X-Colon: a: b",
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	struct lp_config c;
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-http-header=%s", cases[i]);
		accepted(&c, args, NULL);
		assert_string_equal(c.http_headers[0], cases[i]);
	}
}

static void test_malformed_http_headers_are_refused(void **state)
{
	static const struct {
		const char *h;
		const char *why;
	} cases[] = {
		{"X-A", "wants \"Name: value\""},	 {"", "wants \"Name: value\""},
		{": value", "wants \"Name: value\""},	 {"X A: 1", "invalid header name"},
		{"X-A : 1", "invalid header name"},	 {" X-A: 1", "invalid header name"},
		{"X(A): 1", "invalid header name"},	 {"X\"A: 1", "invalid header name"},
		{"X\xc3\xa9: 1", "invalid header name"},
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-http-header=%s", cases[i].h);
		refused(args, NULL, cases[i].why);
	}
}

static void test_http_header_line_injection_is_refused(void **state)
{
	static const char *const cases[] = {
		"X-A: 1\r\nInjected: 1", "X-A: 1\nInjected: 1", "X-A: 1\r",
		"X-A: \r\n\r\nGET /",	 "X-A: a\x01",		"X-A: a\x7f",
		"X-A: \x1b[31m",	 "X-A: caf\xc3\xa9",	"X-A: \xff",
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-http-header=%s", cases[i]);
		refused(args, NULL, "control character or byte >= 0x80 in value");
	}
}

static void test_headers_owned_by_lprobe_are_refused(void **state)
{
	static const struct {
		const char *h;
		const char *why;
	} cases[] = {
		{"Host: evil", "host is set by lprobe"},
		{"host: evil", "host is set by lprobe"},
		{"HOST: evil", "host is set by lprobe"},
		{"User-Agent: x", "user-agent is set by lprobe"},
		{"Connection: keep-alive", "connection is set by lprobe"},
		{"Content-Length: 5", "content-length is set by lprobe"},
		{"Transfer-Encoding: chunked", "transfer-encoding is set by lprobe"},
		{"transfer-encoding:chunked", "transfer-encoding is set by lprobe"},
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-http-header=%s", cases[i].h);
		refused(args, NULL, cases[i].why);
	}
}

static void test_well_formed_rpc_headers_are_accepted(void **state)
{
	static const char *const cases[] = {
		"authorization: Bearer t",
		"x-request-id:42",
		"Key_With.Dots-And_Caps: v",
		"k:",
		"trace-bin: \x01\x02\x7f\r\n", /* binary values are sent base64 */
		"x-grpc-thing: v",	       /* only the grpc- prefix is reserved */
		"tea: v",
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	struct lp_config c;
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-rpc-header=%s", cases[i]);
		accepted(&c, args, NULL);
		assert_string_equal(c.rpc_headers[0], cases[i]);
	}
}

static void test_malformed_rpc_headers_are_refused(void **state)
{
	static const struct {
		const char *h;
		const char *why;
	} cases[] = {
		{"key", "wants \"name: value\""},
		{": v", "wants \"name: value\""},
		{"a b: v", "invalid metadata key"},
		{"k!: v", "invalid metadata key"},
		{"k/x: v", "invalid metadata key"},
		{"key: a\r\nInjected: 1", "control character or byte >= 0x80 in value"},
		{"key: a\n", "control character or byte >= 0x80 in value"},
		{"key: \x7f", "control character or byte >= 0x80 in value"},
		{"key: \x80", "control character or byte >= 0x80 in value"},
		{"bin: \x01",
		 "control character or byte >= 0x80 in value"}, /* "-bin" is a suffix */
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-rpc-header=%s", cases[i].h);
		refused(args, NULL, cases[i].why);
	}
}

static void test_reserved_rpc_metadata_is_refused(void **state)
{
	static const struct {
		const char *h;
		const char *why;
	} cases[] = {
		{"grpc-timeout: 1S", "grpc-* keys are reserved"},
		{"grpc-status: 0", "grpc-* keys are reserved"},
		{"GRPC-Encoding: gzip", "grpc-* keys are reserved"},
		{"grpc-: x", "grpc-* keys are reserved"},
		{"te: trailers", "te is reserved"},
		{"TE: trailers", "te is reserved"},
		{"content-type: application/grpc", "content-type is reserved"},
		{"Content-Type: text/plain", "content-type is reserved"},
		{"user-agent: x", "user-agent is reserved"},
		{"host: x", "host is reserved"},
		{"connection: close", "connection is reserved"},
	};
	const char *args[2] = {NULL, NULL};
	char arg[128];
	size_t i;

	(void)state;
	args[0] = arg;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-rpc-header=%s", cases[i].h);
		refused(args, NULL, cases[i].why);
	}
}

static void test_expect_body_needs_a_body(void **state)
{
	static const char *const head[] = {"-method=HEAD", "-expect-body=ok", NULL};
	static const char *const env[] = {"LPROBE_METHOD=HEAD", NULL};
	static const char *const body[] = {"-expect-body=ok", NULL};
	static const char *const empty[] = {"-expect-body=", NULL};

	(void)state;
	refused(head, NULL, "-expect-body needs a body");
	refused(body, env, "-expect-body needs a body");
	refused(empty, NULL, "-expect-body: must be 1-1024 bytes");
}

static void test_expect_body_is_limited_to_1024_bytes(void **state)
{
	static char arg[LP_EXPECT_MAX + 32];
	const char *args[2] = {arg, NULL};
	struct lp_config c;
	size_t n = strlen("-expect-body=");

	(void)state;
	memcpy(arg, "-expect-body=", n);
	memset(arg + n, 'x', LP_EXPECT_MAX);
	arg[n + LP_EXPECT_MAX] = '\0';
	accepted(&c, args, NULL);
	assert_int_equal(strlen(c.expect_body), LP_EXPECT_MAX);
	arg[n + LP_EXPECT_MAX] = 'x';
	arg[n + LP_EXPECT_MAX + 1] = '\0';
	refused(args, NULL, "-expect-body: must be 1-1024 bytes");
}

static void test_alts_and_spiffe_are_refused(void **state)
{
	static const struct {
		const char *args[2];
		const char *why;
	} cases[] = {
		{{"-alts"}, "-alts is not supported"},
		{{"-alts=true"}, "-alts is not supported"},
		{{"-spiffe"}, "-spiffe is not supported"},
		{{"--spiffe=1"}, "-spiffe is not supported"},
		{{"-alts=maybe"}, "invalid boolean value"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		refused(cases[i].args, NULL, cases[i].why);
}

static void test_alts_and_spiffe_false_are_accepted(void **state)
{
	static const char *const args[] = {"-alts=false", "-spiffe=0", NULL};
	struct lp_config c;

	(void)state;
	accepted(&c, args, NULL);
	assert_int_equal(c.action, LP_RUN);
}

static void test_service_name_is_limited_to_1024_bytes(void **state)
{
	static char arg[LP_SERVICE_MAX + 32];
	const char *args[2] = {arg, NULL};
	struct lp_config c;
	size_t n = strlen("-service=");

	(void)state;
	memcpy(arg, "-service=", n);
	memset(arg + n, 's', LP_SERVICE_MAX);
	arg[n + LP_SERVICE_MAX] = '\0';
	accepted(&c, args, NULL);
	assert_int_equal(strlen(c.service), LP_SERVICE_MAX);
	arg[n + LP_SERVICE_MAX] = 's';
	arg[n + LP_SERVICE_MAX + 1] = '\0';
	refused(args, NULL, "-service: at most 1024 bytes");
}

static void test_request_line_values_refuse_spaces_and_control_characters(void **state)
{
	static const struct {
		const char *arg;
		const char *why;
	} cases[] = {
		{"-endpoint=/a b", "-endpoint"},
		{"-endpoint=/a\tb", "-endpoint"},
		{"-endpoint=/a\r\nHost: evil", "-endpoint"},
		{"-host=a b", "-host"},
		{"-host=", "-host"},
		{"-host=a\r\nX: 1", "-host"},
		{"-user-agent=ua\r\nX: 1", "-user-agent"},
	};
	const char *args[2] = {NULL, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		args[0] = cases[i].arg;
		refused(args, NULL, cases[i].why);
	}
}

/* --- lp_parse_duration / lp_format_duration -------------------------------- */

struct duration_case {
	const char *s;
	int64_t ms;
};

static void check_durations(const struct duration_case *cases, size_t n)
{
	int64_t ms;
	size_t i;

	for (i = 0; i < n; i++) {
		ms = -42;
		if (lp_parse_duration(cases[i].s, &ms) != 0)
			fail_msg("\"%s\" refused", cases[i].s);
		if (ms != cases[i].ms)
			fail_msg("\"%s\": %lld ms, want %lld", cases[i].s, (long long)ms,
				 (long long)cases[i].ms);
	}
}

static void test_parse_duration_reads_go_durations(void **state)
{
	static const struct duration_case cases[] = {
		{"250ms", 250},
		{"1s", 1000},
		{"1.5s", 1500},
		{"1m30s", 90000},
		{"2h", 7200000},
		{"1h0m0s", 3600000},
		{"2000000000ns", 2000},
		{"250000us", 250},
		{"250000\xc2\xb5s", 250},
		{"250000\xce\xbcs", 250},
		{"1m", 60000},
		{"1.25s", 1250},
		{"+1s", 1000},
		{"1h1m1s1ms", 3661001},
		{"0.5m", 30000},
		{"24h", 86400000},
		{"1s500ms", 1500},
		{"01s", 1000},
		{"1.s", 1000}, /* Go accepts "1.s" */
	};

	(void)state;
	check_durations(cases, sizeof cases / sizeof cases[0]);
}

static void test_parse_duration_reads_a_bare_number_as_seconds(void **state)
{
	static const struct duration_case cases[] = {
		{"2", 2000}, {"0.5", 500}, {"1.", 1000}, {"10", 10000}, {"1.25", 1250},
	};

	(void)state;
	check_durations(cases, sizeof cases / sizeof cases[0]);
}

static void test_parse_duration_rounds_up_to_a_millisecond(void **state)
{
	static const struct duration_case cases[] = {
		{"1us", 1},	  {"1ns", 1},	{"999us", 1},  {"1001us", 2},
		{"1000001ns", 2}, {"1.5ms", 2}, {"0.0001", 1},
	};

	(void)state;
	check_durations(cases, sizeof cases / sizeof cases[0]);
}

static void test_parse_duration_long_fractions_do_not_overflow(void **state)
{
	/* more than 9 fraction digits: the rest only rounds up */
	static const struct duration_case cases[] = {
		{"0.999999999999s", 1000},
		{"1.999999999999s", 2000},
		{"0.1234567891m", 7408},
		{"0.9999999999999h", 3600000},
		{"1.0000000001", 1001},
		{"0.0000000001", 1},
		{"1.000000000000000000000000000000s", 1000},
		{"0.99999999999999999999999999999999999999999h", 3600000},
	};

	(void)state;
	check_durations(cases, sizeof cases / sizeof cases[0]);
}

static void test_parse_duration_rejects_malformed_values(void **state)
{
	static const char *const cases[] = {
		"",    "1x",   "s",  ".s", ".",	   "ms",  "1 s",  " 1s",  "1s ",   "1s2", "1.5.5s",
		"1e3", "0x10", "1S", "1M", "1sec", "1ss", "1,5s", "++1s", "1s-1s", "one",
	};
	int64_t ms = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (lp_parse_duration(cases[i], &ms) != -1)
			fail_msg("\"%s\" accepted as %lld ms", cases[i], (long long)ms);
		assert_int_equal(ms, 42); /* untouched on failure */
	}
}

static void test_parse_duration_rejects_zero_negative_and_over_a_day(void **state)
{
	static const char *const cases[] = {
		"0",
		"0s",
		"0ms",
		"0.0",
		"0h0m0s",
		"-1s",
		"-1",
		"-0",
		"25h",
		"24h1ms",
		"86401s",
		"1441m",
		"23h61m",
		"86400000001us",
		"99999999999999999999s",
		"99999999999999999999",
		"18446744073709551616ns",
		"9223372036854775807ms",
		"1000000000000000000000000000000h",
	};
	int64_t ms = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (lp_parse_duration(cases[i], &ms) != -1)
			fail_msg("\"%s\" accepted as %lld ms", cases[i], (long long)ms);
}

static void test_format_duration_prints_like_go(void **state)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
		{1000, "1s"},	   {500, "500ms"},	  {1500, "1.5s"},
		{90000, "1m30s"},  {3600000, "1h0m0s"},	  {1, "1ms"},
		{1250, "1.25s"},   {1001, "1.001s"},	  {60000, "1m0s"},
		{61500, "1m1.5s"}, {86400000, "24h0m0s"}, {3661001, "1h1m1.001s"},
		{999, "999ms"},	   {10000, "10s"},
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(buf, 'x', sizeof buf);
		lp_format_duration(cases[i].ms, buf, sizeof buf);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("%lld ms: \"%s\", want \"%s\"", (long long)cases[i].ms, buf,
				 cases[i].want);
	}
}

static void test_format_then_parse_round_trips(void **state)
{
	static const int64_t fixed[] = {1,     999,	1000,	 1001,	   59999,
					60000, 3599999, 3600000, 86399999, 86400000};
	char buf[32];
	int64_t ms, back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		lp_format_duration(fixed[i], buf, sizeof buf);
		if (lp_parse_duration(buf, &back) != 0 || back != fixed[i])
			fail_msg("%lld -> \"%s\" -> %lld", (long long)fixed[i], buf,
				 (long long)back);
	}
	for (ms = 1; ms <= 86400000; ms += 7919) { /* a prime stride over a day */
		lp_format_duration(ms, buf, sizeof buf);
		if (lp_parse_duration(buf, &back) != 0 || back != ms)
			fail_msg("%lld -> \"%s\" -> %lld", (long long)ms, buf, (long long)back);
	}
}

/* --- lp_parse_codes / lp_codes_match ---------------------------------------- */

static void test_parse_codes_reads_lists_and_ranges(void **state)
{
	static const struct {
		const char *s;
		int n;
		struct lp_code_range want[4];
	} cases[] = {
		{"200-299", 1, {{200, 299}}},
		{"200", 1, {{200, 200}}},
		{"200,204,300-399", 3, {{200, 200}, {204, 204}, {300, 399}}},
		{" 200 - 299 , 404 ", 2, {{200, 299}, {404, 404}}},
		{"100-599", 1, {{100, 599}}},
		{"204-204", 1, {{204, 204}}},
		{"500,200", 2, {{500, 500}, {200, 200}}},
		{"200,200", 2, {{200, 200}, {200, 200}}},
	};
	struct lp_code_range out[LP_MAX_CODE_RANGES];
	size_t i;
	int j, n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = lp_parse_codes(cases[i].s, out, LP_MAX_CODE_RANGES);
		if (n != cases[i].n)
			fail_msg("\"%s\": %d ranges, want %d", cases[i].s, n, cases[i].n);
		for (j = 0; j < n; j++)
			if (out[j].lo != cases[i].want[j].lo || out[j].hi != cases[i].want[j].hi)
				fail_msg("\"%s\" range %d: %d-%d", cases[i].s, j, out[j].lo,
					 out[j].hi);
	}
}

static void test_parse_codes_rejects_malformed_lists(void **state)
{
	static const char *const cases[] = {
		"abc",	   "300-200", "99",	 "600",	 "200,", ",200",	"",
		" ",	   "20",      "2000",	 "200-", "-200", "200-299-300", "200;204",
		"200 204", "2x0",     "200-600", "099",	 "+200", "200,,204",	"1e2",
	};
	struct lp_code_range out[LP_MAX_CODE_RANGES];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if ((n = lp_parse_codes(cases[i], out, LP_MAX_CODE_RANGES)) != -1)
			fail_msg("\"%s\" accepted as %d ranges", cases[i], n);
}

static void test_parse_codes_is_bounded_by_max_ranges(void **state)
{
	static char list[LP_MAX_CODE_RANGES * 4 + 8];
	struct lp_code_range out[LP_MAX_CODE_RANGES + 1];
	size_t len = 0;
	int i;

	(void)state;
	for (i = 0; i < LP_MAX_CODE_RANGES; i++)
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%d", i ? "," : "",
					200 + i);
	assert_int_equal(lp_parse_codes(list, out, LP_MAX_CODE_RANGES), LP_MAX_CODE_RANGES);
	assert_int_equal(out[LP_MAX_CODE_RANGES - 1].lo, 200 + LP_MAX_CODE_RANGES - 1);
	assert_int_equal(lp_parse_codes(list, out, LP_MAX_CODE_RANGES - 1), -1);
	snprintf(list + len, sizeof list - len, ",500");
	assert_int_equal(lp_parse_codes(list, out, LP_MAX_CODE_RANGES), -1);
	assert_int_equal(lp_parse_codes("200,300", out, 1), -1);
	assert_int_equal(lp_parse_codes("200", out, 1), 1);
}

static void test_codes_match_ranges_inclusively(void **state)
{
	static const struct {
		const char *codes;
		int status;
		bool want;
	} cases[] = {
		{"200-299", 200, true},	    {"200-299", 299, true},	{"200-299", 250, true},
		{"200-299", 199, false},    {"200-299", 300, false},	{"204", 204, true},
		{"204", 200, false},	    {"200,300-399", 301, true}, {"200,300-399", 250, false},
		{"200,300-399", 200, true}, {"200,300-399", 399, true}, {"200,300-399", 400, false},
	};
	struct lp_code_range out[LP_MAX_CODE_RANGES];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = lp_parse_codes(cases[i].codes, out, LP_MAX_CODE_RANGES);
		assert_true(n > 0);
		if (lp_codes_match(out, n, cases[i].status) != cases[i].want)
			fail_msg("%d in \"%s\": %s", cases[i].status, cases[i].codes,
				 cases[i].want ? "missed" : "false match");
	}
	assert_false(lp_codes_match(out, 0, 200)); /* no ranges: nothing matches */
}

/* --- lp_parse_bool --------------------------------------------------------- */

static void test_parse_bool_accepts_what_go_accepts(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{"1", true},	{"t", true},	  {"T", true},	    {"TRUE", true},
		{"true", true}, {"True", true},	  {"0", false},	    {"f", false},
		{"F", false},	{"FALSE", false}, {"false", false}, {"False", false},
	};
	size_t i;
	bool b;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		b = !cases[i].want;
		if (lp_parse_bool(cases[i].s, &b) != 0 || b != cases[i].want)
			fail_msg("\"%s\" not read as %d", cases[i].s, (int)cases[i].want);
	}
}

static void test_parse_bool_rejects_everything_else(void **state)
{
	static const char *const cases[] = {
		"",	"yes",	 "no",	  "on",	   "off", "y",	"n",	 "2",  "-1", "tRUE",
		"TrUe", "fALSE", " true", "true ", "10",  "00", "truee", "t ", "Y",
	};
	size_t i;
	bool b = true;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (lp_parse_bool(cases[i], &b) != -1)
			fail_msg("\"%s\" accepted", cases[i]);
		assert_true(b); /* untouched on failure */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_the_spec),
		cmocka_unit_test(test_value_flag_forms_are_equivalent),
		cmocka_unit_test(test_value_may_contain_equals_signs),
		cmocka_unit_test(test_bool_flag_forms),
		cmocka_unit_test(test_bool_flag_rejects_other_values),
		cmocka_unit_test(test_bool_flag_does_not_take_the_next_argument),
		cmocka_unit_test(test_double_dash_ends_the_flags),
		cmocka_unit_test(test_stray_positional_arguments_are_usage_errors),
		cmocka_unit_test(test_unknown_flags_are_usage_errors),
		cmocka_unit_test(test_bad_flag_syntax_is_a_usage_error),
		cmocka_unit_test(test_value_flag_without_a_value_is_a_usage_error),
		cmocka_unit_test(test_help_flags_ask_for_help),
		cmocka_unit_test(test_version_flag_asks_for_the_version),
		cmocka_unit_test(test_every_spec_flag_is_accepted),
		cmocka_unit_test(test_flag_values_land_in_the_config),
		cmocka_unit_test(test_malformed_values_are_usage_errors),
		cmocka_unit_test(test_addr_implies_grpc_mode),
		cmocka_unit_test(test_addr_does_not_override_a_given_mode),
		cmocka_unit_test(test_environment_sets_flags),
		cmocka_unit_test(test_environment_names_with_digits_work),
		cmocka_unit_test(test_command_line_overrides_environment),
		cmocka_unit_test(test_environment_headers_are_kept_without_command_line_headers),
		cmocka_unit_test(test_command_line_headers_replace_environment_headers),
		cmocka_unit_test(test_headers_are_repeatable_up_to_the_limit),
		cmocka_unit_test(test_unknown_lprobe_variables_are_ignored),
		cmocka_unit_test(test_environment_value_error_names_the_variable),
		cmocka_unit_test(
			test_invalid_environment_fails_even_when_the_command_line_sets_the_flag),
		cmocka_unit_test(test_tls_flags_require_tls),
		cmocka_unit_test(test_client_cert_and_key_require_each_other),
		cmocka_unit_test(test_no_verify_excludes_ca_cert_and_server_name),
		cmocka_unit_test(test_tls_server_name_is_a_dns_name_or_an_ip),
		cmocka_unit_test(test_well_formed_http_headers_are_accepted),
		cmocka_unit_test(test_malformed_http_headers_are_refused),
		cmocka_unit_test(test_http_header_line_injection_is_refused),
		cmocka_unit_test(test_headers_owned_by_lprobe_are_refused),
		cmocka_unit_test(test_well_formed_rpc_headers_are_accepted),
		cmocka_unit_test(test_malformed_rpc_headers_are_refused),
		cmocka_unit_test(test_reserved_rpc_metadata_is_refused),
		cmocka_unit_test(test_expect_body_needs_a_body),
		cmocka_unit_test(test_expect_body_is_limited_to_1024_bytes),
		cmocka_unit_test(test_alts_and_spiffe_are_refused),
		cmocka_unit_test(test_alts_and_spiffe_false_are_accepted),
		cmocka_unit_test(test_service_name_is_limited_to_1024_bytes),
		cmocka_unit_test(test_request_line_values_refuse_spaces_and_control_characters),
		cmocka_unit_test(test_parse_duration_reads_go_durations),
		cmocka_unit_test(test_parse_duration_reads_a_bare_number_as_seconds),
		cmocka_unit_test(test_parse_duration_rounds_up_to_a_millisecond),
		cmocka_unit_test(test_parse_duration_long_fractions_do_not_overflow),
		cmocka_unit_test(test_parse_duration_rejects_malformed_values),
		cmocka_unit_test(test_parse_duration_rejects_zero_negative_and_over_a_day),
		cmocka_unit_test(test_format_duration_prints_like_go),
		cmocka_unit_test(test_format_then_parse_round_trips),
		cmocka_unit_test(test_parse_codes_reads_lists_and_ranges),
		cmocka_unit_test(test_parse_codes_rejects_malformed_lists),
		cmocka_unit_test(test_parse_codes_is_bounded_by_max_ranges),
		cmocka_unit_test(test_codes_match_ranges_inclusively),
		cmocka_unit_test(test_parse_bool_accepts_what_go_accepts),
		cmocka_unit_test(test_parse_bool_rejects_everything_else),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
