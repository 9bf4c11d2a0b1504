/* ARP on the uplink: the agent answers for the gateway and for ports on other
 * hosts (byte-exact replies), leaves local ports to the bridge, and answers
 * nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/test_dataplane_vswitch_fixture.h"

static const uint8_t ZERO6[6] = { 0 };

/* Checks every byte of an ARP reply "ip is at mac" sent to LA1. */
static void assert_arp_reply(const struct fx *f, const uint8_t mac[6], uint32_t ip)
{
	const uint8_t *p = f->res.frame;

	assert_int_equal(f->res.action, VSWITCH_REPLY);
	assert_int_equal(f->res.reason, VSWITCH_R_NONE);
	assert_int_equal(f->res.vni, VNI_A);
	assert_int_equal(f->res.subnet_id, SUB1);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	assert_ptr_equal(p, f->out);
	assert_int_equal(f->res.len, 60);
	assert_memory_equal(p, MAC_LA1, 6);          /* to the asker */
	assert_memory_equal(p + 6, mac, 6);
	assert_int_equal(fx_get16(p + 12), 0x0806);
	assert_int_equal(fx_get16(p + 14), 1);       /* Ethernet */
	assert_int_equal(fx_get16(p + 16), 0x0800);  /* IPv4 */
	assert_int_equal(p[18], 6);
	assert_int_equal(p[19], 4);
	assert_int_equal(fx_get16(p + 20), 2);       /* reply */
	assert_memory_equal(p + 22, mac, 6);
	assert_int_equal(fx_get32(p + 28), ip);
	assert_memory_equal(p + 32, MAC_LA1, 6);
	assert_int_equal(fx_get32(p + 38), IP_LA1);
	for (size_t i = 42; i < 60; i++)
		assert_int_equal(p[i], 0);
}

static size_t who_has(struct fx *f, const uint8_t dst[6], uint32_t target)
{
	return fx_arp(f->frame, dst, MAC_LA1, 1, MAC_LA1, IP_LA1, ZERO6, target);
}

static void test_gateway_is_answered(void **state)
{
	struct fx *f = *state;

	fx_up(f, VNI_A, SUB1, who_has(f, MAC_BCAST, IP_GW1));
	assert_arp_reply(f, MAC_GW_A1, IP_GW1);
	assert_int_equal(f->w.actions[VSWITCH_REPLY], 1);
}

static void test_remote_port_is_answered_with_its_mac(void **state)
{
	struct fx *f = *state;

	fx_up(f, VNI_A, SUB1, who_has(f, MAC_BCAST, IP_RA1));
	assert_arp_reply(f, MAC_RA1, IP_RA1);
	fx_up(f, VNI_A, SUB1, who_has(f, MAC_BCAST, IP_RTR));
	assert_arp_reply(f, MAC_RTR, IP_RTR);
}

/* Linux re-checks a neighbour with a unicast request to the cached MAC. */
static void test_unicast_request_is_answered_too(void **state)
{
	struct fx *f = *state;

	fx_up(f, VNI_A, SUB1, who_has(f, MAC_RA1, IP_RA1));
	assert_arp_reply(f, MAC_RA1, IP_RA1);
	fx_up(f, VNI_A, SUB1, who_has(f, MAC_GW_A1, IP_GW1));
	assert_arp_reply(f, MAC_GW_A1, IP_GW1);
}

static void test_local_port_is_left_to_the_bridge(void **state)
{
	struct fx *f = *state;
	static const uint8_t mac2[6] = { 0x02, 0xaa, 0, 0, 1, 0x0b };

	assert_int_equal(fx_port(f->vs, VNI_A, SUB1, mac2, IP4(10, 0, 1, 11), 0), 0);
	assert_int_equal(fx_up(f, VNI_A, SUB1, who_has(f, MAC_BCAST, IP4(10, 0, 1, 11))),
			 VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_ARP_LOCAL);
	assert_int_equal(f->w.reasons[VSWITCH_IGNORE_ARP_LOCAL], 1);
}

static void test_nobody_else_is_answered(void **state)
{
	struct fx *f = *state;

	/* A free address of the subnet, a port of another subnet, a route's
	 * address, another subnet's gateway. */
	static const uint32_t targets[] = {
		IP4(10, 0, 1, 99), IP_LA2, IP_RA2, IP4(192, 168, 1, 1), IP_GW2, IP4(10, 0, 1, 255),
	};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		assert_int_equal(fx_up(f, VNI_A, SUB1, who_has(f, MAC_BCAST, targets[i])),
				 VSWITCH_DROP);
		assert_int_equal(f->res.reason, VSWITCH_DROP_ARP_UNKNOWN_TARGET);
	}
	assert_int_equal(f->w.reasons[VSWITCH_DROP_ARP_UNKNOWN_TARGET], 6);
}

static void test_probes_and_announcements_are_not_answered(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* RFC 5227 probe: sender 0.0.0.0. Answering would claim a conflict. */
	n = fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, 0, ZERO6, IP_LA1);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_ARP_OTHER);
	n = fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, 0, ZERO6, IP_RA1);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_IGNORE);
	/* Gratuitous request and gratuitous (broadcast) reply. */
	n = fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, IP_LA1, ZERO6, IP_LA1);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_ARP_OTHER);
	n = fx_arp(f->frame, MAC_BCAST, MAC_LA1, 2, MAC_LA1, IP_LA1, MAC_BCAST, IP_LA1);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_IGNORE);
	assert_int_equal(f->w.reasons[VSWITCH_IGNORE_ARP_OTHER], 4);
}

static void test_unicast_reply_travels_like_l2(void **state)
{
	struct fx *f = *state;
	size_t n = fx_arp(f->frame, MAC_RA1, MAC_LA1, 2, MAC_LA1, IP_LA1, MAC_RA1, IP_RA1);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST7);
	assert_ptr_equal(f->res.frame, f->frame);
	/* and arrives as such on host 7's side (here: from host 7 to us). */
	n = fx_arp(f->frame, MAC_LA1, MAC_RA1, 2, MAC_RA1, IP_RA1, MAC_LA1, IP_LA1);
	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_TO_UPLINK);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	n = fx_arp(f->frame, MAC_RA2, MAC_LA1, 2, MAC_LA1, IP_LA1, MAC_RA2, IP_RA2);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_WRONG_SUBNET);
}

static void test_malformed_arp(void **state)
{
	struct fx *f = *state;
	size_t n = who_has(f, MAC_BCAST, IP_GW1);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n - 1), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_ARP);
	f->frame[15] = 6; /* htype IEEE 802 */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_ARP);
	f->frame[15] = 1;
	f->frame[19] = 16; /* plen */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_ARP);
	f->frame[19] = 4;
	f->frame[21] = 3; /* RARP request */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_ARP);
	f->frame[21] = 1;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	/* Trailer padding of a 60-byte frame is fine. */
	memset(f->frame + n, 0, 60 - n);
	assert_int_equal(fx_up(f, VNI_A, SUB1, 60), VSWITCH_REPLY);
}

static void test_small_buffer(void **state)
{
	struct fx *f = *state;

	f->w.out_cap = 59;
	assert_int_equal(fx_up(f, VNI_A, SUB1, who_has(f, MAC_BCAST, IP_GW1)), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_gateway_is_answered),
		T(test_remote_port_is_answered_with_its_mac),
		T(test_unicast_request_is_answered_too),
		T(test_local_port_is_left_to_the_bridge),
		T(test_nobody_else_is_answered),
		T(test_probes_and_announcements_are_not_answered),
		T(test_unicast_reply_travels_like_l2),
		T(test_malformed_arp),
		T(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
