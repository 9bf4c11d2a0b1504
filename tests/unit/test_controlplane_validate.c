/* controlplane/validate: every parser accepts the forms an operator types
 * and refuses, with a message quoting the input, everything else; the
 * address arithmetic is checked against a naive bit-by-bit version. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "controlplane/validate.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_names(void **state)
{
	static const char *const good[] = { "a", "acme", "web-1", "db_2", "v1.2", "9lives",
		"A23456789012345678901234567890123456789012345678901234567890123" };
	static const char *const bad[] = { "", "-a", ".a", "_a", "a b", "a/b", "a\"b", "é",
		"a\tb", "A234567890123456789012345678901234567890123456789012345678901234" };
	struct cp_error err;

	(void)state;
	for (size_t i = 0; i < COUNT(good); i++)
		assert_int_equal(cp_parse_name(good[i], "tenant name", &err), 0);
	for (size_t i = 0; i < COUNT(bad); i++) {
		err.message[0] = '\0';
		assert_int_equal(cp_parse_name(bad[i], "tenant name", &err), -EINVAL);
		assert_non_null(strstr(err.message, "tenant name"));
	}
	cp_parse_name("a b", "port name", &err);
	assert_non_null(strstr(err.message, "\"a b\""));
}

static void test_message_sanitised(void **state)
{
	char longname[300];
	struct cp_error err;

	(void)state;
	cp_parse_name("a\nb\x01", "host name", &err);
	assert_null(strchr(err.message, '\n'));
	assert_null(strchr(err.message, '\x01'));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	longname[0] = '!';
	cp_parse_ipv4(longname, "ip", NULL, &err);
	assert_non_null(strstr(err.message, "..."));
	assert_true(strlen(err.message) < 120);
}

static void test_ipv4(void **state)
{
	static const char *const bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
		"1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.4/24", "::1", "1..2.3" };
	struct cp_error err;
	uint32_t ip;

	(void)state;
	assert_int_equal(cp_parse_ipv4("10.0.1.2", "ip", &ip, &err), 0);
	assert_int_equal(ip, 0x0a000102u);
	assert_int_equal(cp_parse_ipv4("255.255.255.255", "ip", &ip, &err), 0);
	assert_int_equal(ip, 0xffffffffu);
	for (size_t i = 0; i < COUNT(bad); i++)
		assert_int_equal(cp_parse_ipv4(bad[i], "ip", &ip, &err), -EINVAL);
	assert_non_null(strstr(err.message, "not an IPv4 address"));
}

static void test_prefix(void **state)
{
	static const char *const bad[] = { "10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08",
		"10.0.0.0/-1", "10.0.0.0/+8", "/24", "10.0.0/24", "10.0.0.0/24/", "10.0.0.0/2a",
		"10.0.0.0/24 " };
	struct cp_prefix p;
	struct cp_error err;

	(void)state;
	assert_int_equal(cp_parse_prefix("10.0.1.0/24", "cidr", &p, &err), 0);
	assert_int_equal(p.addr, 0x0a000100u);
	assert_int_equal(p.len, 24);
	assert_int_equal(cp_parse_prefix("0.0.0.0/0", "cidr", &p, &err), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(cp_parse_prefix("10.0.1.7/32", "cidr", &p, &err), 0);
	for (size_t i = 0; i < COUNT(bad); i++)
		assert_int_equal(cp_parse_prefix(bad[i], "cidr", &p, &err), -EINVAL);
	assert_int_equal(cp_parse_prefix("10.0.1.5/24", "cidr", &p, &err), -EINVAL);
	assert_non_null(strstr(err.message, "host bits"));
	assert_non_null(strstr(err.message, "10.0.1.0/24"));
}

static void test_mac(void **state)
{
	static const char *const bad[] = { "", "02:00:00:00:00", "02:00:00:00:00:0g",
		"02-00-00-00-00-01", "0200.0000.0001", "02:00:00:00:00:001", "2:0:0:0:0:1",
		"02:00:00:00:00:01:" };
	struct cp_error err;
	uint8_t mac[6];
	char text[CP_MAC_STR_LEN];

	(void)state;
	assert_int_equal(cp_parse_mac("02:AB:cd:00:10:ff", mac, &err), 0);
	cp_format_mac(mac, text);
	assert_string_equal(text, "02:ab:cd:00:10:ff");
	assert_int_equal(cp_parse_mac("52:54:00:12:34:56", mac, &err), 0); /* vendor OUI ok */
	for (size_t i = 0; i < COUNT(bad); i++)
		assert_int_equal(cp_parse_mac(bad[i], mac, &err), -EINVAL);
	assert_int_equal(cp_parse_mac("01:00:5e:00:00:01", mac, &err), -EINVAL);
	assert_non_null(strstr(err.message, "multicast"));
	assert_int_equal(cp_parse_mac("ff:ff:ff:ff:ff:ff", mac, &err), -EINVAL);
	assert_int_equal(cp_parse_mac("00:00:00:00:00:00", mac, &err), -EINVAL);
	assert_non_null(strstr(err.message, "zero"));
}

static void test_public_key(void **state)
{
	struct cp_error err;
	uint8_t key[32];

	(void)state;
	assert_int_equal(cp_parse_public_key("9HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4=",
					     key, &err), 0);
	assert_int_equal(key[0], 0xf4);
	assert_int_equal(cp_parse_public_key("9HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4",
					     key, &err), -EINVAL);
	assert_int_equal(cp_parse_public_key("9HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4==",
					     key, &err), -EINVAL);
	assert_int_equal(cp_parse_public_key("!HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4=",
					     key, &err), -EINVAL);
	assert_non_null(strstr(err.message, "malformed"));
	assert_int_equal(cp_parse_public_key("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
					     key, &err), -EINVAL);
	assert_non_null(strstr(err.message, "zero"));
}

static void test_endpoint(void **state)
{
	static const char *const bad[] = { "", "192.0.2.1", "192.0.2.1:", "192.0.2.1:0",
		"192.0.2.1:65536", "192.0.2.1:051820", ":51820", "host.example:51820",
		"2001:db8::1:51820", "[2001:db8::1]", "[2001:db8::1:51820", "[]:1",
		"[192.0.2.1]:1" };
	char out[CP_ENDPOINT_LEN];
	struct cp_error err;

	(void)state;
	assert_int_equal(cp_parse_endpoint("192.0.2.1:51820", out, &err), 0);
	assert_string_equal(out, "192.0.2.1:51820");
	assert_int_equal(cp_parse_endpoint("[2001:DB8:0::1]:65535", out, &err), 0);
	assert_string_equal(out, "[2001:db8::1]:65535");
	for (size_t i = 0; i < COUNT(bad); i++) {
		if (cp_parse_endpoint(bad[i], out, &err) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void test_ranges(void **state)
{
	struct cp_error err;

	(void)state;
	assert_int_equal(cp_check_vni(1, &err), 0);
	assert_int_equal(cp_check_vni(16777215, &err), 0);
	assert_int_equal(cp_check_vni(0, &err), -EINVAL);
	assert_int_equal(cp_check_vni(16777216, &err), -EINVAL);
	assert_int_equal(cp_check_vni(-1, &err), -EINVAL);
	assert_int_equal(cp_check_mtu(576, &err), 0);
	assert_int_equal(cp_check_mtu(9000, &err), 0);
	assert_int_equal(cp_check_mtu(575, &err), -EINVAL);
	assert_int_equal(cp_check_mtu(9001, &err), -EINVAL);
}

static void test_subnet_cidr(void **state)
{
	static const char *const good[] = { "10.0.0.0/8", "10.0.1.0/24", "192.168.7.4/30",
		"100.64.0.0/10", "223.255.255.0/24" };
	static const char *const bad[] = { "10.0.0.0/7", "10.0.0.0/31", "10.0.0.1/32",
		"0.0.0.0/8", "127.0.0.0/24", "224.0.0.0/24", "240.0.0.0/8", "0.0.0.0/0" };
	struct cp_error err;
	struct cp_prefix p;

	(void)state;
	for (size_t i = 0; i < COUNT(good); i++) {
		assert_int_equal(cp_parse_prefix(good[i], "cidr", &p, &err), 0);
		assert_int_equal(cp_check_subnet_cidr(&p, &err), 0);
	}
	for (size_t i = 0; i < COUNT(bad); i++) {
		assert_int_equal(cp_parse_prefix(bad[i], "cidr", &p, &err), 0);
		if (cp_check_subnet_cidr(&p, &err) != -EINVAL)
			fail_msg("accepted subnet %s", bad[i]);
	}
}

static void test_port_ip(void **state)
{
	struct cp_subnet s = { .name = "web" };
	struct cp_error err;

	(void)state;
	cp_parse_prefix("10.0.1.0/24", "cidr", &s.cidr, NULL);
	s.gateway = cp_subnet_gateway(&s.cidr);
	assert_int_equal(s.gateway, 0x0a000101u);
	assert_int_equal(cp_check_port_ip(&s, 0x0a000102u, &err), 0);
	assert_int_equal(cp_check_port_ip(&s, 0x0a0001feu, &err), 0);
	assert_int_equal(cp_check_port_ip(&s, 0x0a000100u, &err), -EINVAL);
	assert_non_null(strstr(err.message, "network"));
	assert_int_equal(cp_check_port_ip(&s, 0x0a000101u, &err), -EINVAL);
	assert_non_null(strstr(err.message, "gateway"));
	assert_int_equal(cp_check_port_ip(&s, 0x0a0001ffu, &err), -EINVAL);
	assert_non_null(strstr(err.message, "broadcast"));
	assert_int_equal(cp_check_port_ip(&s, 0x0a000202u, &err), -EINVAL);
	assert_non_null(strstr(err.message, "outside"));
}

/* Overlap by brute force: do the two ranges share an address? */
static bool naive_overlap(const struct cp_prefix *a, const struct cp_prefix *b)
{
	uint64_t a_lo = a->addr, a_hi = a_lo + (1ull << (32 - a->len)) - 1;
	uint64_t b_lo = b->addr, b_hi = b_lo + (1ull << (32 - b->len)) - 1;

	return a_lo <= b_hi && b_lo <= a_hi;
}

static void test_overlap_vs_naive(void **state)
{
	uint64_t s = 88172645463325252ull;
	struct cp_prefix a, b;
	int overlaps = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		a.len = (uint8_t)(s % 33);
		b.len = (uint8_t)((s >> 8) % 33);
		/* few distinct high bits, so overlaps are common */
		a.addr = (uint32_t)(s >> 16) & 0xf0f00000u & cp_prefix_mask(a.len);
		b.addr = (uint32_t)(s >> 40) & 0xf0f00000u & cp_prefix_mask(b.len);
		assert_int_equal(cp_prefix_overlap(&a, &b), naive_overlap(&a, &b));
		assert_int_equal(cp_prefix_overlap(&b, &a), naive_overlap(&a, &b));
		overlaps += naive_overlap(&a, &b);
	}
	assert_true(overlaps > 1000 && overlaps < 99000);
}

static void test_format(void **state)
{
	struct cp_prefix p = { 0xc0a80000u, 16 };
	char ip[CP_IPV4_STR_LEN], pre[CP_PREFIX_STR_LEN];

	(void)state;
	cp_format_ipv4(0xffffffffu, ip);
	assert_string_equal(ip, "255.255.255.255");
	cp_format_prefix(&p, pre);
	assert_string_equal(pre, "192.168.0.0/16");
	p = (struct cp_prefix){ 0xffffffffu, 32 };
	cp_format_prefix(&p, pre);
	assert_string_equal(pre, "255.255.255.255/32");
	assert_int_equal(cp_prefix_broadcast(&(struct cp_prefix){ 0x0a000000u, 8 }), 0x0affffffu);
	assert_int_equal(cp_prefix_mask(0), 0);
	assert_int_equal(cp_prefix_mask(32), 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_message_sanitised),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_public_key),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_subnet_cidr),
		cmocka_unit_test(test_port_ip),
		cmocka_unit_test(test_overlap_vs_naive),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
