/* Lowest-free allocation over a sorted list of used values. */
#include "controlplane/ipam.h"

#include <errno.h>

#include "controlplane/validate.h"

uint32_t cp_ipam_capacity(uint8_t len)
{
	if (len > 30)
		return 0;
	/* 2^(32-len) minus network, gateway and broadcast */
	return (uint32_t)((1ull << (32 - len)) - 3);
}

int cp_ipam_first_free(uint32_t lo, uint32_t hi, const uint32_t *used, size_t n, uint32_t *out)
{
	uint64_t want = lo;
	size_t i;

	for (i = 0; i < n && want <= hi; i++) {
		if (used[i] < want)
			continue;          /* below the range, or a duplicate */
		if (used[i] > want)
			break;             /* a gap at `want` */
		want++;
	}
	if (want > hi)
		return -ENOSPC;
	*out = (uint32_t)want;
	return 0;
}

int cp_ipam_allocate(const struct cp_subnet *s, const uint32_t *used, size_t n, uint32_t *out)
{
	uint32_t lo, hi;

	if (cp_ipam_capacity(s->cidr.len) == 0)
		return -ENOSPC;
	/* network, gateway = network + 1, ..., broadcast: ports take the rest */
	lo = s->cidr.addr + 2;
	hi = cp_prefix_broadcast(&s->cidr) - 1;
	return cp_ipam_first_free(lo, hi, used, n, out);
}
