/*
 * openssl_provider.h -- a filtered view of OpenSSL's default provider
 * (openssl_provider.c), for the OpenSSL build.
 */
#ifndef LP_OPENSSL_PROVIDER_H
#define LP_OPENSSL_PROVIDER_H

/* Registers and loads it into the default library context; call after
 * OPENSSL_init_ssl and before anything fetches an algorithm.  1 or 0. */
int lp_openssl_provider_load(void);

#endif
