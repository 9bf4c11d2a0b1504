/* Peers: one per remote static key. The device keeps them in a hash table
 * keyed by public key (for initiations) and in a list in insertion order
 * (for wg(8) output). Internal to tunnel/. */
#ifndef TUNNEL_PEER_H
#define TUNNEL_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/cookie.h"
#include "tunnel/keypair.h"
#include "tunnel/noise.h"
#include "tunnel/timers.h"
#include "tunnel/tunnel.h"

struct wg_peer {
	struct wg_device *dev;
	struct wg_peer *list_prev, *list_next;  /* insertion order */
	struct wg_peer *hash_next;              /* public-key bucket chain */
	struct wg_handshake handshake;          /* remote_static is the peer's key */
	struct wg_keypairs keypairs;
	struct wg_cookie cookie;
	struct wg_timers timers;
	struct wg_endpoint endpoint;
	uint64_t last_sent_handshake;           /* monotonic ns; valid if sent_handshake */
	bool sent_handshake;
	uint16_t persistent_keepalive;          /* seconds, 0: off */
	struct wg_peer_stats stats;
	void *user;
};

struct wg_peer_table {
	struct wg_peer **buckets;
	uint32_t mask;           /* bucket count - 1 */
	size_t count;
	struct wg_peer *first, *last;
};

int wg_peer_table_init(struct wg_peer_table *t);
/* Removes and frees every peer. */
void wg_peer_table_free(struct wg_device *dev);
/* Lets the next wg_peer_create_initiation through at once. */
void wg_peer_reset_handshake_rate_limit(struct wg_peer *peer);

/* Bookkeeping after an initiation or response was built for sending. */
void wg_peer_note_handshake_sent(struct wg_peer *peer, uint64_t now, size_t len);

#endif
