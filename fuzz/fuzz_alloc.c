/*
 * fuzz_alloc.c -- libFuzzer target for the bounded heap (arena.h).
 *
 * Input: a program of 4-byte operations on 64 slots:
 *   byte 0: the operation (low 3 bits: malloc, calloc, realloc, free,
 *           aligned_alloc; the rest free) and the slot (high 5 bits,
 *           plus bit 3 of byte 3)
 *   bytes 1-2: a size, shifted left by byte 3's low 3 bits (up to 8 MiB,
 *           past the arena, so exhaustion is reached)
 *   byte 3: the shift; bits 4-7 an alignment exponent for aligned_alloc
 * Every live block is filled with its own byte pattern; checked on every
 * call: payloads are 16-byte (or the asked) aligned, a block still holds
 * its pattern when it is freed or reallocated (no two blocks overlap, the
 * allocator's tags never land in a payload), realloc keeps the prefix,
 * calloc gives zeros, in-use bytes never exceed the arena and never fall
 * below what the live blocks asked for, NULL only when the arena cannot
 * hold the size; and after the program, freeing everything gives the
 * whole arena back as one block.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_alloc: invariant failed: %s (line %d)\n", #cond, \
				__LINE__);                                                     \
			abort();                                                               \
		}                                                                              \
	} while (0)

#define SLOTS 64

static struct {
	unsigned char *p;
	size_t len;
	unsigned char fill;
} slot[SLOTS];
static size_t live_bytes;

/* The first len bytes of slot i still hold its fill byte (compared a
 * page at a time against a page of that byte: big blocks stay cheap). */
static void check_fill(int i, size_t len)
{
	static unsigned char page[4096];
	size_t k, n;

	memset(page, slot[i].fill, sizeof page);
	for (k = 0; k < len; k += n) {
		n = len - k < sizeof page ? len - k : sizeof page;
		CHECK(memcmp(slot[i].p + k, page, n) == 0);
	}
}

static void put(int i, unsigned char *p, size_t len, unsigned char fill, size_t align)
{
	CHECK((uintptr_t)p % align == 0);
	slot[i].p = p, slot[i].len = len, slot[i].fill = fill;
	memset(p, fill, len);
	live_bytes += len;
}

static void drop(int i)
{
	if (!slot[i].p)
		return;
	check_fill(i, slot[i].len);
	lp_arena_free(slot[i].p);
	live_bytes -= slot[i].len;
	slot[i].p = NULL;
}

static void check_totals(void)
{
	struct lp_arena_stats s;

	lp_arena_stats(&s);
	CHECK(s.in_use <= s.size && s.peak <= s.size && s.top <= s.size);
	CHECK(s.in_use >= live_bytes);
}

static void step(const uint8_t *op, unsigned char fill)
{
	int i = (op[0] >> 3) | ((op[3] & 8) << 2);
	size_t size = (size_t)(op[1] << 8 | op[2]) << (op[3] & 7);
	size_t align = (size_t)1 << (op[3] >> 4), keep;
	unsigned char *p;

	switch (op[0] & 7) {
	case 0:
		drop(i);
		if ((p = lp_arena_malloc(size)) != NULL)
			put(i, p, size, fill, LP_ARENA_ALIGN);
		else
			CHECK(size > LP_ARENA_SIZE / 4 || live_bytes > 0);
		break;
	case 1:
		drop(i);
		if ((p = lp_arena_calloc(size, 1)) != NULL) {
			slot[i].p = p, slot[i].fill = 0;
			check_fill(i, size);
			put(i, p, size, fill, LP_ARENA_ALIGN);
		}
		break;
	case 2:
		if (slot[i].p)
			check_fill(i, slot[i].len);
		p = lp_arena_realloc(slot[i].p, size);
		if (!p) { /* the old block stays as it was */
			if (slot[i].p)
				check_fill(i, slot[i].len);
			break;
		}
		keep = slot[i].p && slot[i].len < size ? slot[i].len : (slot[i].p ? size : 0);
		live_bytes -= slot[i].p ? slot[i].len : 0;
		slot[i].p = p;
		check_fill(i, keep); /* the prefix moved with the block */
		put(i, p, size, fill, LP_ARENA_ALIGN);
		break;
	case 4:
		drop(i);
		if ((p = lp_arena_aligned_alloc(align, size)) != NULL)
			put(i, p, size, fill, align > LP_ARENA_ALIGN ? align : LP_ARENA_ALIGN);
		break;
	default:
		drop(i);
		break;
	}
	check_totals();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lp_arena_stats s;
	unsigned char fill = 1;
	size_t off;
	void *all;
	int i;

	for (off = 0; off + 4 <= size; off += 4) {
		step(data + off, fill);
		fill = (unsigned char)(fill * 5 + 1);
	}
	for (i = 0; i < SLOTS; i++)
		drop(i);
	lp_arena_stats(&s);
	CHECK(s.in_use == 0 && s.blocks == 0 && live_bytes == 0);
	all = lp_arena_malloc(LP_ARENA_SIZE - LP_ARENA_ALIGN); /* merged back into one block */
	CHECK(all != NULL);
	lp_arena_free(all);
	return 0;
}
