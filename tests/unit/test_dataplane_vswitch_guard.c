/* Anti-spoofing, on send (uplink) and on receive (fabric): spoofed source MAC,
 * source IP, ARP sender, DHCP client address; a host speaking for a port it
 * does not hold or in a tenant it does not serve; router ports allowed to
 * source the prefixes routed to them and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_dataplane_vswitch_fixture.h"

static const uint8_t ZERO6[6] = { 0 };

static void expect_up(struct fx *f, size_t n, enum vswitch_action a, enum vswitch_reason r)
{
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), a);
	assert_int_equal(f->res.reason, r);
}

static void expect_fab(struct fx *f, uint32_t host, uint32_t vni, size_t n,
		       enum vswitch_action a, enum vswitch_reason r)
{
	assert_int_equal(fx_fab(f, host, vni, n), a);
	assert_int_equal(f->res.reason, r);
}

/* ---- uplink ----------------------------------------------------------- */

static void test_uplink_spoofed_source_mac(void **state)
{
	struct fx *f = *state;
	static const uint8_t stranger[6] = { 0x02, 0x66, 0, 0, 0, 1 };
	static const uint8_t group[6] = { 0x03, 0xaa, 0, 0, 1, 0x0a };
	const uint8_t *macs[] = { stranger, MAC_RA1, MAC_LA2, MAC_GW_A1, MAC_BCAST, group, MAC_LB1 };

	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		size_t n = fx_udp(f->frame, MAC_RA1, macs[i], 64, 0, IP_LA1, IP_RA1, 10);

		expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_MAC);
	}
	assert_int_equal(f->w.reasons[VSWITCH_DROP_SPOOF_SRC_MAC], 7);
	/* ARP and DHCP are guarded the same way. */
	expect_up(f, fx_arp(f->frame, MAC_BCAST, MAC_RA1, 1, MAC_RA1, IP_RA1, ZERO6, IP_GW1),
		  VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_MAC);
}

static void test_uplink_spoofed_source_ip(void **state)
{
	struct fx *f = *state;
	static const uint32_t ips[] = {
		IP_RA1, IP_LA2, IP4(10, 0, 1, 99), 0, IP4(192, 168, 1, 1), IP_GW1, 0xffffffffu,
	};

	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		size_t n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, ips[i], IP_RA1, 10);

		expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
		/* through the gateway too */
		n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, ips[i], IP_RA2, 10);
		expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	}
	expect_up(f, fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 10),
		  VSWITCH_TO_HOST, VSWITCH_R_NONE);
}

static void test_router_port_sources_its_prefixes_only(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* LA1 becomes the next hop for 172.16.0.0/12 and 10.0.0.0/8. */
	assert_int_equal(vswitch_route_add(f->vs, VNI_A, IP4(172, 16, 0, 0), 12, IP_LA1), 0);
	assert_int_equal(vswitch_route_add(f->vs, VNI_A, IP4(10, 0, 0, 0), 8, IP_LA1), 0);
	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP4(172, 20, 1, 1), IP_RA1, 10);
	expect_up(f, n, VSWITCH_TO_HOST, VSWITCH_R_NONE);
	n = fx_udp(f->frame, MAC_GW_A1, MAC_LA1, 64, 0, IP4(10, 0, 1, 99), IP_RA2, 10);
	expect_up(f, n, VSWITCH_TO_HOST, VSWITCH_R_NONE);
	/* Not an address a port holds, even inside its prefix... */
	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_RA2, IP_RA1, 10);
	expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* ...nor one whose longest route points at another port. */
	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP4(192, 168, 0, 9), IP_RA1, 10);
	expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* Routes are removed: the allowance goes with them. */
	assert_int_equal(vswitch_route_remove(f->vs, VNI_A, IP4(172, 16, 0, 0), 12), 0);
	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP4(172, 20, 1, 1), IP_RA1, 10);
	expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
}

static void test_uplink_spoofed_arp(void **state)
{
	struct fx *f = *state;

	/* Sender MAC inside ARP differs from the frame's source. */
	expect_up(f, fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_RA1, IP_LA1, ZERO6, IP_GW1),
		  VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SHA);
	/* Sender IP of another port (ARP cache poisoning). */
	expect_up(f, fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, IP_RA1, ZERO6, IP_GW1),
		  VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SPA);
	expect_up(f, fx_arp(f->frame, MAC_BCAST, MAC_LA1, 2, MAC_LA1, IP_GW1, ZERO6, IP_LA1),
		  VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SPA);
	/* A "probe" that is a reply is no probe. */
	expect_up(f, fx_arp(f->frame, MAC_RA1, MAC_LA1, 2, MAC_LA1, 0, MAC_RA1, IP_RA1),
		  VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SPA);
	/* Routed prefixes do not extend to ARP: a router ARPs as itself. */
	assert_int_equal(vswitch_route_add(f->vs, VNI_A, IP4(172, 16, 0, 0), 12, IP_LA1), 0);
	expect_up(f, fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, IP4(172, 16, 0, 1), ZERO6,
			    IP_GW1),
		  VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SPA);
}

static void test_uplink_spoofed_dhcp(void **state)
{
	struct fx *f = *state;
	uint8_t *b = f->frame + 42;
	size_t n;

	/* A minimal DISCOVER with chaddr RA1 sent by LA1. */
	memset(b, 0, 244);
	b[0] = 1, b[1] = 1, b[2] = 6;
	memcpy(b + 28, MAC_RA1, 6);
	fx_put32(b + 236, 0x63825363);
	b[240] = 53, b[241] = 1, b[242] = 1, b[243] = 255;
	fx_put16(f->frame + 34, 68);
	fx_put16(f->frame + 36, 67);
	fx_put16(f->frame + 38, 8 + 244);
	fx_put16(f->frame + 40, 0);
	n = fx_ipv4(f->frame, MAC_BCAST, MAC_LA1, 17, 64, 0, 0, 0xffffffffu, 8 + 244);
	expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_DHCP_CHADDR);
	memcpy(b + 28, MAC_LA1, 6);
	expect_up(f, n, VSWITCH_REPLY, VSWITCH_R_NONE);
	/* From another port's address instead of 0.0.0.0 or its own. */
	n = fx_ipv4(f->frame, MAC_BCAST, MAC_LA1, 17, 64, 0, IP_RA1, 0xffffffffu, 8 + 244);
	expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* Not a port at all. */
	n = fx_ipv4(f->frame, MAC_BCAST, MAC_RA1, 17, 64, 0, 0, 0xffffffffu, 8 + 244);
	expect_up(f, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_MAC);
}

/* ---- fabric ----------------------------------------------------------- */

static void test_fabric_host_speaking_for_a_port_it_does_not_hold(void **state)
{
	struct fx *f = *state;
	static const uint8_t stranger[6] = { 0x02, 0x66, 0, 0, 0, 1 };
	size_t n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 10);

	expect_fab(f, HOST7, VNI_A, n, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	/* RA1 is on host 7, not 8 (both serve tenant A). */
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC);
	/* Nobody but us speaks for our own ports. */
	n = fx_udp(f->frame, MAC_LA1, MAC_LA1, 64, 0, IP_LA1, IP_LA1, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC);
	n = fx_udp(f->frame, MAC_LA1, stranger, 64, 0, IP_RA1, IP_LA1, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC);

	/* The port migrates to host 8: now host 8 may, host 7 may not. */
	assert_int_equal(vswitch_port_remove(f->vs, VNI_A, MAC_RA1), 0);
	assert_int_equal(fx_port(f->vs, VNI_A, SUB1, MAC_RA1, IP_RA1, HOST8), 0);
	n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 10);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC);
}

static void test_fabric_vni_the_sender_does_not_serve(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_LB1, MAC_RB1, 64, 0, IP_RA1, IP_LA1, 10);

	expect_fab(f, HOST8, VNI_B, n, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	expect_fab(f, HOST7, VNI_B, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_VNI_NOT_PEERS);
	expect_fab(f, HOST9, VNI_B, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_VNI_NOT_PEERS);
	expect_fab(f, VSWITCH_HOST_LOCAL, VNI_B, n, VSWITCH_DROP,
		   VSWITCH_DROP_FABRIC_VNI_NOT_PEERS);
	/* Once host 8's last port in B is gone, host 8 no longer serves B. */
	assert_int_equal(vswitch_port_remove(f->vs, VNI_B, MAC_RB1), 0);
	expect_fab(f, HOST8, VNI_B, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_VNI_NOT_PEERS);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_FABRIC_VNI_NOT_PEERS], 4);
}

static void test_fabric_spoofed_source_ip(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* RA1 using RTR's address: both on host 7, still not its own. */
	n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RTR, IP_LA1, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP4(192, 168, 3, 3), IP_LA1, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, 0, IP_LA1, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* The router VM answering for the branch network behind it. */
	n = fx_udp(f->frame, MAC_LA1, MAC_RTR, 64, 0, IP4(192, 168, 3, 3), IP_LA1, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	/* Malformed or non-IP payloads. */
	n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 10);
	f->frame[14] = 0x65;
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_BAD_IPV4);
	f->frame[14] = 0x45;
	f->frame[12] = 0x86;
	f->frame[13] = 0xdd;
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_ETHERTYPE);
}

static void test_fabric_spoofed_arp(void **state)
{
	struct fx *f = *state;

	expect_fab(f, HOST7, VNI_A,
		   fx_arp(f->frame, MAC_LA1, MAC_RA1, 2, MAC_RA1, IP_RA1, MAC_LA1, IP_LA1),
		   VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	expect_fab(f, HOST7, VNI_A,
		   fx_arp(f->frame, MAC_LA1, MAC_RA1, 2, MAC_RTR, IP_RA1, MAC_LA1, IP_LA1),
		   VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SHA);
	expect_fab(f, HOST7, VNI_A,
		   fx_arp(f->frame, MAC_LA1, MAC_RA1, 2, MAC_RA1, IP_GW1, MAC_LA1, IP_LA1),
		   VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SPA);
	/* Probes never cross hosts. */
	expect_fab(f, HOST7, VNI_A,
		   fx_arp(f->frame, MAC_LA1, MAC_RA1, 1, MAC_RA1, 0, ZERO6, IP_LA1),
		   VSWITCH_DROP, VSWITCH_DROP_SPOOF_ARP_SPA);
	expect_fab(f, HOST7, VNI_A,
		   fx_arp(f->frame, MAC_LA1, MAC_RA1, 9, MAC_RA1, IP_RA1, MAC_LA1, IP_LA1),
		   VSWITCH_DROP, VSWITCH_DROP_BAD_ARP);
}

static void test_fabric_routed_frames(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* Routed by host 8 for RA2 (subnet 2) into subnet 1. */
	n = fx_udp(f->frame, MAC_LA1, MAC_GW_A1, 63, 0, IP_RA2, IP_LA1, 10);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	/* Host 7 cannot route in RA2's name, host 8 not in RA1's. */
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	n = fx_udp(f->frame, MAC_LA1, MAC_GW_A1, 63, 0, IP_RA1, IP_LA1, 10);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* Our own addresses never come from elsewhere. */
	n = fx_udp(f->frame, MAC_LA1, MAC_GW_A1, 63, 0, IP_LA2, IP_LA1, 10);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* Branch addresses routed by host 7 (the router VM's host) only. */
	n = fx_udp(f->frame, MAC_LA2, MAC_GW_A2, 63, 0, IP4(192, 168, 9, 9), IP_LA2, 10);
	expect_fab(f, HOST7, VNI_A, n, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
	assert_int_equal(f->res.uplink, UPLINK_A2);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_SPOOF_SRC_IP);
	/* The gateway MAC must be the destination subnet's. */
	n = fx_udp(f->frame, MAC_LA1, MAC_GW_A2, 63, 0, IP_RA2, IP_LA1, 10);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC);
	/* Gateways do not ARP across hosts. */
	n = fx_arp(f->frame, MAC_LA1, MAC_GW_A1, 2, MAC_GW_A1, IP_GW1, MAC_LA1, IP_LA1);
	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_ETHERTYPE);
}

static void test_fabric_l2_between_subnets(void **state)
{
	struct fx *f = *state;
	/* RA2 (subnet 2, host 8) straight to LA1 (subnet 1) without routing. */
	size_t n = fx_udp(f->frame, MAC_LA1, MAC_RA2, 64, 0, IP_RA2, IP_LA1, 10);

	expect_fab(f, HOST8, VNI_A, n, VSWITCH_DROP, VSWITCH_DROP_WRONG_SUBNET);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_uplink_spoofed_source_mac),
		T(test_uplink_spoofed_source_ip),
		T(test_router_port_sources_its_prefixes_only),
		T(test_uplink_spoofed_arp),
		T(test_uplink_spoofed_dhcp),
		T(test_fabric_host_speaking_for_a_port_it_does_not_hold),
		T(test_fabric_vni_the_sender_does_not_serve),
		T(test_fabric_spoofed_source_ip),
		T(test_fabric_spoofed_arp),
		T(test_fabric_routed_frames),
		T(test_fabric_l2_between_subnets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
