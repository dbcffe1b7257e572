/*
 * tls_openssl.c -- the OpenSSL 3 backend of tls.h (make TLS=openssl):
 * TLS 1.2 and 1.3, the same flags, checks and messages as tls.c.
 *
 * Confinement: OpenSSL is initialised without its configuration file
 * (OPENSSL_INIT_NO_LOAD_CONFIG: no openssl.cnf, no engines, no default
 * verify paths) and without its error-string tables; every PEM file is
 * read by lp_read_file() before the sandbox and parsed from memory.
 * Entropy: OpenSSL's own seed source, getrandom(2) on Linux.
 * Memory: every OpenSSL allocation goes to the process's one bounded
 * arena (arena.h; LP_ARENA_SIZE is raised for this build in mk/openssl.mk)
 * via CRYPTO_set_mem_functions; a peer cannot make it grow, only fail.
 * Cost: only the algorithms a TLS client uses are visible to OpenSSL
 * (openssl_provider.c), and the legacy cipher-name table is not filled.
 *
 * State: one SSL_CTX per struct lp_tls_files, built in lp_tls_load (it
 * holds the trust store and the client key: the expensive part) and
 * shared by the groups that name the same files; one struct lp_tls per
 * connection (the caller's, tls.h) holding the SSL, created with its BIO
 * in lp_tls_prepare before the sandbox, and what the messages need.
 * Socket I/O is a custom BIO whose two functions call lp_sock_send and
 * lp_sock_recv (net.h) on the connection, so the deadline and the read
 * budget bound OpenSSL's record loops as they bound every other layer's,
 * and the handshake is driven by the caller's loop.
 *
 * Confinement (sandbox.h): the DRBG calls getpid(2) on every draw (fork
 * detection), which the filter allows in this build only; lp_tls_prepare
 * instantiates and seeds the DRBGs first, so what is left under the
 * sandbox is getpid and, rarely, a reseed (getrandom) or a clock read.
 */
/* ERR_load_SSL_strings (deprecated in 3.0, still the one way to load the
 * table on demand after OPENSSL_INIT_NO_LOAD_SSL_STRINGS) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "tls.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "arena.h"
#include "log.h"
#include "openssl_provider.h"
#include "tls_file.h"
#include "x509.h"

#define LP_FILE_MAX (4 * 1024 * 1024)
#define LP_DER_MAX  (16 * 1024)

/* lp_tls_error_text codes of this backend: an X.509 verify result, a
 * received alert, or an SSL library reason code. */
#define LP_E_X509  0
#define LP_E_ALERT 0x10000
#define LP_E_SSL   0x20000

static bool lp_ossl_ready;
static BIO_METHOD *lp_bio_method;
static char lp_file[LP_FILE_MAX + 2];

/* ---- memory ------------------------------------------------------------- */

static void *lp_ossl_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return lp_arena_malloc(n);
}

static void *lp_ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	return lp_arena_realloc(p, n);
}

static void lp_ossl_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	lp_arena_free(p);
}

/* The arena's figures for -v, in KiB: in use, peak, high-water mark. */
static void lp_heap_kib(size_t kib[3])
{
	struct lp_arena_stats st;

	lp_arena_stats(&st);
	kib[0] = st.in_use / 1024, kib[1] = st.peak / 1024, kib[2] = st.top / 1024;
}

/* ---- files -------------------------------------------------------------- */

/* Reads a whole file into lp_file (NUL-terminated, with a final newline
 * added: OpenSSL's PEM reader wants the END line terminated).  As in
 * tls.c: a regular file only, and opening a FIFO nobody writes to must
 * not hang (O_NONBLOCK; a regular file ignores it). */
static int lp_read_file(const char *flag, const char *path, size_t *len, struct lp_result *r)
{
	size_t total = 0;
	ssize_t n;
	int fd = lp_tls_open(flag, path, r);

	if (fd < 0)
		return -1;
	while ((n = read(fd, lp_file + total, LP_FILE_MAX + 1 - total)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (total += (size_t)n) > LP_FILE_MAX) {
			close(fd);
			return lp_fail(r, LP_USAGE, "%s %s: %s", flag, lp_tls_qpath(path),
				       n < 0 ? strerror(errno) : "file too large");
		}
	}
	close(fd);
	lp_file[total++] = '\n';
	lp_file[total] = '\0';
	*len = total;
	return 0;
}

static BIO *lp_file_bio(size_t len)
{
	return BIO_new_mem_buf(lp_file, (int)len);
}

/* Whether the last PEM read stopped at the end of the input rather than
 * at a malformed object. */
static bool lp_pem_at_end(void)
{
	unsigned long e = ERR_peek_last_error();

	ERR_clear_error();
	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/* ---- trust anchors ------------------------------------------------------ */

static int lp_load_anchors(X509_STORE *st, const struct lp_config *c, struct lp_result *r)
{
	const char *flag, *path;
	size_t len, n = 0;
	X509 *x;
	BIO *b;

	if (lp_tls_ca_file(c->tls_ca_cert, &path, &flag, r) < 0)
		return -1;
	if (lp_read_file(flag, path, &len, r) < 0)
		return -1;
	if (!(b = lp_file_bio(len)))
		return lp_fail(r, LP_INTERNAL, "TLS: out of memory");
	/* _AUX: "TRUSTED CERTIFICATE" objects too; other objects are skipped */
	while ((x = PEM_read_bio_X509_AUX(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(st, x) == 1)
			n++;
		X509_free(x);
	}
	BIO_free(b);
	if (!lp_pem_at_end())
		return lp_fail(r, LP_USAGE, "%s %s: malformed PEM", flag, lp_tls_qpath(path));
	if (n == 0)
		return lp_fail(r, LP_USAGE, "%s %s: no usable certificate in it", flag,
			       lp_tls_qpath(path));
	/* every certificate in the file is trusted as itself, CA or not, as in
	 * the BearSSL build (pinning a self-signed service certificate) */
	X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	return 0;
}

/* ---- client certificate and key ----------------------------------------- */

static int lp_load_chain(SSL_CTX *ctx, const char *path, struct lp_result *r)
{
	size_t len;
	X509 *x;
	BIO *b;
	int n = 0;

	if (lp_read_file("-tls-client-cert", path, &len, r) < 0)
		return -1;
	if (!(b = lp_file_bio(len)))
		return lp_fail(r, LP_INTERNAL, "TLS: out of memory");
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if ((n == 0 ? SSL_CTX_use_certificate(ctx, x) : SSL_CTX_add0_chain_cert(ctx, x)) !=
		    1) {
			X509_free(x);
			BIO_free(b);
			return lp_fail(r, LP_USAGE, "-tls-client-cert %s: unusable certificate",
				       lp_tls_qpath(path));
		}
		if (n++ == 0)
			X509_free(x); /* use_certificate took its own reference */
	}
	BIO_free(b);
	if (!lp_pem_at_end())
		return lp_fail(r, LP_USAGE, "-tls-client-cert %s: malformed PEM",
			       lp_tls_qpath(path));
	if (n == 0)
		return lp_fail(r, LP_USAGE, "-tls-client-cert %s: no certificate in it",
			       lp_tls_qpath(path));
	return 0;
}

/* A password callback that never asks: an encrypted key is refused. */
static int lp_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

static int lp_load_key(SSL_CTX *ctx, const char *path, struct lp_result *r)
{
	size_t len;
	EVP_PKEY *k;
	BIO *b;
	int ok;

	if (lp_read_file("-tls-client-key", path, &len, r) < 0)
		return -1;
	if (strstr(lp_file, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
	    strstr(lp_file, "Proc-Type: 4,ENCRYPTED"))
		return lp_fail(r, LP_USAGE, "-tls-client-key: encrypted keys are not supported");
	if (!(b = lp_file_bio(len)))
		return lp_fail(r, LP_INTERNAL, "TLS: out of memory");
	k = PEM_read_bio_PrivateKey(b, NULL, lp_no_password, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (!k ||
	    (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA && EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)) {
		EVP_PKEY_free(k);
		return lp_fail(r, LP_USAGE, "-tls-client-key %s: no RSA or EC private key in it",
			       lp_tls_qpath(path));
	}
	ok = X509_check_private_key(SSL_CTX_get0_certificate(ctx), k) == 1 &&
	     SSL_CTX_use_PrivateKey(ctx, k) == 1;
	EVP_PKEY_free(k);
	ERR_clear_error();
	if (!ok)
		return lp_fail(r, LP_USAGE,
			       "-tls-client-cert and -tls-client-key do not belong together");
	return 0;
}

/* ---- the shared context ------------------------------------------------- */

static int lp_verify_chain(X509_STORE_CTX *xs, void *arg);
static int lp_bio_write(BIO *b, const char *buf, int len);
static int lp_bio_read(BIO *b, char *buf, int len);
static long lp_bio_ctrl(BIO *b, int cmd, long num, void *ptr);

/* OpenSSL once per process, without openssl.cnf (no file), without the
 * error-string tables (a few million instructions; the messages are
 * ours), without an atexit handler (the process just exits), and without
 * the legacy table of every cipher's names (fetches go by the provider's
 * names; the digest table stays, certificate security levels use it).
 * The socket BIO's method is made here too. */
static int lp_ossl_init(struct lp_result *r)
{
	if (lp_ossl_ready)
		return 0;
	if (!CRYPTO_set_mem_functions(lp_ossl_malloc, lp_ossl_realloc, lp_ossl_free))
		return lp_fail(r, LP_INTERNAL, "TLS: OpenSSL allocated before start-up");
	if (!OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
				      OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS | OPENSSL_INIT_NO_ATEXIT |
				      OPENSSL_INIT_NO_ADD_ALL_CIPHERS,
			      NULL))
		return lp_fail(r, LP_INTERNAL, "TLS: OpenSSL initialisation failed");
	if (!lp_openssl_provider_load())
		return lp_fail(r, LP_INTERNAL, "TLS: cannot load OpenSSL's default provider");
	lp_bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "lprobe");
	if (!lp_bio_method || !BIO_meth_set_write(lp_bio_method, lp_bio_write) ||
	    !BIO_meth_set_read(lp_bio_method, lp_bio_read) ||
	    !BIO_meth_set_ctrl(lp_bio_method, lp_bio_ctrl))
		return lp_fail(r, LP_INTERNAL, "TLS: cannot create the socket BIO");
	lp_ossl_ready = true;
	return 0;
}

static int lp_ctx_new(struct lp_tls_files *f, const struct lp_config *c, struct lp_result *r)
{
	/* TLS 1.2: ECDHE with AEAD only, as the BearSSL build; TLS 1.3's
	 * suites are all AEAD with (EC)DHE. */
	static const char suites12[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
				       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
				       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return lp_fail(r, LP_INTERNAL, "TLS: cannot create the OpenSSL context");
	f->ctx = ctx;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, suites12) ||
	    /* X25519 first: the key share sent in a TLS 1.3 ClientHello */
	    !SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384"))
		return lp_fail(r, LP_INTERNAL, "TLS: cannot configure the OpenSSL context");
	/* a stream that ends without close_notify simply ends (many servers) */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_NO_COMPRESSION);
	/* callers retry an AGAIN send with what is left, possibly moved */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* read whole flights per read(2), as tls.c's staging buffer does */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_verify(ctx, c->tls_no_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, lp_verify_chain, NULL);
	if (!c->tls_no_verify && lp_load_anchors(SSL_CTX_get_cert_store(ctx), c, r) < 0)
		return -1;
	if (c->tls_client_cert && (lp_load_chain(ctx, c->tls_client_cert, r) < 0 ||
				   lp_load_key(ctx, c->tls_client_key, r) < 0))
		return -1;
	return 0;
}

int lp_tls_load(struct lp_tls_files *f, const struct lp_config *c, struct lp_result *r)
{
	memset(f, 0, sizeof *f);
	if (lp_ossl_init(r) < 0)
		return -1;
	return lp_ctx_new(f, c, r);
}

/* ---- socket I/O: the BIO under the SSL ---------------------------------- */

static int lp_bio_write(BIO *b, const char *buf, int len)
{
	struct lp_tls *t = BIO_get_data(b);
	ssize_t n = lp_sock_send(t->conn, buf, (size_t)len, t->r);

	BIO_clear_retry_flags(b);
	if (n >= 0)
		return (int)n;
	if (n == LP_IO_AGAIN)
		BIO_set_retry_write(b);
	else
		t->io_failed = true;
	return -1;
}

/* lp_sock_recv answers AGAIN once the deadline has passed and fails past
 * the read budget: however many records OpenSSL would loop over inside
 * one SSL_read (empty ones, alerts, tickets, key updates), it returns. */
static int lp_bio_read(BIO *b, char *buf, int len)
{
	struct lp_tls *t = BIO_get_data(b);
	ssize_t n = lp_sock_recv(t->conn, buf, (size_t)len, t->r);

	BIO_clear_retry_flags(b);
	if (n >= 0) {
		t->eof = n == 0;
		return (int)n;
	}
	if (n == LP_IO_AGAIN)
		BIO_set_retry_read(b);
	else
		t->io_failed = true;
	return -1;
}

static long lp_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b, (void)num, (void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* ---- verification: OpenSSL's chain check, plus the IP-SAN check --------- */

static void lp_note_dates(struct lp_tls *t, X509 *x, int err)
{
	const ASN1_TIME *when = err == X509_V_ERR_CERT_NOT_YET_VALID ? X509_get0_notBefore(x)
								     : X509_get0_notAfter(x);
	struct tm tm;

	t->bad_date[0] = '\0';
	if (when && ASN1_TIME_to_tm(when, &tm) == 1 && tm.tm_year >= 0 && tm.tm_year < 8100)
		snprintf(t->bad_date, sizeof t->bad_date, "%04d-%02d-%02d", tm.tm_year + 1900,
			 (tm.tm_mon + 1) % 13, tm.tm_mday % 32);
}

/* Without -tls-server-name (or with an IP as its value) no name was given
 * to OpenSSL: SPEC wants the IP dialled as an iPAddress SAN, or the DNS
 * name localhost -- the same DER check as the BearSSL build. */
static bool lp_name_ok(const struct lp_tls *t, X509 *leaf)
{
	unsigned char der[LP_DER_MAX], *p = der;
	int len = i2d_X509(leaf, NULL);

	if (len <= 0 || len > (int)sizeof der || i2d_X509(leaf, &p) != len)
		return false;
	return lp_x509_san_match(der, (size_t)len, t->expect.have_ip ? t->expect.ip : NULL,
				 t->expect.ip_len,
				 t->expect.check_localhost ? "localhost" : NULL) == 1;
}

static int lp_verify_chain(X509_STORE_CTX *xs, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct lp_tls *t = SSL_get_app_data(ssl);
	int ok, err;

	(void)arg;
	if (t->no_verify)
		return 1; /* -tls-no-verify: not even the work of checking */
	ok = X509_verify_cert(xs);
	err = X509_STORE_CTX_get_error(xs);
	if (ok <= 0 && (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID))
		lp_note_dates(t, X509_STORE_CTX_get_current_cert(xs), err);
	if (ok <= 0 || t->expect.server_name)
		return ok;
	if (!lp_name_ok(t, X509_STORE_CTX_get0_cert(xs))) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_HOSTNAME_MISMATCH);
		return 0;
	}
	return 1;
}

/* ---- a connection ------------------------------------------------------- */

/* Notes a CertificateRequest from the server: in TLS 1.3 the server
 * judges our certificate after our handshake is over, and some servers
 * (node's tls) then just drop the connection, without an alert. */
static void lp_watch_handshake(int write_p, int version, int content_type, const void *buf,
			       size_t len, SSL *ssl, void *arg)
{
	struct lp_tls *t = SSL_get_app_data(ssl);

	(void)version, (void)arg;
	if (!write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
	    *(const unsigned char *)buf == SSL3_MT_CERTIFICATE_REQUEST)
		t->cert_requested = true;
}

/* Before the sandbox: the SSL and its BIO, and the DRBGs instantiated and
 * seeded.  OpenSSL creates the public and private DRBG of a thread on its
 * first draw and seeds them then (getrandom); drawn once here, what
 * remains for the handshake is a getpid(2) per draw (fork detection: a
 * -wait attempt is a fork, and reseeds here, in the child). */
int lp_tls_prepare(struct lp_tls *t, const struct lp_tls_files *f, const struct lp_config *c,
		   struct lp_result *r)
{
	unsigned char probe[16];
	BIO *bio;

	SSL_free(t->ssl); /* a -wait child inherits its parent's prepared SSL */
	memset(t, 0, sizeof *t);
	t->files = f;
	t->no_verify = c->tls_no_verify;
	t->verbose = c->verbose;
	t->client_cert = c->tls_client_cert != NULL;
	t->server_name_flag = c->tls_server_name;
	if (RAND_bytes(probe, sizeof probe) != 1 || RAND_priv_bytes(probe, sizeof probe) != 1)
		return lp_fail(r, LP_INTERNAL, "TLS: OpenSSL's random generator cannot be seeded");
	if (!(t->ssl = SSL_new(f->ctx)) || !(bio = BIO_new(lp_bio_method)))
		return lp_fail(r, LP_INTERNAL, "TLS: out of memory");
	BIO_set_data(bio, t);
	BIO_set_init(bio, 1);
	SSL_set_bio(t->ssl, bio, bio);
	SSL_set_app_data(t->ssl, t);
	SSL_set_msg_callback(t->ssl, lp_watch_handshake);
	SSL_set_connect_state(t->ssl);
	return 0;
}

/* The names to check (tls_name.h). */
static void lp_set_names(struct lp_tls *t, const struct lp_target *tg)
{
	lp_tls_expect_init(&t->expect, t->server_name_flag, tg);
	t->target_name = tg->name;
}

static ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
static ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);
static const struct lp_stream_ops lp_tls_ops = {lp_tls_send, lp_tls_recv};

int lp_tls_start(struct lp_tls *t, struct lp_conn *conn, const struct lp_target *tg,
		 const char *alpn, struct lp_result *r)
{
	unsigned char wire[1 + 255];
	size_t n;

	lp_set_names(t, tg);
	t->conn = conn, t->r = r;
	if (t->expect.server_name && (!SSL_set_tlsext_host_name(t->ssl, t->expect.server_name) ||
				      !SSL_set1_host(t->ssl, t->expect.server_name)))
		return lp_fail(r, LP_INTERNAL, "TLS: cannot set the server name");
	/* RFC 6125 §6.4.3: a wildcard is a whole left-most label only */
	SSL_set_hostflags(t->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (alpn) { /* RFC 7301 §3.1: one length-prefixed name */
		n = strlen(alpn);
		if (n == 0 || n > 255)
			return lp_fail(r, LP_INTERNAL, "TLS: bad ALPN name");
		wire[0] = (unsigned char)n;
		memcpy(wire + 1, alpn, n);
		if (SSL_set_alpn_protos(t->ssl, wire, (unsigned)(n + 1)) != 0)
			return lp_fail(r, LP_INTERNAL, "TLS: cannot set ALPN");
	}
	conn->ops = &lp_tls_ops;
	conn->layer = t;
	return 0;
}

/* ---- errors ------------------------------------------------------------- */

/* protocol_version from a server that TLS 1.2 and 1.3 both failed with */
static void lp_alert_text(int a, char *buf, size_t cap)
{
	if (a == SSL_AD_PROTOCOL_VERSION)
		snprintf(buf, cap,
			 "the server accepts neither TLS 1.2 nor TLS 1.3 (alert 70 "
			 "protocol_version)");
	else
		lp_tls_alert_text(a, buf, cap);
}

/* OpenSSL's X.509 verification errors, by cause (tls_name.h). */
static int lp_x509_why(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		return LP_TLS_UNTRUSTED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return LP_TLS_NAME_MISMATCH;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return LP_TLS_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return LP_TLS_NOT_YET_VALID;
	case X509_V_ERR_INVALID_CA:
		return LP_TLS_NOT_CA;
	case X509_V_ERR_INVALID_PURPOSE:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
		return LP_TLS_KEY_USAGE;
	case X509_V_ERR_EE_KEY_TOO_SMALL:
	case X509_V_ERR_CA_KEY_TOO_SMALL:
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return LP_TLS_WEAK_KEY;
	}
	return -1;
}

static void lp_x509_text(int err, const char *expected_name, char *buf, size_t cap)
{
	int why = lp_x509_why(err);

	if (why >= 0)
		lp_tls_why_text((enum lp_tls_why)why, expected_name, buf, cap);
	else
		snprintf(buf, cap, "certificate rejected (X.509 error %d: %s)", err,
			 X509_verify_cert_error_string(err));
}

static void lp_ssl_text(int reason, char *buf, size_t cap)
{
	const char *s;

	switch (reason) {
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_PACKET_LENGTH_TOO_LONG:
	case SSL_R_RECORD_LENGTH_MISMATCH:
	case SSL_R_UNKNOWN_PROTOCOL:
		lp_tls_why_text(LP_TLS_NOT_TLS, NULL, buf, cap);
		break;
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_UNSUPPORTED_SSL_VERSION:
		snprintf(buf, cap, "the server chose a TLS version other than 1.2 or 1.3");
		break;
	case SSL_R_WRONG_CIPHER_RETURNED:
		lp_tls_why_text(LP_TLS_BAD_SUITE, NULL, buf, cap);
		break;
	default:
		/* the rare case: OpenSSL's own words (its table loads only now) */
		ERR_load_SSL_strings();
		s = ERR_reason_error_string(ERR_PACK(ERR_LIB_SSL, 0, reason));
		snprintf(buf, cap, "handshake failed (OpenSSL: %s)", s ? s : "unknown reason");
	}
}

void lp_tls_error_text(int err, const char *expected_name, char *buf, size_t cap)
{
	if (err >= LP_E_SSL)
		lp_ssl_text(err - LP_E_SSL, buf, cap);
	else if (err >= LP_E_ALERT)
		lp_alert_text(err - LP_E_ALERT, buf, cap);
	else
		lp_x509_text(err - LP_E_X509, expected_name, buf, cap);
}

/* The error code of a failed handshake or record: the first SSL-library
 * reason in OpenSSL's queue, a received alert told apart. */
static int lp_queue_code(void)
{
	unsigned long e;
	int reason, code = -1;

	while ((e = ERR_get_error()) != 0) {
		if (code >= 0 || ERR_GET_LIB(e) != ERR_LIB_SSL)
			continue;
		reason = ERR_GET_REASON(e);
		if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256)
			code = LP_E_ALERT + reason - SSL_AD_REASON_OFFSET;
		else if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
			code = LP_E_X509;
		else
			code = LP_E_SSL + reason;
	}
	return code;
}

/* The peer hung up mid-handshake, as tls.c says it. */
static int lp_tls_lost(struct lp_tls *t, const char *how, struct lp_result *r)
{
	char text[200];

	if (lp_conn_peer_spoke_http(t->conn))
		return lp_fail(r, LP_TLS, "%s", LP_TLS_PLAINTEXT_PEER);
	lp_tls_lost_text(how, t->client_cert, text, sizeof text);
	return lp_fail(r, LP_TLS, "%s", text);
}

static int lp_tls_failed(struct lp_tls *t, struct lp_result *r)
{
	int code = lp_queue_code();
	long vr = SSL_get_verify_result(t->ssl);
	char text[240], name[300];
	size_t kib[3];

	if (code == LP_E_X509 && vr != X509_V_OK)
		code = LP_E_X509 + (int)vr;
	if (t->io_failed) /* r holds the socket error (or the flood) */
		return t->handshaken || r->kind == LP_FLOOD
			       ? -1
			       : lp_tls_lost(t, "reset the connection", r);
	if (!t->handshaken && t->eof &&
	    (code < 0 || code == LP_E_SSL + SSL_R_UNEXPECTED_EOF_WHILE_READING))
		return lp_tls_lost(t, "closed the connection", r);
	if (lp_conn_peer_spoke_http(t->conn)) {
		snprintf(text, sizeof text, "%s", LP_TLS_PLAINTEXT_PEER);
	} else if (code < 0) {
		snprintf(text, sizeof text, "handshake failed (no reason given by OpenSSL)");
	} else {
		lp_tls_expected_text(&t->expect, name, sizeof name);
		lp_tls_error_text(code, name, text, sizeof text);
		if ((vr == X509_V_ERR_CERT_HAS_EXPIRED || vr == X509_V_ERR_CERT_NOT_YET_VALID) &&
		    t->bad_date[0])
			snprintf(text, sizeof text, "certificate %s %s)",
				 vr == X509_V_ERR_CERT_HAS_EXPIRED ? "expired (on"
								   : "not yet valid (valid from",
				 t->bad_date);
	}
	if (t->verbose) {
		lp_heap_kib(kib);
		lp_log("OpenSSL error code 0x%x, verify result %ld; heap %zu KiB peak, %zu KiB "
		       "touched",
		       (unsigned)code, vr, kib[1], kib[2]);
	}
	return lp_fail(r, LP_TLS, "%s", text);
}

/* After an SSL call returned rc <= 0: LP_IO_AGAIN with conn->events set,
 * or the failure in r. */
static int lp_ssl_wait(struct lp_tls *t, int rc, struct lp_result *r)
{
	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		t->conn->events = POLLIN;
		return LP_IO_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		t->conn->events = POLLOUT;
		return LP_IO_AGAIN;
	default:
		return lp_tls_failed(t, r);
	}
}

/* ---- handshake and application data ------------------------------------- */

static void lp_log_handshake(const struct lp_tls *t)
{
	const unsigned char *p;
	unsigned len;
	size_t kib[3];

	lp_heap_kib(kib);
	SSL_get0_alpn_selected(t->ssl, &p, &len);
	lp_log("%s with %s: %s%s%s; heap %zu KiB in use, %zu KiB peak, %zu KiB touched",
	       SSL_get_version(t->ssl), t->target_name, SSL_get_cipher_name(t->ssl),
	       t->no_verify ? ", certificate NOT verified (-tls-no-verify)" : "",
	       len == 2 && memcmp(p, "h2", 2) == 0 ? ", ALPN h2" : "", kib[0], kib[1], kib[2]);
}

int lp_tls_handshake(struct lp_tls *t, struct lp_conn *conn, struct lp_result *r)
{
	int rc;

	t->conn = conn, t->r = r;
	ERR_clear_error();
	rc = SSL_do_handshake(t->ssl);
	if (rc == 1) {
		t->handshaken = true;
		if (t->verbose)
			lp_log_handshake(t);
		return 1;
	}
	return lp_ssl_wait(t, rc, r) == LP_IO_AGAIN ? 0 : -1;
}

/* The connection died after a TLS 1.3 handshake in which the server asked
 * for a certificate, before it sent a byte: its verdict on our
 * certificate (or on its absence).  Reported as the handshake failure it
 * is in TLS 1.2. */
static bool lp_refused_client(const struct lp_tls *t)
{
	return t->cert_requested && !t->got_data && SSL_version(t->ssl) == TLS1_3_VERSION;
}

static ssize_t lp_client_lost(struct lp_tls *t, const char *how, struct lp_result *r)
{
	return lp_fail(r, LP_TLS, "the server %s after the TLS 1.3 handshake %s", how,
		       t->client_cert ? "(did it reject our client certificate?)"
				      : "(it asked for a client certificate: -tls-client-cert)");
}

/* A failure on application data: an alert after our last handshake
 * flight (TLS 1.3 servers judge the client certificate there) is still a
 * TLS failure; a socket error keeps its own kind. */
static ssize_t lp_data_failed(struct lp_tls *t, int rc, struct lp_result *r)
{
	int w = lp_ssl_wait(t, rc, r);

	if (w == LP_IO_AGAIN)
		return LP_IO_AGAIN;
	if (t->io_failed && r->kind != LP_FLOOD && lp_refused_client(t))
		return lp_client_lost(t, "reset the connection", r);
	return LP_IO_ERROR;
}

static ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	struct lp_tls *t = c->layer;
	int n;

	t->r = r;
	ERR_clear_error();
	n = SSL_write(t->ssl, buf, (int)(len > 16384 ? 16384 : len));
	if (n > 0)
		return n;
	return lp_data_failed(t, n, r);
}

static ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	struct lp_tls *t = c->layer;
	int n;

	t->r = r;
	ERR_clear_error();
	n = SSL_read(t->ssl, buf, (int)(len > 16384 ? 16384 : len));
	if (n > 0) {
		t->got_data = true;
		return n;
	}
	if (SSL_get_error(t->ssl, n) == SSL_ERROR_ZERO_RETURN) /* close_notify, or EOF */
		return lp_refused_client(t) ? lp_client_lost(t, "closed the connection", r) : 0;
	return lp_data_failed(t, n, r);
}

const char *lp_tls_alpn(struct lp_tls *t)
{
	const unsigned char *p;
	unsigned len;

	if (!t->ssl)
		return NULL;
	SSL_get0_alpn_selected(t->ssl, &p, &len);
	if (!p || len == 0 || len >= sizeof t->alpn)
		return NULL;
	memcpy(t->alpn, p, len);
	t->alpn[len] = '\0';
	return t->alpn;
}

const char *lp_tls_backend(void)
{
	static char text[64];

	snprintf(text, sizeof text, "OpenSSL %u.%u.%u; TLS 1.2, 1.3", OPENSSL_version_major(),
		 OPENSSL_version_minor(), OPENSSL_version_patch());
	return text;
}
