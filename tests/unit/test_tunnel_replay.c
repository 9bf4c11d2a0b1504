/* The replay window, as a numbered table of (counter, expected) steps run
 * in order against one window, plus a check against a naive set. */
#include "test_tunnel_util.h"

#include "tunnel/replay.h"

#define W WG_REPLAY_WINDOW

struct step {
	uint64_t counter;
	bool accept;
};

static const struct step table[] = {
	/*  0 */ { 0, true },           /* first packet */
	/*  1 */ { 1, true },           /* in order */
	/*  2 */ { 1, false },          /* duplicate */
	/*  3 */ { 12, true },          /* jump ahead, leaves a gap */
	/*  4 */ { 11, true },          /* out of order inside the window */
	/*  5 */ { 10, true },
	/*  6 */ { 10, false },         /* duplicate of an out-of-order one */
	/*  7 */ { 0, false },          /* duplicate of the first */
	/*  8 */ { W + 9, true },       /* 0..8 now fall behind (top - W) */
	/*  9 */ { 9, true },           /* exactly top - W: the oldest accepted */
	/* 10 */ { 8, false },          /* one behind the window */
	/* 11 */ { W + 8, true },       /* the gap right below the top */
	/* 12 */ { W + 10, true },
	/* 13 */ { 2 * W + 100, true }, /* a jump of more than a window */
	/* 14 */ { W + 10, false },     /* far behind now */
	/* 15 */ { W + 100, true },     /* the oldest position of the new window */
	/* 16 */ { W + 99, false },
	/* 17 */ { 2 * W + 99, true },
	/* 18 */ { 2 * W + 100, false },
	/* 19 */ { WG_REJECT_AFTER_MESSAGES, false },     /* past the limit */
	/* 20 */ { UINT64_MAX, false },
	/* 21 */ { WG_REJECT_AFTER_MESSAGES - 1, true },  /* the last counter */
	/* 22 */ { WG_REJECT_AFTER_MESSAGES - 1, false },
	/* 23 */ { WG_REJECT_AFTER_MESSAGES - 2, true },  /* below it, in window */
	/* 24 */ { 2 * W + 101, false },                  /* far behind */
};

static void numbered_table(void **state)
{
	struct wg_replay r;
	size_t i;

	(void)state;
	wg_replay_init(&r);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		bool got = wg_replay_accept(&r, table[i].counter);

		if (got != table[i].accept)
			fail_msg("step %zu: counter %llu: got %d, want %d", i,
				 (unsigned long long)table[i].counter, got, table[i].accept);
	}
	assert_true(wg_replay_exhausted(&r));
}

/* Every counter of a window, in reverse: all accepted once. */
static void whole_window_reverse(void **state)
{
	struct wg_replay r;
	uint64_t c;

	(void)state;
	wg_replay_init(&r);
	assert_true(wg_replay_accept(&r, W));
	for (c = W; c-- > 0;)
		assert_true(wg_replay_accept(&r, c));
	for (c = 0; c <= W; c++)
		assert_false(wg_replay_accept(&r, c));
	assert_false(wg_replay_exhausted(&r));
}

/* Bits of a word left behind by a slide must not survive into the reused
 * slot of the ring. */
static void ring_reuse_is_clean(void **state)
{
	struct wg_replay r;
	uint64_t base;

	(void)state;
	wg_replay_init(&r);
	for (base = 0; base < 64; base++)
		assert_true(wg_replay_accept(&r, base));
	/* Same ring slot, exactly one ring further on. */
	assert_true(wg_replay_accept(&r, WG_REPLAY_WINDOW_BITS + 5));
	assert_true(wg_replay_accept(&r, WG_REPLAY_WINDOW_BITS + 3));
	assert_true(wg_replay_accept(&r, WG_REPLAY_WINDOW_BITS + 7));

	/* A jump of several rings clears every slot, the current one too:
	 * counter 63 set bit 0 of ring slot 1; after the jump, a counter that
	 * maps to that same bit must be fresh. */
	wg_replay_init(&r);
	assert_true(wg_replay_accept(&r, 63));
	assert_true(wg_replay_accept(&r, 64 * (WG_REPLAY_WORDS * 3 + 5)));
	assert_true(wg_replay_accept(&r, 64 * (WG_REPLAY_WORDS * 3 + 1) - 1));
}

/* Differential check against a naive model on random walks. */
static void against_naive_model(void **state)
{
	struct test_rng rng = { .state = 77 };
	static uint8_t seen[1 << 22];
	struct wg_replay r;
	uint64_t top = 0, c;
	bool any = false, want;
	int i, accepted = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	wg_replay_init(&r);
	for (i = 0; i < 100000; i++) {
		uint8_t b[4];
		uint32_t v;

		test_rng_fill(&rng, b, sizeof(b));
		v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
		/* mostly near the top, sometimes at the window's edge or more
		 * than a window ahead */
		c = top + (v % 300) - 200;
		if (b[3] < 8)
			c = top - W - 5 + (v % 10);
		else if (b[3] == 8)
			c = top + W + (v % 100);
		if (c >= sizeof(seen))
			continue; /* below zero or past the model's end */
		want = !seen[c] && (!any || c + W >= top);
		assert_int_equal(wg_replay_accept(&r, c), want);
		if (want) {
			seen[c] = 1;
			if (!any || c > top)
				top = c;
			any = true;
			accepted++;
		}
	}
	assert_true(accepted > 10000);
	assert_true(top > 2 * WG_REPLAY_WINDOW_BITS); /* the ring wrapped */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbered_table),
		cmocka_unit_test(whole_window_reverse),
		cmocka_unit_test(ring_reuse_is_clean),
		cmocka_unit_test(against_naive_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
