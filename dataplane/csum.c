/* RFC 1071 checksum: wide native-order accumulation, folded and swapped. */
#include "dataplane/csum.h"

#include <string.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The sum of p as little-endian 16-bit words, 8 bytes a step. One's
 * complement addition does not care about byte order except for a final
 * swap, and each 64-bit word is added as two 32-bit halves so the 64-bit
 * accumulators cannot overflow for any buffer under 2^32 bytes. */
static uint64_t sum_native(const uint8_t *b, size_t len)
{
	uint64_t s0 = 0, s1 = 0, w0, w1;
	uint32_t w;
	uint16_t h;

	while (len >= 16) {
		memcpy(&w0, b, 8);
		memcpy(&w1, b + 8, 8);
		s0 += (w0 & 0xffffffffu) + (w0 >> 32);
		s1 += (w1 & 0xffffffffu) + (w1 >> 32);
		b += 16;
		len -= 16;
	}
	s0 += s1;
	if (len >= 8) {
		memcpy(&w0, b, 8);
		s0 += (w0 & 0xffffffffu) + (w0 >> 32);
		b += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w, b, 4);
		s0 += w;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, b, 2);
		s0 += h;
		b += 2;
		len -= 2;
	}
	if (len)
		s0 += b[0];
	return s0;
}

uint64_t csum_add(uint64_t sum, const void *p, size_t len)
{
	uint16_t folded = csum_fold_partial(sum_native(p, len));

	return sum + (uint16_t)(folded << 8 | folded >> 8);
}
#else
uint64_t csum_add(uint64_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (; len >= 2; b += 2, len -= 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	return sum;
}
#endif

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
