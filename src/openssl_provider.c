/*
 * openssl_provider.c -- OpenSSL's default provider, showing only the
 * algorithms a TLS 1.2/1.3 client of lprobe can use (OpenSSL build).
 *
 * Why: OpenSSL 3.0 builds, on the first fetch of an operation, a method
 * object for every algorithm the provider offers for it -- about 140
 * ciphers when SSL_CTX_new fetches its first one, every digest, every
 * decoder -- most of a probe's instructions.  This provider is the
 * default provider (its own init, its own implementations, the process's
 * library context) whose query_operation answers with a filtered copy of
 * the default's tables.  Loaded explicitly before any fetch, it also keeps
 * OpenSSL from activating the unfiltered default as a fallback.
 *
 * ossl_default_provider_init is OpenSSL's own entry point of the built-in
 * default provider (providers/defltprov.c), not part of the public API but
 * a global symbol of libcrypto.a: a static link pins the version.
 */
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/provider.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "openssl_provider.h"

int ossl_default_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
			       const OSSL_DISPATCH **out, void **provctx);

#define LP_OPS	(OSSL_OP__HIGHEST + 1)
#define LP_KEEP 64
#define LP_FNS	16

/* Names kept, per operation; NULL: the operation is passed through whole.
 * Anything absent is simply unavailable: libssl leaves out what it cannot
 * fetch (ssl_load_ciphers, the groups list). */
static const char *const lp_digests[] = {"SHA1",     "SHA2-224", "SHA2-256",
					 "SHA2-384", "SHA2-512", NULL};
static const char *const lp_ciphers[] = {"AES-128-GCM",
					 "AES-256-GCM",
					 "ChaCha20-Poly1305",
					 "AES-256-CTR",
					 "AES-256-ECB" /* CTR-DRBG */,
					 NULL};
static const char *const lp_macs[] = {"HMAC", NULL};
static const char *const lp_kdfs[] = {"HKDF", "TLS13-KDF", "TLS1-PRF", NULL};
static const char *const lp_rands[] = {"CTR-DRBG", "SEED-SRC", NULL};
static const char *const lp_keys[] = {"EC", "X25519", "RSA", "RSA-PSS", NULL};
/* key decoders are named by key type; "DER": PEM to DER, SubjectPublicKeyInfo */
static const char *const lp_decoders[] = {"EC", "X25519", "RSA", "RSA-PSS", "DER", NULL};
static const char *const lp_kex[] = {"ECDH", "X25519", NULL};
static const char *const lp_sigs[] = {"ECDSA", "RSA", NULL};
static const char *const lp_none[] = {NULL};

static const char *const *lp_allowed(int op)
{
	switch (op) {
	case OSSL_OP_DIGEST:
		return lp_digests;
	case OSSL_OP_CIPHER:
		return lp_ciphers;
	case OSSL_OP_MAC:
		return lp_macs;
	case OSSL_OP_KDF:
		return lp_kdfs;
	case OSSL_OP_RAND:
		return lp_rands;
	case OSSL_OP_KEYMGMT:
		return lp_keys;
	case OSSL_OP_DECODER:
		return lp_decoders;
	case OSSL_OP_KEYEXCH:
		return lp_kex;
	case OSSL_OP_SIGNATURE:
		return lp_sigs;
	case OSSL_OP_ASYM_CIPHER:
	case OSSL_OP_KEM:
	case OSSL_OP_STORE:
		return lp_none;
	default:
		return NULL;
	}
}

static OSSL_FUNC_provider_query_operation_fn *lp_real_query;
static OSSL_ALGORITHM lp_kept[LP_OPS][LP_KEEP + 1];
static bool lp_built[LP_OPS];
static OSSL_DISPATCH lp_dispatch[LP_FNS];

/* Whether one of the colon-separated names is in the list. */
static bool lp_name_kept(const char *names, const char *const *list)
{
	const char *p = names, *end;
	size_t i, n;

	while (*p) {
		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		for (i = 0; list[i]; i++)
			if (strlen(list[i]) == n && strncasecmp(p, list[i], n) == 0)
				return true;
		p += n + (end != NULL);
	}
	return false;
}

static const OSSL_ALGORITHM *lp_query(void *provctx, int op, int *no_cache)
{
	const OSSL_ALGORITHM *all = lp_real_query(provctx, op, no_cache);
	const char *const *list = lp_allowed(op);
	size_t i, k = 0;

	if (!all || !list || op < 0 || op >= LP_OPS)
		return all;
	if (!lp_built[op]) {
		for (i = 0; all[i].algorithm_names && k < LP_KEEP; i++)
			if (lp_name_kept(all[i].algorithm_names, list))
				lp_kept[op][k++] = all[i];
		memset(&lp_kept[op][k], 0, sizeof lp_kept[op][k]);
		lp_built[op] = true;
	}
	return lp_kept[op];
}

static int lp_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
			    const OSSL_DISPATCH **out, void **provctx)
{
	const OSSL_DISPATCH *d;
	size_t i;

	if (!ossl_default_provider_init(handle, in, &d, provctx))
		return 0;
	for (i = 0; d[i].function_id != 0 && i < LP_FNS - 1; i++) {
		lp_dispatch[i] = d[i];
		if (d[i].function_id == OSSL_FUNC_PROVIDER_QUERY_OPERATION) {
			lp_real_query = (OSSL_FUNC_provider_query_operation_fn *)d[i].function;
			lp_dispatch[i].function = (void (*)(void))lp_query;
		}
	}
	memset(&lp_dispatch[i], 0, sizeof lp_dispatch[i]);
	*out = lp_dispatch;
	return lp_real_query != NULL;
}

int lp_openssl_provider_load(void)
{
	return OSSL_PROVIDER_add_builtin(NULL, "lprobe", lp_provider_init) == 1 &&
	       OSSL_PROVIDER_load(NULL, "lprobe") != NULL;
}
