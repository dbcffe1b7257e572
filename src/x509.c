/*
 * x509.c -- a bounded DER walk over RFC 5280 §4.1 tbsCertificate: version,
 * serial, signature, issuer, validity, subject, key, then the [3] extensions
 * where subjectAltName (2.5.29.17) lives.
 */
#include "x509.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct lp_der {
	const unsigned char *p, *end;
};

/* Reads one TLV header; the value is [*val, *val + *vlen).  Definite
 * lengths only (DER), at most 4 length bytes. */
static int lp_der_next(struct lp_der *d, unsigned *tag, const unsigned char **val, size_t *vlen)
{
	size_t n, i, len;

	if (d->end - d->p < 2)
		return -1;
	*tag = *d->p++;
	len = *d->p++;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 4 || (size_t)(d->end - d->p) < n)
			return -1;
		for (len = 0, i = 0; i < n; i++)
			len = (len << 8) | *d->p++;
	}
	if ((size_t)(d->end - d->p) < len)
		return -1;
	*val = d->p, *vlen = len;
	d->p += len;
	return 0;
}

static int lp_der_enter(struct lp_der *d, unsigned want, struct lp_der *inner)
{
	unsigned tag;
	const unsigned char *v;
	size_t n;

	if (lp_der_next(d, &tag, &v, &n) < 0 || tag != want)
		return -1;
	inner->p = v, inner->end = v + n;
	return 0;
}

/* Enters the tbsCertificate and steps over version, serial, signature and
 * issuer: *tbs is left at the validity SEQUENCE. */
static int lp_x509_tbs(const unsigned char *der, size_t len, struct lp_der *tbs)
{
	struct lp_der cert = {der, der + len}, outer;
	unsigned tag;
	const unsigned char *v;
	size_t n;

	if (lp_der_enter(&cert, 0x30, &outer) < 0 || lp_der_enter(&outer, 0x30, tbs) < 0)
		return -1;
	if (tbs->p < tbs->end && *tbs->p == 0xa0 && lp_der_next(tbs, &tag, &v, &n) < 0)
		return -1;				       /* [0] version */
	if (lp_der_next(tbs, &tag, &v, &n) < 0 || tag != 0x02) /* serial */
		return -1;
	if (lp_der_next(tbs, &tag, &v, &n) < 0 || tag != 0x30) /* signature */
		return -1;
	if (lp_der_next(tbs, &tag, &v, &n) < 0 || tag != 0x30) /* issuer */
		return -1;
	return 0;
}

static int lp_digits(const unsigned char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's
 * days_from_civil). */
static int64_t lp_days(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int lp_month_days(int y, int m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return days[m - 1] + (m == 2 && leap);
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280
 * §4.1.2.5: always Zulu, seconds present). */
static int lp_x509_time(struct lp_der *d, int64_t *t)
{
	unsigned tag;
	const unsigned char *v;
	size_t n, yl;
	int y, mo, da, h, mi, s;

	if (lp_der_next(d, &tag, &v, &n) < 0 || (tag != 0x17 && tag != 0x18))
		return -1;
	yl = tag == 0x17 ? 2 : 4;
	if (n != yl + 11 || v[n - 1] != 'Z' || lp_digits(v, yl, &y) < 0 ||
	    lp_digits(v + yl, 2, &mo) < 0 || lp_digits(v + yl + 2, 2, &da) < 0 ||
	    lp_digits(v + yl + 4, 2, &h) < 0 || lp_digits(v + yl + 6, 2, &mi) < 0 ||
	    lp_digits(v + yl + 8, 2, &s) < 0 || mo < 1 || mo > 12 || da < 1 || da > 31)
		return -1;
	if (tag == 0x17)
		y += y < 50 ? 2000 : 1900;
	if (h > 23 || mi > 59 || s > 59 || da > lp_month_days(y, mo))
		return -1;
	*t = lp_days(y, mo, da) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

int lp_x509_validity(const unsigned char *der, size_t len, int64_t *not_before, int64_t *not_after)
{
	struct lp_der tbs, val;

	if (lp_x509_tbs(der, len, &tbs) < 0 || lp_der_enter(&tbs, 0x30, &val) < 0)
		return -1;
	if (lp_x509_time(&val, not_before) < 0 || lp_x509_time(&val, not_after) < 0)
		return -1;
	return 0;
}

/* ASCII case folding of letters only (RFC 4343): '-' and CR stay apart. */
static unsigned char lp_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

static int lp_san_scan(struct lp_der names, const unsigned char *ip, size_t ip_len, const char *dns)
{
	unsigned tag;
	const unsigned char *v;
	size_t n, i;

	while (names.p < names.end) {
		if (lp_der_next(&names, &tag, &v, &n) < 0)
			return -1;
		if (tag == 0x87 && ip && n == ip_len && memcmp(v, ip, n) == 0)
			return 1;
		if (tag == 0x82 && dns && n == strlen(dns)) {
			for (i = 0; i < n && lp_lower(v[i]) == lp_lower((unsigned char)dns[i]); i++)
				;
			if (i == n)
				return 1;
		}
	}
	return 0;
}

int lp_x509_san_match(const unsigned char *der, size_t len, const unsigned char *ip, size_t ip_len,
		      const char *dns)
{
	static const unsigned char san_oid[] = {0x55, 0x1d, 0x11};
	struct lp_der tbs, exts, ext, oct, names;
	unsigned tag;
	const unsigned char *v;
	size_t n;

	if (lp_x509_tbs(der, len, &tbs) < 0)
		return -1;
	while (tbs.p < tbs.end) { /* validity, subject, key, [1], [2], then [3] */
		if (lp_der_next(&tbs, &tag, &v, &n) < 0)
			return -1;
		if (tag != 0xa3)
			continue;
		exts.p = v, exts.end = v + n;
		if (lp_der_enter(&exts, 0x30, &exts) < 0)
			return -1;
		while (exts.p < exts.end) {
			if (lp_der_enter(&exts, 0x30, &ext) < 0 ||
			    lp_der_next(&ext, &tag, &v, &n) < 0 || tag != 0x06)
				return -1;
			if (n != sizeof san_oid || memcmp(v, san_oid, n) != 0)
				continue;
			if (ext.p < ext.end && *ext.p == 0x01 &&
			    lp_der_next(&ext, &tag, &v, &n) < 0)
				return -1; /* critical */
			if (lp_der_enter(&ext, 0x04, &oct) < 0 ||
			    lp_der_enter(&oct, 0x30, &names) < 0)
				return -1;
			return lp_san_scan(names, ip, ip_len, dns);
		}
	}
	return 0;
}

void lp_x509_date(int64_t t, char *buf, size_t cap)
{
	/* civil_from_days, the inverse of lp_days */
	/* floor(t / 86400) without overflow for any t */
	int64_t z = t / 86400 - (t % 86400 < 0) + 719468, era, doe, yoe, doy, mp, y, m, d;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	snprintf(buf, cap, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}
