/* Noise_IKpsk2 handshake (whitepaper section 5.4). Every step is commented
 * with its Noise token. Secrets on the stack are wiped on every path. */
#include "tunnel/noise.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/kdf.h"
#include "tunnel/key.h"
#include "tunnel/tai64n.h"

/* Working state of one message: chaining key, transcript hash, cipher key. */
struct noise_state {
	uint8_t ck[WG_HASH_LEN];
	uint8_t h[WG_HASH_LEN];
	uint8_t k[WG_KEY_LEN];
};

static void state_wipe(struct noise_state *st)
{
	sodium_memzero(st, sizeof(*st));
}

static void mix_hash(uint8_t h[WG_HASH_LEN], const uint8_t *in, size_t len)
{
	uint8_t out[WG_HASH_LEN];

	wg_hash2(out, h, WG_HASH_LEN, in, len);
	memcpy(h, out, WG_HASH_LEN);
}

/* ck, k = KDF2(ck, in) (k may be NULL: KDF1). */
static void mix_key(struct noise_state *st, uint8_t *k, const uint8_t *in, size_t len)
{
	uint8_t t1[WG_HASH_LEN], t2[WG_HASH_LEN];

	wg_kdf(t1, k ? t2 : NULL, NULL, st->ck, in, len);
	memcpy(st->ck, t1, WG_HASH_LEN);
	if (k)
		memcpy(k, t2, WG_KEY_LEN);
	sodium_memzero(t1, sizeof(t1));
	sodium_memzero(t2, sizeof(t2));
}

/* X25519, refusing the all-zero result of a small-order point. */
static bool dh(uint8_t out[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
	       const uint8_t pub[WG_KEY_LEN])
{
	if (crypto_scalarmult(out, priv, pub) != 0 || sodium_is_zero(out, WG_KEY_LEN)) {
		sodium_memzero(out, WG_KEY_LEN);
		return false;
	}
	return true;
}

static bool mix_dh(struct noise_state *st, uint8_t *k, const uint8_t priv[WG_KEY_LEN],
		   const uint8_t pub[WG_KEY_LEN])
{
	uint8_t shared[WG_KEY_LEN];

	if (!dh(shared, priv, pub))
		return false;
	mix_key(st, k, shared, sizeof(shared));
	sodium_memzero(shared, sizeof(shared));
	return true;
}

static bool mix_precomputed(struct noise_state *st, const uint8_t ss[WG_KEY_LEN])
{
	if (sodium_is_zero(ss, WG_KEY_LEN))
		return false;
	mix_key(st, st->k, ss, WG_KEY_LEN);
	return true;
}

/* ck, tau, k = KDF3(ck, psk); h = HASH(h || tau) */
static void mix_psk(struct noise_state *st, const uint8_t psk[WG_KEY_LEN])
{
	uint8_t ck[WG_HASH_LEN], tau[WG_HASH_LEN];

	wg_kdf(ck, tau, st->k, st->ck, psk, WG_KEY_LEN);
	memcpy(st->ck, ck, WG_HASH_LEN);
	mix_hash(st->h, tau, sizeof(tau));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(tau, sizeof(tau));
}

/* e: the ephemeral public key goes into the hash and the chaining key. */
static void mix_ephemeral(struct noise_state *st, const uint8_t e[WG_KEY_LEN])
{
	mix_hash(st->h, e, WG_KEY_LEN);
	mix_key(st, NULL, e, WG_KEY_LEN);
}

/* AEAD(k, 0, plain, h), then h = HASH(h || ciphertext). */
static void seal(struct noise_state *st, uint8_t *dst, const uint8_t *src, size_t len)
{
	static const uint8_t nonce[12];
	uint8_t none;

	crypto_aead_chacha20poly1305_ietf_encrypt_detached(dst, dst + len, NULL, len ? src : &none,
							   len, st->h, WG_HASH_LEN, NULL, nonce,
							   st->k);
	mix_hash(st->h, dst, len + WG_AEAD_TAG_LEN);
}

static bool open_sealed(struct noise_state *st, uint8_t *dst, const uint8_t *src, size_t len)
{
	static const uint8_t nonce[12];
	uint8_t none;

	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(len ? dst : &none, NULL, src, len,
							       src + len, st->h, WG_HASH_LEN,
							       nonce, st->k) != 0)
		return false;
	mix_hash(st->h, src, len + WG_AEAD_TAG_LEN);
	return true;
}

/* ck = HASH(construction); h = HASH(HASH(ck || identifier) || s_responder) */
static void state_init(struct noise_state *st, const uint8_t responder[WG_KEY_LEN])
{
	static const char construction[] = WG_CONSTRUCTION;
	static const char identifier[] = WG_IDENTIFIER;

	wg_hash2(st->ck, (const uint8_t *)construction, sizeof(construction) - 1, NULL, 0);
	wg_hash2(st->h, st->ck, WG_HASH_LEN, (const uint8_t *)identifier, sizeof(identifier) - 1);
	mix_hash(st->h, responder, WG_KEY_LEN);
	memset(st->k, 0, sizeof(st->k));
}

static void state_save(struct wg_handshake *hs, const struct noise_state *st)
{
	memcpy(hs->chaining_key, st->ck, WG_HASH_LEN);
	memcpy(hs->hash, st->h, WG_HASH_LEN);
}

static void state_load(struct noise_state *st, const struct wg_handshake *hs)
{
	memcpy(st->ck, hs->chaining_key, WG_HASH_LEN);
	memcpy(st->h, hs->hash, WG_HASH_LEN);
	memset(st->k, 0, sizeof(st->k));
}

/* A fresh ephemeral key pair from 32 bytes of env->rng. */
static bool new_ephemeral(uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN],
			  const struct wg_env *env)
{
	uint8_t rnd[WG_KEY_LEN];

	env->rng.fill(env->rng.ctx, rnd, sizeof(rnd));
	wg_key_private_from_random(priv, rnd);
	sodium_memzero(rnd, sizeof(rnd));
	return wg_key_public_from_private(pub, priv);
}

bool wg_noise_identity_set(struct wg_identity *id, const uint8_t private_key[WG_KEY_LEN])
{
	wg_noise_identity_clear(id);
	wg_key_private_from_random(id->private_key, private_key);
	id->has_key = wg_key_public_from_private(id->public_key, id->private_key);
	if (!id->has_key)
		wg_noise_identity_clear(id);
	return id->has_key;
}

void wg_noise_identity_clear(struct wg_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

void wg_noise_handshake_init(struct wg_handshake *hs, struct wg_peer *peer,
			     const uint8_t remote_static[WG_KEY_LEN])
{
	memset(hs, 0, sizeof(*hs));
	wg_index_entry_init(&hs->entry, WG_INDEX_HANDSHAKE, peer);
	memcpy(hs->remote_static, remote_static, WG_KEY_LEN);
}

void wg_noise_precompute(struct wg_handshake *hs, const struct wg_identity *id)
{
	if (!id->has_key || !dh(hs->precomputed_ss, id->private_key, hs->remote_static))
		sodium_memzero(hs->precomputed_ss, WG_KEY_LEN);
}

static void exchange_zero(struct wg_handshake *hs)
{
	sodium_memzero(hs->ephemeral_private, WG_KEY_LEN);
	sodium_memzero(hs->remote_ephemeral, WG_KEY_LEN);
	sodium_memzero(hs->hash, WG_HASH_LEN);
	sodium_memzero(hs->chaining_key, WG_HASH_LEN);
	hs->remote_index = 0;
	hs->state = WG_HS_ZEROED;
}

void wg_noise_handshake_clear(struct wg_handshake *hs, struct wg_index_table *t)
{
	wg_index_remove(t, &hs->entry);
	exchange_zero(hs);
}

void wg_noise_handshake_wipe(struct wg_handshake *hs, struct wg_index_table *t)
{
	wg_index_remove(t, &hs->entry);
	sodium_memzero(hs, sizeof(*hs));
}

int wg_noise_create_initiation(struct wg_handshake *hs, const struct wg_identity *id,
			       const struct wg_env *env, struct wg_msg_initiation *msg)
{
	uint8_t timestamp[WG_TIMESTAMP_LEN];
	struct noise_state st;
	int ret = -ENOKEY;

	exchange_zero(hs);
	if (!id->has_key)
		goto out;
	msg->type = htole32(WG_MSG_INITIATION);
	state_init(&st, hs->remote_static);

	/* e */
	if (!new_ephemeral(hs->ephemeral_private, msg->ephemeral, env))
		goto out;
	mix_ephemeral(&st, msg->ephemeral);

	/* es */
	if (!mix_dh(&st, st.k, hs->ephemeral_private, hs->remote_static))
		goto out;

	/* s */
	seal(&st, msg->encrypted_static, id->public_key, WG_KEY_LEN);

	/* ss */
	if (!mix_precomputed(&st, hs->precomputed_ss))
		goto out;

	/* {t} */
	wg_tai64n_encode(timestamp, env->wall_ns);
	seal(&st, msg->encrypted_timestamp, timestamp, WG_TIMESTAMP_LEN);

	state_save(hs, &st);
	hs->state = WG_HS_CREATED_INITIATION;
	hs->initiation_created = env->now;
	ret = 0;
out:
	if (ret)
		exchange_zero(hs);
	state_wipe(&st);
	return ret;
}

/* Replay (timestamp not newer) and flood (too soon after the previous one). */
static enum wg_drop_reason initiation_check(const struct wg_handshake *hs,
					    const uint8_t t[WG_TIMESTAMP_LEN], uint64_t now)
{
	if (!wg_tai64n_after(t, hs->latest_timestamp))
		return WG_DROP_STALE_TIMESTAMP;
	if (hs->consumed_any &&
	    now < hs->last_initiation_consumption + WG_NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND)
		return WG_DROP_FLOOD;
	return WG_DROP_NONE;
}

/* Both sides initiated at once. Each would answer the other and so drop the
 * answer to its own (a consumed initiation replaces the pending exchange),
 * and both would wait REKEY_TIMEOUT to retry. The side with the lower static
 * key keeps its exchange and ignores the other's initiation; the other side
 * answers ours. Only while ours is fresh: one of ours that was lost must not
 * shut the peer out beyond our next retry. A peer that does not follow the
 * rule (stock WireGuard) answers ours anyway, so nothing is lost. */
static bool initiation_crossed(const struct wg_handshake *hs, const struct wg_identity *id,
			       uint64_t now)
{
	return hs->state == WG_HS_CREATED_INITIATION && now - hs->initiation_created < WG_REKEY_TIMEOUT &&
	       memcmp(id->public_key, hs->remote_static, WG_KEY_LEN) < 0;
}

enum wg_drop_reason wg_noise_consume_initiation(const struct wg_identity *id,
						const struct wg_noise_ops *ops,
						const struct wg_msg_initiation *msg, uint64_t now,
						struct wg_handshake **out)
{
	enum wg_drop_reason ret = WG_DROP_HANDSHAKE_DECRYPT;
	uint8_t s[WG_KEY_LEN], t[WG_TIMESTAMP_LEN];
	struct wg_handshake *hs;
	struct noise_state st;

	*out = NULL;
	if (!id->has_key)
		return WG_DROP_NO_PRIVATE_KEY;
	state_init(&st, id->public_key);

	/* e */
	mix_ephemeral(&st, msg->ephemeral);

	/* es */
	if (!mix_dh(&st, st.k, id->private_key, msg->ephemeral))
		goto out;

	/* s */
	if (!open_sealed(&st, s, msg->encrypted_static, WG_KEY_LEN))
		goto out;
	hs = ops->lookup_static(ops->ctx, s);
	if (!hs) {
		ret = WG_DROP_UNKNOWN_PEER;
		goto out;
	}

	/* ss */
	if (!mix_precomputed(&st, hs->precomputed_ss))
		goto out;

	/* {t} */
	if (!open_sealed(&st, t, msg->encrypted_timestamp, WG_TIMESTAMP_LEN))
		goto out;
	ret = initiation_check(hs, t, now);
	if (ret == WG_DROP_NONE && initiation_crossed(hs, id, now))
		ret = WG_DROP_CROSSED;
	if (ret != WG_DROP_NONE)
		goto out;

	/* Authenticated and fresh: this replaces any exchange in progress. */
	exchange_zero(hs);
	memcpy(hs->remote_ephemeral, msg->ephemeral, WG_KEY_LEN);
	memcpy(hs->latest_timestamp, t, WG_TIMESTAMP_LEN);
	state_save(hs, &st);
	hs->remote_index = le32toh(msg->sender_index);
	hs->last_initiation_consumption = now;
	hs->consumed_any = true;
	hs->state = WG_HS_CONSUMED_INITIATION;
	*out = hs;
out:
	state_wipe(&st);
	sodium_memzero(s, sizeof(s));
	sodium_memzero(t, sizeof(t));
	return ret;
}

int wg_noise_create_response(struct wg_handshake *hs, const struct wg_identity *id,
			     const struct wg_env *env, struct wg_msg_response *msg)
{
	struct noise_state st;
	int ret = -EINVAL;

	if (hs->state != WG_HS_CONSUMED_INITIATION || !id->has_key)
		return ret;
	state_load(&st, hs);
	msg->type = htole32(WG_MSG_RESPONSE);
	msg->receiver_index = htole32(hs->remote_index);

	/* e */
	if (!new_ephemeral(hs->ephemeral_private, msg->ephemeral, env))
		goto out;
	mix_ephemeral(&st, msg->ephemeral);

	/* ee */
	if (!mix_dh(&st, NULL, hs->ephemeral_private, hs->remote_ephemeral))
		goto out;

	/* se */
	if (!mix_dh(&st, NULL, hs->ephemeral_private, hs->remote_static))
		goto out;

	/* psk */
	mix_psk(&st, hs->psk);

	/* {} */
	seal(&st, msg->encrypted_nothing, NULL, 0);

	state_save(hs, &st);
	hs->state = WG_HS_CREATED_RESPONSE;
	ret = 0;
out:
	if (ret)
		exchange_zero(hs);
	state_wipe(&st);
	return ret;
}

enum wg_drop_reason wg_noise_consume_response(struct wg_handshake *hs, const struct wg_identity *id,
					      const struct wg_msg_response *msg)
{
	enum wg_drop_reason ret = WG_DROP_HANDSHAKE_DECRYPT;
	struct noise_state st;

	if (!id->has_key)
		return WG_DROP_NO_PRIVATE_KEY;
	if (hs->state != WG_HS_CREATED_INITIATION)
		return WG_DROP_BAD_STATE;
	state_load(&st, hs);

	/* e */
	mix_ephemeral(&st, msg->ephemeral);

	/* ee */
	if (!mix_dh(&st, NULL, hs->ephemeral_private, msg->ephemeral))
		goto out;

	/* se */
	if (!mix_dh(&st, NULL, id->private_key, msg->ephemeral))
		goto out;

	/* psk */
	mix_psk(&st, hs->psk);

	/* {} */
	if (!open_sealed(&st, NULL, msg->encrypted_nothing, 0))
		goto out;

	memcpy(hs->remote_ephemeral, msg->ephemeral, WG_KEY_LEN);
	state_save(hs, &st);
	hs->remote_index = le32toh(msg->sender_index);
	hs->state = WG_HS_CONSUMED_RESPONSE;
	ret = WG_DROP_NONE;
out:
	state_wipe(&st);
	return ret;
}

int wg_noise_begin_session(struct wg_handshake *hs, struct wg_keypair *kp, uint64_t now)
{
	uint8_t *first, *second;

	if (hs->state != WG_HS_CREATED_RESPONSE && hs->state != WG_HS_CONSUMED_RESPONSE)
		return -EINVAL;
	kp->initiator = hs->state == WG_HS_CONSUMED_RESPONSE;
	/* T_send, T_recv = KDF2(ck, empty), from the initiator's side. */
	first = kp->initiator ? kp->send_key : kp->recv_key;
	second = kp->initiator ? kp->recv_key : kp->send_key;
	wg_kdf(first, second, NULL, hs->chaining_key, NULL, 0);
	wg_aead_ctx_destroy(kp->send_ctx);
	wg_aead_ctx_destroy(kp->recv_ctx);
	kp->send_ctx = wg_aead_ctx_create(kp->send_key, true);
	kp->recv_ctx = wg_aead_ctx_create(kp->recv_key, false);
	kp->remote_index = hs->remote_index;
	kp->birth = now;
	kp->send_counter = 0;
	wg_replay_init(&kp->replay);
	kp->send_valid = kp->recv_valid = true;
	exchange_zero(hs);
	return 0;
}
