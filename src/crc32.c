/*
 * crc32.c -- zlib's crc32(), defined here so the static binary does not
 * link zlib's crc32.o (13 KiB of tables and combine functions) for the
 * few bytes lprobe ever checksums: a gzip health message is a handful of
 * bytes, at most 4 KiB.  Bitwise CRC-32 (ISO-HDLC, reflected polynomial
 * 0xEDB88320), the one gzip uses (RFC 1952 §8); same contract as zlib's:
 * crc32(0, NULL, 0) is the initial value, and it is chained across calls.
 */
#include <stdint.h>
#include <zlib.h>

uLong crc32(uLong crc, const Bytef *buf, uInt len)
{
	uint32_t c = (uint32_t)crc ^ 0xffffffffu;
	uInt i;
	int k;

	if (!buf)
		return 0;
	for (i = 0; i < len; i++) {
		c ^= buf[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return c ^ 0xffffffffu;
}
