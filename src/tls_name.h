/*
 * tls_name.h -- what a server certificate must be valid for, and the
 * sentences a failed handshake is told in: the parts of TLS that do not
 * depend on the backend (tls.c: BearSSL; tls_openssl.c: OpenSSL).  Pure.
 *
 * SPEC -tls-server-name: with it, the certificate must carry that DNS name,
 * which is also sent as SNI; an IP given there is matched against
 * iPAddress SANs (as Go's crypto/tls does) and never sent as SNI (RFC 6066
 * §3).  Without it, the certificate must carry the IP probed as an
 * iPAddress SAN, or the DNS name "localhost"; no SNI is sent.
 */
#ifndef LP_TLS_NAME_H
#define LP_TLS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

struct lp_tls_expect {
	const char *server_name; /* SNI and the DNS name to check, or NULL */
	unsigned char ip[16];	 /* the IP to find as an iPAddress SAN */
	size_t ip_len;		 /* 4 or 16 */
	bool have_ip;		 /* ip holds one (not for a unix socket) */
	bool check_localhost;	 /* "localhost" as a dNSName will do too */
	char ip_text[48];	 /* ip as text, or "the unix socket" */
};

/* Fills e for a connection to tg; flag is -tls-server-name or NULL. */
void lp_tls_expect_init(struct lp_tls_expect *e, const char *flag, const struct lp_target *tg);

/* What the certificate had to be valid for, for "not valid for ...". */
void lp_tls_expected_text(const struct lp_tls_expect *e, char *buf, size_t cap);

/* The name of TLS alert a (RFC 8446 §6), or "alert". */
const char *lp_tls_alert_name(int a);

/* A sentence for a fatal alert the server sent, but protocol_version (70),
 * which each backend words for the versions it speaks. */
void lp_tls_alert_text(int a, char *buf, size_t cap);

/* The server hung up during the handshake (how: "closed the connection",
 * "reset the connection"): what a user can do about it. */
void lp_tls_lost_text(const char *how, bool client_cert, char *buf, size_t cap);

/* Why a handshake failed, in the words both backends use: each maps its
 * own error codes onto these (one sentence per cause, in one table). */
enum lp_tls_why {
	LP_TLS_UNTRUSTED,     /* no path to a trust anchor */
	LP_TLS_NAME_MISMATCH, /* not valid for the expected name (%s) */
	LP_TLS_OUT_OF_DATES,  /* expired or not yet valid: BearSSL does not say which */
	LP_TLS_EXPIRED,
	LP_TLS_NOT_YET_VALID,
	LP_TLS_NOT_CA,	  /* an issuer is not a CA */
	LP_TLS_KEY_USAGE, /* not valid for a TLS server */
	LP_TLS_WEAK_KEY,
	LP_TLS_NOT_TLS,	  /* the bytes are not TLS records */
	LP_TLS_BAD_SUITE, /* the server chose a suite we did not offer */
};

/* The sentence for w; expected_name for LP_TLS_NAME_MISMATCH. */
void lp_tls_why_text(enum lp_tls_why w, const char *expected_name, char *buf, size_t cap);

#define LP_TLS_PLAINTEXT_PEER "the server answered in plaintext HTTP: not a TLS port"

#endif
