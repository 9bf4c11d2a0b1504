/* IPv4 address allocation inside a subnet.
 *
 * A port may take any address of its subnet except the network address, the
 * gateway (the first usable address) and the broadcast address: a /24 holds
 * 253 ports. Allocation hands out the lowest free address, so addresses are
 * predictable and a freed one is reused first. Pure: the caller passes the
 * addresses in use.
 */
#ifndef CONTROLPLANE_IPAM_H
#define CONTROLPLANE_IPAM_H

#include <stddef.h>
#include <stdint.h>

#include "controlplane/model.h"

/* The number of addresses ports can take in a subnet of length len (0 for
 * lengths that leave none). */
uint32_t cp_ipam_capacity(uint8_t len);

/* The lowest allocatable address of s not in used[0..n). used must be sorted
 * ascending (duplicates and addresses outside s are allowed). -ENOSPC when
 * the subnet is full. */
int cp_ipam_allocate(const struct cp_subnet *s, const uint32_t *used, size_t n, uint32_t *out);

/* The lowest value in [lo, hi] not in used[0..n) (sorted ascending); the
 * same walk, for VNIs. -ENOSPC when none is left. */
int cp_ipam_first_free(uint32_t lo, uint32_t hi, const uint32_t *used, size_t n, uint32_t *out);

#endif
