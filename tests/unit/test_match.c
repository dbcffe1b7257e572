/*
 * test_match.c -- streaming substring search for -expect-body: the same
 * answer whatever the split of the body into pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "match.h"

struct match_case {
	const char *pat;
	const char *text;
	bool found;
};

/* Feeds text cut at a and b (0 <= a <= b <= len); true if found. */
static bool feed3(const struct match_case *c, size_t a, size_t b)
{
	static struct lp_match m;
	const unsigned char *t = (const unsigned char *)c->text;
	size_t len = strlen(c->text);
	bool r1, r2, r3;

	lp_match_init(&m, c->pat);
	r1 = lp_match_feed(&m, t, a);
	r2 = lp_match_feed(&m, t + a, b - a);
	r3 = lp_match_feed(&m, t + b, len - b);
	/* once seen, it stays seen */
	if ((r1 && !r2) || (r2 && !r3))
		fail_msg("\"%s\" in \"%s\" cut at %zu,%zu: found then lost", c->pat, c->text, a, b);
	return r3;
}

static bool feed_bytewise(const struct match_case *c)
{
	static struct lp_match m;
	const unsigned char *t = (const unsigned char *)c->text;
	size_t i, len = strlen(c->text);
	bool r = false;

	lp_match_init(&m, c->pat);
	for (i = 0; i < len; i++)
		r = lp_match_feed(&m, t + i, 1);
	return r;
}

static void check_all_splits(const struct match_case *cases, size_t n)
{
	size_t i, a, b, len;

	for (i = 0; i < n; i++) {
		len = strlen(cases[i].text);
		if (feed_bytewise(&cases[i]) != cases[i].found)
			fail_msg("\"%s\" in \"%s\" byte by byte: %s", cases[i].pat, cases[i].text,
				 cases[i].found ? "missed" : "false match");
		for (a = 0; a <= len; a++)
			for (b = a; b <= len; b++)
				if (feed3(&cases[i], a, b) != cases[i].found)
					fail_msg("\"%s\" in \"%s\" cut at %zu,%zu: %s",
						 cases[i].pat, cases[i].text, a, b,
						 cases[i].found ? "missed" : "false match");
	}
}

static void test_pattern_is_found_across_every_split(void **state)
{
	static const struct match_case cases[] = {
		{"ok", "ok", true},
		{"ok", "status: ok", true},
		{"ok", "ok at the start", true},
		{"healthy", "{\"status\":\"healthy\"}", true},
		{"x", "x", true},
		{"x", "abcx", true},
		{"x", "xabc", true},
		{"end", "the very end", true},
		{"UP", "{\"status\":\"DOWN\"} {\"status\":\"UP\"}", true},
		{"a\r\nb", "x\r\na\r\nb", true},
	};

	(void)state;
	check_all_splits(cases, sizeof cases / sizeof cases[0]);
}

static void test_overlapping_prefixes_do_not_hide_a_match(void **state)
{
	/* each needs the failure function: a naive restart would miss them */
	static const struct match_case cases[] = {
		{"aab", "aaab", true},
		{"aab", "aaaaaaab", true},
		{"abab", "abaabab", true},
		{"abac", "ababac", true},
		{"aaaa", "aaabaaaa", true},
		{"abcabd", "abcabcabd", true},
		{"ababaca", "abababacaba", true},
		{"ssi", "mississippi", true},
		{"issip", "mississippi", true},
		{"nano", "banananobano", true},
	};

	(void)state;
	check_all_splits(cases, sizeof cases / sizeof cases[0]);
}

static void test_absent_pattern_is_not_found(void **state)
{
	static const struct match_case cases[] = {
		{"abc", "ababab", false},
		{"aab", "abababa", false},
		{"ok", "o k", false},
		{"ok", "OK", false}, /* case-sensitive, as a substring test should be */
		{"ok", "o", false},
		{"longer than text", "short", false},
		{"x", "", false},
		{"aaaa", "aaabaaab", false},
		{"healthy", "unhealth", false},
	};

	(void)state;
	check_all_splits(cases, sizeof cases / sizeof cases[0]);
}

static void test_binary_bytes_are_matched_as_bytes(void **state)
{
	static const unsigned char text[] = {0x00, 0xff, 0xfe, 0x80, 0xff, 0x80, 0x01};
	static const char pat[] = "\xff\x80\x01";
	static struct lp_match m;

	(void)state;
	lp_match_init(&m, pat);
	assert_false(lp_match_feed(&m, text, 4));
	assert_true(lp_match_feed(&m, text + 4, 3));
}

static void test_found_stays_found_and_empty_feeds_change_nothing(void **state)
{
	static struct lp_match m;

	(void)state;
	lp_match_init(&m, "ok");
	assert_false(lp_match_feed(&m, (const unsigned char *)"", 0));
	assert_false(lp_match_feed(&m, (const unsigned char *)"o", 1));
	assert_false(lp_match_feed(&m, (const unsigned char *)"", 0));
	assert_true(lp_match_feed(&m, (const unsigned char *)"k", 1));
	assert_true(lp_match_feed(&m, (const unsigned char *)"zzz", 3));
	assert_true(lp_match_feed(&m, (const unsigned char *)"", 0));
}

static void test_longest_pattern_is_found_at_the_end_of_a_long_body(void **state)
{
	static char pat[LP_EXPECT_MAX + 1];
	static unsigned char body[64 * 1024];
	static struct lp_match m;
	size_t i;
	bool r = false;

	(void)state;
	/* "aaa...ab": the worst case for a naive search */
	memset(pat, 'a', LP_EXPECT_MAX - 1);
	pat[LP_EXPECT_MAX - 1] = 'b';
	pat[LP_EXPECT_MAX] = '\0';
	memset(body, 'a', sizeof body);
	body[sizeof body - 1] = 'b';

	lp_match_init(&m, pat);
	assert_false(lp_match_feed(&m, body, sizeof body - 1));
	assert_true(lp_match_feed(&m, body + sizeof body - 1, 1));

	lp_match_init(&m, pat);
	for (i = 0; i < sizeof body; i += 1000)
		r = lp_match_feed(&m, body + i, sizeof body - i < 1000 ? sizeof body - i : 1000);
	assert_true(r);

	body[sizeof body - 1] = 'a';
	lp_match_init(&m, pat);
	assert_false(lp_match_feed(&m, body, sizeof body));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_is_found_across_every_split),
		cmocka_unit_test(test_overlapping_prefixes_do_not_hide_a_match),
		cmocka_unit_test(test_absent_pattern_is_not_found),
		cmocka_unit_test(test_binary_bytes_are_matched_as_bytes),
		cmocka_unit_test(test_found_stays_found_and_empty_feeds_change_nothing),
		cmocka_unit_test(test_longest_pattern_is_found_at_the_end_of_a_long_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
