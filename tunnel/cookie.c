/* mac1/mac2 and cookie replies. */
#include "tunnel/cookie.h"

#include <endian.h>
#include <stddef.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/blake2s.h"
#include "tunnel/kdf.h"

#define MAC1_OFFSET(len) ((len) - sizeof(struct wg_msg_macs))
#define MAC2_OFFSET(len) ((len) - sizeof(struct wg_msg_macs) + WG_COOKIE_LEN)

static void label_key(uint8_t out[WG_KEY_LEN], const char label[8], const uint8_t *pub)
{
	wg_hash2(out, (const uint8_t *)label, 8, pub, WG_KEY_LEN);
}

void wg_cookie_checker_set_key(struct wg_cookie_checker *c, const uint8_t *public_key)
{
	if (!public_key) {
		sodium_memzero(c->mac1_key, sizeof(c->mac1_key));
		sodium_memzero(c->cookie_key, sizeof(c->cookie_key));
		return;
	}
	label_key(c->mac1_key, WG_LABEL_MAC1, public_key);
	label_key(c->cookie_key, WG_LABEL_COOKIE, public_key);
}

void wg_cookie_checker_wipe(struct wg_cookie_checker *c)
{
	sodium_memzero(c, sizeof(*c));
}

void wg_cookie_init(struct wg_cookie *ck, const uint8_t their_public_key[WG_KEY_LEN])
{
	memset(ck, 0, sizeof(*ck));
	label_key(ck->mac1_key, WG_LABEL_MAC1, their_public_key);
	label_key(ck->decryption_key, WG_LABEL_COOKIE, their_public_key);
}

void wg_cookie_wipe(struct wg_cookie *ck)
{
	sodium_memzero(ck, sizeof(*ck));
}

static void rotate_secret(struct wg_cookie_checker *c, const struct wg_env *env)
{
	if (c->has_secret && env->now - c->secret_birth < WG_COOKIE_SECRET_MAX_AGE)
		return;
	env->rng.fill(env->rng.ctx, c->secret, sizeof(c->secret));
	c->secret_birth = env->now;
	c->has_secret = true;
}

/* cookie = MAC(secret, source address bytes || source port, network order),
 * the encoding of the Linux driver. Only we ever check our cookies, so only
 * self-consistency matters. */
static void make_cookie(uint8_t out[WG_COOKIE_LEN], struct wg_cookie_checker *c,
			const struct wg_endpoint *src, const struct wg_env *env)
{
	uint8_t buf[sizeof(struct in6_addr) + sizeof(in_port_t)];
	size_t n = 0;

	rotate_secret(c, env);
	if (src && src->addr.sa.sa_family == AF_INET) {
		memcpy(buf, &src->addr.in4.sin_addr, sizeof(struct in_addr));
		n = sizeof(struct in_addr);
		memcpy(buf + n, &src->addr.in4.sin_port, sizeof(in_port_t));
	} else if (src && src->addr.sa.sa_family == AF_INET6) {
		memcpy(buf, &src->addr.in6.sin6_addr, sizeof(struct in6_addr));
		n = sizeof(struct in6_addr);
		memcpy(buf + n, &src->addr.in6.sin6_port, sizeof(in_port_t));
	} else {
		memset(buf, 0, sizeof(in_port_t));
	}
	n += sizeof(in_port_t);
	wg_mac(out, c->secret, sizeof(c->secret), buf, n);
}

enum wg_mac_state wg_cookie_validate(struct wg_cookie_checker *c, const uint8_t *msg, size_t len,
				     const struct wg_endpoint *src, bool check_cookie,
				     const struct wg_env *env)
{
	const struct wg_msg_macs *macs = (const struct wg_msg_macs *)(msg + MAC1_OFFSET(len));
	uint8_t computed[WG_COOKIE_LEN], cookie[WG_COOKIE_LEN];
	enum wg_mac_state ret = WG_MAC_INVALID;

	wg_mac(computed, c->mac1_key, WG_KEY_LEN, msg, MAC1_OFFSET(len));
	if (sodium_memcmp(computed, macs->mac1, WG_COOKIE_LEN) != 0)
		goto out;
	ret = WG_MAC_VALID_NO_COOKIE;
	if (!check_cookie)
		goto out;
	make_cookie(cookie, c, src, env);
	wg_mac(computed, cookie, WG_COOKIE_LEN, msg, MAC2_OFFSET(len));
	if (sodium_memcmp(computed, macs->mac2, WG_COOKIE_LEN) == 0)
		ret = WG_MAC_VALID_WITH_COOKIE;
out:
	sodium_memzero(cookie, sizeof(cookie));
	return ret;
}

void wg_cookie_add_macs(struct wg_cookie *ck, uint8_t *msg, size_t len, uint64_t now)
{
	struct wg_msg_macs *macs = (struct wg_msg_macs *)(msg + MAC1_OFFSET(len));

	wg_mac(macs->mac1, ck->mac1_key, WG_KEY_LEN, msg, MAC1_OFFSET(len));
	memcpy(ck->last_mac1_sent, macs->mac1, WG_COOKIE_LEN);
	ck->have_sent_mac1 = true;
	if (ck->is_valid &&
	    now - ck->birth < WG_COOKIE_SECRET_MAX_AGE - WG_COOKIE_SECRET_LATENCY)
		wg_mac(macs->mac2, ck->cookie, WG_COOKIE_LEN, msg, MAC2_OFFSET(len));
	else
		memset(macs->mac2, 0, WG_COOKIE_LEN);
}

void wg_cookie_reply_create(struct wg_cookie_checker *c, struct wg_msg_cookie_reply *reply,
			    const uint8_t *msg, size_t len, uint32_t sender_index_le,
			    const struct wg_endpoint *src, const struct wg_env *env)
{
	const struct wg_msg_macs *macs = (const struct wg_msg_macs *)(msg + MAC1_OFFSET(len));
	uint8_t cookie[WG_COOKIE_LEN];

	reply->type = htole32(WG_MSG_COOKIE_REPLY);
	reply->receiver_index = sender_index_le;
	env->rng.fill(env->rng.ctx, reply->nonce, sizeof(reply->nonce));
	make_cookie(cookie, c, src, env);
	crypto_aead_xchacha20poly1305_ietf_encrypt(reply->encrypted_cookie, NULL, cookie,
						   WG_COOKIE_LEN, macs->mac1, WG_COOKIE_LEN, NULL,
						   reply->nonce, c->cookie_key);
	sodium_memzero(cookie, sizeof(cookie));
}

bool wg_cookie_reply_consume(struct wg_cookie *ck, const struct wg_msg_cookie_reply *reply,
			     uint64_t now)
{
	uint8_t cookie[WG_COOKIE_LEN];

	if (!ck->have_sent_mac1)
		return false;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL, reply->encrypted_cookie,
						       sizeof(reply->encrypted_cookie),
						       ck->last_mac1_sent, WG_COOKIE_LEN,
						       reply->nonce, ck->decryption_key) != 0)
		return false;
	memcpy(ck->cookie, cookie, WG_COOKIE_LEN);
	ck->birth = now;
	ck->is_valid = true;
	/* One cookie per message sent: a second reply to it is refused. */
	ck->have_sent_mac1 = false;
	sodium_memzero(cookie, sizeof(cookie));
	return true;
}
