/*
 * arena.c -- see arena.h.  Each block is a 16-byte header (its class)
 * followed by the caller's bytes; a free block's first word links it into
 * its class's list.
 */
#include "arena.h"

#include <stdint.h>
#include <string.h>

#define LP_HDR	  16
#define LP_SMALL  1024 /* 16-byte classes up to here: 64 of them */
#define LP_NSMALL (LP_SMALL / 16)

void lp_arena_init(struct lp_arena *a, void *buf, size_t cap)
{
	memset(a, 0, sizeof *a);
	a->base = buf;
	a->cap = cap & ~(size_t)15;
}

/* The class of a request of size bytes; LP_ARENA_CLASSES if none. */
static unsigned lp_class(size_t size)
{
	unsigned k = 0;
	size_t step, q;

	if (size <= LP_SMALL)
		return size ? (unsigned)((size + 15) / 16 - 1) : 0;
	while (k < 63 && ((size_t)2 << k) < size) /* 2^k < size <= 2^(k+1) */
		k++;
	step = (size_t)1 << (k - 2);
	q = (size - 1 - ((size_t)1 << k)) / step;
	k = LP_NSMALL + (k - 10) * 4 + (unsigned)q;
	return k < LP_ARENA_CLASSES ? k : LP_ARENA_CLASSES;
}

static size_t lp_class_size(unsigned c)
{
	unsigned k;

	if (c < LP_NSMALL)
		return ((size_t)c + 1) * 16;
	k = (c - LP_NSMALL) / 4 + 10;
	return ((size_t)1 << k) + (size_t)((c - LP_NSMALL) % 4 + 1) * ((size_t)1 << (k - 2));
}

static void *lp_take(struct lp_arena *a, unsigned c)
{
	unsigned char *b = a->free_list[c];

	memcpy(&a->free_list[c], b, sizeof(void *));
	return b;
}

void *lp_arena_malloc(struct lp_arena *a, size_t size)
{
	unsigned c = lp_class(size), d;
	size_t need;
	unsigned char *b = NULL;

	if (c >= LP_ARENA_CLASSES)
		return NULL;
	need = LP_HDR + lp_class_size(c);
	if (a->free_list[c]) {
		b = lp_take(a, c);
	} else if (need <= a->cap - a->top) {
		b = a->base + a->top + LP_HDR;
		a->top += need;
	} else {
		/* full: a parked block of a larger class will do */
		for (d = c + 1; d < LP_ARENA_CLASSES && !a->free_list[d]; d++)
			;
		if (d == LP_ARENA_CLASSES)
			return NULL;
		b = lp_take(a, d);
		c = d;
	}
	memcpy(b - LP_HDR, &c, sizeof c);
	a->live += lp_class_size(c);
	if (a->live > a->live_peak)
		a->live_peak = a->live;
	return b;
}

static unsigned lp_block_class(const void *ptr)
{
	unsigned c;

	memcpy(&c, (const unsigned char *)ptr - LP_HDR, sizeof c);
	return c;
}

void lp_arena_free(struct lp_arena *a, void *ptr)
{
	unsigned c;

	if (!ptr)
		return;
	c = lp_block_class(ptr);
	a->live -= lp_class_size(c);
	memcpy(ptr, &a->free_list[c], sizeof(void *));
	a->free_list[c] = ptr;
}

void *lp_arena_realloc(struct lp_arena *a, void *ptr, size_t size)
{
	void *p;
	size_t old;

	if (!ptr)
		return lp_arena_malloc(a, size);
	old = lp_class_size(lp_block_class(ptr));
	if (size <= old)
		return ptr;
	p = lp_arena_malloc(a, size);
	if (p) {
		memcpy(p, ptr, old);
		lp_arena_free(a, ptr);
	}
	return p;
}
