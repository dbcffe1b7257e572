/*
 * test_report.c -- the failure table: one message and one exit status per
 * kind (SPEC "Exit status and output"), lp_quote and the stderr line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "result.h"

static struct lp_result result(enum lp_kind kind, const char *where, const char *detail)
{
	struct lp_result r;

	memset(&r, 0, sizeof r);
	r.kind = kind;
	snprintf(r.where, sizeof r.where, "%s", where);
	snprintf(r.detail, sizeof r.detail, "%s", detail);
	return r;
}

/* Every kind's line (STYLE: one table of messages) reads as one lowercase
 * clause: lowercase first letter, no trailing newline, space or period; it
 * carries the detail it was given, and the address for the kinds about a
 * peer. */
static void test_every_kind_has_a_lowercase_message_with_its_detail(void **state)
{
	static char buf[LP_KIND_COUNT][LP_WHERE_MAX + 2 * LP_DETAIL_MAX];
	struct lp_result r;
	size_t n;
	int k;

	(void)state;
	for (k = 0; k < LP_KIND_COUNT; k++) {
		r = result((enum lp_kind)k, "127.0.0.9:81", "DETAIL-XYZ");
		lp_report_format(&r, buf[k], sizeof buf[k]);
		n = strlen(buf[k]);
		if (n == 0 || buf[k][0] < 'a' || buf[k][0] > 'z' || strchr(buf[k], '\n') ||
		    buf[k][n - 1] == ' ' || buf[k][n - 1] == '.')
			fail_msg("kind %d: \"%s\"", k, buf[k]);
		if (k != LP_OK && k != LP_UNDECIDED && k != LP_TOO_LARGE && k != LP_RESET &&
		    !strstr(buf[k], "DETAIL-XYZ"))
			fail_msg("kind %d drops its detail: \"%s\"", k, buf[k]);
		if ((k == LP_REFUSED || k == LP_CONNECT || k == LP_TLS || k == LP_RESET ||
		     k == LP_CLOSED || k == LP_MALFORMED || k == LP_TOO_LARGE || k == LP_FLOOD) &&
		    !strstr(buf[k], "127.0.0.9:81"))
			fail_msg("kind %d does not name the peer: \"%s\"", k, buf[k]);
	}
}

static void test_every_kind_has_a_message_without_placeholders(void **state)
{
	struct lp_result r;
	char buf[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];
	int k;

	(void)state;
	for (k = 0; k < LP_KIND_COUNT; k++) {
		r = result((enum lp_kind)k, "W", "D");
		lp_report_format(&r, buf, sizeof buf);
		if (buf[0] == '\0' || strchr(buf, '{') || strchr(buf, '}') || strchr(buf, '\n'))
			fail_msg("kind %d: \"%s\"", k, buf);
	}
}

static void test_docker_exit_codes_are_never_2(void **state)
{
	struct lp_result r;
	int k, code;

	(void)state;
	for (k = 0; k < LP_KIND_COUNT; k++) {
		r = result((enum lp_kind)k, "", "");
		code = lp_report_exit_code(&r, LP_EXIT_DOCKER);
		if (code != (k == LP_OK ? 0 : 1))
			fail_msg("kind %d: docker exit %d", k, code);
	}
}

static void test_detailed_exit_codes_follow_grpc_health_probe(void **state)
{
	static const struct {
		enum lp_kind kind;
		int code;
	} cases[] = {
		{LP_OK, 0},
		{LP_USAGE, 1},
		{LP_TARGET, 1},
		{LP_REFUSED, 2},
		{LP_CONNECT, 2},
		{LP_CONNECT_TIMEOUT, 2},
		{LP_TLS, 2},
		{LP_H2, 2},
		{LP_TIMEOUT, 3},
		{LP_RESET, 3},
		{LP_CLOSED, 3},
		{LP_MALFORMED, 3},
		{LP_TOO_LARGE, 3},
		{LP_FLOOD, 3},
		{LP_RPC, 3},
		{LP_HTTP_STATUS, 4},
		{LP_UNDECIDED, 1},
		{LP_BODY_MISMATCH, 4},
		{LP_GRPC_UNHEALTHY, 4},
		{LP_INTERNAL, 1},
	};
	struct lp_result r;
	int seen[LP_KIND_COUNT] = {0}, code;
	size_t i;

	(void)state;
	assert_int_equal(sizeof cases / sizeof cases[0], LP_KIND_COUNT);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = result(cases[i].kind, "", "");
		code = lp_report_exit_code(&r, LP_EXIT_DETAILED);
		if (code != cases[i].code)
			fail_msg("kind %d: detailed exit %d, want %d", (int)cases[i].kind, code,
				 cases[i].code);
		seen[cases[i].kind]++;
	}
	for (i = 0; i < LP_KIND_COUNT; i++)
		assert_int_equal(seen[i], 1);
}

static void test_format_truncates_to_the_buffer(void **state)
{
	struct lp_result r = result(LP_HTTP_STATUS, "", "503 from 127.0.0.1:8080/healthz");
	char buf[16];

	(void)state;
	lp_report_format(&r, buf, sizeof buf);
	assert_string_equal(buf, "unhealthy: HTTP");
	lp_report_format(&r, buf, 1);
	assert_string_equal(buf, "");
	memcpy(buf, "untouched", 10);
	lp_report_format(&r, buf, 0);
	assert_string_equal(buf, "untouched");
}

static void test_longest_where_and_detail_fit_the_message(void **state)
{
	struct lp_result r;
	char buf[LP_WHERE_MAX + 2 * LP_DETAIL_MAX];

	(void)state;
	memset(&r, 0, sizeof r);
	r.kind = LP_CLOSED;
	memset(r.where, 'w', LP_WHERE_MAX - 1);
	memset(r.detail, 'd', LP_DETAIL_MAX - 1);
	lp_report_format(&r, buf, sizeof buf);
	assert_int_equal(strlen(buf), strlen("connection closed by  before ") + LP_WHERE_MAX - 1 +
					      LP_DETAIL_MAX - 1);
}

static void test_fail_sets_kind_and_detail_and_returns_minus_one(void **state)
{
	struct lp_result r = result(LP_OK, "127.0.0.1:1", "");
	char big[LP_DETAIL_MAX * 2];

	(void)state;
	assert_int_equal(lp_fail(&r, LP_MALFORMED, "%s at %d", "bad", 7), -1);
	assert_int_equal(r.kind, LP_MALFORMED);
	assert_string_equal(r.detail, "bad at 7");
	assert_string_equal(r.where, "127.0.0.1:1");

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(lp_fail(&r, LP_USAGE, "%s", big), -1);
	assert_int_equal(strlen(r.detail), LP_DETAIL_MAX - 1);
}

/* --- lp_quote ---------------------------------------------------------------- */

static void test_quote_shows_control_and_non_ascii_bytes_as_dots(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{"abc", 3, "abc"},
		{"", 0, ""},
		{"HTTP/1.1 200 OK", 15, "HTTP/1.1 200 OK"},
		{"a\r\nb", 4, "a..b"},
		{"\x1b[31mred\x1b[0m", 12, ".[31mred.[0m"},
		{"nul\0byte", 8, "nul.byte"},
		{"\t\x7f\x80\xff ~", 6, ".... ~"},
		{"len counts, not NUL", 3, "len"},
	};
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_ptr_equal(lp_quote(buf, sizeof buf, cases[i].in, cases[i].len), buf);
		if (strcmp(buf, cases[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, buf, cases[i].want);
	}
}

static void test_quote_cuts_at_128_bytes_and_marks_the_cut(void **state)
{
	char in[1000], buf[256], want[140];

	(void)state;
	memset(in, 'q', sizeof in);
	memset(want, 'q', 128);

	lp_quote(buf, sizeof buf, in, 127);
	assert_int_equal(strlen(buf), 127);

	lp_quote(buf, sizeof buf, in, 128);
	want[128] = '\0';
	assert_string_equal(buf, want);

	memcpy(want + 128, "...", 4);
	lp_quote(buf, sizeof buf, in, 129);
	assert_string_equal(buf, want);
	lp_quote(buf, sizeof buf, in, sizeof in);
	assert_string_equal(buf, want);
	assert_int_equal(strlen(buf), 131);
}

static void test_quote_respects_a_small_buffer(void **state)
{
	char buf[10];

	(void)state;
	lp_quote(buf, sizeof buf, "0123456789abcdef", 16);
	assert_string_equal(buf, "012345678");
	lp_quote(buf, 1, "abc", 3);
	assert_string_equal(buf, "");
	memcpy(buf, "untouched", 10);
	lp_quote(buf, 0, "abc", 3);
	assert_string_equal(buf, "untouched");
}

/* --- the one stderr line -------------------------------------------------------- */

/* Runs lp_report (or lp_log when r is NULL) with stderr on a pipe;
 * returns its exit status and what it wrote in out. */
static int capture_report(const struct lp_result *r, enum lp_exit_mode mode, char *out, size_t cap)
{
	int fds[2], saved, code = 0;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fds[1], 2) >= 0);
	close(fds[1]);
	if (r)
		code = lp_report(r, mode);
	else
		lp_log("step %d took %s", 1, "2ms");
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	n = read(fds[0], out, cap - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
	return code;
}

static void test_success_prints_nothing(void **state)
{
	struct lp_result r = result(LP_OK, "127.0.0.1:8080", "");
	char out[1024];

	(void)state;
	assert_int_equal(capture_report(&r, LP_EXIT_DOCKER, out, sizeof out), 0);
	assert_string_equal(out, "");
	assert_int_equal(capture_report(&r, LP_EXIT_DETAILED, out, sizeof out), 0);
	assert_string_equal(out, "");
}

static void test_failure_prints_one_lprobe_line(void **state)
{
	struct lp_result r =
		result(LP_HTTP_STATUS, "127.0.0.1:8080", "503 from 127.0.0.1:8080/healthz");
	char out[2048];

	(void)state;
	assert_int_equal(capture_report(&r, LP_EXIT_DOCKER, out, sizeof out), 1);
	assert_string_equal(out, "lprobe: unhealthy: HTTP 503 from 127.0.0.1:8080/healthz\n");
	assert_int_equal(capture_report(&r, LP_EXIT_DETAILED, out, sizeof out), 4);
}

static void test_longest_failure_is_still_one_line(void **state)
{
	struct lp_result r;
	char out[4096];

	(void)state;
	memset(&r, 0, sizeof r);
	r.kind = LP_CLOSED;
	memset(r.where, 'w', LP_WHERE_MAX - 1);
	memset(r.detail, 'd', LP_DETAIL_MAX - 1);
	assert_int_equal(capture_report(&r, LP_EXIT_DETAILED, out, sizeof out), 3);
	assert_true(strncmp(out, "lprobe: connection closed by www", 32) == 0);
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n') - out, strlen(out) - 1);
}

static void test_log_prints_one_lprobe_line(void **state)
{
	char out[1024];

	(void)state;
	capture_report(NULL, LP_EXIT_DOCKER, out, sizeof out);
	assert_string_equal(out, "lprobe: step 1 took 2ms\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_has_a_lowercase_message_with_its_detail),
		cmocka_unit_test(test_every_kind_has_a_message_without_placeholders),
		cmocka_unit_test(test_docker_exit_codes_are_never_2),
		cmocka_unit_test(test_detailed_exit_codes_follow_grpc_health_probe),
		cmocka_unit_test(test_format_truncates_to_the_buffer),
		cmocka_unit_test(test_longest_where_and_detail_fit_the_message),
		cmocka_unit_test(test_fail_sets_kind_and_detail_and_returns_minus_one),
		cmocka_unit_test(test_quote_shows_control_and_non_ascii_bytes_as_dots),
		cmocka_unit_test(test_quote_cuts_at_128_bytes_and_marks_the_cut),
		cmocka_unit_test(test_quote_respects_a_small_buffer),
		cmocka_unit_test(test_success_prints_nothing),
		cmocka_unit_test(test_failure_prints_one_lprobe_line),
		cmocka_unit_test(test_longest_failure_is_still_one_line),
		cmocka_unit_test(test_log_prints_one_lprobe_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
