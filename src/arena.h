/*
 * arena.h -- a bounded heap over one fixed static arena (no system calls).
 *
 * Only nghttp2 and zlib allocate in lprobe (session state, HPACK tables,
 * frame buffers, the inflate window); alloc.c makes these functions the
 * static binary's malloc family.  First fit over an address-ordered free
 * list; every block carries a 16-byte boundary tag (its size and its
 * predecessor's) so a freed block merges with free neighbours at once,
 * and a run of sessions created and deleted one after another or side by
 * side leaves the arena as it found it.  A request that does not fit
 * returns NULL: a peer that makes nghttp2 want more meets an allocation
 * failure (NGHTTP2_ERR_NOMEM), never a bigger process.
 *
 * Payloads are 16-byte aligned.  The arena is zero-initialised .bss and
 * never cleared: pages no block reaches are never touched and cost no RSS.
 * Not thread-safe (lprobe has one thread).
 */
#ifndef LP_ARENA_H
#define LP_ARENA_H

#include <stddef.h>

/* Measured (tests/unit/test_alloc.c prints it): one nghttp2 client session
 * through a gRPC health exchange peaks at 28400 bytes of arena, one gzip
 * inflate stream (window 15, with its 32 KiB window) at 39968.  16 probes
 * side by side, each with both, use 1083120 (top 1083664, 1.03 MiB), the
 * same every round.  The arena is 2 MiB: that bound, plus about as much
 * again as headroom (a peer's HPACK table, larger frames). */
#ifndef LP_ARENA_SIZE /* the OpenSSL build sets its own (mk/openssl.mk) */
#define LP_ARENA_SIZE (2 * 1024 * 1024)
#endif
#define LP_ARENA_ALIGN 16

/* As malloc(3): size bytes, 16-byte aligned, or NULL if they do not fit. */
void *lp_arena_malloc(size_t size);

/* As free(3); NULL and pointers outside the arena are ignored. */
void lp_arena_free(void *ptr);

/* As calloc(3): NULL also when n * size overflows. */
void *lp_arena_calloc(size_t n, size_t size);

/* As realloc(3): shrinks in place, grows in place into a free successor,
 * else moves.  realloc(ptr, 0) returns a minimal block, as musl's does.
 * On NULL the old block is untouched. */
void *lp_arena_realloc(void *ptr, size_t size);

/* As aligned_alloc(3): align a power of two (any; up to 16 is free). */
void *lp_arena_aligned_alloc(size_t align, size_t size);

struct lp_arena_stats {
	size_t size;   /* the arena: LP_ARENA_SIZE */
	size_t in_use; /* bytes in allocated blocks, tags included */
	size_t peak;   /* the most in_use has been */
	size_t top;    /* high-water mark: end offset of the highest block ever given */
	size_t blocks; /* allocated blocks */
};

/* Fills s. */
void lp_arena_stats(struct lp_arena_stats *s);

/* Forgets peak and top (set to what is in use now), to measure a phase. */
void lp_arena_reset_peak(void);

#endif
