/*
 * hexdig.h -- one HEXDIG (RFC 5234 B.1, either case) to its value.
 * Shared by the chunk-size reader (http1_parse.c) and gRPC's
 * percent-decoding (grpc_proto.c).
 */
#ifndef LP_HEXDIG_H
#define LP_HEXDIG_H

/* The value 0..15 of hex digit c, or -1 if c is not one. */
static inline int lp_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

#endif
