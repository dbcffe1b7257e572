/*
 * tls.c -- BearSSL client engine driven over a non-blocking socket.
 *
 * Memory: the files of a run go into struct lp_tls_files (trust anchors,
 * client chain and key; their bytes in one static arena shared by every
 * load); each connection's engine, X.509 context and buffers are the
 * caller's struct lp_tls.  Nothing is allocated; pages never touched never
 * count toward RSS.
 */
#include "tls.h"

#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tls_file.h"
#include "tls_name.h"
#include "x509.h"

#define LP_ARENA    (256 * 1024) /* DNs and keys of anchors, client chain */
#define LP_FILE_MAX (4 * 1024 * 1024)

static unsigned char lp_arena[LP_ARENA];
static size_t lp_arena_used;
static unsigned char lp_der[LP_DER_MAX];
static size_t lp_der_len;
static bool lp_der_over;

static void *lp_arena_put(const void *src, size_t len)
{
	unsigned char *p;

	if (len > LP_ARENA - lp_arena_used)
		return NULL;
	p = lp_arena + lp_arena_used;
	memcpy(p, src, len);
	lp_arena_used += len;
	return p;
}

/* ---- PEM files ---------------------------------------------------------- */

typedef int (*lp_pem_obj_fn)(void *ctx, const char *name, const unsigned char *der, size_t len,
			     struct lp_result *r);

static void lp_der_append(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	if (len > sizeof lp_der - lp_der_len) {
		lp_der_over = true;
		return;
	}
	memcpy(lp_der + lp_der_len, buf, len);
	lp_der_len += len;
}

static int lp_pem_event(br_pem_decoder_context *pc, const char *flag, const char *path,
			lp_pem_obj_fn fn, void *ctx, struct lp_result *r)
{
	char name[128];

	switch (br_pem_decoder_event(pc)) {
	case BR_PEM_BEGIN_OBJ:
		lp_der_len = 0, lp_der_over = false;
		br_pem_decoder_setdest(pc, lp_der_append, NULL);
		break;
	case BR_PEM_END_OBJ:
		if (lp_der_over)
			return lp_fail(r, LP_USAGE, "%s %s: a PEM object is over %d KiB", flag,
				       lp_tls_qpath(path), LP_DER_MAX / 1024);
		snprintf(name, sizeof name, "%s", br_pem_decoder_name(pc));
		return fn(ctx, name, lp_der, lp_der_len, r);
	case BR_PEM_ERROR:
		return lp_fail(r, LP_USAGE, "%s %s: malformed PEM", flag, lp_tls_qpath(path));
	}
	return 0;
}

/* BearSSL's PEM decoder wants LF line ends; files written on Windows (or
 * by some tools) have CRLF.  A CR is never meaningful in PEM. */
static size_t lp_strip_cr(unsigned char *buf, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (buf[i] != '\r')
			buf[k++] = buf[i];
	return k;
}

/* Streams a PEM file through BearSSL's decoder, calling fn per object. */
static int lp_pem_read(const char *flag, const char *path, lp_pem_obj_fn fn, void *ctx,
		       struct lp_result *r)
{
	br_pem_decoder_context pc;
	unsigned char buf[4096];
	size_t off, total = 0;
	ssize_t n;
	int fd = lp_tls_open(flag, path, r), rc = 0;

	if (fd < 0)
		return -1;
	br_pem_decoder_init(&pc);
	while (rc == 0 && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (total += (size_t)n) > LP_FILE_MAX) {
			rc = lp_fail(r, LP_USAGE, "%s %s: %s", flag, lp_tls_qpath(path),
				     n < 0 ? strerror(errno) : "file too large");
			break;
		}
		n = (ssize_t)lp_strip_cr(buf, (size_t)n);
		for (off = 0; rc == 0 && off < (size_t)n;) {
			off += br_pem_decoder_push(&pc, buf + off, (size_t)n - off);
			rc = lp_pem_event(&pc, flag, path, fn, ctx, r);
		}
	}
	if (rc == 0) /* a final line without newline */
		br_pem_decoder_push(&pc, "\n", 1), rc = lp_pem_event(&pc, flag, path, fn, ctx, r);
	close(fd);
	return rc;
}

/* ---- trust anchors ------------------------------------------------------ */

struct lp_dn {
	unsigned char buf[1024];
	size_t len;
	bool over;
};

static void lp_dn_append(void *ctx, const void *buf, size_t len)
{
	struct lp_dn *dn = ctx;

	if (len > sizeof dn->buf - dn->len) {
		dn->over = true;
		return;
	}
	memcpy(dn->buf + dn->len, buf, len);
	dn->len += len;
}

static int lp_copy_pkey(br_x509_pkey *dst, const br_x509_pkey *src)
{
	dst->key_type = src->key_type;
	if (src->key_type == BR_KEYTYPE_RSA) {
		dst->key.rsa.n = lp_arena_put(src->key.rsa.n, src->key.rsa.nlen);
		dst->key.rsa.e = lp_arena_put(src->key.rsa.e, src->key.rsa.elen);
		dst->key.rsa.nlen = src->key.rsa.nlen, dst->key.rsa.elen = src->key.rsa.elen;
		return dst->key.rsa.n && dst->key.rsa.e ? 0 : -1;
	}
	dst->key.ec.curve = src->key.ec.curve;
	dst->key.ec.q = lp_arena_put(src->key.ec.q, src->key.ec.qlen);
	dst->key.ec.qlen = src->key.ec.qlen;
	return dst->key.ec.q ? 0 : -1;
}

/* A certificate in the CA file becomes a trust anchor: a CA if it says so,
 * else a directly trusted certificate (a self-signed server's own cert). */
static int lp_add_anchor(void *ctx, const char *name, const unsigned char *der, size_t len,
			 struct lp_result *r)
{
	struct lp_tls_files *f = ctx;
	struct lp_dn dn;
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	br_x509_trust_anchor *ta;

	if (strcmp(name, "CERTIFICATE") != 0 && strcmp(name, "TRUSTED CERTIFICATE") != 0)
		return 0;
	dn.len = 0, dn.over = false;
	br_x509_decoder_init(&dc, lp_dn_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.over)
		return 0; /* a certificate BearSSL cannot use (e.g. DSA) cannot anchor */
	if (f->n_ta == LP_MAX_ANCHORS)
		return lp_fail(r, LP_USAGE, "CA file %s: over %d certificates",
			       lp_tls_qpath(f->ca_source), LP_MAX_ANCHORS);
	ta = &f->ta[f->n_ta];
	ta->dn.data = lp_arena_put(dn.buf, dn.len);
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	if (!ta->dn.data || lp_copy_pkey(&ta->pkey, pk) < 0)
		return lp_fail(r, LP_USAGE, "CA file %s: too large", lp_tls_qpath(f->ca_source));
	f->n_ta++;
	return 0;
}

static int lp_load_anchors(struct lp_tls_files *f, const struct lp_config *c, struct lp_result *r)
{
	const char *flag, *path;

	if (lp_tls_ca_file(c->tls_ca_cert, &path, &flag, r) < 0)
		return -1;
	f->ca_source = path;
	if (lp_pem_read(flag, path, lp_add_anchor, f, r) < 0)
		return -1;
	if (f->n_ta == 0)
		return lp_fail(r, LP_USAGE, "%s %s: no usable certificate in it", flag,
			       lp_tls_qpath(path));
	return 0;
}

/* ---- client certificate and key ----------------------------------------- */

static int lp_add_chain_cert(void *ctx, const char *name, const unsigned char *der, size_t len,
			     struct lp_result *r)
{
	struct lp_tls_files *t = ctx;

	if (strcmp(name, "CERTIFICATE") != 0)
		return 0;
	if (t->n_chain == LP_CHAIN_MAX)
		return lp_fail(r, LP_USAGE, "-tls-client-cert: over %d certificates", LP_CHAIN_MAX);
	t->chain[t->n_chain].data = lp_arena_put(der, len);
	t->chain[t->n_chain].data_len = len;
	if (!t->chain[t->n_chain].data)
		return lp_fail(r, LP_USAGE, "-tls-client-cert: too large");
	t->n_chain++;
	return 0;
}

static int lp_add_key(void *ctx, const char *name, const unsigned char *der, size_t len,
		      struct lp_result *r)
{
	struct lp_tls_files *t = ctx;

	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
		return lp_fail(r, LP_USAGE, "-tls-client-key: encrypted keys are not supported");
	if (strcmp(name, "RSA PRIVATE KEY") != 0 && strcmp(name, "EC PRIVATE KEY") != 0 &&
	    strcmp(name, "PRIVATE KEY") != 0)
		return 0;
	if (br_skey_decoder_key_type(&t->skey) != 0)
		return lp_fail(r, LP_USAGE, "-tls-client-key: more than one key in the file");
	br_skey_decoder_init(&t->skey);
	br_skey_decoder_push(&t->skey, der, len);
	if (br_skey_decoder_last_error(&t->skey) != 0)
		return lp_fail(r, LP_USAGE, "-tls-client-key: not an RSA or EC private key");
	return 0;
}

/* The key must be the private half of the certificate's public key. */
static int lp_check_key_pair(struct lp_tls_files *t, struct lp_result *r)
{
	unsigned char buf[1024];
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	br_ec_public_key pub;
	const br_rsa_private_key *rsk;
	size_t n;

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, t->chain[0].data, t->chain[0].data_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk)
		return lp_fail(r, LP_USAGE, "-tls-client-cert: cannot decode the certificate");
	if (pk->key_type != br_skey_decoder_key_type(&t->skey))
		goto mismatch;
	if (pk->key_type == BR_KEYTYPE_EC) {
		n = br_ec_compute_pub(br_ec_get_default(), &pub, buf,
				      br_skey_decoder_get_ec(&t->skey));
		if (n == 0 || pub.curve != pk->key.ec.curve || pub.qlen != pk->key.ec.qlen ||
		    memcmp(pub.q, pk->key.ec.q, n) != 0)
			goto mismatch;
		return 0;
	}
	rsk = br_skey_decoder_get_rsa(&t->skey);
	n = br_rsa_compute_modulus_get_default()(NULL, rsk);
	if (n == 0 || n > sizeof buf)
		goto mismatch;
	br_rsa_compute_modulus_get_default()(buf, rsk);
	{
		const unsigned char *m = pk->key.rsa.n;
		size_t mlen = pk->key.rsa.nlen;
		while (mlen && *m == 0)
			m++, mlen--;
		if (mlen != n || memcmp(m, buf, n) != 0)
			goto mismatch;
	}
	return 0;
mismatch:
	return lp_fail(r, LP_USAGE, "-tls-client-cert and -tls-client-key do not belong together");
}

static int lp_load_client(struct lp_tls_files *t, const struct lp_config *c, struct lp_result *r)
{
	if (lp_pem_read("-tls-client-cert", c->tls_client_cert, lp_add_chain_cert, t, r) < 0)
		return -1;
	if (t->n_chain == 0)
		return lp_fail(r, LP_USAGE, "-tls-client-cert %s: no certificate in it",
			       lp_tls_qpath(c->tls_client_cert));
	memset(&t->skey, 0, sizeof t->skey);
	if (lp_pem_read("-tls-client-key", c->tls_client_key, lp_add_key, t, r) < 0)
		return -1;
	if (br_skey_decoder_key_type(&t->skey) == 0)
		return lp_fail(r, LP_USAGE, "-tls-client-key %s: no RSA or EC private key in it",
			       lp_tls_qpath(c->tls_client_key));
	return lp_check_key_pair(t, r);
}

int lp_tls_load(struct lp_tls_files *f, const struct lp_config *c, struct lp_result *r)
{
	struct timespec now;

	memset(f, 0, sizeof *f);
	if (!c->tls_no_verify && lp_load_anchors(f, c, r) < 0)
		return -1;
	if (c->tls_client_cert && lp_load_client(f, c, r) < 0)
		return -1;
	/* X.509 dates against the real clock, read once here: confined, the
	 * probe may not even call clock_gettime(2) (clock.h) */
	clock_gettime(CLOCK_REALTIME, &now);
	f->now = (int64_t)now.tv_sec;
	return 0;
}

/* ---- X.509: BearSSL's minimal engine, plus the IP-SAN check ------------- */

static struct lp_tls *lp_wrap_tls(const br_x509_class **ctx)
{
	return ((struct lp_x509_wrap *)(void *)ctx)->t;
}

static void lp_xw_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct lp_tls *t = lp_wrap_tls(ctx);

	t->cert_index = -1, t->ee_len = 0, t->ee_cut = false;
	if (t->no_verify)
		return;
	t->xc.vtable->start_chain(&t->xc.vtable, server_name);
}

static void lp_xw_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct lp_tls *t = lp_wrap_tls(ctx);

	if (++t->cert_index == 0 && t->no_verify)
		br_x509_decoder_init(&t->nv, NULL, NULL);
	if (!t->no_verify)
		t->xc.vtable->start_cert(&t->xc.vtable, length);
}

static void lp_xw_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct lp_tls *t = lp_wrap_tls(ctx);

	if (t->cert_index == 0) {
		if (len > sizeof t->ee - t->ee_len)
			t->ee_cut = true;
		else
			memcpy(t->ee + t->ee_len, buf, len), t->ee_len += len;
		if (t->no_verify)
			br_x509_decoder_push(&t->nv, buf, len);
	}
	if (!t->no_verify)
		t->xc.vtable->append(&t->xc.vtable, buf, len);
}

static void lp_xw_end_cert(const br_x509_class **ctx)
{
	struct lp_tls *t = lp_wrap_tls(ctx);

	if (!t->no_verify)
		t->xc.vtable->end_cert(&t->xc.vtable);
}

static unsigned lp_xw_end_chain(const br_x509_class **ctx)
{
	struct lp_tls *t = lp_wrap_tls(ctx);
	unsigned err;

	if (t->no_verify)
		return br_x509_decoder_get_pkey(&t->nv) ? 0 : BR_ERR_X509_EMPTY_CHAIN;
	err = t->xc.vtable->end_chain(&t->xc.vtable);
	if (err || t->expect.server_name)
		return err;
	/* No -tls-server-name: BearSSL checked no name; SPEC wants the IP we
	 * dialled as an iPAddress SAN, or the DNS name localhost. */
	if (t->ee_cut ||
	    lp_x509_san_match(t->ee, t->ee_len, t->expect.have_ip ? t->expect.ip : NULL,
			      t->expect.ip_len,
			      t->expect.check_localhost ? "localhost" : NULL) != 1)
		return BR_ERR_X509_BAD_SERVER_NAME;
	return 0;
}

static const br_x509_pkey *lp_xw_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct lp_tls *t = ((const struct lp_x509_wrap *)(const void *)ctx)->t;

	if (t->no_verify) {
		if (usages)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return br_x509_decoder_get_pkey(&t->nv);
	}
	return t->xc.vtable->get_pkey(&t->xc.vtable, usages);
}

static const br_x509_class lp_x509_wrap_class = {
	sizeof(struct lp_x509_wrap),
	lp_xw_start_chain,
	lp_xw_start_cert,
	lp_xw_append,
	lp_xw_end_cert,
	lp_xw_end_chain,
	lp_xw_get_pkey,
};

/* ---- engine ------------------------------------------------------------- */

static void lp_engine_init(struct lp_tls *t, const char *alpn)
{
	/* TLS 1.2, forward secrecy and AEAD only (SPEC -tls). */
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	};
	static const br_hash_class *const hashes[] = {&br_sha1_vtable, &br_sha224_vtable,
						      &br_sha256_vtable, &br_sha384_vtable,
						      &br_sha512_vtable};
	br_ssl_engine_context *eng = &t->cc.eng;
	int i;

	br_ssl_client_zero(&t->cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
	for (i = br_sha1_ID; i <= br_sha512_ID; i++)
		br_ssl_engine_set_hash(eng, i, hashes[i - br_sha1_ID]);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
	br_ssl_engine_set_default_ec(eng);
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_default_ecdsa(eng);
	br_x509_minimal_init(&t->xc, &br_sha256_vtable, t->files->ta, t->files->n_ta);
	for (i = br_sha1_ID; i <= br_sha512_ID; i++)
		br_x509_minimal_set_hash(&t->xc, i, hashes[i - br_sha1_ID]);
	br_x509_minimal_set_rsa(&t->xc, br_rsa_pkcs1_vrfy_get_default());
	br_x509_minimal_set_ecdsa(&t->xc, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
	t->wrap.vtable = &lp_x509_wrap_class, t->wrap.t = t;
	br_ssl_engine_set_x509(eng, &t->wrap.vtable);
	br_ssl_engine_set_buffers_bidi(eng, t->ibuf, sizeof t->ibuf, t->obuf, sizeof t->obuf);
	if (alpn) {
		t->alpn[0] = alpn;
		br_ssl_engine_set_protocol_names(eng, t->alpn, 1);
	}
}

static void lp_client_auth(struct lp_tls *t)
{
	const struct lp_tls_files *f = t->files;
	const br_x509_certificate *ch = f->chain;

	if (!f->n_chain)
		return;
	if (br_skey_decoder_key_type(&f->skey) == BR_KEYTYPE_RSA)
		br_ssl_client_set_single_rsa(&t->cc, ch, f->n_chain,
					     br_skey_decoder_get_rsa(&f->skey),
					     br_rsa_pkcs1_sign_get_default());
	else
		br_ssl_client_set_single_ec(&t->cc, ch, f->n_chain,
					    br_skey_decoder_get_ec(&f->skey),
					    BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
					    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
}

int lp_tls_prepare(struct lp_tls *t, const struct lp_tls_files *f, const struct lp_config *c,
		   struct lp_result *r)
{
	t->files = f;
	t->no_verify = c->tls_no_verify;
	t->verbose = c->verbose;
	t->client_cert = c->tls_client_cert != NULL;
	t->server_name_flag = c->tls_server_name;
	/* Entropy from getrandom(2) now, before the sandbox; marking the OS
	 * seeding as done (lp_tls_start) stops BearSSL from opening
	 * /dev/urandom itself (SPEC guarantee 2). */
	if (getrandom(t->seed, sizeof t->seed, 0) != (ssize_t)sizeof t->seed)
		return lp_fail(r, LP_INTERNAL, "getrandom: %s", strerror(errno));
	return 0;
}

static ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r);
static ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r);
static const struct lp_stream_ops lp_tls_ops = {lp_tls_send, lp_tls_recv};

int lp_tls_start(struct lp_tls *t, struct lp_conn *conn, const struct lp_target *tg,
		 const char *alpn, struct lp_result *r)
{
	int64_t secs = t->files->now;

	lp_engine_init(t, alpn);
	lp_client_auth(t);
	/* X.509 dates: days since 0000-01-01, seconds */
	br_x509_minimal_set_time(&t->xc, (uint32_t)(secs / 86400 + 719528),
				 (uint32_t)(secs % 86400));
	br_ssl_engine_inject_entropy(&t->cc.eng, t->seed, sizeof t->seed);
	t->cc.eng.rng_os_rand_done = 1;
	lp_tls_expect_init(&t->expect, t->server_name_flag, tg);
	t->target_name = tg->name;
	t->stage_off = t->stage_len = 0;
	if (!br_ssl_client_reset(&t->cc, t->expect.server_name, 0))
		return lp_fail(r, LP_INTERNAL, "TLS reset failed (%d)",
			       br_ssl_engine_last_error(&t->cc.eng));
	conn->ops = &lp_tls_ops;
	conn->layer = t;
	return 0;
}

/* ---- errors ------------------------------------------------------------- */

/* BearSSL speaks TLS 1.2 only: protocol_version from a server means it
 * wants 1.3, which the OpenSSL build speaks. */
static void lp_alert_text(int a, char *buf, size_t cap)
{
	if (a == 70)
		snprintf(buf, cap,
			 "the server does not accept TLS 1.2 (it wants TLS 1.3: use the "
			 "OpenSSL build of lprobe)");
	else
		lp_tls_alert_text(a, buf, cap);
}

void lp_tls_error_text(int err, const char *expected_name, char *buf, size_t cap)
{
	if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT) {
		lp_alert_text(err - BR_ERR_RECV_FATAL_ALERT, buf, cap);
		return;
	}
	switch (err) {
	case BR_ERR_X509_NOT_TRUSTED:
		lp_tls_why_text(LP_TLS_UNTRUSTED, expected_name, buf, cap);
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		lp_tls_why_text(LP_TLS_NAME_MISMATCH, expected_name, buf, cap);
		break;
	case BR_ERR_X509_EXPIRED: /* lp_tls_failed tells which, from the dates */
		lp_tls_why_text(LP_TLS_OUT_OF_DATES, expected_name, buf, cap);
		break;
	case BR_ERR_X509_NOT_CA:
		lp_tls_why_text(LP_TLS_NOT_CA, expected_name, buf, cap);
		break;
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
	case BR_ERR_WRONG_KEY_USAGE:
		lp_tls_why_text(LP_TLS_KEY_USAGE, expected_name, buf, cap);
		break;
	case BR_ERR_X509_WEAK_PUBLIC_KEY:
		lp_tls_why_text(LP_TLS_WEAK_KEY, expected_name, buf, cap);
		break;
	case BR_ERR_UNSUPPORTED_VERSION:
		snprintf(buf, cap, "the server chose a TLS version other than 1.2");
		break;
	case BR_ERR_BAD_VERSION:
	case BR_ERR_BAD_LENGTH:
	case BR_ERR_UNKNOWN_TYPE:
	case BR_ERR_TOO_LARGE:
		lp_tls_why_text(LP_TLS_NOT_TLS, expected_name, buf, cap);
		break;
	case BR_ERR_BAD_CIPHER_SUITE:
		lp_tls_why_text(LP_TLS_BAD_SUITE, expected_name, buf, cap);
		break;
	case BR_ERR_OK:
		snprintf(buf, cap, "the server closed the connection during the handshake");
		break;
	default:
		if (err >= BR_ERR_X509_OK && err < BR_ERR_RECV_FATAL_ALERT)
			snprintf(buf, cap, "certificate rejected (X.509 error %d)", err);
		else if (err >= BR_ERR_SEND_FATAL_ALERT)
			snprintf(buf, cap, "handshake aborted by lprobe (alert %d %s)",
				 err - BR_ERR_SEND_FATAL_ALERT,
				 lp_tls_alert_name(err - BR_ERR_SEND_FATAL_ALERT));
		else
			snprintf(buf, cap, "handshake failed (BearSSL error %d)", err);
	}
}

static int lp_tls_failed(struct lp_tls *t, const struct lp_conn *c, struct lp_result *r)
{
	int err = br_ssl_engine_last_error(&t->cc.eng);
	char text[240], name[300], day[16];
	int64_t nb, na, now = t->files->now;

	lp_tls_expected_text(&t->expect, name, sizeof name);
	lp_tls_error_text(err, name, text, sizeof text);
	if (lp_conn_peer_spoke_http(c))
		snprintf(text, sizeof text, "%s", LP_TLS_PLAINTEXT_PEER);
	/* BearSSL says "expired" for both ends of the validity period. */
	if (err == BR_ERR_X509_EXPIRED && !t->ee_cut &&
	    lp_x509_validity(t->ee, t->ee_len, &nb, &na) == 0) {
		if (now < nb) {
			lp_x509_date(nb, day, sizeof day);
			snprintf(text, sizeof text, "certificate not yet valid (valid from %s)",
				 day);
		} else if (now > na) {
			lp_x509_date(na, day, sizeof day);
			snprintf(text, sizeof text, "certificate expired (on %s)", day);
		}
	}
	if (t->verbose)
		lp_log("BearSSL error %d", err);
	return lp_fail(r, LP_TLS, "%s", text);
}

/* ---- record I/O --------------------------------------------------------- */

/* The peer hung up mid-handshake: say so as a TLS (connection-class)
 * failure; the usual cause is a client certificate it wanted. */
static int lp_tls_lost(struct lp_tls *t, const struct lp_conn *c, const char *how,
		       struct lp_result *r)
{
	char text[200];

	if (lp_conn_peer_spoke_http(c))
		return lp_fail(r, LP_TLS, "%s", LP_TLS_PLAINTEXT_PEER);
	lp_tls_lost_text(how, t->client_cert, text, sizeof text);
	return lp_fail(r, LP_TLS, "%s", text);
}

/* BearSSL asks for a record's 5-byte header, then its body: reading the
 * socket in those pieces would cost two recv(2) per record.  Instead a
 * whole flight is read at once into a staging buffer and handed out in the
 * pieces asked for. */
static ssize_t lp_tls_read(struct lp_conn *c, unsigned char *dst, size_t len, struct lp_result *r)
{
	struct lp_tls *t = c->layer;
	ssize_t n;
	size_t k;

	if (t->stage_off == t->stage_len) {
		n = lp_sock_recv(c, t->stage, sizeof t->stage, r);
		if (n <= 0)
			return n;
		t->stage_off = 0, t->stage_len = (size_t)n;
	}
	k = t->stage_len - t->stage_off < len ? t->stage_len - t->stage_off : len;
	memcpy(dst, t->stage + t->stage_off, k);
	t->stage_off += k;
	return (ssize_t)k;
}

/* lp_tls_pump's returns. */
#define LP_PUMP_READY 1	   /* the state asked for (SENDAPP/RECVAPP) is there */
#define LP_PUMP_WAIT  0	   /* wait for conn->events */
#define LP_PUMP_ERROR (-1) /* failed, r set */
#define LP_PUMP_EOF   (-2) /* the stream ended cleanly (close_notify or EOF) */

/* Moves records between engine and socket until the engine can make no
 * more progress without waiting.  want: BR_SSL_SENDAPP or BR_SSL_RECVAPP,
 * or 0 for the handshake (either will do). */
static int lp_tls_pump(struct lp_conn *c, unsigned want, struct lp_result *r)
{
	struct lp_tls *t = c->layer;
	br_ssl_engine_context *eng = &t->cc.eng;
	unsigned st;
	unsigned char *buf;
	size_t len;
	ssize_t n;

	for (;;) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED)
			return br_ssl_engine_last_error(eng) == BR_ERR_OK && want != 0
				       ? LP_PUMP_EOF
				       : lp_tls_failed(t, c, r);
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			n = lp_sock_send(c, buf, len, r);
			if (n == LP_IO_AGAIN)
				return LP_PUMP_WAIT;
			if (n < 0)
				return want ? LP_PUMP_ERROR
					    : lp_tls_lost(t, c, "reset the connection", r);
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
			continue;
		}
		if (want ? (st & want) : (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)))
			return LP_PUMP_READY;
		if (!(st & BR_SSL_RECVREC))
			return lp_fail(r, LP_INTERNAL, "TLS engine stalled (state %u)", st);
		buf = br_ssl_engine_recvrec_buf(eng, &len);
		n = lp_tls_read(c, buf, len, r);
		if (n == LP_IO_AGAIN)
			return LP_PUMP_WAIT;
		if (n == 0) { /* EOF without close_notify: the stream simply ends */
			if (want == BR_SSL_RECVAPP)
				return LP_PUMP_EOF;
			return lp_tls_lost(t, c, "closed the connection", r);
		}
		if (n < 0)
			return want || r->kind == LP_FLOOD
				       ? LP_PUMP_ERROR
				       : lp_tls_lost(t, c, "reset the connection", r);
		br_ssl_engine_recvrec_ack(eng, (size_t)n);
	}
}

int lp_tls_handshake(struct lp_tls *t, struct lp_conn *conn, struct lp_result *r)
{
	int rc = lp_tls_pump(conn, 0, r);

	if (rc == LP_PUMP_READY && t->verbose)
		lp_log("TLS 1.2 with %s: suite 0x%04x%s%s", t->target_name,
		       t->cc.eng.session.cipher_suite,
		       t->no_verify ? ", certificate NOT verified (-tls-no-verify)" : "",
		       br_ssl_engine_get_selected_protocol(&t->cc.eng) ? ", ALPN h2" : "");
	return rc == LP_PUMP_READY ? 1 : rc == LP_PUMP_WAIT ? 0 : -1;
}

static ssize_t lp_tls_send(struct lp_conn *c, const void *buf, size_t len, struct lp_result *r)
{
	br_ssl_engine_context *eng = &((struct lp_tls *)c->layer)->cc.eng;
	unsigned char *app;
	size_t alen;
	int rc = lp_tls_pump(c, BR_SSL_SENDAPP, r);

	if (rc == LP_PUMP_WAIT)
		return LP_IO_AGAIN;
	if (rc == LP_PUMP_EOF)
		return lp_fail(r, LP_RESET, "%s", "");
	if (rc != LP_PUMP_READY)
		return LP_IO_ERROR;
	app = br_ssl_engine_sendapp_buf(eng, &alen);
	if (alen > len)
		alen = len;
	memcpy(app, buf, alen);
	br_ssl_engine_sendapp_ack(eng, alen);
	br_ssl_engine_flush(eng, 0);
	if (lp_tls_pump(c, BR_SSL_SENDAPP, r) == LP_PUMP_ERROR)
		return LP_IO_ERROR;
	return (ssize_t)alen;
}

static ssize_t lp_tls_recv(struct lp_conn *c, void *buf, size_t len, struct lp_result *r)
{
	br_ssl_engine_context *eng = &((struct lp_tls *)c->layer)->cc.eng;
	unsigned char *app;
	size_t alen;
	int rc = lp_tls_pump(c, BR_SSL_RECVAPP, r);

	if (rc == LP_PUMP_EOF)
		return 0;
	if (rc == LP_PUMP_WAIT)
		return LP_IO_AGAIN;
	if (rc != LP_PUMP_READY)
		return LP_IO_ERROR;
	app = br_ssl_engine_recvapp_buf(eng, &alen);
	if (alen > len)
		alen = len;
	memcpy(buf, app, alen);
	br_ssl_engine_recvapp_ack(eng, alen);
	return (ssize_t)alen;
}

const char *lp_tls_alpn(struct lp_tls *t)
{
	return br_ssl_engine_get_selected_protocol(&t->cc.eng);
}

const char *lp_tls_backend(void)
{
	return "BearSSL 0.6; TLS 1.2";
}
