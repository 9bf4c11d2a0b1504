/* The receiving side: classify a datagram, then consume a handshake
 * message, a cookie reply or transport data. Every refusal is counted under
 * its own reason. */
#include <endian.h>
#include <stddef.h>
#include <string.h>

#include <sodium.h>

#include "tunnel/device.h"
#include "tunnel/peer.h"
#include "tunnel/timers.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

static void drop(struct wg_device *dev, struct wg_rx_result *res, enum wg_drop_reason reason)
{
	res->kind = WG_RX_DROP;
	res->drop = reason;
	wg_device_count_drop(dev, reason);
}

static void result_init(struct wg_rx_result *res)
{
	res->kind = WG_RX_DROP;
	res->drop = WG_DROP_NONE;
	res->peer = NULL;
	res->data = NULL;
	res->data_len = 0;
	res->session_ready = false;
	res->reply_len = 0;
}

static uint32_t load_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* Fixed size of each message type, 0 for unknown types. The whole first
 * word must match: the three reserved bytes are zero. */
static size_t message_size(uint32_t type)
{
	switch (type) {
	case WG_MSG_INITIATION: return sizeof(struct wg_msg_initiation);
	case WG_MSG_RESPONSE: return sizeof(struct wg_msg_response);
	case WG_MSG_COOKIE_REPLY: return sizeof(struct wg_msg_cookie_reply);
	case WG_MSG_DATA: return WG_DATA_MIN_LEN;
	default: return 0;
	}
}

static enum wg_drop_reason check_header(const uint8_t *packet, size_t len, uint32_t *type)
{
	size_t want;

	if (len < sizeof(uint32_t))
		return WG_DROP_SHORT;
	*type = load_le32(packet);
	want = message_size(*type);
	if (!want)
		return WG_DROP_BAD_TYPE;
	if (len < want)
		return WG_DROP_SHORT;
	if (*type != WG_MSG_DATA && len != want)
		return WG_DROP_BAD_SIZE;
	return WG_DROP_NONE;
}

/* Common to every authenticated packet from a peer. */
static void authenticated(struct wg_peer *peer, const struct wg_endpoint *src, size_t len,
			  uint64_t now)
{
	if (src && src->addr.sa.sa_family != AF_UNSPEC)
		peer->endpoint = *src; /* roaming */
	peer->stats.rx_bytes += len;
	wg_timers_event_any_authenticated_packet_received(peer);
	wg_timers_event_any_authenticated_packet_traversal(peer, now);
}

/* A fresh session from a consumed response or a created one: its keypair
 * inherits the handshake's index. */
static void begin_session(struct wg_device *dev, struct wg_peer *peer, struct wg_keypair *kp,
			  uint64_t now)
{
	wg_noise_begin_session(&peer->handshake, kp, now);
	wg_index_replace(&dev->indices, &peer->handshake.entry, &kp->entry);
	wg_keypairs_add(&peer->keypairs, &dev->indices, kp);
	wg_timers_event_session_derived(peer, now);
}

static struct wg_handshake *lookup_static(void *ctx, const uint8_t s[WG_KEY_LEN])
{
	struct wg_peer *peer = wg_peer_lookup(ctx, s);

	return peer ? &peer->handshake : NULL;
}

/* Builds the response into res->reply; the responder's keypair waits in
 * `next` for the initiator's confirmation. */
static enum wg_drop_reason respond(struct wg_device *dev, struct wg_peer *peer,
				   const struct wg_env *env, struct wg_rx_result *res)
{
	struct wg_msg_response *msg = (struct wg_msg_response *)res->reply;
	struct wg_keypair *kp = wg_keypair_alloc(peer);

	if (!kp)
		return WG_DROP_BAD_STATE;
	if (wg_noise_create_response(&peer->handshake, &dev->identity, env, msg))
		goto fail;
	if (wg_index_insert(&dev->indices, &peer->handshake.entry, &env->rng))
		goto fail;
	msg->sender_index = htole32(peer->handshake.entry.index);
	wg_cookie_add_macs(&peer->cookie, res->reply, sizeof(*msg), env->now);
	begin_session(dev, peer, kp, env->now);
	wg_peer_note_handshake_sent(peer, env->now, sizeof(*msg));
	res->reply_len = sizeof(*msg);
	res->kind = WG_RX_REPLY;
	return WG_DROP_NONE;
fail:
	wg_noise_handshake_clear(&peer->handshake, &dev->indices);
	wg_keypair_free(&dev->indices, kp);
	return WG_DROP_HANDSHAKE_DECRYPT;
}

static void receive_initiation(struct wg_device *dev, const struct wg_env *env,
			       const struct wg_endpoint *src, const uint8_t *packet,
			       struct wg_rx_result *res)
{
	const struct wg_msg_initiation *msg = (const struct wg_msg_initiation *)packet;
	struct wg_noise_ops ops = { .lookup_static = lookup_static, .ctx = dev };
	enum wg_drop_reason reason;
	struct wg_handshake *hs;
	struct wg_peer *peer;

	reason = wg_noise_consume_initiation(&dev->identity, &ops, msg, env->now, &hs);
	if (reason != WG_DROP_NONE) {
		drop(dev, res, reason);
		return;
	}
	peer = hs->entry.peer;
	res->peer = peer;
	authenticated(peer, src, sizeof(*msg), env->now);
	reason = respond(dev, peer, env, res);
	if (reason != WG_DROP_NONE)
		drop(dev, res, reason);
}

static void receive_response(struct wg_device *dev, const struct wg_env *env,
			     const struct wg_endpoint *src, const uint8_t *packet,
			     struct wg_rx_result *res)
{
	const struct wg_msg_response *msg = (const struct wg_msg_response *)packet;
	struct wg_index_entry *e;
	enum wg_drop_reason reason;
	struct wg_keypair *kp;
	struct wg_peer *peer;

	e = wg_index_lookup(&dev->indices, le32toh(msg->receiver_index), WG_INDEX_HANDSHAKE);
	if (!e) {
		drop(dev, res, WG_DROP_UNKNOWN_INDEX);
		return;
	}
	peer = e->peer;
	reason = wg_noise_consume_response(&peer->handshake, &dev->identity, msg);
	if (reason != WG_DROP_NONE) {
		drop(dev, res, reason);
		return;
	}
	kp = wg_keypair_alloc(peer);
	if (!kp) {
		wg_noise_handshake_clear(&peer->handshake, &dev->indices);
		drop(dev, res, WG_DROP_BAD_STATE);
		return;
	}
	begin_session(dev, peer, kp, env->now);
	wg_timers_event_handshake_complete(peer, env);
	authenticated(peer, src, sizeof(*msg), env->now);
	res->peer = peer;
	res->kind = WG_RX_HANDSHAKE;
	res->session_ready = true;
}

/* Handshake messages first prove knowledge of our public key (mac1), and
 * under load also a recent round trip from their address (mac2). */
static void receive_handshake(struct wg_device *dev, const struct wg_env *env, bool under_load,
			      const struct wg_endpoint *src, const uint8_t *packet, size_t len,
			      uint32_t type, struct wg_rx_result *res)
{
	enum wg_mac_state macs;
	uint32_t sender_le;

	macs = wg_cookie_validate(&dev->checker, packet, len, src, under_load, env);
	if (macs == WG_MAC_INVALID) {
		drop(dev, res, WG_DROP_BAD_MAC1);
		return;
	}
	if (under_load && macs != WG_MAC_VALID_WITH_COOKIE) {
		/* Both message types carry the sender index right after the
		 * type word. */
		memcpy(&sender_le, packet + 4, sizeof(sender_le));
		wg_cookie_reply_create(&dev->checker, (struct wg_msg_cookie_reply *)res->reply,
				       packet, len, sender_le, src, env);
		drop(dev, res, WG_DROP_BAD_MAC2);
		res->kind = WG_RX_REPLY;
		res->reply_len = sizeof(struct wg_msg_cookie_reply);
		return;
	}
	if (type == WG_MSG_INITIATION)
		receive_initiation(dev, env, src, packet, res);
	else
		receive_response(dev, env, src, packet, res);
}

static void receive_cookie(struct wg_device *dev, const struct wg_env *env, const uint8_t *packet,
			   struct wg_rx_result *res)
{
	const struct wg_msg_cookie_reply *msg = (const struct wg_msg_cookie_reply *)packet;
	struct wg_index_entry *e;

	e = wg_index_lookup(&dev->indices, le32toh(msg->receiver_index),
			    WG_INDEX_HANDSHAKE | WG_INDEX_KEYPAIR);
	if (!e) {
		drop(dev, res, WG_DROP_UNKNOWN_INDEX);
		return;
	}
	if (!wg_cookie_reply_consume(&e->peer->cookie, msg, env->now)) {
		drop(dev, res, WG_DROP_COOKIE_DECRYPT);
		return;
	}
	res->peer = e->peer;
	res->kind = WG_RX_COOKIE;
}

static bool open_data(const struct wg_keypair *kp, uint8_t *packet, size_t len, uint64_t counter)
{
	size_t clen = len - WG_DATA_MIN_LEN;
	uint8_t *c = packet + WG_DATA_HEADER_LEN;

	return wg_aead_open(kp->recv_ctx, kp->recv_key, counter, c, clen, c + clen);
}

/* Near the end of a keypair's life the initiator asks for a new handshake
 * once, so the session survives an idle sender (Linux: keep_key_fresh). */
static void keep_key_fresh(struct wg_peer *peer, uint64_t now)
{
	const struct wg_keypair *kp = peer->keypairs.current;

	if (peer->timers.sent_lastminute_handshake || !kp || !kp->send_valid || !kp->initiator)
		return;
	if (now - kp->birth < WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT)
		return;
	peer->timers.sent_lastminute_handshake = true;
	wg_timers_event_want_initiation(peer, now);
}

/* Authenticates and decrypts in place; returns the keypair it used. */
static enum wg_drop_reason open_transport(struct wg_device *dev, const struct wg_env *env,
					  uint8_t *packet, size_t len, struct wg_keypair **out)
{
	const struct wg_msg_data *hdr = (const struct wg_msg_data *)packet;
	uint64_t counter = le64toh(hdr->counter);
	struct wg_index_entry *e;
	struct wg_keypair *kp;

	e = wg_index_lookup(&dev->indices, le32toh(hdr->receiver_index), WG_INDEX_KEYPAIR);
	if (!e)
		return WG_DROP_UNKNOWN_INDEX;
	kp = container_of(e, struct wg_keypair, entry);
	if (!wg_keypair_can_receive(kp, env->now))
		return WG_DROP_KEY_EXPIRED;
	if (counter >= WG_REJECT_AFTER_MESSAGES)
		return WG_DROP_REPLAY;
	if (!open_data(kp, packet, len, counter))
		return WG_DROP_DATA_DECRYPT;
	/* Only after authentication, so forgeries cannot move the window. */
	if (!wg_replay_accept(&kp->replay, counter))
		return WG_DROP_REPLAY;
	*out = kp;
	return WG_DROP_NONE;
}

static void receive_data(struct wg_device *dev, const struct wg_env *env,
			 const struct wg_endpoint *src, uint8_t *packet, size_t len,
			 struct wg_rx_result *res)
{
	enum wg_drop_reason reason;
	struct wg_keypair *kp = NULL;
	struct wg_peer *peer;

	reason = open_transport(dev, env, packet, len, &kp);
	if (reason != WG_DROP_NONE) {
		drop(dev, res, reason);
		return;
	}
	peer = kp->entry.peer;
	if (wg_keypairs_received_with(&peer->keypairs, &dev->indices, kp)) {
		/* The initiator used the keypair we answered with: confirmed. */
		wg_timers_event_handshake_complete(peer, env);
		res->session_ready = true;
	}
	keep_key_fresh(peer, env->now);
	authenticated(peer, src, len, env->now);
	res->data_len = len - WG_DATA_MIN_LEN;
	if (res->data_len)
		wg_timers_event_data_received(peer, env->now);
	res->data = packet + WG_DATA_HEADER_LEN;
	res->peer = peer;
	res->kind = WG_RX_DATA;
}

void wg_device_receive(struct wg_device *dev, const struct wg_env *env, bool under_load,
		       const struct wg_endpoint *src, uint8_t *packet, size_t len,
		       struct wg_rx_result *res)
{
	enum wg_drop_reason reason;
	uint32_t type = 0;

	result_init(res);
	reason = check_header(packet, len, &type);
	if (reason == WG_DROP_NONE && !dev->identity.has_key)
		reason = WG_DROP_NO_PRIVATE_KEY;
	if (reason != WG_DROP_NONE) {
		drop(dev, res, reason);
		return;
	}
	switch (type) {
	case WG_MSG_INITIATION:
	case WG_MSG_RESPONSE:
		receive_handshake(dev, env, under_load, src, packet, len, type, res);
		break;
	case WG_MSG_COOKIE_REPLY:
		receive_cookie(dev, env, packet, res);
		break;
	default:
		receive_data(dev, env, src, packet, len, res);
		break;
	}
}
