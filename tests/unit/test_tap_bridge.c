/* tap/bridge inside a network namespace of this process's own (unshare at
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

#include "tap/bridge.h"
#include "tap/link.h"
#include "tap/netlink.h"
#include "tap/persist.h"

static const uint8_t br_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t br_mac2[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 };

static int teardown(void **state)
{
	struct tap_test_fixture *f = *state;

	if (f->nl) {
		tap_link_delete(f->nl, "h3br0");
		tap_link_delete(f->nl, "h3br1");
		tap_link_delete(f->nl, "h3port0");
		tap_link_delete(f->nl, "h3port1");
	}
	tap_test_nl_close(f->nl, f->raw);
	return 0;
}

static int raw_master(struct tap_test_fixture *f, const char *name)
{
	struct rtnl_link *link = tap_test_raw_link(f->raw, name);
	int master;

	assert_non_null(link);
	master = rtnl_link_get_master(link);
	rtnl_link_put(link);
	return master;
}

static void assert_raw_mac(struct tap_test_fixture *f, const char *name, const uint8_t mac[6])
{
	struct rtnl_link *link = tap_test_raw_link(f->raw, name);
	struct nl_addr *a;

	assert_non_null(link);
	a = rtnl_link_get_addr(link);
	assert_non_null(a);
	assert_int_equal(nl_addr_get_len(a), 6);
	assert_memory_equal(nl_addr_get_binary_addr(a), mac, 6);
	rtnl_link_put(link);
}

static void test_create(void **state)
{
	struct tap_test_fixture *f = *state;
	struct rtnl_link *link;

	NEED_NETNS();
	assert_int_equal(tap_bridge_create(f->nl, "h3br0", br_mac), 0);
	link = tap_test_raw_link(f->raw, "h3br0");
	assert_non_null(link);
	assert_string_equal(rtnl_link_get_type(link), "bridge");
	rtnl_link_put(link);
	assert_raw_mac(f, "h3br0", br_mac);

	/* Again: fine, and the MAC given now is applied. */
	assert_int_equal(tap_bridge_create(f->nl, "h3br0", br_mac2), 0);
	assert_raw_mac(f, "h3br0", br_mac2);
	assert_int_equal(tap_bridge_create(f->nl, "h3br0", NULL), 0);
	assert_raw_mac(f, "h3br0", br_mac2);

	/* The name of a link of another kind is taken. */
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3port0", 0, NULL), 0);
	assert_int_equal(tap_bridge_create(f->nl, "h3port0", NULL), -EEXIST);

	assert_int_equal(tap_bridge_create(f->nl, "h3-0123456789abcdef", NULL), -EINVAL);
	assert_int_equal(tap_bridge_create(f->nl, "", NULL), -EINVAL);
	{
		static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
		assert_int_equal(tap_bridge_create(f->nl, "h3br1", mcast), -EINVAL);
		assert_null(tap_test_raw_link(f->raw, "h3br1")); /* refused before anything was made */
	}
}

static void test_attach_detach(void **state)
{
	struct tap_test_fixture *f = *state;
	int br0, br1;

	NEED_NETNS();
	assert_int_equal(tap_bridge_create(f->nl, "h3br0", br_mac), 0);
	assert_int_equal(tap_bridge_create(f->nl, "h3br1", NULL), 0);
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3port0", 0, NULL), 0);
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3port1", 0, NULL), 0);
	br0 = tap_link_index(f->nl, "h3br0");
	br1 = tap_link_index(f->nl, "h3br1");
	assert_true(br0 > 0 && br1 > 0);

	assert_int_equal(raw_master(f, "h3port0"), 0);
	assert_int_equal(tap_bridge_attach(f->nl, "h3br0", "h3port0"), 0);
	assert_int_equal(tap_bridge_attach(f->nl, "h3br0", "h3port1"), 0);
	assert_int_equal(raw_master(f, "h3port0"), br0);
	assert_int_equal(raw_master(f, "h3port1"), br0);
	/* A bridge with a set MAC keeps it when ports join. */
	assert_raw_mac(f, "h3br0", br_mac);

	/* Attaching elsewhere moves the port. */
	assert_int_equal(tap_bridge_attach(f->nl, "h3br1", "h3port1"), 0);
	assert_int_equal(raw_master(f, "h3port1"), br1);

	assert_int_equal(tap_bridge_detach(f->nl, "h3port0"), 0);
	assert_int_equal(raw_master(f, "h3port0"), 0);
	assert_int_equal(tap_bridge_detach(f->nl, "h3port0"), 0);

	/* Not a bridge / missing links. */
	assert_int_equal(tap_bridge_attach(f->nl, "h3port1", "h3port0"), -EINVAL);
	assert_int_equal(tap_bridge_attach(f->nl, "h3-nobridge", "h3port0"), -ENODEV);
	assert_int_equal(tap_bridge_attach(f->nl, "h3br0", "h3-noport"), -ENODEV);
	assert_int_equal(tap_bridge_detach(f->nl, "h3-noport"), -ENODEV);
}

static void test_set_mac_after_create(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_bridge_create(f->nl, "h3br0", NULL), 0);
	assert_int_equal(tap_link_set_mac(f->nl, "h3br0", br_mac2), 0);
	assert_raw_mac(f, "h3br0", br_mac2);
}

static void test_delete(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_bridge_create(f->nl, "h3br0", NULL), 0);
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3port0", 0, NULL), 0);
	assert_int_equal(tap_bridge_attach(f->nl, "h3br0", "h3port0"), 0);
	assert_int_equal(tap_bridge_delete(f->nl, "h3port0"), -EINVAL);
	assert_int_equal(tap_bridge_delete(f->nl, "h3br0"), 0);
	assert_null(tap_test_raw_link(f->raw, "h3br0"));
	/* Its port survives, released. */
	assert_int_equal(raw_master(f, "h3port0"), 0);
	assert_int_equal(tap_bridge_delete(f->nl, "h3br0"), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, tap_test_fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_detach, tap_test_fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_mac_after_create, tap_test_fixture_setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, tap_test_fixture_setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
