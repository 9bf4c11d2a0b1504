/* controlplane/mac: generated MACs are locally administered unicast, come
 * from the injected RNG, and a taken MAC is redrawn, with a bounded number
 * of attempts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "controlplane/mac.h"

/* Hands out the bytes of a script, then repeats its last 6 bytes. */
struct script {
	const uint8_t *bytes;
	size_t len, pos;
	size_t calls;
};

static void script_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct script *s = ctx;

	s->calls++;
	for (size_t i = 0; i < len; i++) {
		if (s->pos >= s->len)
			s->pos = s->len - 6;
		buf[i] = s->bytes[s->pos++];
	}
}

struct taken {
	uint8_t macs[8][6];
	size_t n;
	size_t asked;
	int fail;
};

static int is_taken(void *ctx, const uint8_t mac[6])
{
	struct taken *t = ctx;

	t->asked++;
	if (t->fail)
		return t->fail;
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(t->macs[i], mac, 6))
			return 1;
	return 0;
}

static void test_bits_forced(void **state)
{
	/* first octet 0xff: multicast and universal bits set in the raw draw */
	static const uint8_t raw[] = { 0xff, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct script s = { raw, sizeof(raw), 0, 0 };
	struct cp_rng rng = { script_fill, &s };
	struct taken t = { 0 };
	uint8_t mac[6];

	(void)state;
	assert_int_equal(cp_mac_generate(&rng, is_taken, &t, mac), 0);
	assert_int_equal(mac[0], 0xfe);
	assert_memory_equal(mac + 1, raw + 1, 5);
	assert_true(cp_mac_is_local_unicast(mac));
	assert_int_equal(s.calls, 1);
}

static void test_every_first_octet(void **state)
{
	struct taken t = { 0 };
	uint8_t raw[6] = { 0 }, mac[6];

	(void)state;
	for (unsigned b = 0; b < 256; b++) {
		struct script s = { raw, sizeof(raw), 0, 0 };
		struct cp_rng rng = { script_fill, &s };

		raw[0] = (uint8_t)b;
		assert_int_equal(cp_mac_generate(&rng, is_taken, &t, mac), 0);
		assert_int_equal(mac[0] & 1, 0);        /* unicast */
		assert_int_equal(mac[0] & 2, 2);        /* locally administered */
		assert_int_equal(mac[0] & 0xfc, b & 0xfc); /* other bits from the RNG */
	}
}

static void test_taken_is_redrawn(void **state)
{
	static const uint8_t raw[] = { 0x02, 1, 2, 3, 4, 5, 0x06, 1, 2, 3, 4, 5 };
	struct script s = { raw, sizeof(raw), 0, 0 };
	struct cp_rng rng = { script_fill, &s };
	struct taken t = { .macs = { { 0x02, 1, 2, 3, 4, 5 } }, .n = 1 };
	uint8_t mac[6];

	(void)state;
	assert_int_equal(cp_mac_generate(&rng, is_taken, &t, mac), 0);
	assert_memory_equal(mac, raw + 6, 6);
	assert_int_equal(t.asked, 2);
}

static void test_gives_up(void **state)
{
	static const uint8_t raw[] = { 0x02, 9, 9, 9, 9, 9 };
	struct script s = { raw, sizeof(raw), 0, 0 };
	struct cp_rng rng = { script_fill, &s };
	struct taken t = { .macs = { { 0x02, 9, 9, 9, 9, 9 } }, .n = 1 };
	uint8_t mac[6];

	(void)state;
	assert_int_equal(cp_mac_generate(&rng, is_taken, &t, mac), -EEXIST);
	assert_int_equal(t.asked, CP_MAC_ATTEMPTS);
}

static void test_lookup_error_propagates(void **state)
{
	static const uint8_t raw[] = { 0x02, 9, 9, 9, 9, 9 };
	struct script s = { raw, sizeof(raw), 0, 0 };
	struct cp_rng rng = { script_fill, &s };
	struct taken t = { .fail = -EIO };
	uint8_t mac[6];

	(void)state;
	assert_int_equal(cp_mac_generate(&rng, is_taken, &t, mac), -EIO);
	assert_int_equal(t.asked, 1);
}

static void test_local_unicast_predicate(void **state)
{
	(void)state;
	assert_true(cp_mac_is_local_unicast((uint8_t[6]){ 0x02 }));
	assert_true(cp_mac_is_local_unicast((uint8_t[6]){ 0xfe }));
	assert_false(cp_mac_is_local_unicast((uint8_t[6]){ 0x00 }));
	assert_false(cp_mac_is_local_unicast((uint8_t[6]){ 0x03 }));
	assert_false(cp_mac_is_local_unicast((uint8_t[6]){ 0x52 & 0xfd }));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits_forced),
		cmocka_unit_test(test_every_first_octet),
		cmocka_unit_test(test_taken_is_redrawn),
		cmocka_unit_test(test_gives_up),
		cmocka_unit_test(test_lookup_error_propagates),
		cmocka_unit_test(test_local_unicast_predicate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
