/* The Internet checksum (RFC 1071) for the offload paths: partial sums that
 * can be combined, the IPv4/IPv6 pseudo-header, and the final fold. Pure. */
#ifndef DATAPLANE_CSUM_H
#define DATAPLANE_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds p[0..len) to sum as big-endian 16-bit words (a trailing odd byte is
 * padded with zero). Sums of blocks at even offsets can be chained. The
 * result is not folded: pass it to csum_fold. */
uint64_t csum_add(uint64_t sum, const void *p, size_t len);

/* The pseudo-header sum of RFC 768 / RFC 8200 section 8.1. addr_len is 4 or
 * 16; len is the transport length (header + payload). */
uint64_t csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t addr_len, uint8_t proto,
		     uint32_t len);

/* The 16-bit one's complement sum of `sum`, not inverted (what a checksum
 * field holds for a partial, kernel-completed checksum). Host order. */
uint16_t csum_fold_partial(uint64_t sum);
/* The checksum field value: ~fold. Host order. */
uint16_t csum_fold(uint64_t sum);

/* Stores a host-order 16-bit value big-endian at p. */
void csum_store(uint8_t *p, uint16_t v);

#endif
