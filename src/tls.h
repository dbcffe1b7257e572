/*
 * tls.h -- TLS 1.2 client (BearSSL) behind struct lp_conn.
 *
 * lp_tls_load() reads and parses every file before the sandbox closes
 * open(2): trust anchors from -tls-ca-cert, else $SSL_CERT_FILE, else the
 * usual system bundles; the -tls-client-cert chain and -tls-client-key
 * (RSA or EC; PKCS#1, SEC1 or PKCS#8 PEM), checked to belong together.
 * All state lives in one static context with fixed buffers.
 *
 * Verification: the chain must lead to a trust anchor and be in its
 * validity period (real clock).  With -tls-server-name the certificate
 * must carry that DNS name (BearSSL's check, RFC 6125 wildcards) and it
 * is sent as SNI; without it, the certificate must carry the probed IP as
 * an iPAddress SAN or the DNS name "localhost" (our check, x509.h), and no
 * SNI is sent.  -tls-no-verify accepts any certificate.
 *
 * Protocol: TLS 1.2 only, ECDHE with AES-GCM or ChaCha20-Poly1305.
 * BearSSL has no TLS 1.3; a server that insists on it is told apart.
 *
 * Two implementations: tls.c (BearSSL, the default build) and
 * tls_openssl.c (OpenSSL 3, `make TLS=openssl`: TLS 1.2 and 1.3, same
 * checks and messages; see its header comment for what differs).
 */
#ifndef LP_TLS_H
#define LP_TLS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "net.h"
#include "result.h"
#include "target.h"

struct lp_tls;

/* Loads every TLS file named by c.  Returns 0 with *out set, or -1 with r
 * set (LP_USAGE: unreadable, malformed or mismatched files). */
int lp_tls_load(struct lp_tls **out, const struct lp_config *c, struct lp_result *r);

/* Starts a client handshake over conn to tg; h2: offer ALPN "h2". */
int lp_tls_start(struct lp_tls *t, struct lp_conn *conn, const struct lp_target *tg, bool h2,
		 struct lp_result *r);

/* Drives the handshake: 1 done, 0 wait for conn->events, -1 failed (r is
 * LP_TLS with a sentence a user can act on). */
int lp_tls_handshake(struct lp_conn *conn, struct lp_result *r);

/* Application data, with lp_conn_send/lp_conn_recv's contract. */
ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);

/* The ALPN protocol the server selected, or NULL. */
const char *lp_tls_alpn(const struct lp_conn *c);

/* A sentence for a backend error code (BearSSL's; tls_openssl.c's own
 * encoding in the OpenSSL build).  For tests and verbose output. */
void lp_tls_error_text(int err, const char *expected_name, char *buf, size_t cap);

/* The TLS backend, its version and protocols, e.g. "BearSSL 0.6; TLS 1.2"
 * (for -version). */
const char *lp_tls_backend(void);

#endif
