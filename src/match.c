/*
 * match.c -- KMP: linear in the body, one pass, state is the failure table.
 */
#include "match.h"

#include <string.h>

void lp_match_init(struct lp_match *m, const char *pat)
{
	size_t i, k = 0;

	m->pat = (const unsigned char *)pat;
	m->len = strlen(pat);
	m->pos = 0;
	m->fail[0] = 0;
	for (i = 1; i < m->len; i++) {
		while (k && m->pat[i] != m->pat[k])
			k = m->fail[k - 1];
		if (m->pat[i] == m->pat[k])
			k++;
		m->fail[i] = (unsigned short)k;
	}
}

bool lp_match_feed(struct lp_match *m, const unsigned char *s, size_t n)
{
	size_t i, k = m->pos;

	for (i = 0; i < n && k < m->len; i++) {
		while (k && s[i] != m->pat[k])
			k = m->fail[k - 1];
		if (s[i] == m->pat[k])
			k++;
	}
	m->pos = k;
	return k == m->len;
}
