/* tap/link (inspection, MAC, rename, listing by prefix) inside a network
 * namespace of this process's own (unshare at start). Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap/bridge.h"
#include "tap/link.h"
#include "tap/netlink.h"
#include "tap/persist.h"
#include "tap/veth.h"

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x5e, 0x30, 0x00, 0x0a };

static int delete_it(const struct tap_link_info *link, void *ctx)
{
	return tap_link_delete(ctx, link->name) == 0 ? 0 : 1;
}

static int teardown(void **state)
{
	struct tap_nl *nl = *state;

	if (nl)
		tap_link_foreach(nl, "h3", delete_it, nl);
	tap_nl_close(nl);
	return 0;
}

/* The MAC as the classic ioctl reports it: an independent reader. */
static void ioctl_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	assert_int_equal(ioctl(s, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

static void test_get(void **state)
{
	struct tap_nl *nl = *state;
	struct tap_link_info info;
	uint8_t mac[6];

	NEED_NETNS();
	assert_int_equal(tap_bridge_create(nl, "h3br", NULL), 0);
	assert_int_equal(tap_veth_create(nl, "h3va", "h3vb", 1450, mac_a, NULL), 0);
	assert_int_equal(tap_bridge_attach(nl, "h3br", "h3va"), 0);
	assert_int_equal(tap_link_set_up(nl, "h3va", 1), 0);

	assert_int_equal(tap_link_get(nl, "h3va", &info), 0);
	assert_string_equal(info.name, "h3va");
	assert_string_equal(info.kind, "veth");
	assert_int_equal(info.ifindex, (int)if_nametoindex("h3va"));
	assert_int_equal(info.master, (int)if_nametoindex("h3br"));
	assert_int_equal(info.mtu, 1450);
	assert_true(info.flags & IFF_UP);
	assert_true(info.has_mac);
	assert_memory_equal(info.mac, mac_a, 6);

	assert_int_equal(tap_link_get(nl, "lo", &info), 0);
	assert_string_equal(info.kind, "");
	assert_int_equal(info.master, 0);

	assert_int_equal(tap_persist_create(TAP_KIND_TUN, "h3tun", 0, NULL), 0);
	assert_int_equal(tap_link_get(nl, "h3tun", &info), 0);
	assert_string_equal(info.kind, "tun");
	assert_false(info.has_mac); /* an L3 device has none */

	assert_int_equal(tap_link_get(nl, "h3-none", &info), -ENODEV);
	assert_int_equal(tap_link_get(nl, "h3va", NULL), -EINVAL);
	ioctl_mac("h3va", mac);
	assert_memory_equal(mac, mac_a, 6);
}

static void test_set_mac(void **state)
{
	struct tap_nl *nl = *state;
	static const uint8_t mcast[6] = { 0x01, 0x80, 0xc2, 0, 0, 0 };
	static const uint8_t zero[6];
	uint8_t mac[6];

	NEED_NETNS();
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3tap", 0, NULL), 0);
	assert_int_equal(tap_link_set_mac(nl, "h3tap", mac_a), 0);
	ioctl_mac("h3tap", mac);
	assert_memory_equal(mac, mac_a, 6);
	assert_int_equal(tap_link_set_mac(nl, "h3tap", mcast), -EINVAL);
	assert_int_equal(tap_link_set_mac(nl, "h3tap", zero), -EINVAL);
	assert_int_equal(tap_link_set_mac(nl, "h3tap", NULL), -EINVAL);
	assert_int_equal(tap_link_set_mac(nl, "h3-none", mac_a), -ENODEV);
}

static void test_rename(void **state)
{
	struct tap_nl *nl = *state;
	int idx;

	NEED_NETNS();
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3old", 0, NULL), 0);
	idx = tap_link_index(nl, "h3old");
	assert_int_equal(tap_link_rename(nl, "h3old", "h3new"), 0);
	assert_int_equal(tap_link_index(nl, "h3new"), idx);
	assert_int_equal(tap_link_index(nl, "h3old"), -ENODEV);
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3other", 0, NULL), 0);
	assert_int_equal(tap_link_rename(nl, "h3new", "h3other"), -EEXIST);
	assert_int_equal(tap_link_rename(nl, "h3new", "h3-0123456789abcdef"), -EINVAL);
	assert_int_equal(tap_link_rename(nl, "h3-none", "h3x"), -ENODEV);
	/* Whether a link that is up can be renamed depends on the kernel
	 * (-EBUSY before 6.x); not asserted here. */
}

struct names {
	char name[16][IFNAMSIZ];
	int n;
	int stop_at;   /* 0: never */
};

static int collect(const struct tap_link_info *link, void *ctx)
{
	struct names *c = ctx;

	assert_true(c->n < 16);
	strcpy(c->name[c->n++], link->name);
	return c->stop_at && c->n == c->stop_at ? 42 : 0;
}

static bool has(const struct names *c, const char *name)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			return true;
	return false;
}

static void test_foreach_prefix(void **state)
{
	struct tap_nl *nl = *state;
	struct names c;

	NEED_NETNS();
	assert_int_equal(tap_bridge_create(nl, "h3-br-1", NULL), 0);
	assert_int_equal(tap_veth_create(nl, "h3-ve-1", "zz-peer", 0, NULL, NULL), 0);
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3-tap-1", 0, NULL), 0);
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "xx-h3-tap", 0, NULL), 0);

	memset(&c, 0, sizeof(c));
	assert_int_equal(tap_link_foreach(nl, "h3-", collect, &c), 0);
	assert_int_equal(c.n, 3);
	assert_true(has(&c, "h3-br-1") && has(&c, "h3-ve-1") && has(&c, "h3-tap-1"));

	memset(&c, 0, sizeof(c));
	assert_int_equal(tap_link_foreach(nl, NULL, collect, &c), 0);
	assert_int_equal(c.n, 6); /* lo too */
	assert_true(has(&c, "lo") && has(&c, "zz-peer") && has(&c, "xx-h3-tap"));

	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(tap_link_foreach(nl, "", collect, &c), 42);
	assert_int_equal(c.n, 2);

	/* Cleaning up from inside the walk: it works from one snapshot. */
	assert_int_equal(tap_link_foreach(nl, "h3-", delete_it, nl), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(tap_link_foreach(nl, "h3-", collect, &c), 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(tap_link_index(nl, "zz-peer"), -ENODEV); /* went with its veth */
	assert_int_equal(tap_link_delete(nl, "xx-h3-tap"), 0);

	assert_int_equal(tap_link_foreach(nl, "h3", NULL, NULL), -EINVAL);
	assert_int_equal(tap_link_foreach(NULL, "h3", collect, &c), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_mac, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreach_prefix, tap_test_nl_setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
