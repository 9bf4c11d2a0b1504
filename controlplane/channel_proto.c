/* Control-channel handshake and frames. */
#include "controlplane/channel_proto.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/aead.h"
#include "tunnel/key.h"

/* ---- handshake --------------------------------------------------------- */

static uint32_t random_index(const struct wg_env *env)
{
	uint32_t v;

	env->rng.fill(env->rng.ctx, (uint8_t *)&v, sizeof(v));
	return v;
}

int cp_chan_initiate(struct cp_chan_initiator *in, const uint8_t host_private[32],
		     const uint8_t controller_public[32], const struct wg_env *env,
		     uint8_t out[CP_CHAN_INIT_LEN])
{
	struct wg_msg_initiation msg;
	int rc = -ENOKEY;

	memset(in, 0, sizeof(*in));
	memset(&msg, 0, sizeof(msg));
	if (wg_key_is_zero(controller_public) || !wg_noise_identity_set(&in->id, host_private))
		goto out;
	wg_noise_handshake_init(&in->hs, NULL, controller_public);
	wg_noise_precompute(&in->hs, &in->id);
	rc = wg_noise_create_initiation(&in->hs, &in->id, env, &msg);
	if (rc < 0)
		goto out;
	/* The index names nothing over TCP; random, as WireGuard's would be. */
	msg.sender_index = random_index(env);
	wg_cookie_init(&in->cookie, controller_public);
	wg_cookie_add_macs(&in->cookie, (uint8_t *)&msg, sizeof(msg), env->now);
	wg_cookie_checker_set_key(&in->checker, in->id.public_key);
	memcpy(out, &msg, sizeof(msg));
out:
	if (rc < 0)
		cp_chan_initiator_wipe(in);
	return rc;
}

/* The session's keys are copied out; the keypair itself is thrown away,
 * with the AEAD contexts wg_noise_begin_session made for it (tunnel/aead.h). */
static void keypair_wipe(struct wg_keypair *kp)
{
	wg_aead_ctx_destroy(kp->send_ctx);
	wg_aead_ctx_destroy(kp->recv_ctx);
	sodium_memzero(kp, sizeof(*kp));
}

static void keys_from_pair(struct cp_chan_keys *keys, const struct wg_keypair *kp)
{
	memcpy(keys->send_key, kp->send_key, 32);
	memcpy(keys->recv_key, kp->recv_key, 32);
	keys->send_n = 0;
	keys->recv_n = 0;
}

int cp_chan_initiator_finish(struct cp_chan_initiator *in, const uint8_t msg[CP_CHAN_RESP_LEN],
			     struct cp_chan_keys *keys)
{
	struct wg_msg_response resp;
	struct wg_keypair kp;
	int rc = -EBADMSG;

	memcpy(&resp, msg, sizeof(resp));
	memset(&kp, 0, sizeof(kp));
	if (le32toh(resp.type) != WG_MSG_RESPONSE)
		goto out;
	/* mac1 needs no secret: checked first so junk costs no Diffie-Hellman */
	if (wg_cookie_validate(&in->checker, msg, CP_CHAN_RESP_LEN, NULL, false, NULL) ==
	    WG_MAC_INVALID)
		goto out;
	if (wg_noise_consume_response(&in->hs, &in->id, &resp) != WG_DROP_NONE)
		goto out;
	if (wg_noise_begin_session(&in->hs, &kp, 0) < 0)
		goto out;
	keys_from_pair(keys, &kp);
	rc = 0;
out:
	keypair_wipe(&kp);
	sodium_memzero(&resp, sizeof(resp));
	cp_chan_initiator_wipe(in);
	return rc;
}

void cp_chan_initiator_wipe(struct cp_chan_initiator *in)
{
	sodium_memzero(in, sizeof(*in));
}

bool cp_chan_responder_init(struct cp_chan_responder *r, const uint8_t private_key[32])
{
	memset(r, 0, sizeof(*r));
	if (!wg_noise_identity_set(&r->id, private_key))
		return false;
	wg_cookie_checker_set_key(&r->checker, r->id.public_key);
	return true;
}

void cp_chan_responder_wipe(struct cp_chan_responder *r)
{
	sodium_memzero(r, sizeof(*r));
}

/* wg_noise_ops state: any static key gets a fresh handshake. */
struct lookup_ctx {
	const struct cp_chan_responder *r;
	cp_chan_timestamp_fn latest;
	void *ctx;
	struct wg_handshake hs;
};

static struct wg_handshake *lookup_any(void *ctx, const uint8_t s[WG_KEY_LEN])
{
	struct lookup_ctx *l = ctx;

	wg_noise_handshake_init(&l->hs, NULL, s);
	wg_noise_precompute(&l->hs, &l->r->id);
	if (l->latest)
		l->latest(l->ctx, s, l->hs.latest_timestamp);
	return &l->hs;
}

static enum wg_drop_reason answer(struct lookup_ctx *l, const struct wg_env *env,
				  uint8_t out[CP_CHAN_RESP_LEN], struct cp_chan_keys *keys)
{
	struct wg_msg_response resp;
	struct wg_cookie cookie;
	struct wg_keypair kp;
	enum wg_drop_reason why = WG_DROP_HANDSHAKE_DECRYPT;

	memset(&resp, 0, sizeof(resp));
	memset(&kp, 0, sizeof(kp));
	if (wg_noise_create_response(&l->hs, &l->r->id, env, &resp) < 0)
		goto out;
	resp.sender_index = random_index(env);
	wg_cookie_init(&cookie, l->hs.remote_static);
	wg_cookie_add_macs(&cookie, (uint8_t *)&resp, sizeof(resp), env->now);
	wg_cookie_wipe(&cookie);
	if (wg_noise_begin_session(&l->hs, &kp, env->now) < 0)
		goto out;
	keys_from_pair(keys, &kp);
	memcpy(out, &resp, sizeof(resp));
	why = WG_DROP_NONE;
out:
	keypair_wipe(&kp);
	return why;
}

enum wg_drop_reason cp_chan_respond(const struct cp_chan_responder *r,
				    const uint8_t msg[CP_CHAN_INIT_LEN],
				    const struct wg_env *env, cp_chan_timestamp_fn latest,
				    void *ctx, uint8_t peer_key[32],
				    uint8_t timestamp[WG_TIMESTAMP_LEN],
				    uint8_t out[CP_CHAN_RESP_LEN], struct cp_chan_keys *keys)
{
	struct lookup_ctx l = { .r = r, .latest = latest, .ctx = ctx };
	struct wg_noise_ops ops = { lookup_any, &l };
	struct wg_cookie_checker checker = r->checker;
	struct wg_msg_initiation init;
	struct wg_handshake *hs;
	enum wg_drop_reason why;

	memcpy(&init, msg, sizeof(init));
	if (le32toh(init.type) != WG_MSG_INITIATION) {
		why = WG_DROP_BAD_TYPE;
		goto out;
	}
	if (wg_cookie_validate(&checker, msg, CP_CHAN_INIT_LEN, NULL, false, env) ==
	    WG_MAC_INVALID) {
		why = WG_DROP_BAD_MAC1;
		goto out;
	}
	why = wg_noise_consume_initiation(&r->id, &ops, &init, env->now, &hs);
	if (why != WG_DROP_NONE)
		goto out;
	memcpy(peer_key, l.hs.remote_static, 32);
	memcpy(timestamp, l.hs.latest_timestamp, WG_TIMESTAMP_LEN);
	why = answer(&l, env, out, keys);
out:
	sodium_memzero(&l.hs, sizeof(l.hs));
	sodium_memzero(&checker, sizeof(checker));
	return why;
}

void cp_chan_keys_wipe(struct cp_chan_keys *k)
{
	sodium_memzero(k, sizeof(*k));
}

/* ---- frames ------------------------------------------------------------ */

int cp_chan_frame_length(const uint8_t hdr[CP_CHAN_HDR_LEN], size_t min, size_t max,
			 size_t *len)
{
	uint32_t be;

	memcpy(&be, hdr, sizeof(be));
	*len = be32toh(be);
	return *len < min || *len > max ? -EMSGSIZE : 0;
}

void cp_chan_frame_header(uint8_t hdr[CP_CHAN_HDR_LEN], size_t len)
{
	uint32_t be = htobe32((uint32_t)len);

	memcpy(hdr, &be, sizeof(be));
}

/* 4 zero bytes, then the counter little-endian: WireGuard's transport nonce. */
static void make_nonce(uint8_t nonce[12], uint64_t n)
{
	uint64_t le = htole64(n);

	memset(nonce, 0, 4);
	memcpy(nonce + 4, &le, sizeof(le));
}

int cp_chan_seal_frame(struct cp_chan_keys *k, uint8_t flags, const uint8_t *chunk, size_t len,
		       uint8_t *out)
{
	uint8_t nonce[12];
	uint8_t *body = out + CP_CHAN_HDR_LEN;
	size_t plain = 1 + len;

	if (len > CP_CHAN_CHUNK_MAX)
		return -EMSGSIZE;
	if (k->send_n == UINT64_MAX)
		return -EOVERFLOW;
	cp_chan_frame_header(out, plain + CP_CHAN_TAG_LEN);
	body[0] = flags;
	if (len)
		memmove(body + 1, chunk, len);
	make_nonce(nonce, k->send_n++);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(body, body + plain, NULL, body, plain,
							   out, CP_CHAN_HDR_LEN, NULL, nonce,
							   k->send_key);
	return 0;
}

static int rx_append(struct cp_chan_rx *rx, const uint8_t *data, size_t len)
{
	size_t cap;
	uint8_t *grown;

	if (len > rx->max - rx->len)
		return -EMSGSIZE;
	if (rx->len + len > rx->cap) {
		cap = rx->cap ? rx->cap : 4096;
		while (cap < rx->len + len)
			cap *= 2;
		grown = realloc(rx->buf, cap);
		if (!grown)
			return -ENOMEM;
		rx->buf = grown;
		rx->cap = cap;
	}
	memcpy(rx->buf + rx->len, data, len);
	rx->len += len;
	return 0;
}

int cp_chan_open_frame(struct cp_chan_keys *k, const uint8_t hdr[CP_CHAN_HDR_LEN],
		       uint8_t *body, size_t len, struct cp_chan_rx *rx)
{
	uint8_t nonce[12];
	size_t plain;
	int rc;

	if (len < CP_CHAN_FRAME_MIN || len > CP_CHAN_FRAME_MAX || rx->done)
		return -EBADMSG;
	if (k->recv_n == UINT64_MAX)
		return -EOVERFLOW;
	plain = len - CP_CHAN_TAG_LEN;
	make_nonce(nonce, k->recv_n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(body, NULL, body, plain,
							       body + plain, hdr, CP_CHAN_HDR_LEN,
							       nonce, k->recv_key) != 0)
		return -EBADMSG;
	k->recv_n++;
	if (body[0] & ~CP_CHAN_FLAG_MORE)
		return -EBADMSG;
	rc = rx_append(rx, body + 1, plain - 1);
	if (rc < 0)
		return rc;
	if (!(body[0] & CP_CHAN_FLAG_MORE)) {
		/* a message is at least its type byte */
		if (rx->len == 0)
			return -EBADMSG;
		rx->done = true;
	}
	return 0;
}

void cp_chan_rx_init(struct cp_chan_rx *rx, size_t max)
{
	memset(rx, 0, sizeof(*rx));
	rx->max = max;
}

void cp_chan_rx_reset(struct cp_chan_rx *rx)
{
	/* a hello holds a join token: plaintext does not outlive its message */
	if (rx->buf)
		sodium_memzero(rx->buf, rx->len);
	rx->len = 0;
	rx->done = false;
	/* one snapshot may be megabytes; do not keep that per idle connection */
	if (rx->cap > 65536) {
		free(rx->buf);
		rx->buf = NULL;
		rx->cap = 0;
	}
}

void cp_chan_rx_free(struct cp_chan_rx *rx)
{
	if (rx->buf)
		sodium_memzero(rx->buf, rx->len);
	free(rx->buf);
	memset(rx, 0, sizeof(*rx));
}

size_t cp_chan_frames_for(size_t len)
{
	return len == 0 ? 1 : (len + CP_CHAN_CHUNK_MAX - 1) / CP_CHAN_CHUNK_MAX;
}

size_t cp_chan_wire_bytes(size_t len)
{
	return len + cp_chan_frames_for(len) * (CP_CHAN_HDR_LEN + 1 + CP_CHAN_TAG_LEN);
}
