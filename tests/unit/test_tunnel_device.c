/* Device and peer tables: creation rules, lookup, insertion order, identity
 * changes, and one drop counter per reason. */
#include "test_tunnel_util.h"

#include <errno.h>

#include "tunnel/device.h"
#include "tunnel/peer.h"

static void peer_create_rules(void **state)
{
	struct tpair p;
	struct wg_peer *peer;
	uint8_t k[32];

	(void)state;
	tpair_init(&p, 80);
	assert_int_equal(wg_peer_create(p.a, p.b_pub, &peer), -EEXIST);
	assert_int_equal(wg_peer_create(p.a, p.a_pub, &peer), -EINVAL);
	assert_ptr_equal(wg_peer_lookup(p.a, p.b_pub), p.a_peer);
	assert_null(wg_peer_lookup(p.a, p.a_pub));
	wg_peer_public_key(p.a_peer, k);
	assert_memory_equal(k, p.b_pub, 32);
	wg_peer_set_user(p.a_peer, &p);
	assert_ptr_equal(wg_peer_user(p.a_peer), &p);
	assert_int_equal(wg_peer_endpoint(p.a_peer)->addr.sa.sa_family, AF_INET);
	wg_peer_set_endpoint(p.a_peer, NULL);
	assert_int_equal(wg_peer_endpoint(p.a_peer)->addr.sa.sa_family, AF_UNSPEC);
	tpair_free(&p);
}

/* 300 peers (the table grows several times), insertion order kept through
 * removals, lookups match a naive scan. */
static void many_peers_in_order(void **state)
{
	enum { N = 300 };
	struct test_rng rng = { .state = 81 };
	struct wg_device *dev = wg_device_create(NULL);
	static uint8_t keys[N][32];
	static struct wg_peer *peers[N];
	struct wg_peer *it;
	int i, n;

	(void)state;
	for (i = 0; i < N; i++) {
		test_rng_fill(&rng, keys[i], 32);
		assert_int_equal(wg_peer_create(dev, keys[i], &peers[i]), 0);
	}
	for (i = 0; i < N; i += 7) {
		wg_peer_remove(dev, peers[i]);
		peers[i] = NULL;
	}
	n = 0;
	i = 0;
	for (it = wg_device_first_peer(dev); it; it = wg_peer_next(it)) {
		while (!peers[i])
			i++;
		assert_ptr_equal(it, peers[i]);
		i++;
		n++;
	}
	assert_int_equal(n, N - (N + 6) / 7);
	for (i = 0; i < N; i++)
		assert_ptr_equal(wg_peer_lookup(dev, keys[i]), peers[i]);
	wg_device_destroy(dev);
}

static void set_same_private_key_keeps_sessions(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 82);
	tpair_connect(&p);
	wg_device_set_private_key(p.a, p.a_priv);
	assert_true(wg_peer_has_session(p.a_peer, p.env.now));
	tpair_free(&p);
}

static void new_private_key(void **state)
{
	struct tpair p;
	uint8_t priv[32], pub[32], out[32];
	struct wg_peer *self;
	struct wg_rx_result *res;
	uint8_t pkt[64];

	(void)state;
	tpair_init(&p, 83);
	tpair_connect(&p);
	test_keypair(&p.rng, priv, pub);
	/* a peer on a with the key a is about to take must go */
	assert_int_equal(wg_peer_create(p.a, pub, &self), 0);
	/* b's data under the old session, sent before the change */
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "old", 3, NULL), 0);
	memcpy(pkt, p.buf, p.len);
	wg_device_set_private_key(p.a, priv);
	assert_null(wg_peer_lookup(p.a, pub));
	assert_true(wg_device_private_key(p.a, out));
	assert_memory_equal(out, priv, 32);
	assert_true(wg_device_public_key(p.a, out));
	assert_memory_equal(out, pub, 32);
	/* sending stops, receiving under the old keys goes on */
	assert_false(wg_peer_has_session(p.a_peer, p.env.now));
	res = tpair_deliver(&p, p.a, &p.b_ep, pkt, 48, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	/* b still knows a by the old key: a's initiations fail there... */
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(res->drop, WG_DROP_UNKNOWN_PEER);
	/* ...until b learns the new key. */
	wg_peer_remove(p.b, p.b_peer);
	assert_int_equal(wg_peer_create(p.b, pub, &p.b_peer), 0);
	memcpy(p.a_pub, pub, 32);
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	tpair_connect(&p);
	tpair_free(&p);
}

/* Peers created before the device has a key get their precomputation when
 * it arrives. */
static void key_set_after_peers(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 84);
	wg_device_destroy(p.a);
	p.a = wg_device_create(NULL);
	assert_int_equal(wg_peer_create(p.a, p.b_pub, &p.a_peer), 0);
	assert_int_equal(wg_peer_create_initiation(p.a, p.a_peer, &p.env, p.buf), -ENOKEY);
	wg_device_set_private_key(p.a, p.a_priv);
	wg_peer_set_endpoint(p.a_peer, &p.b_ep);
	tpair_connect(&p);
	tpair_free(&p);
}

/* One counter per reason; the names are distinct and stable. */
static void drop_counters_per_reason(void **state)
{
	struct tpair p;
	uint8_t pkt[200];
	struct wg_device *nokey = wg_device_create(NULL);
	const uint64_t *c;
	int i, j;

	(void)state;
	tpair_init(&p, 85);
	memset(pkt, 0, sizeof(pkt));
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 3, false);             /* short: no type */
	pkt[0] = 1;
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 147, false);           /* short initiation */
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 149, false);           /* bad size */
	pkt[0] = 5;
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 148, false);           /* bad type */
	pkt[0] = 4;
	pkt[1] = 1;
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 48, false);            /* reserved byte */
	pkt[1] = 0;
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 48, false);            /* unknown index */
	pkt[0] = 1;
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 148, false);           /* bad mac1 */
	tpair_deliver(&p, nokey, &p.b_ep, pkt, 148, false);         /* no private key */
	pkt[0] = 3;
	tpair_deliver(&p, p.a, &p.b_ep, pkt, 64, false);            /* cookie, unknown index */
	c = wg_device_drop_counters(p.a);
	assert_int_equal(c[WG_DROP_SHORT], 2);
	assert_int_equal(c[WG_DROP_BAD_SIZE], 1);
	assert_int_equal(c[WG_DROP_BAD_TYPE], 2);
	assert_int_equal(c[WG_DROP_UNKNOWN_INDEX], 2);
	assert_int_equal(c[WG_DROP_BAD_MAC1], 1);
	assert_int_equal(c[WG_DROP_NONE], 0);
	assert_int_equal(wg_device_drops_total(p.a), 8);
	assert_int_equal(wg_device_drop_counters(nokey)[WG_DROP_NO_PRIVATE_KEY], 1);
	for (i = 0; i < WG_DROP__COUNT; i++) {
		assert_string_not_equal(wg_drop_reason_name(i), "unknown");
		for (j = 0; j < i; j++)
			assert_string_not_equal(wg_drop_reason_name(i), wg_drop_reason_name(j));
	}
	assert_string_equal(wg_drop_reason_name(WG_DROP_REPLAY), "replay");
	assert_string_equal(wg_drop_reason_name(WG_DROP__COUNT), "unknown");
	wg_device_destroy(nokey);
	tpair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peer_create_rules),
		cmocka_unit_test(many_peers_in_order),
		cmocka_unit_test(set_same_private_key_keeps_sessions),
		cmocka_unit_test(new_private_key),
		cmocka_unit_test(key_set_after_peers),
		cmocka_unit_test(drop_counters_per_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
