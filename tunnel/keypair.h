/* Transport keypairs: the output of one completed handshake, used for data.
 * A peer holds up to three (whitepaper section 6.3 / the Linux driver):
 * `current` sends and receives, `previous` only receives (packets still in
 * flight under the old keys), `next` is a responder's keypair that waits for
 * the initiator's first data packet to confirm it. Kept apart from handshake
 * state so the data path can later run without the handshake lock. */
#ifndef TUNNEL_KEYPAIR_H
#define TUNNEL_KEYPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "tunnel/aead.h"
#include "tunnel/index.h"
#include "tunnel/messages.h"
#include "tunnel/replay.h"

struct wg_keypair {
	struct wg_index_entry entry;  /* our index: the peer sends to it */
	uint32_t remote_index;        /* the peer's index: we send to it */
	uint8_t send_key[WG_KEY_LEN];
	uint8_t recv_key[WG_KEY_LEN];
	struct wg_aead_ctx *send_ctx;  /* fast AEAD key schedules (aead.h); NULL: libsodium */
	struct wg_aead_ctx *recv_ctx;
	uint64_t send_counter;        /* next nonce to use */
	struct wg_replay replay;
	uint64_t birth;               /* monotonic ns of the derivation */
	bool initiator;               /* we sent the initiation */
	bool send_valid;
	bool recv_valid;
};

struct wg_keypairs {
	struct wg_keypair *current;
	struct wg_keypair *previous;
	struct wg_keypair *next;
};

/* Zeroed keypair (calloc); NULL on allocation failure. */
struct wg_keypair *wg_keypair_alloc(struct wg_peer *peer);
/* Unlinks its index, wipes and frees. NULL is a no-op. */
void wg_keypair_free(struct wg_index_table *t, struct wg_keypair *kp);

/* Sending allowed: valid, younger than REJECT_AFTER_TIME, counter left.
 * Marks the keypair invalid for sending when it is past its life. */
bool wg_keypair_can_send(struct wg_keypair *kp, uint64_t now);
/* Same for receiving. */
bool wg_keypair_can_receive(struct wg_keypair *kp, uint64_t now);

/* Installs a fresh keypair (see the slot rules above); frees what it pushes
 * out. */
void wg_keypairs_add(struct wg_keypairs *kps, struct wg_index_table *t, struct wg_keypair *kp);
/* Called for every authenticated data packet: when kp is `next`, it is the
 * responder's confirmation, so next becomes current. Returns true then. */
bool wg_keypairs_received_with(struct wg_keypairs *kps, struct wg_index_table *t,
			       const struct wg_keypair *kp);
/* Stops sending on current and next (identity changed); receiving goes on
 * until they are replaced. */
void wg_keypairs_expire_sending(struct wg_keypairs *kps);
/* Frees all three. */
void wg_keypairs_clear(struct wg_keypairs *kps, struct wg_index_table *t);

#endif
