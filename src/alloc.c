/*
 * alloc.c -- malloc for the static binary: a fixed arena, no system calls.
 *
 * Only nghttp2 and zlib allocate (session state, HPACK tables, frame
 * buffers, the inflate window); lprobe itself keeps its state in static
 * structs.  Replacing malloc (musl allows it in a static link) bounds the
 * whole process's heap by construction: a peer that makes nghttp2 want
 * more gets NULL, which nghttp2 reports as NGHTTP2_ERR_NOMEM and the probe
 * as a failure, and no brk/mmap ever runs (fewer syscalls, a tighter
 * seccomp list).  Allocation bumps a pointer; freeing the newest block
 * gives its space back, which covers nghttp2's allocate-use-free pattern.
 *
 * Linked only into build/lprobe; unit tests and sanitizer builds keep the
 * C library's allocator.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LP_HEAP	 (256 * 1024)
#define LP_ALIGN 16

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);

static unsigned char lp_heap[LP_HEAP] __attribute__((aligned(LP_ALIGN)));
static size_t lp_used, lp_last = SIZE_MAX; /* offset of the newest block */

static size_t lp_round(size_t n)
{
	return (n + LP_ALIGN - 1) & ~(size_t)(LP_ALIGN - 1);
}

void *malloc(size_t size)
{
	size_t need;

	if (size > LP_HEAP)
		return NULL;
	need = LP_ALIGN + lp_round(size ? size : 1);
	if (need > LP_HEAP - lp_used)
		return NULL;
	memcpy(lp_heap + lp_used, &size, sizeof size); /* header: the size */
	lp_last = lp_used;
	lp_used += need;
	return lp_heap + lp_last + LP_ALIGN;
}

void free(void *ptr)
{
	if (ptr && lp_last != SIZE_MAX && (unsigned char *)ptr == lp_heap + lp_last + LP_ALIGN) {
		lp_used = lp_last;
		lp_last = SIZE_MAX; /* the block before is not known: no second step back */
	}
}

void *calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *realloc(void *ptr, size_t size)
{
	unsigned char *hdr;
	size_t old;
	void *p;

	if (!ptr)
		return malloc(size);
	hdr = (unsigned char *)ptr - LP_ALIGN;
	memcpy(&old, hdr, sizeof old);
	if (lp_last != SIZE_MAX && hdr == lp_heap + lp_last && size <= LP_HEAP &&
	    LP_ALIGN + lp_round(size) <= LP_HEAP - lp_last) { /* newest block: in place */
		memcpy(hdr, &size, sizeof size);
		lp_used = lp_last + LP_ALIGN + lp_round(size);
		return ptr;
	}
	p = malloc(size);
	if (p)
		memcpy(p, ptr, old < size ? old : size);
	return p;
}
