/* Device lifetime, identity changes and drop accounting. */
#include "tunnel/device.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/key.h"

static const char *const drop_names[WG_DROP__COUNT] = {
	[WG_DROP_NONE] = "none",
	[WG_DROP_SHORT] = "short",
	[WG_DROP_BAD_TYPE] = "bad_type",
	[WG_DROP_BAD_SIZE] = "bad_size",
	[WG_DROP_NO_PRIVATE_KEY] = "no_private_key",
	[WG_DROP_BAD_MAC1] = "bad_mac1",
	[WG_DROP_BAD_MAC2] = "bad_mac2",
	[WG_DROP_HANDSHAKE_DECRYPT] = "handshake_decrypt",
	[WG_DROP_UNKNOWN_PEER] = "unknown_peer",
	[WG_DROP_STALE_TIMESTAMP] = "stale_timestamp",
	[WG_DROP_FLOOD] = "flood",
	[WG_DROP_CROSSED] = "crossed_initiation",
	[WG_DROP_UNKNOWN_INDEX] = "unknown_index",
	[WG_DROP_BAD_STATE] = "bad_state",
	[WG_DROP_COOKIE_DECRYPT] = "cookie_decrypt",
	[WG_DROP_KEY_EXPIRED] = "key_expired",
	[WG_DROP_DATA_DECRYPT] = "data_decrypt",
	[WG_DROP_REPLAY] = "replay",
};

const char *wg_drop_reason_name(enum wg_drop_reason reason)
{
	if ((unsigned)reason >= WG_DROP__COUNT || !drop_names[reason])
		return "unknown";
	return drop_names[reason];
}

void wg_device_count_drop(struct wg_device *dev, enum wg_drop_reason reason)
{
	if ((unsigned)reason < WG_DROP__COUNT)
		dev->drops[reason]++;
}

const uint64_t *wg_device_drop_counters(const struct wg_device *dev)
{
	return dev->drops;
}

uint64_t wg_device_drops_total(const struct wg_device *dev)
{
	uint64_t total = 0;
	int i;

	for (i = WG_DROP_NONE + 1; i < WG_DROP__COUNT; i++)
		total += dev->drops[i];
	return total;
}

struct wg_device *wg_device_create(const uint8_t private_key[WG_KEY_LEN])
{
	struct wg_device *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	if (wg_index_table_init(&dev->indices, WG_INDEX_BUCKETS))
		goto err_indices;
	if (wg_peer_table_init(&dev->peers))
		goto err_peers;
	if (private_key)
		wg_device_set_private_key(dev, private_key);
	return dev;

err_peers:
	wg_index_table_free(&dev->indices);
err_indices:
	free(dev);
	return NULL;
}

void wg_device_destroy(struct wg_device *dev)
{
	if (!dev)
		return;
	wg_peer_table_free(dev);
	wg_index_table_free(&dev->indices);
	wg_cookie_checker_wipe(&dev->checker);
	wg_noise_identity_clear(&dev->identity);
	sodium_memzero(dev, sizeof(*dev));
	free(dev);
}

static bool same_private_key(const struct wg_device *dev, const uint8_t *private_key)
{
	uint8_t clamped[WG_KEY_LEN];
	bool same;

	if (!private_key || !dev->identity.has_key)
		return !private_key && !dev->identity.has_key;
	wg_key_private_from_random(clamped, private_key);
	same = sodium_memcmp(clamped, dev->identity.private_key, WG_KEY_LEN) == 0;
	sodium_memzero(clamped, sizeof(clamped));
	return same;
}

/* A peer with our own public key would be ourselves: it goes. */
static void remove_self_peer(struct wg_device *dev)
{
	struct wg_peer *self;

	if (!dev->identity.has_key)
		return;
	self = wg_peer_lookup(dev, dev->identity.public_key);
	if (self)
		wg_peer_remove(dev, self);
}

void wg_device_set_private_key(struct wg_device *dev, const uint8_t private_key[WG_KEY_LEN])
{
	struct wg_peer *peer;

	if (same_private_key(dev, private_key))
		return;
	if (private_key)
		wg_noise_identity_set(&dev->identity, private_key);
	else
		wg_noise_identity_clear(&dev->identity);
	remove_self_peer(dev);
	wg_cookie_checker_set_key(&dev->checker,
				  dev->identity.has_key ? dev->identity.public_key : NULL);
	/* Sessions made under the old identity stop sending; receiving goes
	 * on until a handshake under the new one replaces them. */
	for (peer = dev->peers.first; peer; peer = peer->list_next) {
		wg_noise_precompute(&peer->handshake, &dev->identity);
		wg_noise_handshake_clear(&peer->handshake, &dev->indices);
		wg_keypairs_expire_sending(&peer->keypairs);
		wg_peer_reset_handshake_rate_limit(peer);
	}
}

bool wg_device_private_key(const struct wg_device *dev, uint8_t out[WG_KEY_LEN])
{
	if (!dev->identity.has_key)
		return false;
	memcpy(out, dev->identity.private_key, WG_KEY_LEN);
	return true;
}

bool wg_device_public_key(const struct wg_device *dev, uint8_t out[WG_KEY_LEN])
{
	if (!dev->identity.has_key)
		return false;
	memcpy(out, dev->identity.public_key, WG_KEY_LEN);
	return true;
}
