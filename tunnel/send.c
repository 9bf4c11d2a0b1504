/* The sending side: handshake initiations and transport encryption. The
 * engine never sends: it fills the caller's buffer and the caller sends
 * what it got, which is why a successful call counts as "sent". */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/device.h"
#include "tunnel/peer.h"
#include "tunnel/timers.h"

static bool handshake_rate_limited(const struct wg_peer *peer, uint64_t now)
{
	return peer->sent_handshake && now - peer->last_sent_handshake < WG_REKEY_TIMEOUT;
}

int wg_peer_create_initiation(struct wg_device *dev, struct wg_peer *peer,
			      const struct wg_env *env, uint8_t out[sizeof(struct wg_msg_initiation)])
{
	struct wg_msg_initiation *msg = (struct wg_msg_initiation *)out;
	int ret;

	if (!dev->identity.has_key)
		return -ENOKEY;
	wg_timers_initiation_requested(peer);
	if (handshake_rate_limited(peer, env->now))
		return -EALREADY;
	ret = wg_noise_create_initiation(&peer->handshake, &dev->identity, env, msg);
	if (ret)
		return ret;
	ret = wg_index_insert(&dev->indices, &peer->handshake.entry, &env->rng);
	if (ret) {
		wg_noise_handshake_clear(&peer->handshake, &dev->indices);
		return ret;
	}
	msg->sender_index = htole32(peer->handshake.entry.index);
	wg_cookie_add_macs(&peer->cookie, out, sizeof(*msg), env->now);
	wg_peer_note_handshake_sent(peer, env->now, sizeof(*msg));
	wg_timers_event_handshake_initiated(peer, env);
	return 0;
}

static size_t padded_len(size_t len)
{
	return (len + WG_PADDING_MULTIPLE - 1) & ~(size_t)(WG_PADDING_MULTIPLE - 1);
}

size_t wg_encrypted_len(size_t len)
{
	return WG_DATA_HEADER_LEN + padded_len(len) + WG_AEAD_TAG_LEN;
}

/* Padded to 16, but not past the MTU (a packet already longer stays as is). */
static size_t device_padded_len(const struct wg_device *dev, size_t len)
{
	size_t plen = padded_len(len);

	if (dev->mtu && plen > dev->mtu)
		plen = len > dev->mtu ? len : dev->mtu;
	return plen;
}

void wg_device_set_mtu(struct wg_device *dev, unsigned mtu)
{
	dev->mtu = mtu;
}

size_t wg_device_encrypted_len(const struct wg_device *dev, size_t len)
{
	return WG_DATA_HEADER_LEN + device_padded_len(dev, len) + WG_AEAD_TAG_LEN;
}

/* Rekey when the keypair is old (initiator only: the two sides must not
 * both rekey at once) or has carried too many messages. */
static bool key_wants_refresh(const struct wg_keypair *kp, uint64_t now)
{
	return kp->send_counter > WG_REKEY_AFTER_MESSAGES ||
	       (kp->initiator && now - kp->birth >= WG_REKEY_AFTER_TIME);
}

static void seal_data(struct wg_keypair *kp, uint8_t *buf, size_t plen, uint64_t counter)
{
	struct wg_msg_data *hdr = (struct wg_msg_data *)buf;

	hdr->type = htole32(WG_MSG_DATA);
	hdr->receiver_index = htole32(kp->remote_index);
	hdr->counter = htole64(counter);
	wg_aead_seal(kp->send_ctx, kp->send_key, counter, buf + WG_DATA_HEADER_LEN, plen,
		     buf + WG_DATA_HEADER_LEN + plen);
}

int wg_peer_encrypt(struct wg_peer *peer, const struct wg_env *env, uint8_t *buf, size_t len,
		    size_t cap, size_t *out_len, bool *want_handshake)
{
	struct wg_keypair *kp = peer->keypairs.current;
	size_t plen = device_padded_len(peer->dev, len);

	*want_handshake = false;
	if (len > WG_MAX_PAYLOAD || cap < WG_DATA_HEADER_LEN + plen + WG_AEAD_TAG_LEN)
		return -EMSGSIZE;
	if (!wg_keypair_can_send(kp, env->now))
		return -ENOKEY;
	memset(buf + WG_DATA_HEADER_LEN + len, 0, plen - len);
	seal_data(kp, buf, plen, kp->send_counter++);
	*out_len = WG_DATA_HEADER_LEN + plen + WG_AEAD_TAG_LEN;

	wg_timers_event_any_authenticated_packet_traversal(peer, env->now);
	wg_timers_event_any_authenticated_packet_sent(peer);
	if (len)
		wg_timers_event_data_sent(peer, env);
	peer->stats.tx_bytes += *out_len;
	*want_handshake = key_wants_refresh(kp, env->now);
	return 0;
}
