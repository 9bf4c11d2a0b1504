/* Denial-of-service cookies (whitepaper section 5.4.4 and 5.4.7).
 *
 * Every handshake message ends in mac1 = MAC(HASH("mac1----" || S_receiver),
 * bytes before mac1), proving the sender knows the receiver's public key, and
 * mac2 = MAC(cookie, bytes before mac2) or zeros. Under load the receiver
 * wants a valid mac2: the cookie is MAC(secret, source address || port), the
 * secret changes every two minutes, and a sender gets it in a cookie reply,
 * XChaCha20-Poly1305-sealed under HASH("cookie--" || S_receiver) with the
 * triggering mac1 as associated data. */
#ifndef TUNNEL_COOKIE_H
#define TUNNEL_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/messages.h"
#include "tunnel/tunnel.h"

/* Receiving side, one per device. */
struct wg_cookie_checker {
	uint8_t secret[WG_HASH_LEN];
	uint64_t secret_birth;        /* monotonic ns */
	bool has_secret;              /* drawn lazily: creation has no RNG */
	uint8_t mac1_key[WG_KEY_LEN];   /* HASH("mac1----" || our public key) */
	uint8_t cookie_key[WG_KEY_LEN]; /* HASH("cookie--" || our public key) */
};

/* Sending side, one per peer. */
struct wg_cookie {
	uint8_t mac1_key[WG_KEY_LEN];      /* HASH("mac1----" || their public key) */
	uint8_t decryption_key[WG_KEY_LEN]; /* HASH("cookie--" || their public key) */
	uint8_t cookie[WG_COOKIE_LEN];
	uint64_t birth;                    /* monotonic ns the cookie arrived */
	bool is_valid;
	uint8_t last_mac1_sent[WG_COOKIE_LEN];
	bool have_sent_mac1;
};

enum wg_mac_state {
	WG_MAC_INVALID,
	WG_MAC_VALID_NO_COOKIE,  /* mac1 good; mac2 not checked or not good */
	WG_MAC_VALID_WITH_COOKIE,
};

/* NULL public key: no identity (the keys become zero). */
void wg_cookie_checker_set_key(struct wg_cookie_checker *c, const uint8_t *public_key);
void wg_cookie_checker_wipe(struct wg_cookie_checker *c);
void wg_cookie_init(struct wg_cookie *ck, const uint8_t their_public_key[WG_KEY_LEN]);
void wg_cookie_wipe(struct wg_cookie *ck);

/* msg is a whole handshake message (len bytes, ending in struct wg_msg_macs).
 * check_cookie: also verify mac2 against the cookie for src (may rotate the
 * secret: 32 bytes from env->rng). */
enum wg_mac_state wg_cookie_validate(struct wg_cookie_checker *c, const uint8_t *msg, size_t len,
				     const struct wg_endpoint *src, bool check_cookie,
				     const struct wg_env *env);
/* Writes mac1, and mac2 when a cookie younger than
 * WG_COOKIE_SECRET_MAX_AGE - WG_COOKIE_SECRET_LATENCY is held. */
void wg_cookie_add_macs(struct wg_cookie *ck, uint8_t *msg, size_t len, uint64_t now);
/* Answers the handshake message msg (len bytes) from src with a cookie reply
 * addressed to sender_index (wire byte order). Draws the 24-byte nonce. */
void wg_cookie_reply_create(struct wg_cookie_checker *c, struct wg_msg_cookie_reply *reply,
			    const uint8_t *msg, size_t len, uint32_t sender_index_le,
			    const struct wg_endpoint *src, const struct wg_env *env);
/* Opens a cookie reply meant for us; false when it does not decrypt or no
 * handshake message was sent to this peer since the last cookie. */
bool wg_cookie_reply_consume(struct wg_cookie *ck, const struct wg_msg_cookie_reply *reply,
			     uint64_t now);

#endif
