/* TAI64N encoding: label, byte order, whitening, ordering. */
#include "test_tunnel_util.h"

#include "tunnel/tai64n.h"

static void epoch(void **state)
{
	static const uint8_t want[12] = { 0x40, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0 };
	uint8_t ts[12];

	(void)state;
	wg_tai64n_encode(ts, 0);
	assert_memory_equal(ts, want, 12);
}

static void known_time(void **state)
{
	/* 2023-11-14T22:13:20Z = 1700000000 s, + 0.5 s */
	uint64_t secs = 1700000000ULL + 0x400000000000000aULL;
	uint8_t ts[12], want[12];
	uint32_t ns = 500000000u & ~((1u << 24) - 1);
	int i;

	(void)state;
	for (i = 0; i < 8; i++)
		want[i] = (uint8_t)(secs >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		want[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
	wg_tai64n_encode(ts, SEC(1700000000) + 500000000ULL);
	assert_memory_equal(ts, want, 12);
}

static void whitened(void **state)
{
	uint8_t a[12], b[12];

	(void)state;
	/* Inside one 2^24 ns slot the stamps are equal... */
	wg_tai64n_encode(a, SEC(5) + (1u << 24));
	wg_tai64n_encode(b, SEC(5) + (1u << 24) + (1u << 24) - 1);
	assert_memory_equal(a, b, 12);
	assert_false(wg_tai64n_after(b, a));
	/* ...and the next slot is later. */
	wg_tai64n_encode(b, SEC(5) + 2 * (1u << 24));
	assert_true(wg_tai64n_after(b, a));
	assert_false(wg_tai64n_after(a, b));
}

static void ordering_across_seconds(void **state)
{
	uint8_t a[12], b[12];

	(void)state;
	wg_tai64n_encode(a, SEC(100) + 999999999ULL);
	wg_tai64n_encode(b, SEC(101));
	assert_true(wg_tai64n_after(b, a));
	wg_tai64n_encode(a, SEC(255));
	wg_tai64n_encode(b, SEC(256)); /* carry into the next byte */
	assert_true(wg_tai64n_after(b, a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(epoch),
		cmocka_unit_test(known_time),
		cmocka_unit_test(whitened),
		cmocka_unit_test(ordering_across_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
