/*
 * tls_file.h -- the TLS files, as both backends (tls.c, tls_openssl.c)
 * find and open them before the sandbox: which CA file, how a file name is
 * shown, and an open that never waits.
 */
#ifndef LP_TLS_FILE_H
#define LP_TLS_FILE_H

#include "result.h"

/* The trust anchors' file: -tls-ca-cert (ca_flag), else $SSL_CERT_FILE,
 * else the first readable system bundle.  Sets *path and *flag (how
 * messages name it).  0, or -1 with r set (LP_USAGE: none found). */
int lp_tls_ca_file(const char *ca_flag, const char **path, const char **flag, struct lp_result *r);

/* Opens path for reading: a regular file only, and O_NONBLOCK, so that a
 * FIFO nobody writes to is refused, never waited on (a regular file
 * ignores the flag).  Returns the fd, or -1 with r set (LP_USAGE, naming
 * flag and the quoted path). */
int lp_tls_open(const char *flag, const char *path, struct lp_result *r);

/* path as messages show it: printable ASCII, cut (SPEC: echoed values stay
 * one line).  Loading is sequential: the result holds until the next call. */
const char *lp_tls_qpath(const char *path);

#endif
