/* tap/veth inside a network namespace of this process's own (unshare at
 * start). Results are read back through libnl directly. Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap/netlink.h"
#include "tap/veth.h"

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x5e, 0x20, 0x00, 0x0b };

static int teardown(void **state)
{
	struct tap_test_fixture *f = *state;

	if (f->nl) {
		tap_link_delete(f->nl, "h3va");
		tap_link_delete(f->nl, "h3vc");
	}
	tap_test_nl_close(f->nl, f->raw);
	return 0;
}

/* The link exists as a veth whose peer is peer_name, with that MTU and MAC. */
static void assert_veth_end(struct tap_test_fixture *f, const char *name, const char *peer_name,
			    unsigned mtu, const uint8_t *mac)
{
	struct rtnl_link *link = tap_test_raw_link(f->raw, name), *peer;
	struct nl_addr *a;

	assert_non_null(link);
	assert_string_equal(rtnl_link_get_type(link), "veth");
	assert_int_equal(rtnl_link_get_mtu(link), mtu);
	assert_false(rtnl_link_get_flags(link) & IFF_UP);
	peer = tap_test_raw_link(f->raw, peer_name);
	assert_non_null(peer);
	assert_int_equal(rtnl_link_get_link(link), rtnl_link_get_ifindex(peer));
	a = rtnl_link_get_addr(link);
	assert_non_null(a);
	assert_int_equal(nl_addr_get_len(a), 6);
	if (mac)
		assert_memory_equal(nl_addr_get_binary_addr(a), mac, 6);
	else
		assert_false(((const uint8_t *)nl_addr_get_binary_addr(a))[0] & 1);
	rtnl_link_put(peer);
	rtnl_link_put(link);
}

static void test_create_full(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3va", "h3vb", 1400, mac_a, mac_b), 0);
	assert_veth_end(f, "h3va", "h3vb", 1400, mac_a);
	assert_veth_end(f, "h3vb", "h3va", 1400, mac_b);
}

static void test_create_defaults(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3va", "h3vb", 0, NULL, NULL), 0);
	assert_veth_end(f, "h3va", "h3vb", 1500, NULL);
	assert_veth_end(f, "h3vb", "h3va", 1500, NULL);
}

static void test_duplicates_and_invalid(void **state)
{
	struct tap_test_fixture *f = *state;
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t zero[6];

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3va", "h3vb", 0, NULL, NULL), 0);
	assert_int_equal(tap_veth_create(f->nl, "h3va", "h3vc", 0, NULL, NULL), -EEXIST);
	assert_int_equal(tap_veth_create(f->nl, "h3vc", "h3vb", 0, NULL, NULL), -EEXIST);
	assert_null(tap_test_raw_link(f->raw, "h3vc"));
	assert_int_equal(tap_veth_create(f->nl, "h3vc", "h3vd", 0, mcast, NULL), -EINVAL);
	assert_int_equal(tap_veth_create(f->nl, "h3vc", "h3vd", 0, NULL, zero), -EINVAL);
	assert_int_equal(tap_veth_create(f->nl, "h3vc", "h3vd", 70000, NULL, NULL), -EINVAL);
	assert_int_equal(tap_veth_create(f->nl, "h3vc", NULL, 0, NULL, NULL), -EINVAL);
	assert_int_equal(tap_veth_create(f->nl, "h3-0123456789abcdef", "h3vd", 0, NULL, NULL), -EINVAL);
	assert_null(tap_test_raw_link(f->raw, "h3vc"));
	assert_null(tap_test_raw_link(f->raw, "h3vd"));
}

static void test_delete_one_end_removes_both(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3va", "h3vb", 0, NULL, NULL), 0);
	assert_int_equal(tap_link_delete(f->nl, "h3vb"), 0);
	assert_null(tap_test_raw_link(f->raw, "h3va"));
	assert_null(tap_test_raw_link(f->raw, "h3vb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_full, tap_test_fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_defaults, tap_test_fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_and_invalid, tap_test_fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_one_end_removes_both,
						tap_test_fixture_setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
