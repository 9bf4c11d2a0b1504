/* Noise_IKpsk2 between two in-memory devices: both directions, psk, byte
 * flips of every authenticated field, replays, floods, confirmation. */
#include "test_tunnel_util.h"

#include <errno.h>

#include "tunnel/kdf.h"

static void handshake_a_to_b(void **state)
{
	struct tpair p;
	struct wg_peer_stats st;

	(void)state;
	tpair_init(&p, 1);
	tpair_handshake(&p);
	assert_true(wg_peer_has_session(p.a_peer, p.env.now));
	assert_false(wg_peer_has_session(p.b_peer, p.env.now));
	wg_peer_stats(p.a_peer, &st);
	assert_int_equal(st.handshakes, 1);
	assert_int_equal(st.last_handshake_ns, p.env.wall_ns);
	assert_int_equal(wg_device_drops_total(p.a) + wg_device_drops_total(p.b), 0);
	tpair_free(&p);
}

static void handshake_b_to_a(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint8_t resp[WG_MAX_REPLY_LEN];

	(void)state;
	tpair_init(&p, 2);
	assert_int_equal(tpair_initiation(&p, p.b, p.b_peer), 0);
	res = tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	memcpy(resp, res->reply, res->reply_len);
	res = tpair_deliver(&p, p.b, &p.a_ep, resp, sizeof(struct wg_msg_response), false);
	assert_int_equal(res->kind, WG_RX_HANDSHAKE);
	assert_true(wg_peer_has_session(p.b_peer, p.env.now));
	tpair_free(&p);
}

static void data_both_ways(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 3);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "pong", 4, NULL), 0);
	res = tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_int_equal(res->data_len, 16);
	assert_memory_equal(res->data, "pong\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "ping", 4, NULL), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_memory_equal(res->data, "ping", 4);
	assert_false(res->session_ready);
	tpair_free(&p);
}

static void psk_matching(void **state)
{
	struct tpair p;
	uint8_t psk[32], out[32];

	(void)state;
	tpair_init(&p, 4);
	memset(psk, 0x5a, sizeof(psk));
	wg_peer_set_preshared_key(p.a_peer, psk);
	wg_peer_set_preshared_key(p.b_peer, psk);
	assert_true(wg_peer_preshared_key(p.a_peer, out));
	assert_memory_equal(out, psk, 32);
	tpair_connect(&p);
	wg_peer_set_preshared_key(p.a_peer, NULL);
	assert_false(wg_peer_preshared_key(p.a_peer, out));
	tpair_free(&p);
}

static void psk_mismatch_refused(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint8_t psk[32], resp[WG_MAX_REPLY_LEN];

	(void)state;
	tpair_init(&p, 5);
	memset(psk, 0x5a, sizeof(psk));
	wg_peer_set_preshared_key(p.b_peer, psk); /* a has none */
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY); /* the psk enters only at the response */
	memcpy(resp, res->reply, res->reply_len);
	res = tpair_deliver(&p, p.a, &p.b_ep, resp, sizeof(struct wg_msg_response), false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_HANDSHAKE_DECRYPT);
	assert_false(wg_peer_has_session(p.a_peer, p.env.now));
	tpair_free(&p);
}

/* Flipping any byte of an initiation before mac1 breaks mac1; with mac1
 * recomputed (an attacker who knows b's public key), the AEAD fields still
 * refuse it. */
static void initiation_byte_flips(void **state)
{
	struct tpair p;
	uint8_t orig[sizeof(struct wg_msg_initiation)], pkt[sizeof(orig)];
	struct wg_rx_result *res;
	size_t i;

	(void)state;
	tpair_init(&p, 6);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	memcpy(orig, p.buf, sizeof(orig));
	for (i = 0; i < offsetof(struct wg_msg_initiation, macs.mac2); i++) {
		memcpy(pkt, orig, sizeof(pkt));
		pkt[i] ^= 0x01;
		res = tpair_deliver(&p, p.b, &p.a_ep, pkt, sizeof(pkt), false);
		assert_int_equal(res->kind, WG_RX_DROP);
		assert_true(res->drop == WG_DROP_BAD_MAC1 || res->drop == WG_DROP_BAD_TYPE);
	}
	assert_int_equal(drops(p.b, WG_DROP_BAD_TYPE), 4); /* type and reserved bytes */
	/* mac2 is not checked when not under load. */
	memcpy(pkt, orig, sizeof(pkt));
	pkt[sizeof(pkt) - 1] ^= 1;
	res = tpair_deliver(&p, p.b, &p.a_ep, pkt, sizeof(pkt), false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	tpair_free(&p);
}

/* Recomputes mac1 = MAC(HASH("mac1----" || pub), msg before mac1), as an
 * attacker who knows the receiver's public key can. */
static void remac(uint8_t *msg, size_t len, const uint8_t pub[32])
{
	uint8_t k[32];

	wg_hash2(k, (const uint8_t *)"mac1----", 8, pub, 32);
	wg_mac(msg + len - 32, k, 32, msg, len - 32);
}

static void initiation_flips_with_valid_mac1(void **state)
{
	struct tpair p;
	uint8_t orig[sizeof(struct wg_msg_initiation)], pkt[sizeof(orig)];
	struct wg_rx_result *res;
	size_t i, start = offsetof(struct wg_msg_initiation, ephemeral);
	size_t end = offsetof(struct wg_msg_initiation, macs);

	(void)state;
	tpair_init(&p, 7);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	memcpy(orig, p.buf, sizeof(orig));
	for (i = start; i < end; i++) {
		memcpy(pkt, orig, sizeof(pkt));
		pkt[i] ^= 0x80;
		remac(pkt, sizeof(pkt), p.b_pub);
		res = tpair_deliver(&p, p.b, &p.a_ep, pkt, sizeof(pkt), false);
		assert_int_equal(res->kind, WG_RX_DROP);
		assert_int_equal(res->drop, WG_DROP_HANDSHAKE_DECRYPT);
	}
	assert_int_equal(drops(p.b, WG_DROP_HANDSHAKE_DECRYPT), end - start);
	/* The original still works afterwards: nothing was committed. */
	res = tpair_deliver(&p, p.b, &p.a_ep, orig, sizeof(orig), false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	tpair_free(&p);
}

static void response_byte_flips(void **state)
{
	struct tpair p;
	uint8_t orig[sizeof(struct wg_msg_response)], pkt[sizeof(orig)];
	struct wg_rx_result *res;
	size_t i, end = offsetof(struct wg_msg_response, macs);

	(void)state;
	tpair_init(&p, 8);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	memcpy(orig, res->reply, sizeof(orig));
	for (i = 0; i < end; i++) {
		memcpy(pkt, orig, sizeof(pkt));
		pkt[i] ^= 0x01;
		res = tpair_deliver(&p, p.a, &p.b_ep, pkt, sizeof(pkt), false);
		assert_int_equal(res->kind, WG_RX_DROP);
		assert_true(res->drop == WG_DROP_BAD_MAC1 || res->drop == WG_DROP_BAD_TYPE ||
			    res->drop == WG_DROP_BAD_SIZE);
	}
	/* With mac1 fixed up: a wrong receiver index finds nothing, and the
	 * Noise fields fail authentication. (The sender index is outside the
	 * transcript; mac1 alone protects it.) */
	for (i = offsetof(struct wg_msg_response, receiver_index); i < end; i++) {
		memcpy(pkt, orig, sizeof(pkt));
		pkt[i] ^= 0x01;
		remac(pkt, sizeof(pkt), p.a_pub);
		res = tpair_deliver(&p, p.a, &p.b_ep, pkt, sizeof(pkt), false);
		assert_int_equal(res->kind, WG_RX_DROP);
		if (i < offsetof(struct wg_msg_response, ephemeral))
			assert_int_equal(res->drop, WG_DROP_UNKNOWN_INDEX);
		else
			assert_int_equal(res->drop, WG_DROP_HANDSHAKE_DECRYPT);
	}
	res = tpair_deliver(&p, p.a, &p.b_ep, orig, sizeof(orig), false);
	assert_int_equal(res->kind, WG_RX_HANDSHAKE);
	tpair_free(&p);
}

static void response_replay_refused(void **state)
{
	struct tpair p;
	uint8_t resp[sizeof(struct wg_msg_response)];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 9);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	memcpy(resp, res->reply, sizeof(resp));
	res = tpair_deliver(&p, p.a, &p.b_ep, resp, sizeof(resp), false);
	assert_int_equal(res->kind, WG_RX_HANDSHAKE);
	res = tpair_deliver(&p, p.a, &p.b_ep, resp, sizeof(resp), false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_UNKNOWN_INDEX);
	tpair_free(&p);
}

static void initiation_replay_stale(void **state)
{
	struct tpair p;
	uint8_t init[sizeof(struct wg_msg_initiation)];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 10);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	memcpy(init, p.buf, sizeof(init));
	res = tpair_deliver(&p, p.b, &p.a_ep, init, sizeof(init), false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	tpair_advance(&p, SEC(1));
	res = tpair_deliver(&p, p.b, &p.a_ep, init, sizeof(init), false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_STALE_TIMESTAMP);
	assert_int_equal(drops(p.b, WG_DROP_STALE_TIMESTAMP), 1);
	/* A later initiation is fine. */
	tpair_advance(&p, SEC(5));
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	tpair_free(&p);
}

static void initiation_older_timestamp_refused(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 11);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	/* a's wall clock steps back (e.g. NTP): refused until it passes the
	 * last accepted stamp. */
	tpair_advance(&p, SEC(6));
	p.env.wall_ns -= SEC(60);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->drop, WG_DROP_STALE_TIMESTAMP);
	tpair_free(&p);
}

/* The side with the lower static key, lo, and its view of the other, hi. */
struct crossed {
	struct wg_device *lo, *hi;
	struct wg_peer *lo_peer, *hi_peer;
	const struct wg_endpoint *lo_ep, *hi_ep;
	uint8_t lo_init[sizeof(struct wg_msg_initiation)], hi_init[sizeof(struct wg_msg_initiation)];
};

static void crossed_setup(struct tpair *p, struct crossed *c)
{
	bool a_lower = memcmp(p->a_pub, p->b_pub, 32) < 0;

	c->lo = a_lower ? p->a : p->b;
	c->hi = a_lower ? p->b : p->a;
	c->lo_peer = a_lower ? p->a_peer : p->b_peer;
	c->hi_peer = a_lower ? p->b_peer : p->a_peer;
	c->lo_ep = a_lower ? &p->a_ep : &p->b_ep;
	c->hi_ep = a_lower ? &p->b_ep : &p->a_ep;
	assert_int_equal(tpair_initiation(p, c->lo, c->lo_peer), 0);
	memcpy(c->lo_init, p->buf, sizeof(c->lo_init));
	assert_int_equal(tpair_initiation(p, c->hi, c->hi_peer), 0);
	memcpy(c->hi_init, p->buf, sizeof(c->hi_init));
}

/* Both initiate at once: the lower key's exchange completes at the first try
 * instead of both waiting REKEY_TIMEOUT. */
static void initiations_crossed(void **state)
{
	uint8_t resp[sizeof(struct wg_msg_response)];
	struct wg_rx_result *res;
	struct crossed c;
	struct tpair p;

	(void)state;
	tpair_init(&p, 40);
	crossed_setup(&p, &c);
	res = tpair_deliver(&p, c.lo, c.hi_ep, c.hi_init, sizeof(c.hi_init), false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_CROSSED);
	assert_int_equal(drops(c.lo, WG_DROP_CROSSED), 1);
	res = tpair_deliver(&p, c.hi, c.lo_ep, c.lo_init, sizeof(c.lo_init), false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	memcpy(resp, res->reply, sizeof(resp));
	res = tpair_deliver(&p, c.lo, c.hi_ep, resp, sizeof(resp), false);
	assert_int_equal(res->kind, WG_RX_HANDSHAKE);
	assert_true(wg_peer_has_session(c.lo_peer, p.env.now));
	/* lo's first message confirms the session on hi. */
	assert_int_equal(tpair_encrypt(&p, c.lo_peer, "x", 1, NULL), 0);
	res = tpair_deliver(&p, c.hi, c.lo_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_true(wg_peer_has_session(c.hi_peer, p.env.now));
	tpair_free(&p);
}

/* lo's own initiation, unanswered for REKEY_TIMEOUT, no longer shuts hi out. */
static void initiation_crossed_stale(void **state)
{
	struct wg_rx_result *res;
	struct crossed c;
	struct tpair p;

	(void)state;
	tpair_init(&p, 41);
	crossed_setup(&p, &c);
	tpair_advance(&p, SEC(5));
	res = tpair_deliver(&p, c.lo, c.hi_ep, c.hi_init, sizeof(c.hi_init), false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	assert_int_equal(drops(c.lo, WG_DROP_CROSSED), 0);
	tpair_free(&p);
}

static void initiation_flood(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 12);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	/* Second initiation with a newer timestamp 10 ms later: flood. */
	wg_peer_clear_sessions(p.a_peer); /* lifts a's own rate limit */
	tpair_advance(&p, MSEC(10));
	p.env.wall_ns += SEC(1); /* past the whitening granularity */
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_FLOOD);
	/* 1/50 s after the first one it is accepted. */
	tpair_advance(&p, MSEC(10));
	wg_peer_clear_sessions(p.a_peer);
	p.env.wall_ns += SEC(1);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	tpair_free(&p);
}

static void responder_waits_for_confirmation(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 13);
	tpair_handshake(&p);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "early", 5, NULL), -ENOKEY);
	assert_false(wg_peer_has_session(p.b_peer, p.env.now));
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "hello", 5, NULL), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_true(res->session_ready);
	assert_true(wg_peer_has_session(p.b_peer, p.env.now));
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "late", 4, NULL), 0);
	tpair_free(&p);
}

static void unknown_peer(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 14);
	wg_peer_remove(p.b, p.b_peer);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_UNKNOWN_PEER);
	tpair_free(&p);
}

static void no_private_key(void **state)
{
	struct tpair p;
	struct wg_device *dev = wg_device_create(NULL);
	uint8_t out[32];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 15);
	assert_false(wg_device_private_key(dev, out));
	assert_false(wg_device_public_key(dev, out));
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, dev, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->drop, WG_DROP_NO_PRIVATE_KEY);
	wg_device_set_private_key(p.a, NULL);
	assert_int_equal(wg_peer_create_initiation(p.a, p.a_peer, &p.env, p.buf), -ENOKEY);
	wg_device_destroy(dev);
	tpair_free(&p);
}

static void initiation_rate_limited(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 16);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	tpair_advance(&p, WG_REKEY_TIMEOUT - 1);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), -EALREADY);
	tpair_advance(&p, 1);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	tpair_free(&p);
}

/* Only the latest initiation's index is live: the response to an older one
 * finds no handshake. */
static void old_initiation_response_refused(void **state)
{
	struct tpair p;
	uint8_t first[sizeof(struct wg_msg_initiation)], resp[sizeof(struct wg_msg_response)];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 17);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	memcpy(first, p.buf, sizeof(first));
	res = tpair_deliver(&p, p.b, &p.a_ep, first, sizeof(first), false);
	memcpy(resp, res->reply, sizeof(resp));
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.a, &p.b_ep, resp, sizeof(resp), false);
	assert_int_equal(res->drop, WG_DROP_UNKNOWN_INDEX);
	tpair_free(&p);
}

static void roaming_updates_endpoint(void **state)
{
	struct tpair p;
	struct wg_endpoint moved;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 19);
	tpair_connect(&p);
	test_endpoint4(&moved, "198.51.100.7", 40000);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), 0);
	res = tpair_deliver(&p, p.b, &moved, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_memory_equal(wg_peer_endpoint(p.b_peer), &moved, sizeof(moved));
	/* A forged packet from elsewhere does not move it. */
	test_endpoint4(&moved, "203.0.113.9", 1);
	p.buf[20] ^= 1;
	res = tpair_deliver(&p, p.b, &moved, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_not_equal(wg_peer_endpoint(p.b_peer)->addr.in4.sin_port, htons(1));
	tpair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_a_to_b),
		cmocka_unit_test(handshake_b_to_a),
		cmocka_unit_test(data_both_ways),
		cmocka_unit_test(psk_matching),
		cmocka_unit_test(psk_mismatch_refused),
		cmocka_unit_test(initiation_byte_flips),
		cmocka_unit_test(initiation_flips_with_valid_mac1),
		cmocka_unit_test(response_byte_flips),
		cmocka_unit_test(response_replay_refused),
		cmocka_unit_test(initiation_replay_stale),
		cmocka_unit_test(initiation_older_timestamp_refused),
		cmocka_unit_test(initiation_flood),
		cmocka_unit_test(initiations_crossed),
		cmocka_unit_test(initiation_crossed_stale),
		cmocka_unit_test(responder_waits_for_confirmation),
		cmocka_unit_test(unknown_peer),
		cmocka_unit_test(no_private_key),
		cmocka_unit_test(initiation_rate_limited),
		cmocka_unit_test(old_initiation_response_refused),
		cmocka_unit_test(roaming_updates_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
