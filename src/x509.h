/*
 * x509.h -- the two facts about a server certificate that BearSSL's minimal
 * X.509 engine does not check for us (pure DER reading, no I/O):
 *   - its subjectAltName iPAddress / dNSName entries, because lprobe probes
 *     an IP and BearSSL matches DNS names only;
 *   - its validity dates, to tell "expired" from "not yet valid" (BearSSL
 *     reports both as BR_ERR_X509_EXPIRED).
 * Every length is checked against its container; malformed input fails.
 */
#ifndef LP_X509_H
#define LP_X509_H

#include <stddef.h>
#include <stdint.h>

/* notBefore / notAfter as Unix seconds.  Returns 0 or -1 (malformed). */
int lp_x509_validity(const unsigned char *der, size_t len, int64_t *not_before, int64_t *not_after);

/* 1 if the certificate's subjectAltName holds iPAddress == ip (4 or 16
 * bytes; ip may be NULL) or dNSName == dns (ASCII case-insensitive, no
 * wildcard; dns may be NULL); 0 if not; -1 if malformed. */
int lp_x509_san_match(const unsigned char *der, size_t len, const unsigned char *ip, size_t ip_len,
		      const char *dns);

/* Unix seconds -> "YYYY-MM-DD" (buf of 11 bytes at least). */
void lp_x509_date(int64_t t, char *buf, size_t cap);

#endif
