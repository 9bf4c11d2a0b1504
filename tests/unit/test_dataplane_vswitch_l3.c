/* Routing between the subnets of a tenant and along tenant routes, at the
 * sending host: rewritten MACs, TTL and an incrementally fixed checksum
 * (checked against a full recomputation), ICMP time exceeded and
 * fragmentation needed (byte-exact, paced), the gateway answering pings, and
 * a routed frame carried end to end between two switch states. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_dataplane_vswitch_fixture.h"

/* The routed copy of the packet the test built in f->frame (n bytes, of
 * which ip_len are the IP packet): new MACs, TTL - 1, every other byte the
 * same, header checksum right. */
static void assert_routed(const struct fx *f, size_t ip_len, const uint8_t dst[6],
			  const uint8_t gw[6])
{
	const uint8_t *p = f->res.frame, *in = f->frame + 14, *ip = p + 14;
	uint8_t hdr[20];

	assert_ptr_equal(p, f->out);
	assert_int_equal(f->res.len, 14 + ip_len);
	assert_int_equal(f->res.reason, VSWITCH_R_NONE);
	assert_memory_equal(p, dst, 6);
	assert_memory_equal(p + 6, gw, 6);
	assert_int_equal(fx_get16(p + 12), 0x0800);
	assert_int_equal(ip[8], in[8] - 1);
	assert_int_equal(fx_csum(ip, 20, 0), 0);
	/* The incremental update equals a full recomputation. */
	memcpy(hdr, ip, 20);
	hdr[10] = hdr[11] = 0;
	assert_int_equal(fx_get16(ip + 10), fx_csum(hdr, 20, 0));
	assert_memory_equal(ip, in, 8);
	assert_int_equal(ip[9], in[9]);
	assert_memory_equal(ip + 12, in + 12, ip_len - 12);
}

static void test_route_to_local_subnet(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0x4000, IP_LA1, IP_LA2, 100);

	/* An Ethernet trailer after the datagram is not carried on. */
	memset(f->frame + n, 0xee, 6);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n + 6), VSWITCH_TO_UPLINK);
	assert_int_equal(f->res.subnet_id, SUB2);
	assert_int_equal(f->res.uplink, UPLINK_A2);
	assert_routed(f, n - 14, MAC_LA2, MAC_GW_A2);
}

static void test_route_to_remote_host(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 2, 0, IP_LA1, IP_RA2, 1000);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST8);
	assert_int_equal(f->res.vni, VNI_A);
	assert_routed(f, n - 14, MAC_RA2, MAC_GW_A2);
	assert_int_equal(f->res.frame[14 + 8], 1);
}

static void test_checksum_update_over_all_ttls(void **state)
{
	struct fx *f = *state;

	for (unsigned ttl = 2; ttl <= 255; ttl++) {
		for (uint16_t id = 0; id < 40; id++) {
			size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, (uint8_t)ttl, 0, IP_LA1,
					  IP_RA2, id);

			/* vary the header so the checksum takes many values */
			fx_put16(f->frame + 18, (uint16_t)(id * 4099 + ttl));
			fx_put16(f->frame + 24, 0);
			fx_put16(f->frame + 24, fx_csum(f->frame + 14, 20, 0));
			assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
			assert_routed(f, n - 14, MAC_RA2, MAC_GW_A2);
		}
	}
}

static void test_tenant_route_to_router_port(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP4(192, 168, 5, 5), 50);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST7);
	assert_routed(f, n - 14, MAC_RTR, MAC_GW_A1);

	/* The longest prefix wins; a next hop that is no port is refused. */
	assert_int_equal(vswitch_route_add(f->vs, VNI_A, IP4(192, 168, 5, 0), 24, IP_LA2), 0);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_UPLINK);
	assert_routed(f, n - 14, MAC_LA2, MAC_GW_A2);
	assert_int_equal(vswitch_route_add(f->vs, VNI_A, IP4(192, 168, 5, 0), 24,
					   IP4(10, 0, 1, 77)), 0);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NEXTHOP_UNKNOWN);
	assert_int_equal(vswitch_route_remove(f->vs, VNI_A, IP4(192, 168, 5, 0), 24), 0);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST7);

	/* A default route; a port of the tenant still wins over it. */
	assert_int_equal(vswitch_route_add(f->vs, VNI_A, 0, 0, IP_RTR), 0);
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP4(8, 8, 8, 8), 50);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_routed(f, n - 14, MAC_RTR, MAC_GW_A1);
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP_RA2, 50);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST8);
}

static void test_route_refusals(void **state)
{
	struct fx *f = *state;
	static const uint32_t bad[] = {
		0xffffffffu, IP4(224, 0, 0, 5), IP4(239, 1, 1, 1), IP4(127, 0, 0, 1), 0,
		IP4(240, 0, 0, 1),
	};
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, bad[i], 10);
		assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
		assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DST);
	}
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP4(172, 16, 0, 1), 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_ROUTE);
	/* An address of a tenant subnet that no port holds. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP4(10, 0, 2, 99), 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_ROUTE);
	/* A wrong header checksum is not forwarded. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP_RA2, 10);
	f->frame[14 + 11] ^= 0x40;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_IP_CSUM);
	/* No room to rewrite into. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP_RA2, 100);
	f->w.out_cap = n - 1;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
}

/* Every byte of an ICMP error from gateway 10.0.1.1 to LA1 about the packet
 * in f->frame. */
static void assert_icmp_error(const struct fx *f, uint8_t type, uint8_t code, uint16_t mtu,
			      size_t quote)
{
	const uint8_t *p = f->res.frame, *ip = p + 14, *icmp = p + 34;

	assert_int_equal(f->res.action, VSWITCH_REPLY);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	assert_int_equal(f->res.len, 14 + 20 + 8 + quote);
	assert_memory_equal(p, MAC_LA1, 6);
	assert_memory_equal(p + 6, MAC_GW_A1, 6);
	assert_int_equal(fx_get16(p + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(fx_get16(ip + 2), 20 + 8 + quote);
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 1);
	assert_int_equal(fx_get32(ip + 12), IP_GW1);
	assert_int_equal(fx_get32(ip + 16), IP_LA1);
	assert_int_equal(fx_csum(ip, 20, 0), 0);
	assert_int_equal(icmp[0], type);
	assert_int_equal(icmp[1], code);
	assert_int_equal(fx_get16(icmp + 4), 0);
	assert_int_equal(fx_get16(icmp + 6), mtu);
	assert_int_equal(fx_csum(icmp, 8 + quote, 0), 0);
	assert_memory_equal(icmp + 8, f->frame + 14, quote);
}

static void test_ttl_exceeded(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 1, 0, IP_LA1, IP_RA2, 30);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TTL_EXCEEDED);
	assert_icmp_error(f, 11, 0, 0, n - 14);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_TTL_EXCEEDED], 1);
	assert_int_equal(f->w.actions[VSWITCH_REPLY], 1);

	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 0, 0, IP_LA1, IP_RA2, 1000);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_icmp_error(f, 11, 0, 0, 548); /* a 576-byte ICMP datagram */

	/* traceroute's pings get an answer too */
	n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 1, IP_LA1, IP_RA2, 20);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_icmp_error(f, 11, 0, 0, n - 14);
}

static void test_no_icmp_error_about_errors_or_fragments(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* An ICMP error (type 3) with TTL 1. */
	n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 1, IP_LA1, IP_RA2, 20);
	f->frame[34] = 3;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TTL_EXCEEDED);
	/* A non-first fragment. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 1, 0x0010, IP_LA1, IP_RA2, 30);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TTL_EXCEEDED);
	/* A first fragment does get one. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 1, 0x2000, IP_LA1, IP_RA2, 30);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_TTL_EXCEEDED], 3);
}

static void test_icmp_errors_are_paced(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 1, 0, IP_LA1, IP_RA2, 30);
	unsigned sent = 0;

	for (int i = 0; i < 100; i++)
		sent += fx_up(f, VNI_A, SUB1, n) == VSWITCH_REPLY;
	assert_int_equal(sent, VSWITCH_ICMP_BURST);
	assert_int_equal(f->w.icmp_suppressed, 100 - VSWITCH_ICMP_BURST);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_TTL_EXCEEDED], 100);
	/* 10 ms buys one more at 100 per second; the clock going back buys none. */
	f->now += 10000000;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	f->now -= 500000000ULL;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	/* A long silence refills only up to the burst. */
	f->now += 3600ULL * 1000000000ULL;
	sent = 0;
	for (int i = 0; i < 100; i++)
		sent += fx_up(f, VNI_A, SUB1, n) == VSWITCH_REPLY;
	assert_int_equal(sent, VSWITCH_ICMP_BURST);
}

static void test_frag_needed(void **state)
{
	struct fx *f = *state;
	/* 1400 bytes of IP into subnet 2 (MTU 1300), DF set. */
	size_t n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0x4000, IP_LA1, IP_LA2, 1400 - 28);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FRAG_NEEDED);
	assert_icmp_error(f, 3, 4, 1300, 548);
	/* DF clear: no fragmentation here, dropped. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP_LA2, 1400 - 28);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FRAG_NEEDED);
	/* Exactly the MTU fits. */
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0x4000, IP_LA1, IP_LA2, 1300 - 28);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_UPLINK);
}

static void test_gateway_answers_ping(void **state)
{
	struct fx *f = *state;
	size_t n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 64, IP_LA1, IP_GW1, 56);
	const uint8_t *p, *ip, *icmp;

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	p = f->res.frame;
	ip = p + 14;
	icmp = p + 34;
	assert_int_equal(f->res.len, n);
	assert_memory_equal(p, MAC_LA1, 6);
	assert_memory_equal(p + 6, MAC_GW_A1, 6);
	assert_int_equal(fx_get16(ip + 2), 20 + 8 + 56);
	assert_int_equal(ip[9], 1);
	assert_int_equal(fx_get32(ip + 12), IP_GW1);
	assert_int_equal(fx_get32(ip + 16), IP_LA1);
	assert_int_equal(fx_csum(ip, 20, 0), 0);
	assert_int_equal(icmp[0], 0);
	assert_int_equal(icmp[1], 0);
	assert_int_equal(fx_csum(icmp, 8 + 56, 0), 0);
	assert_memory_equal(icmp + 4, f->frame + 34 + 4, 4 + 56); /* id, seq, data */

	/* Anything else for the gateway is refused. */
	f->frame[34 + 10] ^= 1; /* ICMP checksum */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TO_GATEWAY);
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP_LA1, IP_GW1, 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TO_GATEWAY);
}

/* ---- end to end: this host and host 8 ---------------------------------
 * Host 8's own switch state holds the same objects, seen from there: RA2 is
 * local, LA1/LA2 are on host 1 (our id in host 8's peer table). */
#define HOST_US_SEEN_FROM_8 1

static struct vswitch *host8_state(void)
{
	struct vswitch *vs = vswitch_create(99);
	int err = 0;

	err |= vswitch_tenant_add(vs, VNI_A);
	err |= fx_subnet(vs, VNI_A, SUB1, IP4(10, 0, 1, 0), 0, true, 0x81);
	err |= fx_subnet(vs, VNI_A, SUB2, IP4(10, 0, 2, 0), 1300, true, 0x82);
	err |= fx_port(vs, VNI_A, SUB1, MAC_LA1, IP_LA1, HOST_US_SEEN_FROM_8);
	err |= fx_port(vs, VNI_A, SUB1, MAC_RA1, IP_RA1, HOST7);
	err |= fx_port(vs, VNI_A, SUB1, MAC_RTR, IP_RTR, HOST7);
	err |= fx_port(vs, VNI_A, SUB2, MAC_LA2, IP_LA2, HOST_US_SEEN_FROM_8);
	err |= fx_port(vs, VNI_A, SUB2, MAC_RA2, IP_RA2, VSWITCH_HOST_LOCAL);
	err |= vswitch_route_add(vs, VNI_A, IP4(192, 168, 0, 0), 16, IP_RTR);
	return err ? NULL : vs;
}

static void test_routed_frame_end_to_end(void **state)
{
	struct fx *f = *state;
	struct vswitch *peer = host8_state();
	struct vswitch_worker pw;
	struct vswitch_result pr;
	uint8_t pout[VSWITCH_OUT_MIN], wire[2048];
	size_t n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 64, IP_LA1, IP_RA2, 100);
	int w;

	assert_non_null(peer);
	vswitch_worker_init(&pw, pout, sizeof(pout));
	/* Here: LA1 pings RA2 through the gateway. */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST8);
	w = fabric_frame_encode(wire, sizeof(wire), f->res.vni, f->res.frame, f->res.len);
	assert_true(w > 0);
	/* There: delivered to RA2's subnet uplink, unchanged. */
	assert_int_equal(vswitch_from_fabric(peer, &pw, HOST_US_SEEN_FROM_8, wire, (size_t)w, &pr),
			 VSWITCH_TO_UPLINK);
	assert_int_equal(pr.uplink, 0x82);
	assert_int_equal(pr.len, f->res.len);
	assert_memory_equal(pr.frame, f->res.frame, pr.len);
	/* The same frame claimed by host 7 is refused there. */
	assert_int_equal(vswitch_from_fabric(peer, &pw, HOST7, wire, (size_t)w, &pr), VSWITCH_DROP);
	assert_int_equal(pr.reason, VSWITCH_DROP_SPOOF_SRC_IP);

	/* The echo reply goes back the same way: routed at host 8. */
	n = fx_ping(f->frame, MAC_GW_A2, MAC_RA2, 64, IP_RA2, IP_LA1, 100);
	f->frame[34] = 0;
	fx_put16(f->frame + 36, 0);
	fx_put16(f->frame + 36, fx_csum(f->frame + 34, 108, 0));
	assert_int_equal(vswitch_from_uplink(peer, &pw, 0, VNI_A, SUB2, f->frame, n, &pr),
			 VSWITCH_TO_HOST);
	assert_int_equal(pr.host, HOST_US_SEEN_FROM_8);
	w = fabric_frame_encode(wire, sizeof(wire), pr.vni, pr.frame, pr.len);
	assert_true(w > 0);
	assert_int_equal(vswitch_from_fabric(f->vs, &f->w, HOST8, wire, (size_t)w, &f->res),
			 VSWITCH_TO_UPLINK);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	assert_memory_equal(f->res.frame, MAC_LA1, 6);
	assert_memory_equal(f->res.frame + 6, MAC_GW_A1, 6);
	assert_int_equal(f->res.frame[14 + 8], 63);
	vswitch_destroy(peer);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_route_to_local_subnet),
		T(test_route_to_remote_host),
		T(test_checksum_update_over_all_ttls),
		T(test_tenant_route_to_router_port),
		T(test_route_refusals),
		T(test_ttl_exceeded),
		T(test_no_icmp_error_about_errors_or_fragments),
		T(test_icmp_errors_are_paced),
		T(test_frag_needed),
		T(test_gateway_answers_ping),
		T(test_routed_frame_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
