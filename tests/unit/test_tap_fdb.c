/* tap_bridge_fdb_add/del inside a network namespace of this process's own
 * (unshare at start). Entries are read back from the kernel's AF_BRIDGE
 * neighbour dump (the bridge's forwarding database) through libnl directly.
 * Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap/bridge.h"
#include "tap/netlink.h"
#include "tap/veth.h"

static const uint8_t mac1[6] = { 0x02, 0x16, 0x00, 0x00, 0x00, 0x01 };

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
	    tap_veth_create(f->nl, "h16p1", "h16q1", 0, NULL, NULL) < 0 ||
	    tap_bridge_attach(f->nl, "h16br0", "h16p0") < 0 ||
	    tap_bridge_attach(f->nl, "h16br0", "h16p1") < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct tap_test_fixture *f = *state;

	if (f->nl) {
		tap_link_delete(f->nl, "h16p0");
		tap_link_delete(f->nl, "h16p1");
		tap_link_delete(f->nl, "h16br0");
	}
	tap_test_nl_close(f->nl, f->raw);
	return 0;
}

/* What the dump says about one MAC: on which port, in which state. */
struct seen {
	const uint8_t *mac;
	int count;
	int ifindex;
	int state;
	int master;
};

static int on_neigh(struct nl_msg *msg, void *arg)
{
	struct seen *s = arg;
	struct rtnl_neigh *n = NULL;
	struct nl_addr *ll;

	if (rtnl_neigh_parse(nlmsg_hdr(msg), &n) < 0)
		return NL_SKIP;
	ll = rtnl_neigh_get_lladdr(n);
	if (ll && nl_addr_get_len(ll) == 6 && !memcmp(nl_addr_get_binary_addr(ll), s->mac, 6)) {
		s->count++;
		s->ifindex = rtnl_neigh_get_ifindex(n);
		s->state = rtnl_neigh_get_state(n);
		s->master = rtnl_neigh_get_master(n);
	}
	rtnl_neigh_put(n);
	return NL_OK;
}

static struct seen raw_fdb(struct tap_test_fixture *f, const uint8_t mac[6])
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE };
	struct seen s = { .mac = mac };

	assert_true(nl_send_simple(f->raw, RTM_GETNEIGH, NLM_F_DUMP, &ndm, sizeof(ndm)) >= 0);
	nl_socket_modify_cb(f->raw, NL_CB_VALID, NL_CB_CUSTOM, on_neigh, &s);
	assert_int_equal(nl_recvmsgs_default(f->raw), 0);
	return s;
}

static int index_of(struct tap_test_fixture *f, const char *name)
{
	int i = tap_link_index(f->nl, name);

	assert_true(i > 0);
	return i;
}

static void test_add_static(void **state)
{
	struct tap_test_fixture *f = *state;
	struct seen s;

	NEED_NETNS();
	assert_int_equal(raw_fdb(f, mac1).count, 0);
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", mac1), 0);
	s = raw_fdb(f, mac1);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.ifindex, index_of(f, "h16p0"));
	assert_int_equal(s.master, index_of(f, "h16br0"));
	/* static, not permanent: a permanent entry would be the bridge's own
	 * address (frames delivered to the host, not out of the port). */
	assert_true(s.state & NUD_NOARP);
	assert_false(s.state & NUD_PERMANENT);

	/* Again: one entry, unchanged. */
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", mac1), 0);
	s = raw_fdb(f, mac1);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.ifindex, index_of(f, "h16p0"));
}

static void test_move_and_delete(void **state)
{
	struct tap_test_fixture *f = *state;
	struct seen s;

	NEED_NETNS();
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", mac1), 0);
	/* The MAC on another port: the entry moves, it is not doubled. */
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p1", mac1), 0);
	s = raw_fdb(f, mac1);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.ifindex, index_of(f, "h16p1"));

	assert_int_equal(tap_bridge_fdb_del(f->nl, "h16p1", mac1), 0);
	assert_int_equal(raw_fdb(f, mac1).count, 0);
	assert_int_equal(tap_bridge_fdb_del(f->nl, "h16p1", mac1), 0);
}

static void test_goes_with_the_port(void **state)
{
	struct tap_test_fixture *f = *state;

	NEED_NETNS();
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", mac1), 0);
	assert_int_equal(tap_bridge_detach(f->nl, "h16p0"), 0);
	assert_int_equal(raw_fdb(f, mac1).count, 0);
	assert_int_equal(tap_bridge_attach(f->nl, "h16br0", "h16p0"), 0);
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", mac1), 0);
	assert_int_equal(tap_link_delete(f->nl, "h16p0"), 0);
	assert_int_equal(raw_fdb(f, mac1).count, 0);
}

static void test_errors(void **state)
{
	struct tap_test_fixture *f = *state;
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t zero[6] = { 0 };

	NEED_NETNS();
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16q0", mac1), -EINVAL); /* on no bridge */
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16-none", mac1), -ENODEV);
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", mcast), -EINVAL);
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", zero), -EINVAL);
	assert_int_equal(tap_bridge_fdb_add(f->nl, "h16p0", NULL), -EINVAL);
	assert_int_equal(tap_bridge_fdb_del(f->nl, "h16q0", mac1), -EINVAL);
	assert_int_equal(raw_fdb(f, mcast).count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_static, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_goes_with_the_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
