/* Transport data: padding, round trips, in-place operation, tampering,
 * replay through the device, key expiry and rekey signals. */
#include "test_tunnel_util.h"

#include <errno.h>

#include "tunnel/peer.h"

static void encrypted_len_pads_to_16(void **state)
{
	(void)state;
	assert_int_equal(wg_encrypted_len(0), 32);
	assert_int_equal(wg_encrypted_len(1), 48);
	assert_int_equal(wg_encrypted_len(16), 48);
	assert_int_equal(wg_encrypted_len(17), 64);
	assert_int_equal(wg_encrypted_len(1420), 16 + 1424 + 16);
	assert_int_equal(wg_encrypted_len(WG_MAX_PAYLOAD), 16 + 65536 + 16);
}

/* With the tunnel MTU set, padding stops at the MTU: a full-size packet
 * travels unpadded (1420 + 32 + 48 = 1500 fits an IPv6 path), and the
 * receiver still gets the packet followed by zeros. */
static void padding_capped_at_mtu(void **state)
{
	static const size_t lens[] = { 0, 1, 1400, 1408, 1409, 1419, 1420, 1500 };
	static const size_t want[] = { 32, 48, 1440, 1440, 1452, 1452, 1452, 1532 };
	uint8_t payload[1500];
	struct wg_rx_result *res;
	struct tpair p;

	(void)state;
	memset(payload, 0x5a, sizeof(payload));
	tpair_init(&p, 21);
	tpair_connect(&p);
	wg_device_set_mtu(p.a, 1420);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(wg_device_encrypted_len(p.a, lens[i]), want[i]);
		memset(p.buf, 0xee, sizeof(p.buf));
		assert_int_equal(tpair_encrypt(&p, p.a_peer, payload, lens[i], NULL), 0);
		assert_int_equal(p.len, want[i]);
		assert_true(p.len <= wg_encrypted_len(lens[i]));
		res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
		assert_int_equal(res->kind, WG_RX_DATA);
		assert_int_equal(res->data_len, want[i] - 32);
		assert_memory_equal(res->data, payload, lens[i]);
		for (size_t k = lens[i]; k < res->data_len; k++)
			assert_int_equal(res->data[k], 0);
	}
	assert_int_equal(wg_device_encrypted_len(p.b, 1420), wg_encrypted_len(1420));
	tpair_free(&p);
}

/* Every length 0..100: the receiver sees the payload then zero padding up
 * to a multiple of 16. */
static void round_trip_all_lengths(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint8_t payload[100];
	size_t len, i;

	(void)state;
	tpair_init(&p, 20);
	tpair_connect(&p);
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(0xa0 + i);
	for (len = 0; len <= sizeof(payload); len++) {
		memset(p.buf, 0xee, sizeof(p.buf)); /* padding must be written as zeros */
		assert_int_equal(tpair_encrypt(&p, p.a_peer, payload, len, NULL), 0);
		assert_int_equal(p.len, wg_encrypted_len(len));
		assert_int_equal(p.buf[0], WG_MSG_DATA);
		res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
		assert_int_equal(res->kind, WG_RX_DATA);
		assert_ptr_equal(res->data, p.buf + WG_DATA_HEADER_LEN); /* in place */
		assert_int_equal(res->data_len, (len + 15) / 16 * 16);
		assert_memory_equal(res->data, payload, len);
		for (i = len; i < res->data_len; i++)
			assert_int_equal(res->data[i], 0);
	}
	tpair_free(&p);
}

static void header_fields(void **state)
{
	struct tpair p;
	uint64_t counter;
	uint32_t idx;
	int n;

	(void)state;
	tpair_init(&p, 21);
	tpair_connect(&p); /* counter 0 was the confirming keepalive */
	for (n = 1; n <= 3; n++) {
		assert_int_equal(tpair_encrypt(&p, p.a_peer, "abc", 3, NULL), 0);
		memcpy(&counter, p.buf + 8, 8);
		assert_int_equal(le64toh(counter), n);
		memcpy(&idx, p.buf + 4, 4);
		assert_int_equal(le32toh(idx), p.b_peer->keypairs.current->entry.index);
	}
	assert_int_equal(p.buf[1] | p.buf[2] | p.buf[3], 0);
	tpair_free(&p);
}

static void size_limits(void **state)
{
	struct tpair p;
	uint8_t small[64];
	size_t out;
	bool want;

	(void)state;
	tpair_init(&p, 22);
	tpair_connect(&p);
	assert_int_equal(wg_peer_encrypt(p.a_peer, &p.env, small, 33, sizeof(small), &out, &want),
			 -EMSGSIZE);
	assert_int_equal(wg_peer_encrypt(p.a_peer, &p.env, small, 32, sizeof(small), &out, &want), 0);
	assert_int_equal(out, 64);
	assert_int_equal(wg_peer_encrypt(p.a_peer, &p.env, small, WG_MAX_PAYLOAD + 1, SIZE_MAX, &out,
					 &want), -EMSGSIZE);
	tpair_free(&p);
}

static void max_payload_round_trip(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	size_t cap = wg_encrypted_len(WG_MAX_PAYLOAD), out;
	uint8_t *buf = malloc(cap);
	bool want;

	(void)state;
	assert_non_null(buf);
	tpair_init(&p, 23);
	tpair_connect(&p);
	memset(buf + WG_DATA_HEADER_LEN, 0x42, WG_MAX_PAYLOAD);
	assert_int_equal(wg_peer_encrypt(p.a_peer, &p.env, buf, WG_MAX_PAYLOAD, cap, &out, &want), 0);
	assert_int_equal(out, cap);
	res = tpair_deliver(&p, p.b, &p.a_ep, buf, out, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_int_equal(res->data_len, WG_MAX_PAYLOAD + 1);
	assert_int_equal(res->data[WG_MAX_PAYLOAD - 1], 0x42);
	assert_int_equal(res->data[WG_MAX_PAYLOAD], 0);
	free(buf);
	tpair_free(&p);
}

/* Every byte of a data message flipped: refused, and nothing counted as
 * received. */
static void data_byte_flips(void **state)
{
	struct tpair p;
	uint8_t orig[64], pkt[64];
	struct wg_rx_result *res;
	struct wg_peer_stats before, after;
	size_t i, n;

	(void)state;
	tpair_init(&p, 24);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "0123456789abcdefXYZ", 19, NULL), 0);
	n = p.len;
	memcpy(orig, p.buf, n);
	wg_peer_stats(p.b_peer, &before);
	for (i = 0; i < n; i++) {
		memcpy(pkt, orig, n);
		pkt[i] ^= 0x04;
		res = tpair_deliver(&p, p.b, &p.a_ep, pkt, n, false);
		assert_int_equal(res->kind, WG_RX_DROP);
	}
	assert_int_equal(drops(p.b, WG_DROP_BAD_TYPE), 4);
	assert_int_equal(drops(p.b, WG_DROP_UNKNOWN_INDEX), 4);
	assert_int_equal(drops(p.b, WG_DROP_DATA_DECRYPT), n - 8);
	wg_peer_stats(p.b_peer, &after);
	assert_int_equal(after.rx_bytes, before.rx_bytes);
	/* Truncated: short or failing authentication. */
	memcpy(pkt, orig, n);
	res = tpair_deliver(&p, p.b, &p.a_ep, pkt, WG_DATA_MIN_LEN - 1, false);
	assert_int_equal(res->drop, WG_DROP_SHORT);
	memcpy(pkt, orig, n);
	res = tpair_deliver(&p, p.b, &p.a_ep, pkt, n - 1, false);
	assert_int_equal(res->drop, WG_DROP_DATA_DECRYPT);
	/* The untouched packet still goes through. */
	res = tpair_deliver(&p, p.b, &p.a_ep, orig, n, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	wg_peer_stats(p.b_peer, &after);
	assert_int_equal(after.rx_bytes, before.rx_bytes + n);
	tpair_free(&p);
}

static void replayed_data_refused(void **state)
{
	struct tpair p;
	uint8_t first[48], second[48];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 25);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "one", 3, NULL), 0);
	memcpy(first, p.buf, 48);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "two", 3, NULL), 0);
	memcpy(second, p.buf, 48);
	/* Out of order is fine, duplicates are not. */
	res = tpair_deliver(&p, p.b, &p.a_ep, second, 48, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	memcpy(p.buf, first, 48);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, 48, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	memcpy(p.buf, first, 48);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, 48, false);
	assert_int_equal(res->drop, WG_DROP_REPLAY);
	assert_int_equal(drops(p.b, WG_DROP_REPLAY), 1);
	tpair_free(&p);
}

static void keys_expire_after_reject_time(void **state)
{
	struct tpair p;
	uint8_t pkt[48];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 26);
	tpair_connect(&p);
	tpair_advance(&p, WG_REJECT_AFTER_TIME - 1);
	assert_true(wg_peer_has_session(p.a_peer, p.env.now));
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "late", 4, NULL), 0);
	memcpy(pkt, p.buf, 48);
	tpair_advance(&p, 1);
	assert_false(wg_peer_has_session(p.a_peer, p.env.now));
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "dead", 4, NULL), -ENOKEY);
	/* ...and the receiver refuses what was sent just before. */
	res = tpair_deliver(&p, p.b, &p.a_ep, pkt, 48, false);
	assert_int_equal(res->drop, WG_DROP_KEY_EXPIRED);
	tpair_free(&p);
}

static void keys_expire_after_reject_messages(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 27);
	tpair_connect(&p);
	p.a_peer->keypairs.current->send_counter = WG_REJECT_AFTER_MESSAGES - 1;
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), 0);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), -ENOKEY);
	assert_false(wg_peer_has_session(p.a_peer, p.env.now));
	tpair_free(&p);
}

/* Seals an empty message under kp with any counter, as a sender that
 * ignores the limits would. */
static size_t forge_keepalive(uint8_t *buf, const struct wg_keypair *kp, uint64_t counter)
{
	uint8_t nonce[12] = { 0 };
	uint32_t type = htole32(WG_MSG_DATA), idx = htole32(kp->remote_index);
	uint64_t le = htole64(counter);

	memcpy(buf, &type, 4);
	memcpy(buf + 4, &idx, 4);
	memcpy(buf + 8, &le, 8);
	memcpy(nonce + 4, &le, 8);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf + 16, buf + 16, NULL, buf + 16, 0,
							   NULL, 0, NULL, nonce, kp->send_key);
	return WG_DATA_MIN_LEN;
}

static void receiver_refuses_counter_past_reject(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	const struct wg_keypair *kp;
	size_t n;

	(void)state;
	tpair_init(&p, 28);
	tpair_connect(&p);
	kp = p.a_peer->keypairs.current;
	n = forge_keepalive(p.buf, kp, 5);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, n, false);
	assert_int_equal(res->kind, WG_RX_DATA); /* the forgery helper is sound */
	n = forge_keepalive(p.buf, kp, WG_REJECT_AFTER_MESSAGES);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, n, false);
	assert_int_equal(res->drop, WG_DROP_REPLAY);
	n = forge_keepalive(p.buf, kp, WG_REJECT_AFTER_MESSAGES - 1);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, n, false);
	assert_int_equal(res->kind, WG_RX_DATA); /* the last usable counter */
	/* That used the keypair up: nothing more is received under it. */
	n = forge_keepalive(p.buf, kp, 6);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, n, false);
	assert_int_equal(res->drop, WG_DROP_KEY_EXPIRED);
	tpair_free(&p);
}

static void want_handshake_after_rekey_time_initiator_only(void **state)
{
	struct tpair p;
	bool want;

	(void)state;
	tpair_init(&p, 29);
	tpair_connect(&p);
	tpair_advance(&p, WG_REKEY_AFTER_TIME - 1);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, &want), 0);
	assert_false(want);
	tpair_advance(&p, 1);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, &want), 0);
	assert_true(want);
	/* b is the responder: age alone never makes it rekey (avoids both
	 * sides initiating at once). */
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, &want), 0);
	assert_false(want);
	tpair_free(&p);
}

static void want_handshake_after_rekey_messages(void **state)
{
	struct tpair p;
	bool want;

	(void)state;
	tpair_init(&p, 30);
	tpair_connect(&p);
	p.b_peer->keypairs.current->send_counter = WG_REKEY_AFTER_MESSAGES;
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, &want), 0);
	assert_true(want); /* counter now past the limit, either side */
	tpair_free(&p);
}

/* After a rekey the old keypair still decrypts packets in flight. */
static void previous_keypair_still_receives(void **state)
{
	struct tpair p;
	uint8_t old[48];
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 31);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "old", 3, NULL), 0);
	memcpy(old, p.buf, 48);
	tpair_advance(&p, SEC(10));
	tpair_handshake(&p); /* a has a new current; b's new one is `next` */
	res = tpair_deliver(&p, p.a, &p.b_ep, old, 48, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_memory_equal(res->data, "old", 3);
	/* b still sends under its current (the old session) until confirmed. */
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "mid", 3, NULL), 0);
	res = tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "new", 3, NULL), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_true(res->session_ready);
	assert_null(p.b_peer->keypairs.next);
	assert_non_null(p.b_peer->keypairs.previous);
	tpair_free(&p);
}

static void no_session_enokey(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 32);
	assert_false(wg_peer_has_session(p.a_peer, p.env.now));
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), -ENOKEY);
	tpair_connect(&p);
	wg_peer_clear_sessions(p.a_peer);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), -ENOKEY);
	tpair_free(&p);
}

static void stats_count_bytes(void **state)
{
	struct tpair p;
	struct wg_peer_stats sa, sb;

	(void)state;
	tpair_init(&p, 33);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "hello", 5, NULL), 0);
	tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	wg_peer_stats(p.a_peer, &sa);
	wg_peer_stats(p.b_peer, &sb);
	/* initiation 148 + keepalive 32 + data 48; b got the same and sent 92 */
	assert_int_equal(sa.tx_bytes, 148 + 32 + 48);
	assert_int_equal(sb.rx_bytes, 148 + 32 + 48);
	assert_int_equal(sb.tx_bytes, 92);
	assert_int_equal(sa.rx_bytes, 92);
	assert_int_equal(sb.handshakes, 1);
	tpair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encrypted_len_pads_to_16),
		cmocka_unit_test(round_trip_all_lengths),
		cmocka_unit_test(padding_capped_at_mtu),
		cmocka_unit_test(header_fields),
		cmocka_unit_test(size_limits),
		cmocka_unit_test(max_payload_round_trip),
		cmocka_unit_test(data_byte_flips),
		cmocka_unit_test(replayed_data_refused),
		cmocka_unit_test(keys_expire_after_reject_time),
		cmocka_unit_test(keys_expire_after_reject_messages),
		cmocka_unit_test(receiver_refuses_counter_past_reject),
		cmocka_unit_test(want_handshake_after_rekey_time_initiator_only),
		cmocka_unit_test(want_handshake_after_rekey_messages),
		cmocka_unit_test(previous_keypair_still_receives),
		cmocka_unit_test(no_session_enokey),
		cmocka_unit_test(stats_count_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
