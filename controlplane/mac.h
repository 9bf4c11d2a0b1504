/* MAC addresses for ports that do not bring their own.
 *
 * A generated MAC is locally administered (bit 1 of the first octet set) and
 * unicast (bit 0 clear), so it can never clash with a vendor-assigned address
 * or be taken for a group address. The rest is random. Pure: randomness comes
 * from the caller, and so does the question "is this one taken?".
 */
#ifndef CONTROLPLANE_MAC_H
#define CONTROLPLANE_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CP_MAC_ATTEMPTS 16

struct cp_rng {
	void (*fill)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
};

/* Returns 1 if mac is taken, 0 if free, a negative errno if it cannot tell. */
typedef int (*cp_mac_used_fn)(void *ctx, const uint8_t mac[6]);

/* Draws 6 bytes per attempt, forces the two bits, and keeps the first MAC
 * that `used` reports free. -EEXIST after CP_MAC_ATTEMPTS taken draws (with
 * 46 random bits that means the RNG is broken), or used()'s error. */
int cp_mac_generate(const struct cp_rng *rng, cp_mac_used_fn used, void *ctx, uint8_t mac[6]);

bool cp_mac_is_local_unicast(const uint8_t mac[6]);

#endif
