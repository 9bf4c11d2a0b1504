/* Peer lifetime, the public-key table and the per-peer getters/setters. */
#include "tunnel/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/device.h"

#define PEER_TABLE_MIN_BUCKETS 16

/* Public keys are uniformly random and chosen by the operator, not by the
 * network: their first bytes are a fine hash. */
static uint32_t key_hash(const uint8_t key[WG_KEY_LEN])
{
	return (uint32_t)key[0] | (uint32_t)key[1] << 8 | (uint32_t)key[2] << 16 |
	       (uint32_t)key[3] << 24;
}

static struct wg_peer **peer_bucket(const struct wg_peer_table *t, const uint8_t key[WG_KEY_LEN])
{
	return &t->buckets[key_hash(key) & t->mask];
}

int wg_peer_table_init(struct wg_peer_table *t)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(PEER_TABLE_MIN_BUCKETS, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->mask = PEER_TABLE_MIN_BUCKETS - 1;
	return 0;
}

/* Doubles the buckets once there are as many peers as buckets. */
static int table_grow(struct wg_peer_table *t)
{
	uint32_t n = (t->mask + 1) * 2;
	struct wg_peer **nb, **b;
	struct wg_peer *p;

	if (t->count < t->mask + 1 || n == 0)
		return 0;
	nb = calloc(n, sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	free(t->buckets);
	t->buckets = nb;
	t->mask = n - 1;
	for (p = t->first; p; p = p->list_next) {
		b = peer_bucket(t, p->handshake.remote_static);
		p->hash_next = *b;
		*b = p;
	}
	return 0;
}

static void table_link(struct wg_peer_table *t, struct wg_peer *peer)
{
	struct wg_peer **b = peer_bucket(t, peer->handshake.remote_static);

	peer->hash_next = *b;
	*b = peer;
	peer->list_prev = t->last;
	if (t->last)
		t->last->list_next = peer;
	else
		t->first = peer;
	t->last = peer;
	t->count++;
}

static void table_unlink(struct wg_peer_table *t, struct wg_peer *peer)
{
	struct wg_peer **p;

	for (p = peer_bucket(t, peer->handshake.remote_static); *p; p = &(*p)->hash_next) {
		if (*p == peer) {
			*p = peer->hash_next;
			break;
		}
	}
	if (peer->list_prev)
		peer->list_prev->list_next = peer->list_next;
	else
		t->first = peer->list_next;
	if (peer->list_next)
		peer->list_next->list_prev = peer->list_prev;
	else
		t->last = peer->list_prev;
	t->count--;
}

struct wg_peer *wg_peer_lookup(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *p;

	for (p = *peer_bucket(&dev->peers, public_key); p; p = p->hash_next)
		if (sodium_memcmp(p->handshake.remote_static, public_key, WG_KEY_LEN) == 0)
			return p;
	return NULL;
}

int wg_peer_create(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
		   struct wg_peer **out)
{
	struct wg_peer *peer;
	int ret;

	if (out)
		*out = NULL;
	if (dev->identity.has_key &&
	    sodium_memcmp(public_key, dev->identity.public_key, WG_KEY_LEN) == 0)
		return -EINVAL;
	if (wg_peer_lookup(dev, public_key))
		return -EEXIST;
	ret = table_grow(&dev->peers);
	if (ret)
		return ret;
	peer = calloc(1, sizeof(*peer));
	if (!peer)
		return -ENOMEM;
	peer->dev = dev;
	wg_noise_handshake_init(&peer->handshake, peer, public_key);
	wg_noise_precompute(&peer->handshake, &dev->identity);
	wg_cookie_init(&peer->cookie, public_key);
	wg_timers_init(&peer->timers);
	peer->endpoint.addr.sa.sa_family = AF_UNSPEC;
	table_link(&dev->peers, peer);
	if (out)
		*out = peer;
	return 0;
}

static void peer_free(struct wg_device *dev, struct wg_peer *peer)
{
	wg_keypairs_clear(&peer->keypairs, &dev->indices);
	wg_noise_handshake_wipe(&peer->handshake, &dev->indices);
	wg_cookie_wipe(&peer->cookie);
	sodium_memzero(peer, sizeof(*peer));
	free(peer);
}

void wg_peer_remove(struct wg_device *dev, struct wg_peer *peer)
{
	if (!peer)
		return;
	table_unlink(&dev->peers, peer);
	peer_free(dev, peer);
}

void wg_peer_table_free(struct wg_device *dev)
{
	while (dev->peers.first)
		wg_peer_remove(dev, dev->peers.first);
	free(dev->peers.buckets);
	memset(&dev->peers, 0, sizeof(dev->peers));
}

struct wg_peer *wg_device_first_peer(const struct wg_device *dev)
{
	return dev->peers.first;
}

struct wg_peer *wg_peer_next(const struct wg_peer *peer)
{
	return peer->list_next;
}

void wg_peer_public_key(const struct wg_peer *peer, uint8_t out[WG_KEY_LEN])
{
	memcpy(out, peer->handshake.remote_static, WG_KEY_LEN);
}

void wg_peer_set_preshared_key(struct wg_peer *peer, const uint8_t psk[WG_KEY_LEN])
{
	if (psk)
		memcpy(peer->handshake.psk, psk, WG_KEY_LEN);
	else
		sodium_memzero(peer->handshake.psk, WG_KEY_LEN);
}

bool wg_peer_preshared_key(const struct wg_peer *peer, uint8_t out[WG_KEY_LEN])
{
	memcpy(out, peer->handshake.psk, WG_KEY_LEN);
	return !sodium_is_zero(peer->handshake.psk, WG_KEY_LEN);
}

void wg_peer_set_endpoint(struct wg_peer *peer, const struct wg_endpoint *ep)
{
	if (ep)
		peer->endpoint = *ep;
	else
		memset(&peer->endpoint, 0, sizeof(peer->endpoint));
}

const struct wg_endpoint *wg_peer_endpoint(const struct wg_peer *peer)
{
	return &peer->endpoint;
}

bool wg_peer_set_persistent_keepalive(struct wg_peer *peer, uint16_t seconds, uint64_t now)
{
	bool turned_on = !peer->persistent_keepalive && seconds;

	(void)now;
	peer->persistent_keepalive = seconds;
	if (!seconds)
		wg_timers_event_persistent_keepalive_off(peer);
	return turned_on;
}

uint16_t wg_peer_persistent_keepalive(const struct wg_peer *peer)
{
	return peer->persistent_keepalive;
}

void wg_peer_reset_handshake_rate_limit(struct wg_peer *peer)
{
	peer->sent_handshake = false;
}

void wg_peer_note_handshake_sent(struct wg_peer *peer, uint64_t now, size_t len)
{
	wg_timers_event_any_authenticated_packet_traversal(peer, now);
	wg_timers_event_any_authenticated_packet_sent(peer);
	peer->last_sent_handshake = now;
	peer->sent_handshake = true;
	peer->stats.tx_bytes += len;
}

void wg_peer_clear_sessions(struct wg_peer *peer)
{
	wg_noise_handshake_clear(&peer->handshake, &peer->dev->indices);
	wg_keypairs_clear(&peer->keypairs, &peer->dev->indices);
	wg_peer_reset_handshake_rate_limit(peer);
}

void wg_peer_stats(const struct wg_peer *peer, struct wg_peer_stats *out)
{
	*out = peer->stats;
}

bool wg_peer_has_session(const struct wg_peer *peer, uint64_t now)
{
	const struct wg_keypair *kp = peer->keypairs.current;

	return kp && kp->send_valid && now - kp->birth < WG_REJECT_AFTER_TIME &&
	       kp->send_counter < WG_REJECT_AFTER_MESSAGES;
}

void wg_peer_set_user(struct wg_peer *peer, void *user)
{
	peer->user = user;
}

void *wg_peer_user(const struct wg_peer *peer)
{
	return peer->user;
}
