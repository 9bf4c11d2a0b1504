/* TAI64N timestamps (cr.yp.to/libtai/tai64.html) for handshake initiations:
 * 8 bytes of big-endian TAI seconds, then 4 bytes of big-endian nanoseconds.
 * Big-endian on purpose: byte order equals time order, so a plain memcmp
 * tells which of two timestamps is newer. */
#ifndef TUNNEL_TAI64N_H
#define TUNNEL_TAI64N_H

#include <stdbool.h>
#include <stdint.h>

#include "tunnel/messages.h"

/* wall_ns: ns since the Unix epoch. The nanoseconds are whitened (rounded
 * down to WG_TIMESTAMP_WHITEN_MASK + 1) as every WireGuard does. */
void wg_tai64n_encode(uint8_t out[WG_TIMESTAMP_LEN], uint64_t wall_ns);
/* true when a is strictly later than b. */
bool wg_tai64n_after(const uint8_t a[WG_TIMESTAMP_LEN], const uint8_t b[WG_TIMESTAMP_LEN]);

#endif
