/* netpkt: the checksum helpers against the fixture's independent checksum on
 * random data, the RFC 1624 update against full recomputation, and the
 * parsers' bounds (every truncation of a valid packet). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_dataplane_vswitch_fixture.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void test_csum_matches_independent_sum(void **state)
{
	uint8_t buf[2000];

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		size_t len = rnd() % sizeof(buf), cut = (rnd() % (len + 1)) & ~(size_t)1;
		uint32_t sum;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(iter & 1 ? 0xff : rnd());
		assert_int_equal(netpkt_csum_fold(netpkt_csum_add(0, buf, len)), fx_csum(buf, len, 0));
		/* Summing in two even-sized-first pieces gives the same. */
		sum = netpkt_csum_add(0, buf, cut);
		sum = netpkt_csum_add(sum, buf + cut, len - cut);
		assert_int_equal(netpkt_csum_fold(sum), fx_csum(buf, len, 0));
	}
}

static void test_csum_update16_equals_recompute(void **state)
{
	uint8_t hdr[20];

	(void)state;
	for (int iter = 0; iter < 100000; iter++) {
		size_t w = (rnd() % 10) * 2;
		uint16_t old, neu;

		for (size_t i = 0; i < 20; i++)
			hdr[i] = (uint8_t)rnd();
		if (iter % 7 == 0)
			memset(hdr, iter % 14 ? 0xff : 0, 20);
		if (w == 10)
			w = 8;
		hdr[10] = hdr[11] = 0;
		fx_put16(hdr + 10, fx_csum(hdr, 20, 0));
		old = fx_get16(hdr + w);
		neu = (uint16_t)(iter % 5 ? rnd() : (uint32_t)old - 0x100u); /* incl. TTL - 1 */
		fx_put16(hdr + w, neu);
		netpkt_csum_update16(hdr + 10, old, neu);
		assert_int_equal(fx_csum(hdr, 20, 0), 0);
	}
}

static void test_udp_write_checksum(void **state)
{
	uint8_t pkt[20 + 8 + 64];
	struct netpkt_ipv4 ip;
	struct netpkt_udp udp;
	uint32_t sum;
	uint16_t csum;

	(void)state;
	for (size_t i = 0; i < 64; i++)
		pkt[28 + i] = (uint8_t)rnd();
	netpkt_udp_write(pkt + 20, IP_GW1, IP_LA1, 67, 68, 64);
	netpkt_ipv4_write(pkt, 17, 64, IP_GW1, IP_LA1, 8 + 64);
	assert_int_equal(fx_csum(pkt, 20, 0), 0);
	assert_int_equal(fx_udp_csum(pkt, pkt + 20, 72), 0);
	assert_true(netpkt_ipv4_parse(pkt, sizeof(pkt), &ip));
	assert_true(netpkt_ipv4_csum_ok(&ip));
	assert_true(netpkt_udp_parse(&ip, &udp));
	assert_true(netpkt_udp_csum_ok(&ip, &udp));
	pkt[30] ^= 1;
	assert_false(netpkt_udp_csum_ok(&ip, &udp));

	/* Choose the last payload word so the checksum computes to zero: it
	 * must go out as 0xffff (zero means "none"), and still verify. */
	fx_put16(pkt + 28 + 62, 0);
	netpkt_udp_write(pkt + 20, IP_GW1, IP_LA1, 67, 68, 64);
	csum = fx_get16(pkt + 26);
	fx_put16(pkt + 26, 0);
	sum = (uint16_t)~fx_udp_csum(pkt, pkt + 20, 72); /* the folded sum */
	fx_put16(pkt + 28 + 62, (uint16_t)(0xffff - sum));
	netpkt_udp_write(pkt + 20, IP_GW1, IP_LA1, 67, 68, 64);
	assert_int_equal(fx_get16(pkt + 26), 0xffff);
	assert_int_equal(fx_udp_csum(pkt, pkt + 20, 72), 0);
	(void)csum;
}

static void test_ipv4_parse_bounds(void **state)
{
	uint8_t f[14 + 24 + 8 + 10];
	struct netpkt_ipv4 ip;
	struct netpkt_udp udp;
	size_t n = fx_udp(f, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 10) - 14;
	const uint8_t *p = f + 14;

	(void)state;
	assert_true(netpkt_ipv4_parse(p, n, &ip));
	assert_int_equal(ip.total_len, n);
	assert_int_equal(ip.payload_len, n - 20);
	assert_int_equal(ip.src, IP_LA1);
	assert_int_equal(ip.dst, IP_RA1);
	assert_int_equal(ip.ttl, 64);
	for (size_t len = 0; len < n; len++)
		assert_false(netpkt_ipv4_parse(p, len, &ip));
	/* A longer buffer (Ethernet trailer) is fine, and not counted. */
	assert_true(netpkt_ipv4_parse(p, n + 4, &ip));
	assert_int_equal(ip.payload_len, n - 20);

	f[14] = 0x44; /* IHL 4 */
	assert_false(netpkt_ipv4_parse(p, n, &ip));
	f[14] = 0x4f; /* IHL 15 = 60 bytes > total length 38 */
	assert_false(netpkt_ipv4_parse(p, n, &ip));
	f[14] = 0x65;
	assert_false(netpkt_ipv4_parse(p, n, &ip));
	f[14] = 0x46; /* 24-byte header: payload shifts */
	assert_true(netpkt_ipv4_parse(p, n, &ip));
	assert_int_equal(ip.hdr_len, 24);
	assert_int_equal(ip.payload_len, n - 24);
	f[14] = 0x45;
	fx_put16(f + 16, 19);
	assert_false(netpkt_ipv4_parse(p, n, &ip));
	fx_put16(f + 16, (uint16_t)n);

	/* UDP: whole datagrams only, length inside the IP payload. */
	assert_true(netpkt_ipv4_parse(p, n, &ip));
	assert_true(netpkt_udp_parse(&ip, &udp));
	assert_int_equal(udp.sport, 5000);
	assert_int_equal(udp.payload_len, 10);
	ip.frag = 0x2000;
	assert_false(netpkt_udp_parse(&ip, &udp));
	ip.frag = 0x0001;
	assert_false(netpkt_udp_parse(&ip, &udp));
	ip.frag = 0x4000; /* DF is fine */
	assert_true(netpkt_udp_parse(&ip, &udp));
	fx_put16(f + 38, 19);
	assert_false(netpkt_udp_parse(&ip, &udp));
	fx_put16(f + 38, 7);
	assert_false(netpkt_udp_parse(&ip, &udp));
	ip.proto = 6;
	assert_false(netpkt_udp_parse(&ip, &udp));
}

static void test_arp_and_eth_parse_bounds(void **state)
{
	uint8_t f[64];
	struct netpkt_eth eth;
	struct netpkt_arp arp;
	size_t n = fx_arp(f, MAC_BCAST, MAC_LA1, 1, MAC_LA1, IP_LA1, MAC_BCAST, IP_GW1);

	(void)state;
	for (size_t len = 0; len < 14; len++)
		assert_false(netpkt_eth_parse(f, len, &eth));
	assert_false(netpkt_eth_parse(NULL, 60, &eth));
	assert_true(netpkt_eth_parse(f, n, &eth));
	assert_int_equal(eth.type, 0x0806);
	assert_int_equal(eth.payload_len, 28);
	for (size_t len = 0; len < 28; len++)
		assert_false(netpkt_arp_parse(f + 14, len, &arp));
	assert_true(netpkt_arp_parse(f + 14, 28, &arp));
	assert_int_equal(arp.op, 1);
	assert_int_equal(arp.spa, IP_LA1);
	assert_int_equal(arp.tpa, IP_GW1);
	assert_memory_equal(arp.sha, MAC_LA1, 6);
	f[14 + 4] = 8;
	assert_false(netpkt_arp_parse(f + 14, 28, &arp));

	assert_true(netpkt_mac_is_broadcast(MAC_BCAST));
	assert_false(netpkt_mac_is_broadcast(MAC_LA1));
	assert_true(netpkt_mac_is_group((const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 }));
	assert_false(netpkt_mac_is_group(MAC_GW_A1));
	assert_int_equal(netpkt_mac_to_u64(MAC_LA1), 0x02aa0000010aULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_matches_independent_sum),
		cmocka_unit_test(test_csum_update16_equals_recompute),
		cmocka_unit_test(test_udp_write_checksum),
		cmocka_unit_test(test_ipv4_parse_bounds),
		cmocka_unit_test(test_arp_and_eth_parse_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
