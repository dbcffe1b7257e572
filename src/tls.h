/*
 * tls.h -- TLS 1.2 client (BearSSL) as a layer over struct lp_conn.
 *
 * lp_tls_load() reads and parses every file before the sandbox closes
 * open(2), into a struct lp_tls_files that every probe using the same
 * files shares read-only: trust anchors from -tls-ca-cert, else
 * $SSL_CERT_FILE, else the usual system bundles; the -tls-client-cert
 * chain and -tls-client-key (RSA or EC; PKCS#1, SEC1 or PKCS#8 PEM),
 * checked to belong together.  A file must be a regular file: a FIFO or a
 * device is refused, never waited on.
 *
 * Each connection's TLS state is the caller's struct lp_tls (BearSSL
 * style: engine, X.509 context and buffers, fixed size).  lp_tls_start()
 * installs the layer's read/write pair on the connection, over the raw
 * socket calls of net.h; from then on lp_conn_send/lp_conn_recv carry
 * application data.
 *
 * Verification: the chain must lead to a trust anchor and be in its
 * validity period (the real clock, read at load).  With -tls-server-name
 * the certificate must carry that DNS name (BearSSL's check, RFC 6125
 * wildcards) and it is sent as SNI; without it, the certificate must carry
 * the probed IP as an iPAddress SAN or the DNS name "localhost" (our
 * check, x509.h), and no SNI is sent.  -tls-no-verify accepts any
 * certificate.
 *
 * Protocol: TLS 1.2 only, ECDHE with AES-GCM or ChaCha20-Poly1305.
 * BearSSL has no TLS 1.3; a server that insists on it is told apart.
 *
 * Two implementations of this one API: tls.c (BearSSL, the default build)
 * and tls_openssl.c (OpenSSL 3, `make TLS=openssl`, -DLP_TLS_OPENSSL: TLS
 * 1.2 and 1.3, the same checks and messages).  Each defines its own two
 * structs below; callers only ever hold them, never look inside.
 */
#ifndef LP_TLS_H
#define LP_TLS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "net.h"
#include "result.h"
#include "target.h"
#include "tls_name.h"

#ifdef LP_TLS_OPENSSL

struct ssl_st;
struct ssl_ctx_st;

/* One group of flags' files, as OpenSSL holds them: a context with the
 * trust store, the client chain and key, the protocol settings. */
struct lp_tls_files {
	struct ssl_ctx_st *ctx;
};

/* One connection's TLS (tls_openssl.c): the SSL and what the messages
 * need.  Zeroed (static) or previously prepared when lp_tls_prepare runs. */
struct lp_tls {
	const struct lp_tls_files *files;
	struct ssl_st *ssl;
	struct lp_conn *conn;
	struct lp_result *r; /* the current call's result, for the BIO */
	bool no_verify, verbose, client_cert;
	bool io_failed, eof, handshaken;
	bool cert_requested, got_data; /* for a TLS 1.3 client-certificate refusal */
	const char *server_name_flag;  /* -tls-server-name, or NULL */
	struct lp_tls_expect expect;   /* what the certificate must be valid for */
	const char *target_name;
	char bad_date[24]; /* validity bound of the certificate that failed */
	char alpn[16];
};

#else /* BearSSL */

#include <bearssl.h>

#define LP_MAX_ANCHORS 512
#define LP_DER_MAX     (16 * 1024) /* one certificate or key */
#define LP_CHAIN_MAX   8

/* What the files of one group of flags hold (bytes in tls.c's arena). */
struct lp_tls_files {
	const char *ca_source; /* where the anchors came from, for messages */
	br_x509_trust_anchor ta[LP_MAX_ANCHORS];
	size_t n_ta;
	br_x509_certificate chain[LP_CHAIN_MAX];
	size_t n_chain;
	br_skey_decoder_context skey;
	int64_t now; /* CLOCK_REALTIME seconds at load: the X.509 "now" */
};

struct lp_tls;

struct lp_x509_wrap {
	const br_x509_class *vtable;
	struct lp_tls *t;
};

/* One connection's TLS. */
struct lp_tls {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	struct lp_x509_wrap wrap;
	br_x509_decoder_context nv; /* -tls-no-verify: only the server key */
	const struct lp_tls_files *files;
	bool no_verify, verbose, client_cert;
	const char *server_name_flag; /* -tls-server-name, or NULL */
	struct lp_tls_expect expect;  /* what the certificate must be valid for */
	const char *alpn[1];
	unsigned char seed[32];	      /* from getrandom(2), before the sandbox */
	unsigned char ee[LP_DER_MAX]; /* the server's end-entity certificate */
	size_t ee_len;
	int cert_index;
	bool ee_cut;
	const char *target_name;
	unsigned char stage[8192]; /* socket reads, handed to the engine record by record */
	size_t stage_off, stage_len;
	unsigned char ibuf[BR_SSL_BUFSIZE_INPUT];
	unsigned char obuf[4096 + 85]; /* records of 4 KiB out: requests are small */
};

#endif /* LP_TLS_OPENSSL */

/* Loads every TLS file named by c into f.  Returns 0, or -1 with r set
 * (LP_USAGE: unreadable, not a regular file, malformed or mismatched). */
int lp_tls_load(struct lp_tls_files *f, const struct lp_config *c, struct lp_result *r);

/* Before the sandbox: binds t to the loaded files and c's options, and
 * draws its entropy.  0, or -1 with r set. */
int lp_tls_prepare(struct lp_tls *t, const struct lp_tls_files *f, const struct lp_config *c,
		   struct lp_result *r);

/* Starts a client handshake over the connected conn to tg, offering ALPN
 * alpn (or none), and installs the layer on conn.  0, or -1 with r set. */
int lp_tls_start(struct lp_tls *t, struct lp_conn *conn, const struct lp_target *tg,
		 const char *alpn, struct lp_result *r);

/* Drives the handshake: 1 done, 0 wait for conn->events, -1 failed (r is
 * LP_TLS with a sentence a user can act on). */
int lp_tls_handshake(struct lp_tls *t, struct lp_conn *conn, struct lp_result *r);

/* The ALPN protocol the server selected, or NULL. */
const char *lp_tls_alpn(struct lp_tls *t);

/* The backend and what it speaks, for -version: "BearSSL 0.6; TLS 1.2",
 * "OpenSSL 3.0.x; TLS 1.2, 1.3". */
const char *lp_tls_backend(void);

/* A sentence for a backend error code (BearSSL's; tls_openssl.c's own
 * encoding in the OpenSSL build); expected_name is what the certificate
 * had to match.  For tests and verbose output. */
void lp_tls_error_text(int err, const char *expected_name, char *buf, size_t cap);

#endif
