/*
 * openssl_shims.c -- what Debian's libssl.a/libcrypto.a (built against
 * glibc) reference and musl lacks, for the OpenSSL build only
 * (mk/openssl.mk).  The memcpy/memset/vsnprintf checks shared with the
 * other archives are in fortify_shims.c; `nm -u` on the archives, less
 * what musl defines, lists exactly these.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap);
long __fdelt_chk(long d);
_Noreturn void __longjmp_chk(sigjmp_buf env, int val);
int getcontext(void *ucp);
void makecontext(void *ucp, void (*fn)(void), int argc, ...);
int setcontext(const void *ucp);

/* glibc's _FORTIFY_SOURCE variants: do the operation, abort where glibc
 * would (the destination object is smaller than the output). */

/* ssl_lib.c's key-log line (SSLKEYLOGFILE callback; lprobe sets none) */
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)flag;
	va_start(ap, fmt);
	n = vsnprintf(s, slen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= slen)
		abort();
	return n;
}

/* OPENSSL_showfatal: a message to stderr before OpenSSL aborts */
int __vfprintf_chk(FILE *f, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	return vfprintf(f, fmt, ap);
}

/* FD_SET on a select(2) set: BIO_socket_wait and the /dev/random wait,
 * neither used (lprobe's own BIO; entropy from getrandom) */
long __fdelt_chk(long d)
{
	if (d < 0 || d >= 1024) /* FD_SETSIZE */
		abort();
	return d / (long)(8 * sizeof(long));
}

/* arm64: armcap.c's SIGILL handler, probing CPU features at start-up
 * (before the sandbox), leaves with siglongjmp; glibc's checked variant
 * only adds a stack-direction check.  The sigjmp_buf layouts agree
 * (aarch64: 22 registers, a flag word, a 128-byte signal mask). */
_Noreturn void __longjmp_chk(sigjmp_buf env, int val)
{
	siglongjmp(env, val);
}

/* OpenSSL's async jobs (ASYNC_start_job, for asynchronous engines) run on
 * ucontext fibres; musl has no ucontext functions.  lprobe starts no job:
 * a failing getcontext makes ASYNC_is_capable() false, and the other two
 * can never be reached. */
int getcontext(void *ucp)
{
	(void)ucp;
	return -1;
}

void makecontext(void *ucp, void (*fn)(void), int argc, ...)
{
	(void)ucp, (void)fn, (void)argc;
	abort();
}

int setcontext(const void *ucp)
{
	(void)ucp;
	abort();
}
