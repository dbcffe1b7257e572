/*
 * match.h -- streaming substring search (Knuth-Morris-Pratt) for
 * -expect-body: the body is seen once, in any split, with no copy of it.
 */
#ifndef LP_MATCH_H
#define LP_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#define LP_EXPECT_MAX 1024 /* -expect-body substring length */

struct lp_match {
	const unsigned char *pat;
	size_t len, pos;		    /* pos: bytes of pat matched so far */
	unsigned short fail[LP_EXPECT_MAX]; /* KMP failure function */
};

/* pat must be 1..LP_EXPECT_MAX bytes and outlive m. */
void lp_match_init(struct lp_match *m, const char *pat);

/* Feeds text; true once the pattern has been seen (and stays true). */
bool lp_match_feed(struct lp_match *m, const unsigned char *s, size_t n);

#endif
