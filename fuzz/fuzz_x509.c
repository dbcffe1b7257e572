/*
 * fuzz_x509.c -- libFuzzer target for the DER reader in x509.h.
 *
 * Input: the certificate bytes, all of them (seed corpus: real DER
 * certificates, fuzz/corpus/x509/).  The last byte also picks a name and
 * an address to look for from the bytes before it (the tail of a
 * certificate is signature bytes, which the reader never looks at).
 * libFuzzer hands over an exact-size heap copy, so ASan sees any read
 * past the end.  Checked on every call:
 *   - lp_x509_validity returns 0 or -1, the same twice; on 0 both dates
 *     lie between year 0 and 9999 (give or take the 99 h 99 min 99 s a
 *     loose time field can add) and lp_x509_date prints them as
 *     YYYY-MM-DD;
 *   - lp_x509_san_match returns -1, 0 or 1, the same twice; nothing to
 *     look for never matches; (ip, dns) matches iff (ip, NULL) or
 *     (NULL, dns) does, and otherwise answers as (NULL, NULL) would (the
 *     scan stops at the first match);
 *   - a match was really there: the bytes hold an iPAddress [7] TLV equal
 *     to the address, or a dNSName [2] TLV equal to the name ignoring the
 *     case of A-Z only (x509.h: "ASCII case-insensitive, no wildcard").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509.h"

#define CHECK(cond)                                                                           \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "fuzz_x509: invariant failed: %s (line %d)\n", #cond, \
				__LINE__);                                                    \
			abort();                                                              \
		}                                                                             \
	} while (0)

/* year 0 .. 9999 (days_from_civil), plus a loose 99:99:99 */
#define T_MIN (-62167219200LL)
#define T_MAX (253402300799LL + 99 * 3600 + 99 * 60 + 99)

static void check_validity(const uint8_t *der, size_t len)
{
	int64_t nb = 1, na = 2, nb2 = 3, na2 = 4;
	int rc = lp_x509_validity(der, len, &nb, &na);
	char day[16];
	int64_t t;
	int i, k;

	CHECK(rc == 0 || rc == -1);
	CHECK(lp_x509_validity(der, len, &nb2, &na2) == rc);
	if (rc != 0)
		return;
	CHECK(nb == nb2 && na == na2);
	for (k = 0; k < 2; k++) {
		t = k ? na : nb;
		CHECK(t >= T_MIN && t <= T_MAX);
		if (t > 253402300799LL)
			continue; /* 9999-12-31T99:99:99Z is past year 9999 */
		memset(day, 'x', sizeof day);
		lp_x509_date(t, day, 11);
		CHECK(strlen(day) == 10 && day[4] == '-' && day[7] == '-');
		for (i = 0; i < 10; i++)
			CHECK(i == 4 || i == 7 || (day[i] >= '0' && day[i] <= '9'));
	}
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Does der hold a TLV tag, n, v with v equal to want (A-Z folded if
 * fold)?  The length in short or long form (1-4 bytes), as x509.c reads. */
static int holds(const uint8_t *der, size_t len, unsigned tag, const uint8_t *want, size_t n,
		 int fold)
{
	size_t i, j, at, l, k;

	for (i = 0; i + 2 <= len; i++) {
		if (der[i] != tag)
			continue;
		at = i + 2, l = der[i + 1];
		if (l & 0x80) {
			k = l & 0x7f;
			if (k == 0 || k > 4)
				continue;
			for (l = 0; k > 0 && at < len; k--)
				l = l << 8 | der[at++];
			if (k != 0)
				continue;
		}
		if (l != n || len - at < n)
			continue;
		for (j = 0; j < n; j++)
			if (fold ? ascii_lower(der[at + j]) != ascii_lower(want[j])
				 : der[at + j] != want[j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

static int san(const uint8_t *der, size_t len, const uint8_t *ip, size_t ip_len, const char *dns)
{
	int rc = lp_x509_san_match(der, len, ip, ip_len, dns);

	CHECK(rc >= -1 && rc <= 1);
	CHECK(lp_x509_san_match(der, len, ip, ip_len, dns) == rc);
	return rc;
}

static void check_san(const uint8_t *der, size_t len, const uint8_t *ip, size_t ip_len,
		      const char *dns)
{
	int none = san(der, len, NULL, 0, NULL);
	int by_ip = san(der, len, ip, ip_len, NULL);
	int by_dns = san(der, len, NULL, 0, dns);
	int both = san(der, len, ip, ip_len, dns);

	CHECK(none != 1);
	CHECK(san(der, len, NULL, ip_len, NULL) == none);
	CHECK((both == 1) == (by_ip == 1 || by_dns == 1));
	if (both != 1)
		CHECK(both == none);
	if (by_ip != 1)
		CHECK(by_ip == none);
	if (by_dns != 1)
		CHECK(by_dns == none);
	if (by_ip == 1)
		CHECK(holds(der, len, 0x87, ip, ip_len, 0));
	if (by_dns == 1)
		CHECK(holds(der, len, 0x82, (const uint8_t *)dns, strlen(dns), 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ip4[4] = {127, 0, 0, 1}, ip6[16] = {[15] = 1};
	static const char *const names[] = {"localhost", "LOCALHOST", "other.example", ""};
	char dns[64];
	size_t k, n, i;

	check_validity(data, size);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		check_san(data, size, ip4, sizeof ip4, names[i]);
		check_san(data, size, ip6, sizeof ip6, names[i]);
	}
	if (size < 2)
		return 0;
	/* the last byte: bit 7 picks a 4- or 16-byte address, bits 0-5 a
	 * name length; both are taken from just before it */
	k = data[size - 1];
	n = k & 63;
	if (n > size - 1)
		n = size - 1;
	memcpy(dns, data + size - 1 - n, n);
	dns[n] = '\0';
	if (strlen(dns) == n) {
		if (k & 0x80 && size - 1 >= 16)
			check_san(data, size, data + size - 17, 16, dns);
		else if (size - 1 >= 4)
			check_san(data, size, data + size - 5, 4, dns);
	}
	return 0;
}
