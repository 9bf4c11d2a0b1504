/* controlplane/ipam: lowest-free allocation skips network, gateway and
 * broadcast, fills a /24 with exactly 253 addresses and then reports the
 * subnet full; checked against a naive scan on random used sets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "controlplane/ipam.h"
#include "controlplane/validate.h"

static struct cp_subnet subnet(const char *cidr)
{
	struct cp_subnet s = { .name = "s" };

	assert_int_equal(cp_parse_prefix(cidr, "cidr", &s.cidr, NULL), 0);
	s.gateway = cp_subnet_gateway(&s.cidr);
	return s;
}

static void test_capacity(void **state)
{
	(void)state;
	assert_int_equal(cp_ipam_capacity(24), 253);
	assert_int_equal(cp_ipam_capacity(30), 1);
	assert_int_equal(cp_ipam_capacity(31), 0);
	assert_int_equal(cp_ipam_capacity(32), 0);
	assert_int_equal(cp_ipam_capacity(16), 65533);
	assert_int_equal(cp_ipam_capacity(8), 16777213);
}

static void test_fills_slash24_exactly(void **state)
{
	struct cp_subnet s = subnet("10.0.1.0/24");
	uint32_t used[256], ip;
	size_t n = 0;

	(void)state;
	for (;;) {
		int rc = cp_ipam_allocate(&s, used, n, &ip);

		if (rc == -ENOSPC)
			break;
		assert_int_equal(rc, 0);
		/* lowest first, and never network, gateway or broadcast */
		assert_int_equal(ip, 0x0a000102u + n);
		assert_int_equal(cp_check_port_ip(&s, ip, NULL), 0);
		used[n++] = ip; /* stays sorted */
		assert_true(n <= 253);
	}
	assert_int_equal(n, 253);
	assert_int_equal(used[252], 0x0a0001feu);
}

static void test_reuses_lowest_hole(void **state)
{
	struct cp_subnet s = subnet("10.0.1.0/24");
	uint32_t used[] = { 0x0a000102u, 0x0a000103u, 0x0a000105u, 0x0a000106u };
	uint32_t ip;

	(void)state;
	assert_int_equal(cp_ipam_allocate(&s, used, 4, &ip), 0);
	assert_int_equal(ip, 0x0a000104u);
}

static void test_ignores_foreign_and_duplicates(void **state)
{
	struct cp_subnet s = subnet("10.0.1.0/24");
	/* an address below the range, duplicates, and the gateway */
	uint32_t used[] = { 0x0a000001u, 0x0a000101u, 0x0a000102u, 0x0a000102u, 0x0a000103u };
	uint32_t ip;

	(void)state;
	assert_int_equal(cp_ipam_allocate(&s, used, 5, &ip), 0);
	assert_int_equal(ip, 0x0a000104u);
}

static void test_slash30_holds_one(void **state)
{
	struct cp_subnet s = subnet("192.168.7.4/30");
	uint32_t ip, used[1];

	(void)state;
	assert_int_equal(cp_ipam_allocate(&s, NULL, 0, &ip), 0);
	assert_int_equal(ip, 0xc0a80706u);
	used[0] = ip;
	assert_int_equal(cp_ipam_allocate(&s, used, 1, &ip), -ENOSPC);
}

static void test_tiny_subnets_have_none(void **state)
{
	struct cp_subnet s31 = subnet("10.0.0.0/31"), s32 = subnet("10.0.0.1/32");
	uint32_t ip;

	(void)state;
	assert_int_equal(cp_ipam_allocate(&s31, NULL, 0, &ip), -ENOSPC);
	assert_int_equal(cp_ipam_allocate(&s32, NULL, 0, &ip), -ENOSPC);
}

static void test_top_of_address_space(void **state)
{
	struct cp_subnet s = subnet("223.255.255.0/24");
	uint32_t used[253], ip;

	(void)state;
	for (uint32_t i = 0; i < 253; i++)
		used[i] = 0xdfffff02u + i;
	assert_int_equal(cp_ipam_allocate(&s, used, 252, &ip), 0);
	assert_int_equal(ip, 0xdfffff02u + 252);
	assert_int_equal(cp_ipam_allocate(&s, used, 253, &ip), -ENOSPC);
	/* the same walk at the very top of uint32 does not wrap */
	assert_int_equal(cp_ipam_first_free(0xfffffffeu, 0xffffffffu, (uint32_t[]){ 0xfffffffeu,
			 0xffffffffu }, 2, &ip), -ENOSPC);
	assert_int_equal(cp_ipam_first_free(0xfffffffeu, 0xffffffffu, (uint32_t[]){ 0xfffffffeu },
					    1, &ip), 0);
	assert_int_equal(ip, 0xffffffffu);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool naive_used(const uint32_t *used, size_t n, uint32_t ip)
{
	for (size_t i = 0; i < n; i++)
		if (used[i] == ip)
			return true;
	return false;
}

static void test_vs_naive(void **state)
{
	struct cp_subnet s = subnet("10.9.0.0/26");
	uint32_t used[80], ip, want;
	uint64_t r = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t n = 0;
		bool found = false;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		size_t count = r % 80;
		for (size_t i = 0; i < count; i++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			used[n++] = 0x0a090000u - 4 + (uint32_t)(r % 72); /* some outside */
		}
		qsort(used, n, sizeof(used[0]), cmp_u32);
		for (want = s.cidr.addr + 2; want < s.cidr.addr + 63; want++)
			if (!naive_used(used, n, want)) {
				found = true;
				break;
			}
		if (!found) {
			assert_int_equal(cp_ipam_allocate(&s, used, n, &ip), -ENOSPC);
			continue;
		}
		assert_int_equal(cp_ipam_allocate(&s, used, n, &ip), 0);
		assert_int_equal(ip, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_fills_slash24_exactly),
		cmocka_unit_test(test_reuses_lowest_hole),
		cmocka_unit_test(test_ignores_foreign_and_duplicates),
		cmocka_unit_test(test_slash30_holds_one),
		cmocka_unit_test(test_tiny_subnets_have_none),
		cmocka_unit_test(test_top_of_address_space),
		cmocka_unit_test(test_vs_naive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
