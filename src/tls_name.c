/*
 * tls_name.c -- the backend-neutral parts of TLS (tls_name.h).
 */
#include "tls_name.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void lp_tls_expect_init(struct lp_tls_expect *e, const char *flag, const struct lp_target *tg)
{
	memset(e, 0, sizeof *e);
	e->server_name = flag;
	e->have_ip = tg->addr.sa.sa_family != AF_UNIX;
	e->check_localhost = true;
	if (tg->addr.sa.sa_family == AF_INET)
		memcpy(e->ip, &tg->addr.in.sin_addr, 4), e->ip_len = 4;
	else if (tg->addr.sa.sa_family == AF_INET6)
		memcpy(e->ip, &tg->addr.in6.sin6_addr, 16), e->ip_len = 16;
	if (flag && inet_pton(AF_INET, flag, e->ip) == 1)
		e->ip_len = 4, e->have_ip = true, e->check_localhost = false, e->server_name = NULL;
	else if (flag && inet_pton(AF_INET6, flag, e->ip) == 1)
		e->ip_len = 16, e->have_ip = true, e->check_localhost = false,
		e->server_name = NULL;
	if (e->have_ip)
		inet_ntop(e->ip_len == 4 ? AF_INET : AF_INET6, e->ip, e->ip_text,
			  sizeof e->ip_text);
	else
		snprintf(e->ip_text, sizeof e->ip_text, "the unix socket");
}

void lp_tls_expected_text(const struct lp_tls_expect *e, char *buf, size_t cap)
{
	if (e->server_name)
		snprintf(buf, cap, "\"%.253s\"", e->server_name);
	else if (!e->check_localhost)
		snprintf(buf, cap, "IP %s", e->ip_text);
	else
		snprintf(buf, cap,
			 "%s or localhost (set -tls-server-name to a name "
			 "the certificate carries)",
			 e->ip_text);
}

const char *lp_tls_alert_name(int a)
{
	static const struct {
		unsigned char code;
		const char *name;
	} names[] = {
		{40, "handshake_failure"},	 {42, "bad_certificate"},
		{43, "unsupported_certificate"}, {44, "certificate_revoked"},
		{45, "certificate_expired"},	 {46, "certificate_unknown"},
		{47, "illegal_parameter"},	 {48, "unknown_ca"},
		{49, "access_denied"},		 {50, "decode_error"},
		{70, "protocol_version"},	 {71, "insufficient_security"},
		{80, "internal_error"},		 {112, "unrecognized_name"},
		{116, "certificate_required"},	 {120, "no_application_protocol"},
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == a)
			return names[i].name;
	return "alert";
}

void lp_tls_alert_text(int a, char *buf, size_t cap)
{
	if (a == 116)
		snprintf(buf, cap, "the server requires a client certificate (-tls-client-cert)");
	else if (a >= 42 && a <= 49)
		snprintf(buf, cap, "the server rejected our client certificate (alert %d %s)", a,
			 lp_tls_alert_name(a));
	else if (a == 40 || a == 71)
		snprintf(buf, cap,
			 "the server refused the handshake (alert %d %s): no common "
			 "ECDHE+AEAD cipher suite?",
			 a, lp_tls_alert_name(a));
	else if (a == 112)
		snprintf(buf, cap, "the server does not know the name sent as SNI (alert 112)");
	else
		snprintf(buf, cap, "the server sent alert %d (%s)", a, lp_tls_alert_name(a));
}

void lp_tls_lost_text(const char *how, bool client_cert, char *buf, size_t cap)
{
	snprintf(buf, cap, "the server %s during the handshake%s", how,
		 client_cert ? " (did it reject our client certificate?)"
			     : " (does it require a client certificate, or not speak TLS?)");
}

void lp_tls_why_text(enum lp_tls_why w, const char *expected_name, char *buf, size_t cap)
{
	static const char *const text[] = {
		[LP_TLS_UNTRUSTED] =
			"certificate not trusted: unknown CA (not in the trusted CA file)",
		[LP_TLS_NAME_MISMATCH] = "certificate name mismatch: not valid for ",
		[LP_TLS_OUT_OF_DATES] = "certificate expired or not yet valid",
		[LP_TLS_EXPIRED] = "certificate expired",
		[LP_TLS_NOT_YET_VALID] = "certificate not yet valid",
		[LP_TLS_NOT_CA] = "certificate chain invalid: an issuer is not a CA",
		[LP_TLS_KEY_USAGE] = "certificate not valid for a TLS server (key usage)",
		[LP_TLS_WEAK_KEY] = "certificate key too weak",
		[LP_TLS_NOT_TLS] = "the server does not speak TLS (plaintext port?)",
		[LP_TLS_BAD_SUITE] = "the server chose a cipher suite lprobe did not offer",
	};

	snprintf(buf, cap, "%s%s", text[w], w == LP_TLS_NAME_MISMATCH ? expected_name : "");
}
