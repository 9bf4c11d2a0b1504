/* tap/netns: named namespaces, netlink handles inside one, moving a link in.
 * The process first unshares a network namespace of its own; the named
 * namespaces it creates ("h3-<pid>-...") are removed in teardown. What happens
 * inside a namespace is read back by the test's own thread + libnl socket,
 * not through tap/. Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap/bridge.h"
#include "tap/link.h"
#include "tap/netlink.h"
#include "tap/netns.h"
#include "tap/veth.h"

struct fixture {
	struct tap_nl *nl;
	char ns[64];
	char ns_path[128];
};

static const uint8_t c_mac[6] = { 0x02, 0x00, 0x5e, 0x40, 0x00, 0x02 };
static const uint8_t host4[4] = { 10, 79, 0, 1 };
static const uint8_t cont4[4] = { 10, 79, 0, 2 };
static const uint8_t host6[16] = { 0xfd, 0x79, [15] = 1 };
static const uint8_t cont6[16] = { 0xfd, 0x79, [15] = 2 };
static const uint8_t any4[4] = { 0 };
static const uint8_t any6[16] = { 0 };

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (!tap_test_in_own_netns)
		return 0;
	snprintf(f.ns, sizeof(f.ns), "h3-%d-ns", (int)getpid());
	snprintf(f.ns_path, sizeof(f.ns_path), "%s/%s", TAP_NETNS_DIR, f.ns);
	tap_netns_delete(f.ns); /* a leftover from a crashed run */
	if (tap_netns_create(f.ns) < 0)
		return -1;
	return tap_nl_open(&f.nl) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->ns[0])
		tap_netns_delete(f->ns);
	tap_nl_close(f->nl);
	return 0;
}

/* The test's own way into a namespace: a thread that setns()es and opens a
 * socket of the given kind there. */
struct in_ns {
	const char *path;
	int domain, type;
	int fd;            /* result: socket fd or -errno */
};

static void *in_ns_thread(void *arg)
{
	struct in_ns *j = arg;
	int nsfd = open(j->path, O_RDONLY | O_CLOEXEC);

	j->fd = -EBADF;
	if (nsfd < 0)
		return NULL;
	if (setns(nsfd, CLONE_NEWNET) == 0) {
		j->fd = socket(j->domain, j->type | SOCK_CLOEXEC, 0);
		if (j->fd < 0)
			j->fd = -errno;
	}
	close(nsfd);
	return NULL;
}

static int socket_in(const char *path, int domain, int type)
{
	struct in_ns j = { path, domain, type, -1 };
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, in_ns_thread, &j), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	return j.fd;
}

/* A libnl socket living inside the namespace (built on an fd from there). */
static struct nl_sock *raw_in(const char *path)
{
	struct nl_sock *sk;
	int fd = socket_in(path, AF_NETLINK, SOCK_RAW);

	assert_true(fd >= 0);
	/* libnl wants to create its own socket; a NETLINK_ROUTE socket made in
	 * the namespace is handed over with nl_socket_set_fd. */
	sk = nl_socket_alloc();
	assert_non_null(sk);
	assert_int_equal(nl_socket_set_fd(sk, NETLINK_ROUTE, fd), 0);
	return sk;
}

static ino_t ns_inode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int count_links(struct nl_sock *sk, char first[IFNAMSIZ])
{
	struct nl_cache *cache;
	struct nl_object *o;
	int n = 0;

	assert_int_equal(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o), n++)
		if (n == 0)
			snprintf(first, IFNAMSIZ, "%s", rtnl_link_get_name((struct rtnl_link *)o));
	nl_cache_free(cache);
	return n;
}

static bool raw_has_addr(struct nl_sock *sk, int ifindex, int family, const uint8_t *addr, int plen)
{
	struct nl_cache *cache;
	struct nl_object *o;
	size_t len = family == AF_INET ? 4 : 16;
	bool found = false;

	assert_int_equal(rtnl_addr_alloc_cache(sk, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *l = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) == ifindex && rtnl_addr_get_family(a) == family &&
		    rtnl_addr_get_prefixlen(a) == plen && nl_addr_get_len(l) == len &&
		    !memcmp(nl_addr_get_binary_addr(l), addr, len))
			found = true;
	}
	nl_cache_free(cache);
	return found;
}

static bool raw_has_default_via(struct nl_sock *sk, int family, int ifindex, const uint8_t *gw)
{
	struct nl_cache *cache;
	struct nl_object *o;
	size_t len = family == AF_INET ? 4 : 16;
	bool found = false;

	assert_int_equal(rtnl_route_alloc_cache(sk, family, 0, &cache), 0);
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		struct rtnl_nexthop *nh;
		struct nl_addr *g;

		if (rtnl_route_get_table(r) != RT_TABLE_MAIN || nl_addr_get_prefixlen(rtnl_route_get_dst(r)) != 0 ||
		    rtnl_route_get_nnexthops(r) != 1)
			continue;
		nh = rtnl_route_nexthop_n(r, 0);
		g = rtnl_route_nh_get_gateway(nh);
		if (rtnl_route_nh_get_ifindex(nh) == ifindex && g && nl_addr_get_len(g) == len &&
		    !memcmp(nl_addr_get_binary_addr(g), gw, len))
			found = true;
	}
	nl_cache_free(cache);
	return found;
}

/* Tests -------------------------------------------------------------------- */

static void test_create_delete(void **state)
{
	struct fixture *f = *state;
	char other[80], first[IFNAMSIZ];
	ino_t mine = ns_inode("/proc/thread-self/ns/net");
	struct nl_sock *sk;

	NEED_NETNS();
	/* setup made f->ns: a namespace of its own, and ours did not change. */
	assert_true(access(f->ns_path, F_OK) == 0);
	assert_true(ns_inode(f->ns_path) != mine);
	assert_int_equal(ns_inode("/proc/thread-self/ns/net"), mine);
	/* Brand new: nothing but lo. */
	sk = raw_in(f->ns_path);
	assert_int_equal(count_links(sk, first), 1);
	assert_string_equal(first, "lo");
	nl_socket_free(sk);

	assert_int_equal(tap_netns_create(f->ns), -EEXIST);
	assert_int_equal(tap_netns_create(""), -EINVAL);
	assert_int_equal(tap_netns_create("h3/x"), -EINVAL);
	assert_int_equal(tap_netns_create(".."), -EINVAL);
	assert_int_equal(tap_netns_create(NULL), -EINVAL);

	snprintf(other, sizeof(other), "h3-%d-other", (int)getpid());
	assert_int_equal(tap_netns_create(other), 0);
	{
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", TAP_NETNS_DIR, other);
		assert_true(ns_inode(path) != ns_inode(f->ns_path)); /* each one is new */
		assert_true(ns_inode(path) != mine);
	}
	assert_int_equal(tap_netns_delete(other), 0);
	assert_int_equal(tap_netns_delete(other), -ENOENT);
	assert_int_equal(tap_netns_open(other), -ENOENT);
	assert_int_equal(tap_netns_delete("a/b"), -EINVAL);
}

static void test_nl_inside(void **state)
{
	struct fixture *f = *state;
	struct tap_nl *inside;
	struct tap_link_info info;
	struct nl_sock *sk;
	struct rtnl_link *link = NULL;

	NEED_NETNS();
	assert_int_equal(tap_nl_open_netns(f->ns, &inside), 0);
	/* Links made through it appear there, not here. */
	assert_int_equal(tap_bridge_create(inside, "h3inbr", NULL), 0);
	assert_int_equal(tap_link_get(inside, "h3inbr", &info), 0);
	assert_int_equal(tap_link_index(f->nl, "h3inbr"), -ENODEV);
	sk = raw_in(f->ns_path);
	assert_int_equal(rtnl_link_get_kernel(sk, 0, "h3inbr", &link), 0);
	rtnl_link_put(link);
	nl_socket_free(sk);
	tap_nl_close(inside);

	/* By path as well as by name. */
	assert_int_equal(tap_nl_open_netns(f->ns_path, &inside), 0);
	assert_true(tap_link_index(inside, "h3inbr") > 0);
	tap_nl_close(inside);

	assert_int_equal(tap_nl_open_netns("h3-no-such-ns", &inside), -ENOENT);
	assert_null(inside);
	assert_int_equal(tap_nl_open_netns("../etc", &inside), -EINVAL);
}

/* The whole container-port recipe: veth, one end moved in and renamed eth0,
 * then MAC, MTU, addresses, default routes set from outside. */
static void test_container_port(void **state)
{
	struct fixture *f = *state;
	struct tap_nl *inside;
	struct tap_link_info info;
	struct nl_sock *sk;
	int eth0, s;

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3c0", "h3c0p", 1400, NULL, NULL), 0);
	assert_int_equal(tap_link_move_netns(f->nl, "h3c0p", f->ns, "eth0"), 0);
	assert_int_equal(tap_link_index(f->nl, "h3c0p"), -ENODEV);
	assert_int_equal(tap_link_index(f->nl, "eth0"), -ENODEV);

	assert_int_equal(tap_nl_open_netns(f->ns, &inside), 0);
	assert_int_equal(tap_link_get(inside, "eth0", &info), 0);
	assert_string_equal(info.kind, "veth");
	assert_int_equal(info.mtu, 1400);
	eth0 = info.ifindex;
	assert_int_equal(tap_link_set_mac(inside, "eth0", c_mac), 0);
	assert_int_equal(tap_link_set_up(inside, "lo", 1), 0);
	assert_int_equal(tap_link_set_up(inside, "eth0", 1), 0);
	assert_int_equal(tap_addr_add(inside, "eth0", AF_INET, cont4, 24), 0);
	assert_int_equal(tap_addr_add(inside, "eth0", AF_INET6, cont6, 64), 0);
	assert_int_equal(tap_route_replace_via(inside, "eth0", AF_INET, any4, 0, host4), 0);
	assert_int_equal(tap_route_replace_via(inside, "eth0", AF_INET6, any6, 0, host6), 0);
	tap_nl_close(inside);

	/* Read back from inside, independently. */
	sk = raw_in(f->ns_path);
	assert_true(raw_has_addr(sk, eth0, AF_INET, cont4, 24));
	assert_true(raw_has_addr(sk, eth0, AF_INET6, cont6, 64));
	assert_true(raw_has_default_via(sk, AF_INET, eth0, host4));
	assert_true(raw_has_default_via(sk, AF_INET6, eth0, host6));
	{
		struct rtnl_link *link = NULL;
		assert_int_equal(rtnl_link_get_kernel(sk, 0, "eth0", &link), 0);
		assert_memory_equal(nl_addr_get_binary_addr(rtnl_link_get_addr(link)), c_mac, 6);
		assert_true(rtnl_link_get_flags(link) & IFF_UP);
		rtnl_link_put(link);
	}
	nl_socket_free(sk);

	/* The default route works: a UDP connect to an off-link address picks
	 * eth0's address as source (ENETUNREACH without a route). */
	s = socket_in(f->ns_path, AF_INET, SOCK_DGRAM);
	assert_true(s >= 0);
	{
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
		struct sockaddr_in me;
		socklen_t len = sizeof(me);

		to.sin_addr.s_addr = htonl(0xc6336401); /* 198.51.100.1 */
		assert_int_equal(connect(s, (struct sockaddr *)&to, sizeof(to)), 0);
		assert_int_equal(getsockname(s, (struct sockaddr *)&me, &len), 0);
		assert_memory_equal(&me.sin_addr, cont4, 4);
	}
	close(s);
	s = socket_in(f->ns_path, AF_INET6, SOCK_DGRAM);
	assert_true(s >= 0);
	{
		struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
		struct sockaddr_in6 me;
		socklen_t len = sizeof(me);

		to.sin6_addr.s6_addr[0] = 0x20; to.sin6_addr.s6_addr[1] = 0x01;
		to.sin6_addr.s6_addr[2] = 0x0d; to.sin6_addr.s6_addr[3] = 0xb8;
		to.sin6_addr.s6_addr[15] = 9;
		assert_int_equal(connect(s, (struct sockaddr *)&to, sizeof(to)), 0);
		assert_int_equal(getsockname(s, (struct sockaddr *)&me, &len), 0);
		assert_memory_equal(&me.sin6_addr, cont6, 16);
	}
	close(s);
}

/* Packets cross the moved veth: host side 10.79.0.1 -> container 10.79.0.2. */
static void test_traffic_reaches_namespace(void **state)
{
	struct fixture *f = *state;
	struct tap_nl *inside;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(5555) };
	struct pollfd pfd;
	char buf[16];
	int rx, tx;

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3c1", "h3c1p", 0, NULL, NULL), 0);
	assert_int_equal(tap_link_move_netns(f->nl, "h3c1p", f->ns, "eth0"), 0);
	assert_int_equal(tap_addr_add(f->nl, "h3c1", AF_INET, host4, 24), 0);
	assert_int_equal(tap_link_set_up(f->nl, "h3c1", 1), 0);
	assert_int_equal(tap_nl_open_netns(f->ns, &inside), 0);
	assert_int_equal(tap_addr_add(inside, "eth0", AF_INET, cont4, 24), 0);
	assert_int_equal(tap_link_set_up(inside, "eth0", 1), 0);
	tap_nl_close(inside);

	rx = socket_in(f->ns_path, AF_INET, SOCK_DGRAM);
	assert_true(rx >= 0);
	memcpy(&to.sin_addr, cont4, 4);
	assert_int_equal(bind(rx, (struct sockaddr *)&to, sizeof(to)), 0);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(tx >= 0);
	assert_int_equal(sendto(tx, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
	pfd.fd = rx;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 3000), 1);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "ping", 4);
	close(tx);
	close(rx);
}

static void test_move_variants_and_errors(void **state)
{
	struct fixture *f = *state;
	struct tap_nl *inside;

	NEED_NETNS();
	assert_int_equal(tap_veth_create(f->nl, "h3m0", "h3m0p", 0, NULL, NULL), 0);
	assert_int_equal(tap_veth_create(f->nl, "h3m1", "h3m1p", 0, NULL, NULL), 0);
	/* By path, keeping its name. */
	assert_int_equal(tap_link_move_netns(f->nl, "h3m0p", f->ns_path, NULL), 0);
	assert_int_equal(tap_nl_open_netns(f->ns, &inside), 0);
	assert_true(tap_link_index(inside, "h3m0p") > 0);

	/* The final name is taken inside: refused, and nothing moved. */
	assert_int_equal(tap_link_move_netns(f->nl, "h3m1p", f->ns, "h3m0p"), -EEXIST);
	assert_true(tap_link_index(f->nl, "h3m1p") > 0);
	assert_int_equal(tap_link_rename(f->nl, "h3m1p", "h3m0p"), 0);
	assert_int_equal(tap_link_move_netns(f->nl, "h3m0p", f->ns, NULL), -EEXIST);
	assert_true(tap_link_index(f->nl, "h3m0p") > 0);

	assert_int_equal(tap_link_move_netns(f->nl, "h3-none", f->ns, "eth0"), -ENODEV);
	assert_int_equal(tap_link_move_netns(f->nl, "h3m0p", "h3-no-such-ns", "eth0"), -ENOENT);
	assert_int_equal(tap_link_move_netns(f->nl, "h3m0p", f->ns, "h3-0123456789abcdef"), -EINVAL);

	/* Deleting the namespace destroys what is inside; our veth end goes with it. */
	tap_nl_close(inside);
	assert_int_equal(tap_netns_delete(f->ns), 0);
	f->ns[0] = '\0';
	{
		/* The kernel tears the namespace down asynchronously: bounded wait. */
		int i;
		for (i = 0; i < 200 && tap_link_index(f->nl, "h3m0") > 0; i++)
			usleep(10000);
	}
	assert_int_equal(tap_link_index(f->nl, "h3m0"), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nl_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traffic_reaches_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_variants_and_errors, setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
