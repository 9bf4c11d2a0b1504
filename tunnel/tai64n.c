/* TAI64N encoding of the wall clock for handshake initiations. */
#include "tunnel/tai64n.h"

#include <string.h>

static void store_be(uint8_t *out, uint64_t v, unsigned bytes)
{
	while (bytes--) {
		out[bytes] = (uint8_t)v;
		v >>= 8;
	}
}

void wg_tai64n_encode(uint8_t out[WG_TIMESTAMP_LEN], uint64_t wall_ns)
{
	uint64_t secs = wall_ns / 1000000000ULL;
	uint32_t nsec = (uint32_t)(wall_ns % 1000000000ULL);

	/* A peer only needs ordering, not precision, and precise time is a
	 * fingerprint: drop the low bits as the reference implementations do. */
	nsec &= ~(uint32_t)WG_TIMESTAMP_WHITEN_MASK;
	store_be(out, WG_TAI64_EPOCH + secs, 8);
	store_be(out + 8, nsec, 4);
}

bool wg_tai64n_after(const uint8_t a[WG_TIMESTAMP_LEN], const uint8_t b[WG_TIMESTAMP_LEN])
{
	return memcmp(a, b, WG_TIMESTAMP_LEN) > 0;
}
