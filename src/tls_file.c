/*
 * tls_file.c -- finding and opening the TLS files (tls_file.h).
 */
#include "tls_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int lp_tls_ca_file(const char *ca_flag, const char **path, const char **flag, struct lp_result *r)
{
	static const char *const sys[] = {"/etc/ssl/certs/ca-certificates.crt",
					  "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"};
	size_t i;

	*flag = "-tls-ca-cert", *path = ca_flag;
	if (!*path && (*path = getenv("SSL_CERT_FILE")) && **path)
		*flag = "SSL_CERT_FILE";
	if (*path && **path)
		return 0;
	for (i = 0; i < sizeof sys / sizeof sys[0]; i++)
		if (access(sys[i], R_OK) == 0) {
			*path = sys[i], *flag = "CA bundle";
			return 0;
		}
	return lp_fail(r, LP_USAGE,
		       "-tls: no CA certificates found (SSL_CERT_FILE unset, no system "
		       "bundle); pass -tls-ca-cert=FILE or -tls-no-verify");
}

int lp_tls_open(const char *flag, const char *path, struct lp_result *r)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return lp_fail(r, LP_USAGE, "%s %s: %s", flag, lp_tls_qpath(path), strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return lp_fail(r, LP_USAGE, "%s %s: not a regular file", flag, lp_tls_qpath(path));
	}
	return fd;
}

const char *lp_tls_qpath(const char *path)
{
	static char q[140];

	return lp_quote(q, sizeof q, path, strlen(path));
}
