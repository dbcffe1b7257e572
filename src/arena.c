/*
 * arena.c -- first fit with boundary tags over a static arena (arena.h).
 *
 * Layout: the arena is a sequence of blocks, each a 16-byte tag then its
 * payload.  The tag holds the block's size (tag included, a multiple of
 * 16; bit 0 set while allocated) and the size of the block before it, so
 * both neighbours of a block are found in O(1) (Knuth's boundary tags, as
 * in dlmalloc).  Free blocks also hold the links of the free list, kept in
 * address order: first fit then prefers low addresses, which keeps the
 * touched part of the arena (and RSS) small.  No two free blocks are ever
 * adjacent: free() merges at once.
 */
#include "arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct lp_tag {
	_Alignas(LP_ARENA_ALIGN) size_t prev_size; /* 0: first block */
	size_t size;				   /* bit 0: allocated */
};

struct lp_free {
	struct lp_tag tag;
	struct lp_free *next, *prev;
};

#define TAG  sizeof(struct lp_tag)
#define USED ((size_t)1)
/* the smallest block: a free one must hold its tag and two links */
#define MIN_BLOCK ((sizeof(struct lp_free) + LP_ARENA_ALIGN - 1) & ~(size_t)(LP_ARENA_ALIGN - 1))

_Static_assert(TAG == LP_ARENA_ALIGN, "the tag keeps payloads aligned");
_Static_assert(LP_ARENA_SIZE % LP_ARENA_ALIGN == 0, "whole blocks");

static unsigned char lp_heap[LP_ARENA_SIZE] __attribute__((aligned(LP_ARENA_ALIGN)));
static struct lp_free *lp_free_list; /* address order */
static bool lp_ready;
static size_t lp_in_use, lp_peak, lp_top, lp_blocks;

static size_t lp_size(const struct lp_tag *t)
{
	return t->size & ~USED;
}

static struct lp_tag *lp_next(struct lp_tag *t)
{
	unsigned char *n = (unsigned char *)t + lp_size(t);

	return n < lp_heap + LP_ARENA_SIZE ? (struct lp_tag *)(void *)n : NULL;
}

static struct lp_tag *lp_prev(struct lp_tag *t)
{
	return t->prev_size ? (struct lp_tag *)(void *)((unsigned char *)t - t->prev_size) : NULL;
}

/* Sets t's size and tells its successor. */
static void lp_set_size(struct lp_tag *t, size_t size, size_t used)
{
	struct lp_tag *n;

	t->size = size | used;
	if ((n = lp_next(t)) != NULL)
		n->prev_size = size;
}

static void lp_init(void)
{
	struct lp_free *f = (struct lp_free *)(void *)lp_heap;

	f->tag.prev_size = 0;
	f->tag.size = LP_ARENA_SIZE;
	f->next = f->prev = NULL;
	lp_free_list = f;
	lp_ready = true;
}

static void lp_unlink(struct lp_free *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		lp_free_list = f->next;
	if (f->next)
		f->next->prev = f->prev;
}

/* Puts g where f was in the list (same neighbours: g is next to f). */
static void lp_replace(struct lp_free *f, struct lp_free *g)
{
	g->next = f->next, g->prev = f->prev;
	if (g->prev)
		g->prev->next = g;
	else
		lp_free_list = g;
	if (g->next)
		g->next->prev = g;
}

static void lp_insert(struct lp_free *f)
{
	struct lp_free *at = lp_free_list, *before = NULL;

	while (at && at < f)
		before = at, at = at->next;
	f->prev = before, f->next = at;
	if (before)
		before->next = f;
	else
		lp_free_list = f;
	if (at)
		at->prev = f;
}

/* Marks t free, merges it with free neighbours, lists the result. */
static void lp_release(struct lp_tag *t)
{
	struct lp_tag *n = lp_next(t), *p = lp_prev(t);
	size_t size = lp_size(t);

	lp_set_size(t, size, 0);
	if (n && !(n->size & USED)) {
		lp_set_size(t, size += lp_size(n), 0);
		lp_replace((struct lp_free *)(void *)n, (struct lp_free *)(void *)t);
		if (p && !(p->size & USED)) {
			lp_unlink((struct lp_free *)(void *)t);
			lp_set_size(p, lp_size(p) + size, 0);
		}
	} else if (p && !(p->size & USED)) {
		lp_set_size(p, lp_size(p) + size, 0);
	} else {
		lp_insert((struct lp_free *)(void *)t);
	}
}

/* The block size for a payload of n bytes, or 0 if no arena holds it. */
static size_t lp_block_size(size_t n)
{
	size_t b;

	if (n > LP_ARENA_SIZE - TAG)
		return 0;
	b = (n + TAG + LP_ARENA_ALIGN - 1) & ~(size_t)(LP_ARENA_ALIGN - 1);
	return b < MIN_BLOCK ? MIN_BLOCK : b;
}

/* Cuts allocated block t down to size bytes if the rest makes a block. */
static void lp_trim(struct lp_tag *t, size_t size)
{
	size_t have = lp_size(t);
	struct lp_tag *rest;

	if (have - size < MIN_BLOCK)
		return;
	lp_set_size(t, size, USED);
	rest = (struct lp_tag *)(void *)((unsigned char *)t + size);
	rest->prev_size = size;
	lp_set_size(rest, have - size, USED);
	lp_release(rest);
}

static void lp_account(struct lp_tag *t, size_t before)
{
	size_t end = (size_t)((unsigned char *)t - lp_heap) + lp_size(t);

	lp_in_use = lp_in_use - before + lp_size(t);
	if (lp_in_use > lp_peak)
		lp_peak = lp_in_use;
	if (end > lp_top)
		lp_top = end;
}

void *lp_arena_malloc(size_t n)
{
	size_t need = lp_block_size(n);
	struct lp_free *f;
	struct lp_tag *t;

	if (!lp_ready)
		lp_init();
	if (need == 0)
		return NULL;
	for (f = lp_free_list; f && lp_size(&f->tag) < need; f = f->next)
		;
	if (!f)
		return NULL;
	lp_unlink(f);
	t = &f->tag;
	lp_set_size(t, lp_size(t), USED);
	lp_trim(t, need);
	lp_blocks++;
	lp_account(t, 0);
	return (unsigned char *)t + TAG;
}

static struct lp_tag *lp_tag_of(void *ptr)
{
	unsigned char *p = ptr;

	if (!p || p < lp_heap + TAG || p >= lp_heap + LP_ARENA_SIZE)
		return NULL;
	return (struct lp_tag *)(void *)(p - TAG);
}

void lp_arena_free(void *ptr)
{
	struct lp_tag *t = lp_tag_of(ptr);

	if (!t || !(t->size & USED))
		return;
	lp_in_use -= lp_size(t);
	lp_blocks--;
	lp_release(t);
}

void *lp_arena_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = lp_arena_malloc(n * size);
	if (p)
		memset(p, 0, n * size); /* a reused block holds old bytes */
	return p;
}

/* Grows t in place to size bytes over a free successor, if that is enough. */
static bool lp_grow(struct lp_tag *t, size_t size)
{
	struct lp_tag *n = lp_next(t);
	size_t have = lp_size(t);

	if (!n || (n->size & USED) || have + lp_size(n) < size)
		return false;
	lp_unlink((struct lp_free *)(void *)n);
	lp_set_size(t, have + lp_size(n), USED);
	lp_trim(t, size);
	lp_account(t, have);
	return true;
}

void *lp_arena_realloc(void *ptr, size_t n)
{
	struct lp_tag *t = lp_tag_of(ptr);
	size_t need = lp_block_size(n), have;
	void *q;

	if (!ptr)
		return lp_arena_malloc(n);
	if (!t || need == 0)
		return NULL;
	have = lp_size(t);
	if (need <= have) {
		lp_trim(t, need);
		lp_account(t, have);
		return ptr;
	}
	if (lp_grow(t, need))
		return ptr;
	if ((q = lp_arena_malloc(n)) == NULL)
		return NULL;
	memcpy(q, ptr, have - TAG);
	lp_arena_free(ptr);
	return q;
}

void *lp_arena_aligned_alloc(size_t align, size_t n)
{
	struct lp_tag *t, *u;
	unsigned char *p, *a;
	size_t gap, have;

	if (align == 0 || (align & (align - 1)))
		return NULL;
	if (align <= LP_ARENA_ALIGN)
		return lp_arena_malloc(n);
	/* room to move the payload up to an align boundary, leaving in front
	 * either nothing or a whole free block */
	if (n > LP_ARENA_SIZE || (p = lp_arena_malloc(n + align + MIN_BLOCK)) == NULL)
		return NULL;
	a = (unsigned char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	if (a != p && (size_t)(a - p) < MIN_BLOCK)
		a += align;
	t = lp_tag_of(p);
	if ((gap = (size_t)(a - p)) != 0) {
		have = lp_size(t);
		u = (struct lp_tag *)(void *)(a - TAG);
		u->prev_size = gap;
		lp_set_size(u, have - gap, USED);
		lp_set_size(t, gap, USED);
		lp_in_use -= gap;
		lp_release(t);
		t = u;
	}
	have = lp_size(t);
	lp_trim(t, lp_block_size(n));
	lp_account(t, have);
	return a;
}

void lp_arena_stats(struct lp_arena_stats *s)
{
	s->size = LP_ARENA_SIZE;
	s->in_use = lp_in_use;
	s->peak = lp_peak;
	s->top = lp_top;
	s->blocks = lp_blocks;
}

void lp_arena_reset_peak(void)
{
	struct lp_tag *t;

	lp_peak = lp_in_use;
	lp_top = 0;
	if (!lp_ready)
		return;
	for (t = (struct lp_tag *)(void *)lp_heap; t; t = lp_next(t))
		if (t->size & USED)
			lp_top = (size_t)((unsigned char *)t - lp_heap) + lp_size(t);
}
