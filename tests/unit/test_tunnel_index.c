/* The receiver-index table, and that peers leave no index behind. */
#include "test_tunnel_util.h"

#include <errno.h>

#include "tunnel/device.h"
#include "tunnel/index.h"

/* An RNG that replays a fixed list of 32-bit values (little-endian). */
struct script_rng {
	const uint32_t *values;
	size_t n, pos;
};

static void script_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct script_rng *s = ctx;
	uint32_t v;

	assert_int_equal(len, 4);
	v = s->values[s->pos < s->n ? s->pos : s->n - 1];
	s->pos++;
	buf[0] = (uint8_t)v;
	buf[1] = (uint8_t)(v >> 8);
	buf[2] = (uint8_t)(v >> 16);
	buf[3] = (uint8_t)(v >> 24);
}

static void insert_lookup_remove(void **state)
{
	static const uint32_t vals[] = { 0x11223344, 0xdeadbeef, 0x00000000 };
	struct script_rng s = { vals, 3, 0 };
	struct wg_rng rng = { script_fill, &s };
	struct wg_index_table t;
	struct wg_index_entry a, b, c;

	(void)state;
	assert_int_equal(wg_index_table_init(&t, 16), 0);
	wg_index_entry_init(&a, WG_INDEX_HANDSHAKE, NULL);
	wg_index_entry_init(&b, WG_INDEX_KEYPAIR, NULL);
	wg_index_entry_init(&c, WG_INDEX_KEYPAIR, NULL);
	assert_int_equal(wg_index_insert(&t, &a, &rng), 0);
	assert_int_equal(wg_index_insert(&t, &b, &rng), 0);
	assert_int_equal(wg_index_insert(&t, &c, &rng), 0);
	assert_int_equal(a.index, 0x11223344);
	assert_int_equal(b.index, 0xdeadbeef);
	assert_int_equal(c.index, 0);
	assert_int_equal(wg_index_count(&t), 3);
	assert_ptr_equal(wg_index_lookup(&t, 0x11223344, WG_INDEX_HANDSHAKE), &a);
	assert_null(wg_index_lookup(&t, 0x11223344, WG_INDEX_KEYPAIR)); /* type filter */
	assert_ptr_equal(wg_index_lookup(&t, 0xdeadbeef, WG_INDEX_KEYPAIR | WG_INDEX_HANDSHAKE), &b);
	assert_ptr_equal(wg_index_lookup(&t, 0, WG_INDEX_KEYPAIR), &c);
	assert_null(wg_index_lookup(&t, 0x11223345, ~0u));
	wg_index_remove(&t, &b);
	wg_index_remove(&t, &b); /* idempotent */
	assert_null(wg_index_lookup(&t, 0xdeadbeef, ~0u));
	assert_int_equal(wg_index_count(&t), 2);
	wg_index_remove(&t, &a);
	wg_index_remove(&t, &c);
	assert_int_equal(wg_index_count(&t), 0);
	wg_index_table_free(&t);
}

static void collision_redraws(void **state)
{
	/* Same value twice, then one in the same bucket (low bits equal). */
	static const uint32_t vals[] = { 0x00000005, 0x00000005, 0x00000005, 0x00010005 };
	struct script_rng s = { vals, 4, 0 };
	struct wg_rng rng = { script_fill, &s };
	struct wg_index_table t;
	struct wg_index_entry a, b;

	(void)state;
	assert_int_equal(wg_index_table_init(&t, 16), 0);
	wg_index_entry_init(&a, WG_INDEX_HANDSHAKE, NULL);
	wg_index_entry_init(&b, WG_INDEX_HANDSHAKE, NULL);
	assert_int_equal(wg_index_insert(&t, &a, &rng), 0);
	assert_int_equal(wg_index_insert(&t, &b, &rng), 0);
	assert_int_equal(s.pos, 4); /* two redraws */
	assert_int_equal(b.index, 0x00010005);
	assert_ptr_equal(wg_index_lookup(&t, 5, ~0u), &a);
	assert_ptr_equal(wg_index_lookup(&t, 0x10005, ~0u), &b);
	/* Removing the chain's head keeps the other reachable. */
	wg_index_remove(&t, &b);
	assert_ptr_equal(wg_index_lookup(&t, 5, ~0u), &a);
	wg_index_remove(&t, &a);
	wg_index_table_free(&t);
}

static void stuck_rng_gives_up(void **state)
{
	static const uint32_t vals[] = { 7 };
	struct script_rng s = { vals, 1, 0 };
	struct wg_rng rng = { script_fill, &s };
	struct wg_index_table t;
	struct wg_index_entry a, b;

	(void)state;
	assert_int_equal(wg_index_table_init(&t, 16), 0);
	wg_index_entry_init(&a, WG_INDEX_HANDSHAKE, NULL);
	wg_index_entry_init(&b, WG_INDEX_HANDSHAKE, NULL);
	assert_int_equal(wg_index_insert(&t, &a, &rng), 0);
	assert_int_equal(wg_index_insert(&t, &b, &rng), -EAGAIN);
	assert_false(b.linked);
	assert_int_equal(wg_index_count(&t), 1);
	wg_index_remove(&t, &a);
	wg_index_table_free(&t);
}

static void reinsert_and_replace(void **state)
{
	static const uint32_t vals[] = { 100, 200 };
	struct script_rng s = { vals, 2, 0 };
	struct wg_rng rng = { script_fill, &s };
	struct wg_index_table t;
	struct wg_index_entry hs, kp;

	(void)state;
	assert_int_equal(wg_index_table_init(&t, 16), 0);
	wg_index_entry_init(&hs, WG_INDEX_HANDSHAKE, NULL);
	wg_index_entry_init(&kp, WG_INDEX_KEYPAIR, NULL);
	assert_false(wg_index_replace(&t, &hs, &kp)); /* nothing to take over */
	assert_int_equal(wg_index_insert(&t, &hs, &rng), 0);
	assert_int_equal(wg_index_insert(&t, &hs, &rng), 0); /* a new index, old one gone */
	assert_null(wg_index_lookup(&t, 100, ~0u));
	assert_ptr_equal(wg_index_lookup(&t, 200, ~0u), &hs);
	assert_true(wg_index_replace(&t, &hs, &kp));
	assert_false(hs.linked);
	assert_ptr_equal(wg_index_lookup(&t, 200, WG_INDEX_KEYPAIR), &kp);
	assert_null(wg_index_lookup(&t, 200, WG_INDEX_HANDSHAKE));
	assert_int_equal(wg_index_count(&t), 1);
	wg_index_remove(&t, &kp);
	wg_index_table_free(&t);
}

/* Many random entries against a naive array. */
static void against_naive_list(void **state)
{
	enum { N = 3000 };
	struct test_rng r = { .state = 5 };
	struct wg_rng rng = { test_rng_fill, &r };
	static struct wg_index_entry e[N];
	struct wg_index_table t;
	int i, j;

	(void)state;
	assert_int_equal(wg_index_table_init(&t, 64), 0);
	for (i = 0; i < N; i++) {
		wg_index_entry_init(&e[i], WG_INDEX_KEYPAIR, NULL);
		assert_int_equal(wg_index_insert(&t, &e[i], &rng), 0);
	}
	for (i = 0; i < N; i += 3)
		wg_index_remove(&t, &e[i]);
	for (i = 0; i < N; i++) {
		struct wg_index_entry *want = NULL;

		for (j = 0; j < N; j++)
			if (e[j].linked && e[j].index == e[i].index)
				want = &e[j];
		assert_ptr_equal(wg_index_lookup(&t, e[i].index, ~0u), want);
	}
	assert_int_equal(wg_index_count(&t), N - (N + 2) / 3);
	for (i = 0; i < N; i++)
		wg_index_remove(&t, &e[i]);
	assert_int_equal(wg_index_count(&t), 0);
	wg_index_table_free(&t);
}

/* A peer holds up to three indices (a pending handshake and two keypairs:
 * current with previous or next); removing it must leave none. */
static void peer_remove_leaves_no_index(void **state)
{
	struct tpair p;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		tpair_init(&p, 40 + round);
		tpair_connect(&p);
		tpair_advance(&p, SEC(10));
		if (round == 0) {
			tpair_connect(&p);       /* b: current + previous */
			assert_non_null(p.b_peer->keypairs.previous);
		} else {
			tpair_handshake(&p);     /* b: current + next */
			assert_non_null(p.b_peer->keypairs.next);
		}
		tpair_advance(&p, WG_REKEY_TIMEOUT); /* b answered just now */
		assert_int_equal(tpair_initiation(&p, p.b, p.b_peer), 0); /* + handshake */
		assert_int_equal(wg_index_count(&p.b->indices), 3);
		wg_peer_remove(p.b, p.b_peer);
		assert_int_equal(wg_index_count(&p.b->indices), 0);
		assert_true(wg_index_count(&p.a->indices) > 0);
		wg_peer_clear_sessions(p.a_peer);
		assert_int_equal(wg_index_count(&p.a->indices), 0);
		tpair_free(&p);
	}
}

/* Destroying a device with live sessions frees everything (ASan checks). */
static void device_destroy_with_sessions(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 42);
	tpair_connect(&p);
	tpair_advance(&p, SEC(10));
	tpair_handshake(&p);
	tpair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(insert_lookup_remove),
		cmocka_unit_test(collision_redraws),
		cmocka_unit_test(stuck_rng_gives_up),
		cmocka_unit_test(reinsert_and_replace),
		cmocka_unit_test(against_naive_list),
		cmocka_unit_test(peer_remove_leaves_no_index),
		cmocka_unit_test(device_destroy_with_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
