/* tap_bridge_port_set_learning inside a network namespace of this process's
 * own (unshare at start). The flag is read back from the kernel's AF_BRIDGE
 * link dump through libnl directly. Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap/bridge.h"
#include "tap/netlink.h"
#include "tap/veth.h"

static int setup(void **state)
{
	struct tap_test_fixture *f;

	if (tap_test_fixture_setup(state) < 0)
		return -1;
	f = *state;
	if (!tap_test_in_own_netns)
		return 0;
	if (tap_bridge_create(f->nl, "h16br0", NULL) < 0 ||
	    tap_veth_create(f->nl, "h16p0", "h16q0", 0, NULL, NULL) < 0 ||
	    tap_bridge_attach(f->nl, "h16br0", "h16p0") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct tap_test_fixture *f = *state;

	if (f->nl) {
		tap_link_delete(f->nl, "h16p0");
		tap_link_delete(f->nl, "h16br0");
	}
	tap_test_nl_close(f->nl, f->raw);
	return 0;
}

/* The port's bridge flags as the kernel reports them (-1: not a port). */
static int raw_bridge_flags(struct tap_test_fixture *f, const char *name)
{
	struct nl_cache *cache = NULL;
	struct rtnl_link *link;
	int flags = -1;

	assert_int_equal(rtnl_link_alloc_cache(f->raw, AF_BRIDGE, &cache), 0);
	link = rtnl_link_get_by_name(cache, name);
	if (link) {
		flags = rtnl_link_bridge_get_flags(link);
		rtnl_link_put(link);
	}
	nl_cache_free(cache);
	return flags;
}

static void test_learning_off_and_on(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	/* The kernel default: a new port learns. */
	assert_true(raw_bridge_flags(f, "h16p0") & RTNL_BRIDGE_LEARNING);

	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16p0", 0), 0);
	assert_false(raw_bridge_flags(f, "h16p0") & RTNL_BRIDGE_LEARNING);
	/* Other port flags are left alone (unicast flooding stays on). */
	assert_true(raw_bridge_flags(f, "h16p0") & RTNL_BRIDGE_UNICAST_FLOOD);
	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16p0", 0), 0);
	assert_false(raw_bridge_flags(f, "h16p0") & RTNL_BRIDGE_LEARNING);

	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16p0", 1), 0);
	assert_true(raw_bridge_flags(f, "h16p0") & RTNL_BRIDGE_LEARNING);
}

static void test_learning_reset_by_rejoin(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	/* Leaving the bridge drops the port's settings: a port that joins
	 * again learns until told otherwise (why the agent re-applies it). */
	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16p0", 0), 0);
	assert_int_equal(tap_bridge_detach(f->nl, "h16p0"), 0);
	assert_int_equal(tap_bridge_attach(f->nl, "h16br0", "h16p0"), 0);
	assert_true(raw_bridge_flags(f, "h16p0") & RTNL_BRIDGE_LEARNING);
}

static void test_learning_errors(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16q0", 0), -EINVAL);  /* on no bridge */
	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16br0", 0), -EINVAL); /* the bridge itself */
	assert_int_equal(tap_bridge_port_set_learning(f->nl, "h16-none", 0), -ENODEV);
	assert_int_equal(tap_bridge_port_set_learning(f->nl, "", 0), -EINVAL);
	assert_int_equal(tap_bridge_port_set_learning(NULL, "h16p0", 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_learning_off_and_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learning_reset_by_rejoin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learning_errors, setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
