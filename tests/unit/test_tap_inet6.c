/* tap_link_set_addr_gen_none inside a network namespace of this process's
 * own (unshare at start): the mode is read back from IFLA_AF_SPEC through
 * libnl directly, and a veth pair brought up shows the effect (the other
 * end, left alone, gets its fe80:: address; ours gets none). Skips when not
 * root. */
#include "tests/unit/tap_test_fixture.h"

#include <errno.h>
#include <linux/if_link.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap/link.h"
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
	return tap_veth_create(f->nl, "h16a", "h16b", 0, NULL, NULL) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct tap_test_fixture *f = *state;

	if (f->nl)
		tap_link_delete(f->nl, "h16a");
	tap_test_nl_close(f->nl, f->raw);
	return 0;
}

static int raw_gen_mode(struct tap_test_fixture *f, const char *name)
{
	struct rtnl_link *link = NULL;
	uint8_t mode = 0xff;

	assert_int_equal(rtnl_link_get_kernel(f->raw, 0, name, &link), 0);
	assert_int_equal(rtnl_link_inet6_get_addr_gen_mode(link, &mode), 0);
	rtnl_link_put(link);
	return mode;
}

/* IPv6 addresses on the link, from the kernel's address dump. */
static int raw_v6_addrs(struct tap_test_fixture *f, const char *name)
{
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int ifindex = tap_link_index(f->nl, name), n = 0;

	assert_true(ifindex > 0);
	assert_int_equal(rtnl_addr_alloc_cache(f->raw, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_family(a) == AF_INET6 && rtnl_addr_get_ifindex(a) == ifindex)
			n++;
	}
	nl_cache_free(cache);
	return n;
}

static void test_mode_set(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(raw_gen_mode(f, "h16a"), IN6_ADDR_GEN_MODE_EUI64);
	assert_int_equal(tap_link_set_addr_gen_none(f->nl, "h16a"), 0);
	assert_int_equal(raw_gen_mode(f, "h16a"), IN6_ADDR_GEN_MODE_NONE);
	assert_int_equal(tap_link_set_addr_gen_none(f->nl, "h16a"), 0);
	assert_int_equal(raw_gen_mode(f, "h16a"), IN6_ADDR_GEN_MODE_NONE);
	assert_int_equal(raw_gen_mode(f, "h16b"), IN6_ADDR_GEN_MODE_EUI64);
}

/* The carrier of a veth comes up through the kernel's link watch, a little
 * after both ends are up: wait (bounded) for the untouched end's address. */
static void test_no_link_local(void **state)
{
	struct tap_test_fixture *f = *state;
	struct timespec step = { 0, 20 * 1000 * 1000 };
	int i;

	NEED_NETNS();
	assert_int_equal(tap_link_set_addr_gen_none(f->nl, "h16a"), 0);
	assert_int_equal(tap_link_set_up(f->nl, "h16a", 1), 0);
	assert_int_equal(tap_link_set_up(f->nl, "h16b", 1), 0);
	for (i = 0; i < 250 && raw_v6_addrs(f, "h16b") == 0; i++)
		nanosleep(&step, NULL);
	assert_int_equal(raw_v6_addrs(f, "h16b"), 1);
	assert_int_equal(raw_v6_addrs(f, "h16a"), 0);
}

static void test_errors(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_link_set_addr_gen_none(f->nl, "h16-none"), -ENODEV);
	assert_int_equal(tap_link_set_addr_gen_none(f->nl, ""), -EINVAL);
	assert_int_equal(tap_link_set_addr_gen_none(NULL, "h16a"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mode_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_link_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
