/*
 * test_tls_errors.c -- lp_tls_error_text (tls.h): the sentence a user reads
 * when a handshake fails.  BearSSL gives a number; the sentence must name
 * the likely cause (SPEC "-tls": a TLS 1.3-only server is told apart) and
 * always fit the caller's buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <bearssl.h>

#include "tls.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NAME "IP 127.0.0.1"

struct text_case {
	int err;
	const char *want; /* a substring the sentence must hold */
};

static void check_texts(const struct text_case *cases, size_t n)
{
	char buf[256];
	size_t i;

	for (i = 0; i < n; i++) {
		memset(buf, 'x', sizeof buf);
		lp_tls_error_text(cases[i].err, NAME, buf, sizeof buf);
		if (memchr(buf, '\0', sizeof buf) == NULL)
			fail_msg("error %d: not terminated", cases[i].err);
		if (strstr(buf, cases[i].want) == NULL)
			fail_msg("error %d: \"%s\" does not say \"%s\"", cases[i].err, buf,
				 cases[i].want);
	}
}

static void test_certificate_errors_name_their_cause(void **state)
{
	static const struct text_case cases[] = {
		{BR_ERR_X509_NOT_TRUSTED, "unknown CA"},
		{BR_ERR_X509_BAD_SERVER_NAME, "name mismatch"},
		{BR_ERR_X509_BAD_SERVER_NAME, NAME},
		{BR_ERR_X509_EXPIRED, "expired"},
		{BR_ERR_X509_NOT_CA, "not a CA"},
		{BR_ERR_X509_FORBIDDEN_KEY_USAGE, "key usage"},
		{BR_ERR_WRONG_KEY_USAGE, "key usage"},
		{BR_ERR_X509_WEAK_PUBLIC_KEY, "too weak"},
	};

	(void)state;
	check_texts(cases, N(cases));
}

static void test_name_mismatch_quotes_the_expected_name_whole(void **state)
{
	/* the three forms lp_tls_failed passes */
	static const char *const names[] = {
		"\"orders.internal\"",
		"IP ::1",
		("127.0.0.1 or localhost (set -tls-server-name to a name the certificate "
		 "carries)"),
	};
	char buf[240];
	size_t i;

	(void)state;
	for (i = 0; i < N(names); i++) {
		lp_tls_error_text(BR_ERR_X509_BAD_SERVER_NAME, names[i], buf, sizeof buf);
		if (strstr(buf, names[i]) == NULL)
			fail_msg("\"%s\" does not hold \"%s\"", buf, names[i]);
	}
}

static void test_protocol_version_alert_means_tls_1_3_only(void **state)
{
	/* alert 70 protocol_version: the server refused our TLS 1.2 hello */
	static const struct text_case cases[] = {
		{BR_ERR_RECV_FATAL_ALERT + 70, "TLS 1.3"},
		{BR_ERR_RECV_FATAL_ALERT + 70, "TLS 1.2"},
	};

	(void)state;
	check_texts(cases, N(cases));
}

static void test_certificate_required_alert_asks_for_a_client_certificate(void **state)
{
	/* alert 116 certificate_required (RFC 8446 §6.2) */
	static const struct text_case cases[] = {
		{BR_ERR_RECV_FATAL_ALERT + 116, "client certificate"},
		{BR_ERR_RECV_FATAL_ALERT + 116, "-tls-client-cert"},
	};

	(void)state;
	check_texts(cases, N(cases));
}

static void test_certificate_alerts_say_our_client_certificate_was_rejected(void **state)
{
	/* 42 bad_certificate .. 49 access_denied (RFC 5246 §7.2.2): what a
	 * server sends about the certificate we presented */
	static const char *const names[] = {"bad_certificate",	   "unsupported_certificate",
					    "certificate_revoked", "certificate_expired",
					    "certificate_unknown", "illegal_parameter",
					    "unknown_ca",	   "access_denied"};
	char buf[256], num[16];
	int a;

	(void)state;
	for (a = 42; a <= 49; a++) {
		lp_tls_error_text(BR_ERR_RECV_FATAL_ALERT + a, NAME, buf, sizeof buf);
		snprintf(num, sizeof num, "%d", a);
		if (strstr(buf, "rejected our client certificate") == NULL ||
		    strstr(buf, num) == NULL || strstr(buf, names[a - 42]) == NULL)
			fail_msg("alert %d: \"%s\"", a, buf);
	}
}

static void test_other_received_alerts_are_named(void **state)
{
	static const struct text_case cases[] = {
		{BR_ERR_RECV_FATAL_ALERT + 40, "handshake_failure"},
		{BR_ERR_RECV_FATAL_ALERT + 40, "cipher suite"},
		{BR_ERR_RECV_FATAL_ALERT + 71, "insufficient_security"},
		{BR_ERR_RECV_FATAL_ALERT + 112, "SNI"},
		{BR_ERR_RECV_FATAL_ALERT + 80, "internal_error"},
		{BR_ERR_RECV_FATAL_ALERT + 0, "alert 0"},
		{BR_ERR_RECV_FATAL_ALERT + 99, "alert 99"},
		{BR_ERR_RECV_FATAL_ALERT + 255, "alert 255"},
	};

	(void)state;
	check_texts(cases, N(cases));
}

static void test_record_layer_errors_mean_the_server_does_not_speak_tls(void **state)
{
	/* what BearSSL says when the first bytes are not a TLS record */
	static const struct text_case cases[] = {
		{BR_ERR_BAD_VERSION, "does not speak TLS"},
		{BR_ERR_BAD_LENGTH, "does not speak TLS"},
		{BR_ERR_UNKNOWN_TYPE, "does not speak TLS"},
		{BR_ERR_TOO_LARGE, "does not speak TLS"},
	};

	(void)state;
	check_texts(cases, N(cases));
}

static void test_handshake_errors_name_their_cause(void **state)
{
	static const struct text_case cases[] = {
		{BR_ERR_UNSUPPORTED_VERSION, "1.2"},
		{BR_ERR_BAD_CIPHER_SUITE, "cipher suite"},
		{BR_ERR_OK, "closed the connection"},
		{BR_ERR_SEND_FATAL_ALERT + 80, "alert 80"},
		{BR_ERR_SEND_FATAL_ALERT + 80, "internal_error"},
	};

	(void)state;
	check_texts(cases, N(cases));
}

/* True if s holds n as a whole number (not a part of a longer one). */
static bool has_number(const char *s, int n)
{
	char num[16];
	const char *at;
	size_t len;

	len = (size_t)snprintf(num, sizeof num, "%d", n);
	for (at = strstr(s, num); at; at = strstr(at + 1, num))
		if ((at == s || at[-1] < '0' || at[-1] > '9') && (at[len] < '0' || at[len] > '9'))
			return true;
	return false;
}

static void test_unnamed_codes_give_a_sentence_with_the_number(void **state)
{
	static const struct {
		int err;
		int number; /* the number the sentence must show */
	} cases[] = {
		{BR_ERR_BAD_PARAM, 1},
		{BR_ERR_BAD_STATE, 2},
		{BR_ERR_BAD_MAC, 7},
		{BR_ERR_BAD_HANDSHAKE, 14},
		{BR_ERR_IO, 31},
		{30, 30},
		{-1, -1},
		{BR_ERR_X509_TRUNCATED, 34},
		{BR_ERR_X509_BAD_TIME, 48},
		{61, 61},
		{255, 255},
		/* alerts: the alert number, as RFC 5246 §7.2 names it */
		{BR_ERR_RECV_FATAL_ALERT + 10, 10},
		{BR_ERR_SEND_FATAL_ALERT + 10, 10},
	};
	char buf[256];
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		lp_tls_error_text(cases[i].err, NAME, buf, sizeof buf);
		/* a sentence, not just the number */
		if (!has_number(buf, cases[i].number) || strlen(buf) < 16)
			fail_msg("error %d: \"%s\" (want a sentence with %d)", cases[i].err, buf,
				 cases[i].number);
	}
}

static void test_every_code_fits_a_small_buffer(void **state)
{
	static const size_t caps[] = {1, 2, 8, 16, 32};
	char buf[64], full[256];
	size_t i, j;
	int err;

	(void)state;
	for (err = -4; err < BR_ERR_SEND_FATAL_ALERT + 256; err++) {
		lp_tls_error_text(err, NAME, full, sizeof full);
		if (full[0] == '\0')
			fail_msg("error %d: empty", err);
		for (i = 0; i < N(caps); i++) {
			memset(buf, 'x', sizeof buf);
			lp_tls_error_text(err, NAME, buf, caps[i]);
			/* the sentence, cut and terminated inside cap; nothing after */
			if (strlen(buf) >= caps[i] || strncmp(buf, full, strlen(buf)) != 0)
				fail_msg("error %d in cap %zu: \"%s\"", err, caps[i], buf);
			for (j = caps[i]; j < sizeof buf; j++)
				if (buf[j] != 'x')
					fail_msg("error %d in cap %zu: wrote byte %zu", err,
						 caps[i], j);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_certificate_errors_name_their_cause),
		cmocka_unit_test(test_name_mismatch_quotes_the_expected_name_whole),
		cmocka_unit_test(test_protocol_version_alert_means_tls_1_3_only),
		cmocka_unit_test(test_certificate_required_alert_asks_for_a_client_certificate),
		cmocka_unit_test(test_certificate_alerts_say_our_client_certificate_was_rejected),
		cmocka_unit_test(test_other_received_alerts_are_named),
		cmocka_unit_test(test_record_layer_errors_mean_the_server_does_not_speak_tls),
		cmocka_unit_test(test_handshake_errors_name_their_cause),
		cmocka_unit_test(test_unnamed_codes_give_a_sentence_with_the_number),
		cmocka_unit_test(test_every_code_fits_a_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
