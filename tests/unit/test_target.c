/*
 * test_target.c -- the loopback-only policy (SPEC security guarantee 1):
 * which -addr/-unix/-ipv6/-port combinations become which socket address,
 * and which are refused before any socket exists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "config.h"
#include "target.h"

/* Parses args (argv[0] added) into c, then decides the target. */
static int target_of(const char *const *args, struct lp_config *c, struct lp_target *t,
		     struct lp_result *r)
{
	char *argv[8];
	int argc = 0;

	argv[argc++] = (char *)"lprobe";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	memset(r, 0, sizeof *r);
	if (lp_config_parse(c, argc, argv, NULL, r) != 0)
		fail_msg("config refused %s: %s", argv[1], r->detail);
	return lp_target_from_config(c, t, r);
}

static void test_loopback_targets_are_accepted(void **state)
{
	static const struct {
		const char *args[4];
		int family;
		int port;
		const char *name;
		bool fallback_v6;
		const char *ip; /* expected address, or NULL for unix */
	} cases[] = {
		{{NULL}, AF_INET, 8080, "127.0.0.1:8080", true, "127.0.0.1"},
		{{"-port=9000"}, AF_INET, 9000, "127.0.0.1:9000", true, "127.0.0.1"},
		{{"-ipv6"}, AF_INET6, 8080, "[::1]:8080", false, "::1"},
		{{"-ipv6", "-port=1"}, AF_INET6, 1, "[::1]:1", false, "::1"},
		{{"-addr=:5000"}, AF_INET, 5000, "127.0.0.1:5000", true, "127.0.0.1"},
		{{"-addr=:5000", "-ipv6"}, AF_INET6, 5000, "[::1]:5000", false, "::1"},
		{{"-addr=localhost:5000"}, AF_INET, 5000, "127.0.0.1:5000", true, "127.0.0.1"},
		{{"-addr=localhost:5000", "-ipv6"}, AF_INET6, 5000, "[::1]:5000", false, "::1"},
		{{"-addr=[localhost]:5000"}, AF_INET, 5000, "127.0.0.1:5000", true, "127.0.0.1"},
		{{"-addr=127.0.0.1:5000"}, AF_INET, 5000, "127.0.0.1:5000", false, "127.0.0.1"},
		{{"-addr=127.0.0.2:5000"}, AF_INET, 5000, "127.0.0.2:5000", false, "127.0.0.2"},
		{{"-addr=127.255.255.254:65535"},
		 AF_INET,
		 65535,
		 "127.255.255.254:65535",
		 false,
		 "127.255.255.254"},
		{{"-addr=[127.0.0.1]:5000"}, AF_INET, 5000, "127.0.0.1:5000", false, "127.0.0.1"},
		{{"-addr=[::1]:5000"}, AF_INET6, 5000, "[::1]:5000", false, "::1"},
		{{"-addr=[0:0:0:0:0:0:0:1]:5000"}, AF_INET6, 5000, "[::1]:5000", false, "::1"},
		{{"-addr=[0::1]:5000"}, AF_INET6, 5000, "[::1]:5000", false, "::1"},
		/* -addr wins over -port */
		{{"-port=1", "-addr=:5000"}, AF_INET, 5000, "127.0.0.1:5000", true, "127.0.0.1"},
		/* an IPv4 literal is taken as given: no ::1 retry, -ipv6 ignored */
		{{"-addr=127.0.0.1:5000", "-ipv6"},
		 AF_INET,
		 5000,
		 "127.0.0.1:5000",
		 false,
		 "127.0.0.1"},
		{{"-unix=/run/app.sock"}, AF_UNIX, 0, "/run/app.sock", false, NULL},
		{{"-unix=rel.sock"}, AF_UNIX, 0, "rel.sock", false, NULL},
	};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	char ip[INET6_ADDRSTRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (target_of(cases[i].args, &c, &t, &r) != 0)
			fail_msg("case %zu (%s) refused: %s", i, cases[i].args[0], r.detail);
		if (t.addr.sa.sa_family != cases[i].family || t.port != cases[i].port ||
		    strcmp(t.name, cases[i].name) != 0 || t.fallback_v6 != cases[i].fallback_v6)
			fail_msg("case %zu (%s): family %d port %d name \"%s\" fallback %d", i,
				 cases[i].args[0], t.addr.sa.sa_family, t.port, t.name,
				 (int)t.fallback_v6);
		if (cases[i].family == AF_INET) {
			assert_int_equal(t.addr_len, sizeof t.addr.in);
			assert_int_equal(ntohs(t.addr.in.sin_port), cases[i].port);
			inet_ntop(AF_INET, &t.addr.in.sin_addr, ip, sizeof ip);
			assert_string_equal(ip, cases[i].ip);
		} else if (cases[i].family == AF_INET6) {
			assert_int_equal(t.addr_len, sizeof t.addr.in6);
			assert_int_equal(ntohs(t.addr.in6.sin6_port), cases[i].port);
			assert_int_equal(t.addr.in6.sin6_scope_id, 0);
			inet_ntop(AF_INET6, &t.addr.in6.sin6_addr, ip, sizeof ip);
			assert_string_equal(ip, cases[i].ip);
		} else {
			assert_string_equal(t.addr.un.sun_path, cases[i].name);
			assert_int_equal(t.addr_len, offsetof(struct sockaddr_un, sun_path) +
							     strlen(cases[i].name) + 1);
		}
	}
}

static void test_non_loopback_targets_are_refused_by_policy(void **state)
{
	static const char *const cases[] = {
		/* names: never resolved */
		"example.com:80",
		"localhost.evil:80",
		"localhost.:80",
		"metadata.google.internal:80",
		"ip6-localhost:80",
		"[example.com]:80",
		/* IPv4 outside 127/8 */
		"0.0.0.0:80",
		"10.0.0.1:80",
		"128.0.0.1:80",
		"126.255.255.255:80",
		"169.254.169.254:80",
		"255.255.255.255:80",
		"[10.0.0.1]:80",
		/* non-canonical spellings some parsers read as 127.0.0.1 */
		"127.1:80",
		"0177.0.0.1:80",
		"127.000.0.1:80",
		"127.0.0.01:80",
		"0x7f.0.0.1:80",
		"2130706433:80",
		"127.0.0.1.:80",
		"127.0.0.256:80",
		"127..0.1:80",
		"127.0.0.1.1:80",
		" 127.0.0.1:80",
		/* IPv6 other than ::1 */
		"[::]:80",
		"[::ffff:127.0.0.1]:80",
		"[::ffff:7f00:1]:80",
		"[::ffff:8.8.8.8]:80",
		"[fe80::1]:80",
		"[fe80::1%eth0]:80",
		"[::1%lo]:80",
		"[::2]:80",
		"[::127.0.0.1]:80",
		"[2001:db8::1]:80",
		"[ ::1]:80",
	};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	char arg[64];
	const char *args[2] = {arg, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-addr=%s", cases[i]);
		if (target_of(args, &c, &t, &r) != -1)
			fail_msg("\"%s\" accepted as %s", cases[i], t.name);
		if (r.kind != LP_TARGET)
			fail_msg("\"%s\": kind %d (%s), want LP_TARGET", cases[i], (int)r.kind,
				 r.detail);
	}
}

static void test_refusal_names_the_address(void **state)
{
	static const char *const args[] = {"-addr=169.254.169.254:80", NULL};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;

	(void)state;
	assert_int_equal(target_of(args, &c, &t, &r), -1);
	assert_int_equal(r.kind, LP_TARGET);
	assert_non_null(strstr(r.detail, "\"169.254.169.254:80\""));
}

static void test_refusal_quotes_hostile_addresses_as_printable_text(void **state)
{
	static const char *const args[] = {"-addr=evil\x1b[31m\x7f:80", NULL};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	const char *p;

	(void)state;
	assert_int_equal(target_of(args, &c, &t, &r), -1);
	assert_int_equal(r.kind, LP_TARGET);
	for (p = r.detail; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			fail_msg("unprintable byte 0x%02x in \"%s\"", (unsigned char)*p, r.detail);
}

static void test_malformed_addresses_are_usage_errors(void **state)
{
	static const char *const cases[] = {
		"localhost",
		"127.0.0.1",
		"",
		"[::1]",
		"::1:5000",
		"::1",
		"fe80::1:80",
		"localhost:",
		"localhost:0",
		"localhost:65536",
		"localhost:abc",
		"localhost:-1",
		"localhost:5000x",
		"localhost:99999999999999999999",
		"[::1]5000",
		"[::1:5000",
		":",
		"[]:",
		"127.0.0.1: 80",
	};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	char arg[64];
	const char *args[2] = {arg, NULL};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(arg, sizeof arg, "-addr=%s", cases[i]);
		if (target_of(args, &c, &t, &r) != -1)
			fail_msg("\"%s\" accepted as %s", cases[i], t.name);
		if (r.kind != LP_USAGE)
			fail_msg("\"%s\": kind %d (%s), want LP_USAGE", cases[i], (int)r.kind,
				 r.detail);
	}
}

static void test_unix_path_length_is_checked(void **state)
{
	struct sockaddr_un un;
	char max[sizeof un.sun_path + 16], over[sizeof un.sun_path + 16];
	const char *args[2] = {max, NULL};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	size_t longest = sizeof un.sun_path - 1;

	(void)state;
	strcpy(max, "-unix=/");
	memset(max + 7, 'a', longest - 1);
	max[6 + longest] = '\0';
	assert_int_equal(strlen(max + 6), longest);
	assert_int_equal(target_of(args, &c, &t, &r), 0);
	assert_int_equal(strlen(t.addr.un.sun_path), longest);

	strcpy(over, "-unix=/");
	memset(over + 7, 'a', longest);
	over[7 + longest] = '\0';
	args[0] = over;
	assert_int_equal(target_of(args, &c, &t, &r), -1);
	assert_int_equal(r.kind, LP_USAGE);

	args[0] = "-unix=";
	assert_int_equal(target_of(args, &c, &t, &r), -1);
	assert_int_equal(r.kind, LP_USAGE);
}

static void test_ipv6_fallback_switches_to_loopback_v6_on_the_same_port(void **state)
{
	static const char *const args[] = {"-port=9000", NULL};
	struct lp_config c;
	struct lp_target t;
	struct lp_result r;
	char ip[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(target_of(args, &c, &t, &r), 0);
	assert_true(t.fallback_v6);
	lp_target_use_ipv6(&t);
	assert_false(t.fallback_v6);
	assert_int_equal(t.addr.sa.sa_family, AF_INET6);
	assert_int_equal(t.addr_len, sizeof t.addr.in6);
	assert_int_equal(t.port, 9000);
	assert_int_equal(ntohs(t.addr.in6.sin6_port), 9000);
	inet_ntop(AF_INET6, &t.addr.in6.sin6_addr, ip, sizeof ip);
	assert_string_equal(ip, "::1");
	assert_string_equal(t.name, "[::1]:9000");
}

static void test_parse_ipv4_is_strict_dotted_quad(void **state)
{
	static const struct {
		const char *s;
		const char *want; /* NULL: refused */
	} cases[] = {
		{"127.0.0.1", "127.0.0.1"},
		{"0.0.0.0", "0.0.0.0"},
		{"255.255.255.255", "255.255.255.255"},
		{"10.20.30.40", "10.20.30.40"},
		{"127.0.0.10", "127.0.0.10"},
		{"1.2.3.100", "1.2.3.100"},
		{"127.1", NULL},
		{"127.0.1", NULL},
		{"0177.0.0.1", NULL},
		{"127.000.0.1", NULL},
		{"127.0.0.01", NULL},
		{"00.0.0.0", NULL},
		{"0x7f.0.0.1", NULL},
		{"2130706433", NULL},
		{"256.0.0.1", NULL},
		{"127.0.0.256", NULL},
		{"1000.0.0.1", NULL},
		{"127.0.0.1.", NULL},
		{".127.0.0.1", NULL},
		{"127..0.1", NULL},
		{"127.0.0.1.1", NULL},
		{" 127.0.0.1", NULL},
		{"127.0.0.1 ", NULL},
		{"127.0.0.+1", NULL},
		{"127.0.0.-1", NULL},
		{"", NULL},
		{"...", NULL},
		{"a.b.c.d", NULL},
	};
	struct in_addr a;
	char ip[INET_ADDRSTRLEN];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = lp_parse_ipv4(cases[i].s, strlen(cases[i].s), &a);
		if (!cases[i].want) {
			if (rc != -1)
				fail_msg("\"%s\" accepted", cases[i].s);
			continue;
		}
		if (rc != 0)
			fail_msg("\"%s\" refused", cases[i].s);
		inet_ntop(AF_INET, &a, ip, sizeof ip);
		assert_string_equal(ip, cases[i].want);
	}
}

static void test_parse_ipv4_reads_only_len_bytes(void **state)
{
	struct in_addr a;

	(void)state;
	/* "127.0.0.1:80" with len 9: the host part only */
	assert_int_equal(lp_parse_ipv4("127.0.0.1:80", 9, &a), 0);
	assert_int_equal(ntohl(a.s_addr), 0x7f000001);
	assert_int_equal(lp_parse_ipv4("127.0.0.12", 9, &a), 0);
	assert_int_equal(ntohl(a.s_addr), 0x7f000001);
	assert_int_equal(lp_parse_ipv4("127.0.0.1", 8, &a), -1);
	assert_int_equal(lp_parse_ipv4("127.0.0.1", 0, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_targets_are_accepted),
		cmocka_unit_test(test_non_loopback_targets_are_refused_by_policy),
		cmocka_unit_test(test_refusal_names_the_address),
		cmocka_unit_test(test_refusal_quotes_hostile_addresses_as_printable_text),
		cmocka_unit_test(test_malformed_addresses_are_usage_errors),
		cmocka_unit_test(test_unix_path_length_is_checked),
		cmocka_unit_test(test_ipv6_fallback_switches_to_loopback_v6_on_the_same_port),
		cmocka_unit_test(test_parse_ipv4_is_strict_dotted_quad),
		cmocka_unit_test(test_parse_ipv4_reads_only_len_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
