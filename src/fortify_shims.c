/*
 * fortify_shims.c -- Debian builds libbearssl.a and libnghttp2.a against
 * glibc with _FORTIFY_SOURCE, so their objects call glibc's checked
 * variants of a few libc functions.  musl has no such symbols; these
 * provide them with glibc's contract: do the operation, or abort when the
 * destination object (size known at the caller's compile time) is too
 * small.  Only the symbols the linked archives reference are here
 * (`nm -u` on the archives lists them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__memcpy_chk(void *dst, const void *src, size_t len, size_t dstlen);
void *__memmove_chk(void *dst, const void *src, size_t len, size_t dstlen);
void *__memset_chk(void *dst, int c, size_t len, size_t dstlen);
int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap);
int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);

void *__memcpy_chk(void *dst, const void *src, size_t len, size_t dstlen)
{
	if (len > dstlen)
		abort();
	return memcpy(dst, src, len);
}

void *__memmove_chk(void *dst, const void *src, size_t len, size_t dstlen)
{
	if (len > dstlen)
		abort();
	return memmove(dst, src, len);
}

void *__memset_chk(void *dst, int c, size_t len, size_t dstlen)
{
	if (len > dstlen)
		abort();
	return memset(dst, c, len);
}

/* nghttp2: error-callback message formatting (its debug printer uses
 * __fprintf_chk, dead code in a release build but still linked). */
int __vsnprintf_chk(char *s, size_t n, int flag, size_t slen, const char *fmt, va_list ap)
{
	(void)flag;
	if (n > slen)
		abort();
	return vsnprintf(s, n, fmt, ap);
}

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}
