/* The receiver-index table: every pending handshake and every keypair owns a
 * random 32-bit index that the remote peer puts in the messages it sends us,
 * and this table maps it back. Entries are embedded in their owner (no
 * allocation per insert); buckets are allocated once per device. */
#ifndef TUNNEL_INDEX_H
#define TUNNEL_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/tunnel.h"

enum wg_index_type {
	WG_INDEX_HANDSHAKE = 1u << 0,
	WG_INDEX_KEYPAIR = 1u << 1,
};

struct wg_index_entry {
	struct wg_index_entry *next; /* bucket chain */
	struct wg_peer *peer;        /* owner's peer, returned by lookups */
	uint32_t index;              /* host order of the little-endian wire value */
	uint8_t type;                /* enum wg_index_type */
	bool linked;
};

struct wg_index_table {
	struct wg_index_entry **buckets;
	uint32_t mask;   /* bucket count - 1 */
	size_t count;
};

/* Redraws after this many collisions in a row: only a broken RNG gets here. */
#define WG_INDEX_MAX_DRAWS 64

/* nbuckets: a power of two. -ENOMEM. */
int wg_index_table_init(struct wg_index_table *t, uint32_t nbuckets);
/* The table must be empty (every owner removed its entry). */
void wg_index_table_free(struct wg_index_table *t);

void wg_index_entry_init(struct wg_index_entry *e, uint8_t type, struct wg_peer *peer);
/* Gives e a fresh random index (4 bytes from rng, as they appear on the
 * wire), first removing it if it was linked. -EAGAIN: no free index found. */
int wg_index_insert(struct wg_index_table *t, struct wg_index_entry *e, const struct wg_rng *rng);
/* No-op when e is not linked. */
void wg_index_remove(struct wg_index_table *t, struct wg_index_entry *e);
/* `to` takes over from's index (a keypair inheriting its handshake's index).
 * false when `from` was not linked. */
bool wg_index_replace(struct wg_index_table *t, struct wg_index_entry *from,
		      struct wg_index_entry *to);
/* type_mask: OR of enum wg_index_type. NULL when absent. */
struct wg_index_entry *wg_index_lookup(const struct wg_index_table *t, uint32_t index,
				       unsigned type_mask);
size_t wg_index_count(const struct wg_index_table *t);

#endif
