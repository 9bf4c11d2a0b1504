/* Random locally administered unicast MACs. */
#include "controlplane/mac.h"

#include <errno.h>

int cp_mac_generate(const struct cp_rng *rng, cp_mac_used_fn used, void *ctx, uint8_t mac[6])
{
	int attempt, rc;

	for (attempt = 0; attempt < CP_MAC_ATTEMPTS; attempt++) {
		rng->fill(rng->ctx, mac, 6);
		mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
		rc = used(ctx, mac);
		if (rc <= 0)
			return rc;
	}
	return -EEXIST;
}

bool cp_mac_is_local_unicast(const uint8_t mac[6])
{
	return (mac[0] & 0x03) == 0x02;
}
