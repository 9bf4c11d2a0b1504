/* tap/tun flags (vnet header, multi-queue) and tap/persist, plus the data
 * path of a TUN fd, inside a network namespace of this process's own
 * (unshare at start). Skips when not root. */
#include "tests/unit/tap_test_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
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
#include "tap/tun.h"

static int teardown(void **state)
{
	tap_nl_close(*state);
	return 0;
}

static short iff_of(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	assert_int_equal(ioctl(fd, TUNGETIFF, &ifr), 0);
	return ifr.ifr_flags;
}

/* Sends one UDP datagram to 10.66.0.2:9 (routed out of the TUN, which owns
 * 10.66.0.1/24) and reads what the TUN fd delivers, waiting at most 2 s. */
static ssize_t udp_through_tun(struct tap_nl *nl, const char *name, int fd, uint8_t *buf, size_t cap)
{
	static const uint8_t addr[4] = { 10, 66, 0, 1 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n = -1;
	int s;

	assert_int_equal(tap_link_set_up(nl, name, 1), 0);
	assert_int_equal(tap_addr_add(nl, name, AF_INET, addr, 24), 0);
	to.sin_addr.s_addr = htonl(0x0a420002);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	assert_int_equal(sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	/* Skip anything else the kernel may emit on the new link. */
	while (poll(&pfd, 1, 2000) == 1) {
		n = read(fd, buf, cap);
		if (n >= 5 && memcmp(buf + n - 5, "hello", 5) == 0)
			break;
		n = -1;
	}
	close(s);
	return n;
}

static void test_no_pi_data_path(void **state)
{
	struct tap_nl *nl = *state;
	char name[IFNAMSIZ];
	uint8_t buf[2048];
	ssize_t n;
	int fd;

	NEED_NETNS();
	fd = tap_open(TAP_KIND_TUN, "h3pi", name);
	assert_true(fd >= 0);
	n = udp_through_tun(nl, name, fd, buf, sizeof(buf));
	/* No packet-information prefix: the first byte is the IPv4 header. */
	assert_int_equal(n, 20 + 8 + 5);
	assert_int_equal(buf[0], 0x45);
	assert_int_equal(buf[9], IPPROTO_UDP);
	close(fd);
}

static void test_vnet_hdr(void **state)
{
	struct tap_nl *nl = *state;
	char name[IFNAMSIZ];
	uint8_t buf[2048];
	ssize_t n;
	int fd;

	NEED_NETNS();
	fd = tap_open_flags(TAP_KIND_TUN, "h3vnet", TAP_F_VNET_HDR, name);
	assert_true(fd >= 0);
	assert_true(iff_of(fd) & IFF_VNET_HDR);
	assert_true(iff_of(fd) & IFF_NO_PI);
	n = udp_through_tun(nl, name, fd, buf, sizeof(buf));
	/* A virtio_net_hdr first, then the IPv4 packet. */
	assert_int_equal(n, (ssize_t)sizeof(struct virtio_net_hdr) + 20 + 8 + 5);
	assert_int_equal(buf[sizeof(struct virtio_net_hdr)], 0x45);
	close(fd);
}

/* The offload negotiation both agents use: header and TSO when wanted and
 * granted, a plain device otherwise; the same TAP reopened either way. */
static void test_open_offloaded(void **state)
{
	struct tap_offload got;
	char name[IFNAMSIZ];
	int fd;

	(void)state;
	NEED_NETNS();
	fd = tap_open_offloaded(TAP_KIND_TAP, "h3off", true, name, &got);
	assert_true(fd >= 0);
	assert_true(got.vnet && got.tso);
	assert_int_equal(got.vnet_err, 0);
	assert_int_equal(got.tso_err, 0);
	assert_true(iff_of(fd) & IFF_VNET_HDR);
	close(fd);
	fd = tap_open_offloaded(TAP_KIND_TUN, "h3off2", false, name, &got);
	assert_true(fd >= 0);
	assert_false(got.vnet || got.tso);
	assert_false(iff_of(fd) & IFF_VNET_HDR);
	close(fd);
}

static void test_multi_queue(void **state)
{
	char name[IFNAMSIZ], name2[IFNAMSIZ];
	int q1, q2, single;
	(void)state;

	NEED_NETNS();
	q1 = tap_open_flags(TAP_KIND_TAP, "h3mq", TAP_F_MULTI_QUEUE | TAP_F_VNET_HDR, name);
	assert_true(q1 >= 0);
	assert_true(iff_of(q1) & IFF_MULTI_QUEUE);
	q2 = tap_open_flags(TAP_KIND_TAP, "h3mq", TAP_F_MULTI_QUEUE | TAP_F_VNET_HDR, name2);
	assert_true(q2 >= 0);
	assert_string_equal(name, name2);
	/* Attaching without the multi-queue flag is refused by the kernel. */
	assert_true(tap_open_flags(TAP_KIND_TAP, "h3mq", 0, name2) < 0);
	close(q2);
	close(q1);

	single = tap_open(TAP_KIND_TAP, "h3sq", name);
	assert_true(single >= 0);
	assert_int_equal(tap_open(TAP_KIND_TAP, "h3sq", name2), -EBUSY);
	close(single);
}

static void test_flags_invalid_and_kernel_names(void **state)
{
	char name[IFNAMSIZ];
	int fd;
	(void)state;

	NEED_NETNS();
	assert_int_equal(tap_open_flags(TAP_KIND_TUN, "h3x", 0x80, name), -EINVAL);
	assert_int_equal(tap_open_flags(TAP_KIND_TUN, "h3-name-far-too-long", 0, name), -EINVAL);
	fd = tap_open_flags(TAP_KIND_TAP, NULL, 0, name);
	assert_true(fd >= 0);
	assert_int_equal(strncmp(name, "tap", 3), 0);
	close(fd);
	fd = tap_open_flags(TAP_KIND_TUN, "", 0, NULL);
	assert_true(fd >= 0);
	close(fd);
}

static void test_persist(void **state)
{
	struct tap_nl *nl = *state;
	struct tap_link_info info;
	char name[IFNAMSIZ];
	int fd;

	NEED_NETNS();
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3vm0", 0, name), 0);
	assert_string_equal(name, "h3vm0");
	/* It outlived its creating fd. */
	assert_int_equal(tap_link_get(nl, "h3vm0", &info), 0);
	assert_string_equal(info.kind, "tun");
	/* Creating it again takes it over: no error. */
	assert_int_equal(tap_persist_create(TAP_KIND_TAP, "h3vm0", 0, NULL), 0);
	/* A VM opens it by name, and closing does not remove it. */
	fd = tap_open_flags(TAP_KIND_TAP, "h3vm0", TAP_F_VNET_HDR, NULL);
	assert_true(fd >= 0);
	close(fd);
	assert_true(tap_link_index(nl, "h3vm0") > 0);
	/* Deleting works even while someone holds it open. */
	fd = tap_open(TAP_KIND_TAP, "h3vm0", NULL);
	assert_true(fd >= 0);
	assert_int_equal(tap_persist_delete(nl, "h3vm0"), 0);
	assert_int_equal(tap_link_index(nl, "h3vm0"), -ENODEV);
	close(fd);
	assert_int_equal(tap_persist_delete(nl, "h3vm0"), -ENODEV);

	/* Never deletes anything but a TUN/TAP. */
	assert_int_equal(tap_bridge_create(nl, "h3br-p", NULL), 0);
	assert_int_equal(tap_persist_delete(nl, "h3br-p"), -EINVAL);
	assert_true(tap_link_index(nl, "h3br-p") > 0);
	assert_int_equal(tap_link_delete(nl, "h3br-p"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_pi_data_path, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_vnet_hdr, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_offloaded, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_queue, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_flags_invalid_and_kernel_names, tap_test_nl_setup, teardown),
		cmocka_unit_test_setup_teardown(test_persist, tap_test_nl_setup, teardown),
	};

	tap_test_enter_netns();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
