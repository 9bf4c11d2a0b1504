/* Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (whitepaper
 * section 5.4):
 *
 *   <- s
 *   ...
 *   -> e, es, s, ss, {t}        initiation
 *   <- e, ee, se, psk, {}       response
 *
 * This file knows nothing of peer storage: the responder finds the
 * initiator's handshake state through wg_noise_ops, and the caller assigns
 * sender indices and MACs (neither is part of the Noise transcript). */
#ifndef TUNNEL_NOISE_H
#define TUNNEL_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "tunnel/index.h"
#include "tunnel/keypair.h"
#include "tunnel/messages.h"
#include "tunnel/tunnel.h"

/* Our static key pair. */
struct wg_identity {
	uint8_t private_key[WG_KEY_LEN];
	uint8_t public_key[WG_KEY_LEN];
	bool has_key;
};

enum wg_handshake_state {
	WG_HS_ZEROED = 0,
	WG_HS_CREATED_INITIATION,
	WG_HS_CONSUMED_INITIATION,
	WG_HS_CREATED_RESPONSE,
	WG_HS_CONSUMED_RESPONSE,
};

/* One peer's handshake. The first group lives as long as the peer; the
 * second is one exchange's state and is wiped when a session begins. */
struct wg_handshake {
	struct wg_index_entry entry;   /* our sender index while one is pending */
	uint8_t remote_static[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	uint8_t precomputed_ss[WG_KEY_LEN];  /* DH(s_us, s_them); zero: unusable */
	uint8_t latest_timestamp[WG_TIMESTAMP_LEN];
	uint64_t last_initiation_consumption;
	bool consumed_any;             /* last_initiation_consumption is set */

	enum wg_handshake_state state;
	uint64_t initiation_created;   /* WG_HS_CREATED_INITIATION: when */
	uint8_t ephemeral_private[WG_KEY_LEN];
	uint8_t remote_ephemeral[WG_KEY_LEN];
	uint8_t hash[WG_HASH_LEN];
	uint8_t chaining_key[WG_HASH_LEN];
	uint32_t remote_index;
};

struct wg_noise_ops {
	/* The handshake of the peer whose static public key is s, or NULL. */
	struct wg_handshake *(*lookup_static)(void *ctx, const uint8_t s[WG_KEY_LEN]);
	void *ctx;
};

/* Sets the identity from a private key (clamped). false, and no key, when
 * the private key yields no public key. */
bool wg_noise_identity_set(struct wg_identity *id, const uint8_t private_key[WG_KEY_LEN]);
void wg_noise_identity_clear(struct wg_identity *id);

void wg_noise_handshake_init(struct wg_handshake *hs, struct wg_peer *peer,
			     const uint8_t remote_static[WG_KEY_LEN]);
/* Recomputes DH(s_us, s_them) after either static key changed. */
void wg_noise_precompute(struct wg_handshake *hs, const struct wg_identity *id);
/* Forgets the exchange in progress (wiped) and unlinks its index. */
void wg_noise_handshake_clear(struct wg_handshake *hs, struct wg_index_table *t);
/* Wipes everything, the long-lived secrets included. */
void wg_noise_handshake_wipe(struct wg_handshake *hs, struct wg_index_table *t);

/* Fills msg except sender_index and macs. Draws the ephemeral private key
 * (32 bytes) from env->rng. -ENOKEY: no identity or unusable peer key. */
int wg_noise_create_initiation(struct wg_handshake *hs, const struct wg_identity *id,
			       const struct wg_env *env, struct wg_msg_initiation *msg);
/* WG_DROP_NONE and *out set on success; the handshake is then
 * WG_HS_CONSUMED_INITIATION. */
enum wg_drop_reason wg_noise_consume_initiation(const struct wg_identity *id,
						const struct wg_noise_ops *ops,
						const struct wg_msg_initiation *msg, uint64_t now,
						struct wg_handshake **out);
/* Fills msg except sender_index and macs; needs WG_HS_CONSUMED_INITIATION.
 * Draws the ephemeral private key from env->rng. */
int wg_noise_create_response(struct wg_handshake *hs, const struct wg_identity *id,
			     const struct wg_env *env, struct wg_msg_response *msg);
/* hs is the handshake that msg->receiver_index named. */
enum wg_drop_reason wg_noise_consume_response(struct wg_handshake *hs, const struct wg_identity *id,
					      const struct wg_msg_response *msg);
/* Derives the transport keys into kp (after a response was created or
 * consumed) and wipes the exchange state. The index is the caller's:
 * kp should take over hs->entry's index. -EINVAL in any other state. */
int wg_noise_begin_session(struct wg_handshake *hs, struct wg_keypair *kp, uint64_t now);

#endif
