/* Fabric frame header (DESIGN.md section 4): exact bytes, padding, every
 * refusal, and the MTU arithmetic for a 1500-byte underlay. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/fabric_frame.h"

static uint8_t eth[1600];

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(eth); i++)
		eth[i] = (uint8_t)(i * 13 + 5);
	return 0;
}

static void test_encode_exact_bytes(void **state)
{
	uint8_t out[64];
	static const uint8_t want_hdr[8] = { 0x10, 0x00, 0x00, 0x2a, 0xab, 0xcd, 0xef, 0x00 };

	(void)state;
	memset(out, 0x55, sizeof(out));
	/* 8 + 42 = 50 -> padded to 64 */
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 0xabcdef, eth, 42), 64);
	assert_memory_equal(out, want_hdr, 8);
	assert_memory_equal(out + 8, eth, 42);
	for (size_t i = 50; i < 64; i++)
		assert_int_equal(out[i], 0);
}

static void test_wire_len_pads_to_16(void **state)
{
	(void)state;
	assert_int_equal(fabric_frame_wire_len(14), 32);   /* 22 -> 32 */
	assert_int_equal(fabric_frame_wire_len(24), 32);   /* 32 exactly */
	assert_int_equal(fabric_frame_wire_len(25), 48);
	assert_int_equal(fabric_frame_wire_len(1432), 1440); /* 1418-byte IP packet */
	for (size_t n = 14; n < 3000; n++) {
		size_t w = fabric_frame_wire_len(n);

		assert_int_equal(w % 16, 0);
		assert_true(w >= n + 8 && w < n + 8 + 16);
	}
}

static void test_encode_in_place(void **state)
{
	uint8_t buf[256];

	(void)state;
	memcpy(buf + 8, eth, 100);
	assert_int_equal(fabric_frame_encode(buf, sizeof(buf), 1, buf + 8, 100), 112);
	assert_memory_equal(buf + 8, eth, 100);
	assert_int_equal(buf[0], 0x10);
	assert_int_equal(buf[3], 100);
}

static void test_encode_refusals(void **state)
{
	uint8_t out[80000];

	(void)state;
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 0x1000000, eth, 60), -EINVAL);
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 1, eth, 13), -EINVAL);
	assert_int_equal(fabric_frame_encode(NULL, 100, 1, eth, 60), -EINVAL);
	assert_int_equal(fabric_frame_encode(out, 63, 1, eth, 42), -ENOSPC);
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 1, out + 8, 65536), -EMSGSIZE);
	/* 65535 bytes would pad past a 65535-byte WireGuard payload. */
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 1, out + 8, 65535), -EMSGSIZE);
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 1, out + 8, 65512), 65520);
}

static void test_decode_roundtrip(void **state)
{
	uint8_t out[2000];
	struct fabric_frame f;

	(void)state;
	for (size_t n = 14; n <= 1514; n += 37) {
		int w = fabric_frame_encode(out, sizeof(out), 0x123456, eth, n);

		assert_true(w > 0);
		assert_int_equal(fabric_frame_decode(out, (size_t)w, &f), FABRIC_FRAME_OK);
		assert_int_equal(f.vni, 0x123456);
		assert_int_equal(f.eth_len, n);
		assert_ptr_equal(f.eth, out + 8);
		/* Clamped padding (shorter than the multiple) is accepted too. */
		assert_int_equal(fabric_frame_decode(out, 8 + n, &f), FABRIC_FRAME_OK);
	}
}

static void test_decode_refusals(void **state)
{
	uint8_t out[128];
	struct fabric_frame f;
	int w;

	(void)state;
	w = fabric_frame_encode(out, sizeof(out), 7, eth, 60); /* 68 -> 80 */
	assert_int_equal(w, 80);
	assert_int_equal(fabric_frame_decode(out, 7, &f), FABRIC_FRAME_SHORT);
	assert_int_equal(fabric_frame_decode(NULL, 80, &f), FABRIC_FRAME_SHORT);

	out[0] = 0x45; /* an IPv4 packet */
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_NOT_FABRIC);
	out[0] = 0x60;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_NOT_FABRIC);
	out[0] = 0x11;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_BAD_VERSION);
	out[0] = 0x10;

	out[1] = 0x01;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_BAD_FLAGS);
	out[1] = 0;
	out[7] = 0x80;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_BAD_RESERVED);
	out[7] = 0;

	out[2] = 0;
	out[3] = 13;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_RUNT);
	out[3] = 73; /* 8 + 73 > 80 */
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_TRUNCATED);
	out[3] = 72;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_OK);
	out[3] = 56; /* leaves 16 trailing bytes */
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_BAD_PADDING);
	out[3] = 60;
	out[79] = 1; /* non-zero padding */
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_BAD_PADDING);
	out[79] = 0;
	assert_int_equal(fabric_frame_decode(out, 80, &f), FABRIC_FRAME_OK);
	/* A frame that ends on a multiple of 16 takes no padding at all. */
	memset(out, 0, sizeof(out));
	assert_int_equal(fabric_frame_encode(out, sizeof(out), 7, eth, 24), 32);
	assert_int_equal(fabric_frame_decode(out, 32, &f), FABRIC_FRAME_OK);
	assert_int_equal(fabric_frame_decode(out, 33, &f), FABRIC_FRAME_BAD_PADDING);
	assert_string_equal(fabric_frame_status_name(FABRIC_FRAME_BAD_PADDING), "bad_padding");
	assert_string_equal(fabric_frame_status_name(FABRIC_FRAME__COUNT), "unknown");
}

/* The largest m with 16 + pad16(8 + 14 + m) + 16 <= underlay - IP - UDP,
 * found by counting down: the closed form must agree. */
static int mtu_by_search(unsigned underlay, unsigned ip_hlen)
{
	for (int m = underlay < 70000 ? (int)underlay : 70000; m >= 68; m--) {
		size_t wire = 16 + fabric_frame_wire_len(14 + (size_t)m) + 16;

		if (wire + ip_hlen + 8 <= underlay && fabric_frame_wire_len(14 + (size_t)m) <= 65535)
			return m;
	}
	return -EINVAL;
}

static void test_mtu_for_underlay(void **state)
{
	(void)state;
	/* 1500 - 20 - 8 = 1472 = 16 + 1440 + 16; 1440 = 8 + 14 + 1418. */
	assert_int_equal(fabric_mtu_for_underlay(1500, false), 1418);
	assert_int_equal(16 + fabric_frame_wire_len(14 + 1418) + 16 + 20 + 8, 1500);
	assert_true(16 + fabric_frame_wire_len(14 + 1419) + 16 + 20 + 8 > 1500);
	/* IPv6: 1452 - 32 = 1420 -> 1408 of padded plaintext -> 1386. */
	assert_int_equal(fabric_mtu_for_underlay(1500, true), 1386);
	assert_int_equal(fabric_mtu_for_underlay(9000, false), 8906);
	for (unsigned u = 0; u < 9100; u += 7) {
		assert_int_equal(fabric_mtu_for_underlay(u, false), mtu_by_search(u, 20));
		assert_int_equal(fabric_mtu_for_underlay(u, true), mtu_by_search(u, 40));
	}
	assert_int_equal(fabric_mtu_for_underlay(65535, false), mtu_by_search(65535, 20));
	assert_int_equal(fabric_mtu_for_underlay(150, false), -EINVAL);
	assert_int_equal(fabric_mtu_for_underlay(0, true), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_exact_bytes),
		cmocka_unit_test(test_wire_len_pads_to_16),
		cmocka_unit_test(test_encode_in_place),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_decode_roundtrip),
		cmocka_unit_test(test_decode_refusals),
		cmocka_unit_test(test_mtu_for_underlay),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
