/* The dual-stack UDP socket: v4-mapped conversion both ways, and real
 * datagrams over loopback in both families through one socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/udp.h"

static struct wg_endpoint v4(const char *addr, uint16_t port)
{
	struct wg_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, addr, &ep.addr.in4.sin_addr), 1);
	return ep;
}

static struct wg_endpoint v6(const char *addr, uint16_t port)
{
	struct wg_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.addr.in6.sin6_family = AF_INET6;
	ep.addr.in6.sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, addr, &ep.addr.in6.sin6_addr), 1);
	return ep;
}

static void test_v4_is_mapped_on_a_v6_socket(void **state)
{
	struct wg_endpoint ep = v4("192.0.2.1", 51820), back;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char text[INET6_ADDRSTRLEN];
	socklen_t len;

	(void)state;
	assert_int_equal(udp_sockaddr_from_endpoint(AF_INET6, &ep, &ss, &len), 0);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(in6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 51820);
	inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
	assert_string_equal(text, "::ffff:192.0.2.1");
	udp_endpoint_from_sockaddr(&ss, len, &back);
	assert_int_equal(back.addr.sa.sa_family, AF_INET);
	assert_memory_equal(&back.addr.in4, &ep.addr.in4, sizeof(ep.addr.in4));
}

static void test_v6_and_v4_only_sockets(void **state)
{
	struct wg_endpoint ep6 = v6("2001:db8::1", 9), ep4 = v4("192.0.2.1", 9), back, none;
	struct sockaddr_storage ss;
	socklen_t len;

	(void)state;
	assert_int_equal(udp_sockaddr_from_endpoint(AF_INET6, &ep6, &ss, &len), 0);
	udp_endpoint_from_sockaddr(&ss, len, &back);
	assert_memory_equal(&back.addr.in6, &ep6.addr.in6, sizeof(ep6.addr.in6));
	/* an IPv4-only socket cannot reach IPv6 and sends IPv4 as is */
	assert_int_equal(udp_sockaddr_from_endpoint(AF_INET, &ep6, &ss, &len), -EAFNOSUPPORT);
	assert_int_equal(udp_sockaddr_from_endpoint(AF_INET, &ep4, &ss, &len), 0);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	memset(&none, 0, sizeof(none));
	assert_int_equal(udp_sockaddr_from_endpoint(AF_INET6, &none, &ss, &len), -EDESTADDRREQ);
	/* short or foreign addresses become "no endpoint" */
	ss.ss_family = AF_UNIX;
	udp_endpoint_from_sockaddr(&ss, sizeof(ss), &back);
	assert_int_equal(back.addr.sa.sa_family, AF_UNSPEC);
	ss.ss_family = AF_INET6;
	udp_endpoint_from_sockaddr(&ss, 8, &back);
	assert_int_equal(back.addr.sa.sa_family, AF_UNSPEC);
}

static void wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 2000), 1);
}

/* One socket talks to an IPv4 and an IPv6 peer; the IPv4 peer's address
 * comes back as plain AF_INET. */
static void test_loopback_both_families(void **state)
{
	struct udp_sock a, b;
	struct wg_endpoint to, from;
	uint8_t buf[64];
	ssize_t n;

	(void)state;
	assert_int_equal(udp_open(&a, 0, 0), 0);
	assert_int_equal(udp_open(&b, 0, 0), 0);
	assert_true(a.port != 0 && b.port != 0 && a.port != b.port);
	assert_int_equal(a.family, AF_INET6);

	to = v4("127.0.0.1", b.port);
	assert_int_equal(udp_send(&a, &to, (const uint8_t *)"hello4", 6), 0);
	wait_readable(b.fd);
	n = udp_recv(&b, buf, sizeof(buf), &from);
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "hello4", 6);
	assert_int_equal(from.addr.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(from.addr.in4.sin_port), a.port);
	assert_int_equal(ntohl(from.addr.in4.sin_addr.s_addr), 0x7f000001);

	to = v6("::1", b.port);
	if (udp_send(&a, &to, (const uint8_t *)"hello6", 6) == 0) { /* skip without IPv6 loopback */
		wait_readable(b.fd);
		n = udp_recv(&b, buf, sizeof(buf), &from);
		assert_int_equal(n, 6);
		assert_int_equal(from.addr.sa.sa_family, AF_INET6);
	}
	/* nothing left: -EAGAIN, and a datagram larger than the buffer is reported */
	assert_int_equal(udp_recv(&b, buf, sizeof(buf), &from), -EAGAIN);
	to = v4("127.0.0.1", b.port);
	memset(buf, 7, sizeof(buf));
	assert_int_equal(udp_send(&a, &to, buf, sizeof(buf)), 0);
	wait_readable(b.fd);
	assert_int_equal(udp_recv(&b, buf, 10, &from), -EMSGSIZE);
	udp_close(&a);
	udp_close(&b);
	assert_int_equal(a.fd, -1);
	assert_int_equal(udp_send(&a, &to, buf, 1), -EBADF);
}

static void test_port_in_use(void **state)
{
	struct udp_sock a, b;

	(void)state;
	assert_int_equal(udp_open(&a, 0, 0), 0);
	assert_int_equal(udp_open(&b, a.port, 0), -EADDRINUSE);
	assert_int_equal(b.fd, -1);
	udp_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_is_mapped_on_a_v6_socket),
		cmocka_unit_test(test_v6_and_v4_only_sockets),
		cmocka_unit_test(test_loopback_both_families),
		cmocka_unit_test(test_port_in_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
