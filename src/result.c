/*
 * result.c -- filling a result, and quoting peer or user text for it.
 * Pure: no I/O.
 */
#include "result.h"

#include <stdarg.h>
#include <stdio.h>

int lp_fail(struct lp_result *r, enum lp_kind kind, const char *fmt, ...)
{
	va_list ap;

	r->kind = kind;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
	return -1;
}

char *lp_quote(char *dst, size_t cap, const void *src, size_t len)
{
	const unsigned char *s = src;
	size_t i, n = 0, keep = len > 128 ? 128 : len;

	if (cap == 0)
		return dst;
	for (i = 0; i < keep && n + 1 < cap; i++)
		dst[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '.';
	if (len > keep)
		for (i = 0; i < 3 && n + 1 < cap; i++)
			dst[n++] = '.';
	dst[n] = '\0';
	return dst;
}
