/* RFC 1071 checksum: 64-bit accumulation of 32-bit words, folded at the end. */
#include "dataplane/csum.h"

#include <string.h>

uint64_t csum_add(uint64_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t w;

	/* 32-bit big-endian words: each is two 16-bit words, and the carries
	 * out of bit 31 land in the upper half, which the fold adds back. The
	 * 64-bit accumulator cannot overflow for any packet we handle. */
	while (len >= 4) {
		memcpy(&w, b, 4);
		sum += __builtin_bswap32(w);
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += (uint32_t)b[0] << 8 | b[1];
		b += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}

uint64_t csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto,
		     uint32_t len)
{
	uint64_t sum = 0;

	sum = csum_add(sum, src, addr_len);
	sum = csum_add(sum, dst, addr_len);
	return sum + proto + (len >> 16) + (len & 0xffff);
}

uint16_t csum_fold_partial(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t csum_fold(uint64_t sum)
{
	return (uint16_t)~csum_fold_partial(sum);
}

void csum_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
