/* tap/tun + tap/netlink against the real kernel, inside a brand-new network
 * namespace of this process's own (unshare at start), so the host's links
 * are never touched. Results are read back through libnl directly, not
 * through the code under test. Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap/netlink.h"
#include "tap/tun.h"

struct fixture {
	struct tap_nl *nl;
	struct nl_sock *raw;   /* independent reader */
	int fd;
	char name[IFNAMSIZ];
	int ifindex;
};

static const uint8_t v4_addr[4] = { 10, 77, 0, 1 };
static const uint8_t v4_gw[4] = { 10, 77, 0, 254 };
static const uint8_t v4_gw2[4] = { 10, 77, 0, 253 };
static const uint8_t v4_net[4] = { 10, 78, 0, 0 };
static const uint8_t v4_any[4] = { 0 };
static const uint8_t v6_addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6_gw[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe };
static const uint8_t v6_net[16] = { 0xfd, 0x00, 0x00, 0x01 };
static const uint8_t v6_any[16] = { 0 };

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	f.fd = -1;
	*state = &f;
	if (!tap_test_in_own_netns)
		return 0;
	if (tap_test_nl_open(&f.nl, &f.raw) < 0)
		return -1;
	f.fd = tap_open(TAP_KIND_TUN, "h3tun%d", f.name);
	if (f.fd < 0)
		return -1;
	f.ifindex = (int)if_nametoindex(f.name);
	return f.ifindex > 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	tap_test_nl_close(f->nl, f->raw);
	return 0;
}

/* Independent readers ------------------------------------------------------ */

/* Flags of the address if present on ifindex, -1 if absent. */
static long raw_addr_flags(struct fixture *f, int family, const uint8_t *addr, int plen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	long found = -1;
	size_t len = family == AF_INET ? 4 : 16;

	assert_int_equal(rtnl_addr_alloc_cache(f->raw, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) != f->ifindex || rtnl_addr_get_family(a) != family)
			continue;
		if (rtnl_addr_get_prefixlen(a) != plen || nl_addr_get_len(local) != len)
			continue;
		if (memcmp(nl_addr_get_binary_addr(local), addr, len) == 0)
			found = (long)rtnl_addr_get_flags(a);
	}
	nl_cache_free(cache);
	return found;
}

/* How many main-table routes to dst/plen leave through ifindex (via gw, or
 * on-link when gw is NULL). */
static int raw_route_count(struct fixture *f, int family, const uint8_t *dst, int plen, const uint8_t *gw)
{
	struct nl_cache *cache;
	struct nl_object *o;
	size_t len = family == AF_INET ? 4 : 16;
	int n = 0;

	assert_int_equal(rtnl_route_alloc_cache(f->raw, family, 0, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct nl_addr *d = rtnl_route_get_dst(r), *g;
		struct rtnl_nexthop *nh;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN || nl_addr_get_prefixlen(d) != (unsigned)plen)
			continue;
		if (plen && (nl_addr_get_len(d) != len || memcmp(nl_addr_get_binary_addr(d), dst, len)))
			continue;
		if (rtnl_route_get_nnexthops(r) != 1)
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		if (rtnl_route_nh_get_ifindex(nh) != f->ifindex)
			continue;
		g = rtnl_route_nh_get_gateway(nh);
		if (!gw != !g || (gw && memcmp(nl_addr_get_binary_addr(g), gw, len)))
			continue;
		n++;
	}
	nl_cache_free(cache);
	return n;
}

/* Tests -------------------------------------------------------------------- */

static void test_tun_open(void **state)
{
	struct fixture *f = *state;
	struct ifreq ifr;
	char name2[IFNAMSIZ];
	int fd2;

	NEED_NETNS();
	assert_int_equal(strncmp(f->name, "h3tun", 5), 0);
	assert_int_equal(tap_link_index(f->nl, f->name), f->ifindex);
	assert_true(fcntl(f->fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(f->fd, F_GETFD) & FD_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(ioctl(f->fd, TUNGETIFF, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_TUN);
	assert_true(ifr.ifr_flags & IFF_NO_PI);
	assert_false(ifr.ifr_flags & IFF_TAP);

	/* A TAP with an exact name; it disappears with its (only) fd. */
	fd2 = tap_open(TAP_KIND_TAP, "h3tap-x", name2);
	assert_true(fd2 >= 0);
	assert_string_equal(name2, "h3tap-x");
	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(ioctl(fd2, TUNGETIFF, &ifr), 0);
	assert_true(ifr.ifr_flags & IFF_TAP);
	assert_true(tap_link_index(f->nl, "h3tap-x") > 0);
	close(fd2);
	assert_int_equal(tap_link_index(f->nl, "h3tap-x"), -ENODEV);

	assert_int_equal(tap_open(TAP_KIND_TUN, "h3-name-far-too-long", name2), -EINVAL);
	assert_int_equal(tap_open((enum tap_kind)7, "h3x", name2), -EINVAL);
}

static void test_mtu_and_up(void **state)
{
	struct fixture *f = *state;
	struct rtnl_link *link;

	NEED_NETNS();
	assert_int_equal(tap_link_set_mtu(f->nl, f->name, 1380), 0);
	link = tap_test_raw_link(f->raw, f->name);
	assert_non_null(link);
	assert_int_equal(rtnl_link_get_mtu(link), 1380);
	assert_false(rtnl_link_get_flags(link) & IFF_UP);
	rtnl_link_put(link);

	assert_int_equal(tap_link_set_up(f->nl, f->name, 1), 0);
	link = tap_test_raw_link(f->raw, f->name);
	assert_true(rtnl_link_get_flags(link) & IFF_UP);
	assert_int_equal(rtnl_link_get_mtu(link), 1380); /* untouched by the flag change */
	rtnl_link_put(link);

	assert_int_equal(tap_link_set_up(f->nl, f->name, 0), 0);
	link = tap_test_raw_link(f->raw, f->name);
	assert_false(rtnl_link_get_flags(link) & IFF_UP);
	rtnl_link_put(link);

	assert_int_equal(tap_link_set_mtu(f->nl, f->name, 0), -EINVAL);
	assert_int_equal(tap_link_set_mtu(f->nl, f->name, 70000), -EINVAL);
	/* Below the device's minimum: the kernel refuses, the error comes through. */
	assert_int_equal(tap_link_set_mtu(f->nl, f->name, 10), -EINVAL);
}

static void test_addresses(void **state)
{
	struct fixture *f = *state;
	long flags;

	NEED_NETNS();
	assert_int_equal(tap_link_set_up(f->nl, f->name, 1), 0);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET, v4_addr, 24), 0);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET, v4_addr, 24), 0);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET6, v6_addr, 64), 0);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET6, v6_addr, 64), 0);

	assert_true(raw_addr_flags(f, AF_INET, v4_addr, 24) >= 0);
	flags = raw_addr_flags(f, AF_INET6, v6_addr, 64);
	assert_true(flags >= 0);
	assert_true(flags & IFA_F_NODAD);
	assert_false(flags & IFA_F_TENTATIVE);

	assert_int_equal(tap_addr_del(f->nl, f->name, AF_INET, v4_addr, 24), 0);
	assert_int_equal(tap_addr_del(f->nl, f->name, AF_INET6, v6_addr, 64), 0);
	assert_int_equal(raw_addr_flags(f, AF_INET, v4_addr, 24), -1);
	assert_int_equal(raw_addr_flags(f, AF_INET6, v6_addr, 64), -1);
	assert_int_equal(tap_addr_del(f->nl, f->name, AF_INET, v4_addr, 24), -EADDRNOTAVAIL);

	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET, v4_addr, 33), -EINVAL);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET6, v6_addr, 129), -EINVAL);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_UNIX, v4_addr, 8), -EINVAL);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET, NULL, 8), -EINVAL);
}

static void test_routes(void **state)
{
	struct fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_link_set_up(f->nl, f->name, 1), 0);
	assert_int_equal(tap_route_add(f->nl, f->name, AF_INET, v4_net, 16), 0);
	assert_int_equal(tap_route_add(f->nl, f->name, AF_INET, v4_net, 16), 0);
	assert_int_equal(tap_route_add(f->nl, f->name, AF_INET6, v6_net, 48), 0);
	assert_int_equal(tap_route_add(f->nl, f->name, AF_INET6, v6_net, 48), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_net, 16, NULL), 1);
	assert_int_equal(raw_route_count(f, AF_INET6, v6_net, 48, NULL), 1);

	assert_int_equal(tap_route_del(f->nl, f->name, AF_INET, v4_net, 16), 0);
	assert_int_equal(tap_route_del(f->nl, f->name, AF_INET6, v6_net, 48), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_net, 16, NULL), 0);
	assert_int_equal(raw_route_count(f, AF_INET6, v6_net, 48, NULL), 0);
	assert_int_equal(tap_route_del(f->nl, f->name, AF_INET, v4_net, 16), 0);
	assert_int_equal(tap_route_del(f->nl, f->name, AF_INET6, v6_net, 48), 0);

	/* Host bits in the destination are the kernel's to refuse. */
	assert_int_equal(tap_route_add(f->nl, f->name, AF_INET, v4_addr, 16), -EINVAL);
	assert_int_equal(tap_route_add(f->nl, f->name, AF_INET, v4_net, 40), -EINVAL);
}

static void test_default_route_via(void **state)
{
	struct fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_link_set_up(f->nl, f->name, 1), 0);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET, v4_addr, 24), 0);
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET6, v6_addr, 64), 0);

	assert_int_equal(tap_route_replace_via(f->nl, f->name, AF_INET, v4_any, 0, v4_gw), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_any, 0, v4_gw), 1);
	/* Replacing swaps the gateway: still one default route. */
	assert_int_equal(tap_route_replace_via(f->nl, f->name, AF_INET, v4_any, 0, v4_gw2), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_any, 0, v4_gw), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_any, 0, v4_gw2), 1);
	assert_int_equal(tap_route_replace_via(f->nl, f->name, AF_INET, v4_any, 0, v4_gw2), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_any, 0, v4_gw2), 1);

	assert_int_equal(tap_route_replace_via(f->nl, f->name, AF_INET6, v6_any, 0, v6_gw), 0);
	assert_int_equal(raw_route_count(f, AF_INET6, v6_any, 0, v6_gw), 1);

	assert_int_equal(tap_route_del_via(f->nl, f->name, AF_INET, v4_any, 0, v4_gw2), 0);
	assert_int_equal(tap_route_del_via(f->nl, f->name, AF_INET6, v6_any, 0, v6_gw), 0);
	assert_int_equal(raw_route_count(f, AF_INET, v4_any, 0, v4_gw2), 0);
	assert_int_equal(raw_route_count(f, AF_INET6, v6_any, 0, v6_gw), 0);
	assert_int_equal(tap_route_del_via(f->nl, f->name, AF_INET, v4_any, 0, v4_gw2), 0);
	assert_int_equal(tap_route_replace_via(f->nl, f->name, AF_INET, v4_any, 0, NULL), -EINVAL);
}

static void test_missing_link(void **state)
{
	struct fixture *f = *state;
	const char *none = "h3-missing";

	NEED_NETNS();
	assert_int_equal(tap_link_index(f->nl, none), -ENODEV);
	assert_int_equal(tap_link_set_up(f->nl, none, 1), -ENODEV);
	assert_int_equal(tap_link_set_mtu(f->nl, none, 1400), -ENODEV);
	assert_int_equal(tap_link_delete(f->nl, none), -ENODEV);
	assert_int_equal(tap_addr_add(f->nl, none, AF_INET, v4_addr, 24), -ENODEV);
	assert_int_equal(tap_addr_del(f->nl, none, AF_INET, v4_addr, 24), -ENODEV);
	assert_int_equal(tap_route_add(f->nl, none, AF_INET, v4_net, 16), -ENODEV);
	assert_int_equal(tap_route_del(f->nl, none, AF_INET6, v6_net, 48), -ENODEV);

	assert_int_equal(tap_link_index(f->nl, NULL), -EINVAL);
	assert_int_equal(tap_link_index(f->nl, ""), -EINVAL);
	assert_int_equal(tap_link_index(f->nl, "h3-0123456789abcdef"), -EINVAL);
	assert_int_equal(tap_link_index(NULL, f->name), -EINVAL);
	assert_int_equal(tap_link_delete(f->nl, "h3-0123456789abcdef"), -EINVAL);
}

static void test_link_delete(void **state)
{
	struct fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_addr_add(f->nl, f->name, AF_INET, v4_addr, 24), 0);
	assert_int_equal(tap_link_delete(f->nl, f->name), 0);
	assert_int_equal(tap_link_index(f->nl, f->name), -ENODEV);
	assert_null(tap_test_raw_link(f->raw, f->name));
	assert_int_equal(tap_link_delete(f->nl, f->name), -ENODEV);
	/* The fd outlives the link; the device is gone for good. */
	assert_true(write(f->fd, "x", 1) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tun_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mtu_and_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_route_via, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_delete, setup, teardown),
	};

	/* Everything below runs in an empty namespace of our own; the host's
	 * links and routes are out of reach. */
	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
