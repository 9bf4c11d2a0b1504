/* Inner IP header parsing: the true length of a padded packet, its addresses,
 * and a numbered table of malformed headers that must be refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dataplane/ippkt.h"

static size_t make_v4(uint8_t *p, size_t total, size_t buflen)
{
	memset(p, 0, buflen);
	p[0] = 0x45;
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	memcpy(p + 12, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(p + 16, (uint8_t[]){ 10, 0, 0, 2 }, 4);
	return buflen;
}

static size_t make_v6(uint8_t *p, size_t payload, size_t buflen)
{
	memset(p, 0, buflen);
	p[0] = 0x60;
	p[4] = (uint8_t)(payload >> 8);
	p[5] = (uint8_t)payload;
	p[8] = 0x20;   /* src 2001::1 */
	p[9] = 0x01;
	p[23] = 1;
	p[24] = 0x20;  /* dst 2001::2 */
	p[25] = 0x01;
	p[39] = 2;
	return buflen;
}

static void test_v4_padded(void **state)
{
	uint8_t p[64];
	struct ippkt ip;

	(void)state;
	/* 28-byte packet zero-padded to 32, as a WireGuard payload */
	assert_int_equal(ippkt_parse(p, make_v4(p, 28, 32), &ip), 0);
	assert_int_equal(ip.family, AF_INET);
	assert_int_equal(ip.len, 28);
	assert_ptr_equal(ip.src, p + 12);
	assert_ptr_equal(ip.dst, p + 16);
	assert_int_equal(ip.dst[3], 2);
	/* exactly the buffer, with options (IHL 6) */
	make_v4(p, 24, 24);
	p[0] = 0x46;
	assert_int_equal(ippkt_parse(p, 24, &ip), 0);
	assert_int_equal(ip.len, 24);
}

static void test_v6_padded(void **state)
{
	uint8_t p[64];
	struct ippkt ip;

	(void)state;
	assert_int_equal(ippkt_parse(p, make_v6(p, 8, 64), &ip), 0);
	assert_int_equal(ip.family, AF_INET6);
	assert_int_equal(ip.len, 48);
	assert_ptr_equal(ip.src, p + 8);
	assert_ptr_equal(ip.dst, p + 24);
	/* payload length 0 is taken literally, as the kernel does */
	assert_int_equal(ippkt_parse(p, make_v6(p, 0, 48), &ip), 0);
	assert_int_equal(ip.len, 40);
}

struct bad {
	uint8_t first;      /* version/IHL byte */
	size_t field;       /* total length (v4) or payload length (v6) */
	size_t buflen;
};

static const struct bad bad_v4[] = {
	/* 0 */ { 0x45, 21, 20 },  /* longer than the buffer */
	/* 1 */ { 0x45, 19, 20 },  /* shorter than its header */
	/* 2 */ { 0x44, 20, 20 },  /* IHL below 5 */
	/* 3 */ { 0x4f, 40, 40 },  /* IHL 60 bytes beyond total length */
	/* 4 */ { 0x45, 20, 19 },  /* truncated header */
	/* 5 */ { 0x55, 20, 20 },  /* version 5 */
	/* 6 */ { 0x05, 20, 20 },  /* version 0 */
};

static void test_bad_headers(void **state)
{
	uint8_t p[80];
	struct ippkt ip;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_v4) / sizeof(bad_v4[0]); i++) {
		make_v4(p, bad_v4[i].field, sizeof(p));
		p[0] = bad_v4[i].first;
		if (ippkt_parse(p, bad_v4[i].buflen, &ip) != -EINVAL)
			fail_msg("v4 case %zu accepted", i);
	}
	make_v6(p, 9, sizeof(p));
	assert_int_equal(ippkt_parse(p, 48, &ip), -EINVAL);  /* payload beyond buffer */
	assert_int_equal(ippkt_parse(p, 39, &ip), -EINVAL);  /* truncated header */
	assert_int_equal(ippkt_parse(p, 0, &ip), -EINVAL);
}

static void test_destination_only(void **state)
{
	uint8_t p[64];
	const uint8_t *dst;
	int family;

	(void)state;
	make_v4(p, 20, 20);
	assert_int_equal(ippkt_destination(p, 20, &family, &dst), 0);
	assert_int_equal(family, AF_INET);
	assert_ptr_equal(dst, p + 16);
	assert_int_equal(ippkt_destination(p, 19, &family, &dst), -EINVAL);
	make_v6(p, 0, 40);
	assert_int_equal(ippkt_destination(p, 40, &family, &dst), 0);
	assert_int_equal(family, AF_INET6);
	assert_ptr_equal(dst, p + 24);
	assert_int_equal(ippkt_destination(p, 39, &family, &dst), -EINVAL);
	p[0] = 0x10; /* a fabric frame header is not an IP packet */
	assert_int_equal(ippkt_destination(p, 40, &family, &dst), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_padded),
		cmocka_unit_test(test_v6_padded),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_destination_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
