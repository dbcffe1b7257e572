/*
 * alloc.c -- malloc for the static binary: arena.c's bounded heap.
 *
 * Replacing malloc (musl allows it in a static link, and then also wants
 * aligned_alloc/posix_memalign replaced) bounds the whole process's heap
 * by construction -- LP_ARENA_SIZE, see arena.h -- and no brk/mmap ever
 * runs (fewer syscalls, a tighter seccomp list).
 *
 * Linked only into build/lprobe; unit tests, fuzz targets and sanitizer
 * builds keep the C library's allocator and call lp_arena_* by name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);
void *aligned_alloc(size_t align, size_t size);
int posix_memalign(void **out, size_t align, size_t size);

static void *lp_or_enomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
}

void *malloc(size_t size)
{
	return lp_or_enomem(lp_arena_malloc(size));
}

void free(void *ptr)
{
	lp_arena_free(ptr);
}

void *calloc(size_t n, size_t size)
{
	return lp_or_enomem(lp_arena_calloc(n, size));
}

void *realloc(void *ptr, size_t size)
{
	return lp_or_enomem(lp_arena_realloc(ptr, size));
}

void *aligned_alloc(size_t align, size_t size)
{
	return lp_or_enomem(lp_arena_aligned_alloc(align, size));
}

/* POSIX: align a power of two and a multiple of sizeof(void *). */
int posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	if ((p = lp_arena_aligned_alloc(align, size)) == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}
