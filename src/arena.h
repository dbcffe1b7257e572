/*
 * arena.h -- a general-purpose allocator on one fixed buffer, for a
 * library that allocates and frees freely (OpenSSL, through
 * CRYPTO_set_mem_functions in tls_openssl.c).
 *
 * Segregated free lists: a request is rounded up to a size class (16-byte
 * steps up to 1 KiB, then four classes per doubling), served from that
 * class's free list, else from the untouched end of the buffer, else from
 * a free block of a larger class.  Freeing pushes the block on its class's
 * list.  Every operation is O(1) but the last fallback (bounded by the
 * number of classes); no system call is ever made, and a request that
 * does not fit returns NULL.  Waste is bounded by the rounding (at most
 * 25% above 1 KiB) plus blocks parked on lists of classes no longer asked
 * for, which tests/unit/test_arena.c and the -v peak figure keep in view.
 */
#ifndef LP_ARENA_H
#define LP_ARENA_H

#include <stddef.h>

#define LP_ARENA_CLASSES 128

struct lp_arena {
	unsigned char *base;
	size_t cap, top;	/* bytes handed out from the end: the high-water mark */
	size_t live, live_peak; /* bytes in blocks not freed (class sizes) */
	void *free_list[LP_ARENA_CLASSES];
};

/* Uses buf (cap bytes, 16-byte aligned) as the arena. */
void lp_arena_init(struct lp_arena *a, void *buf, size_t cap);

void *lp_arena_malloc(struct lp_arena *a, size_t size);
void *lp_arena_realloc(struct lp_arena *a, void *ptr, size_t size);
void lp_arena_free(struct lp_arena *a, void *ptr);

#endif
