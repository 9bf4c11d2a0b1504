/* Virtual switch: the state API (validation, incremental add/remove, nothing
 * left behind), the lookup table against a naive list, L2 switching between
 * hosts, delivery of fabric frames, counters, and two tenants with the same
 * 10.0.1.0/24 never leaking into each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/vswitch_internal.h"
#include "tests/unit/test_dataplane_vswitch_fixture.h"

/* ---- state ------------------------------------------------------------ */

static void test_state_validation(void **state)
{
	struct fx *f = *state;
	struct vswitch *vs = f->vs;
	struct vswitch_subnet_cfg s = { .vni = VNI_A, .id = 9, .network = IP4(10, 0, 9, 0), .plen = 24 };
	static const uint8_t mcast[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	static const uint8_t zero[6] = { 0 };
	static const uint8_t gw_range[6] = { 0x0e, 0, 0, 100, 0x77, 0x77 };
	static const uint8_t fresh[6] = { 0x02, 0xcc, 0, 0, 0, 1 };

	assert_int_equal(vswitch_tenant_add(vs, 0), -EINVAL);
	assert_int_equal(vswitch_tenant_add(vs, 0x1000000), -EINVAL);
	assert_int_equal(vswitch_tenant_add(vs, VNI_A), -EEXIST);
	assert_int_equal(vswitch_tenant_remove(vs, 300), -ENOENT);
	assert_int_equal(vswitch_tenant_remove(vs, VNI_A), -EBUSY);

	s.vni = 300;
	assert_int_equal(vswitch_subnet_add(vs, &s), -ENOENT);
	s.vni = VNI_A;
	s.plen = 31;
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.plen = 0;
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.plen = 24;
	s.network = IP4(10, 0, 9, 1); /* host bits */
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.network = IP4(10, 0, 9, 0);
	s.gateway = IP4(10, 0, 8, 1);
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.gateway = IP4(10, 0, 9, 255);
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.gateway = 0;
	s.mtu = 67;
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.mtu = VSWITCH_MTU_MAX + 1;
	assert_int_equal(vswitch_subnet_add(vs, &s), -EINVAL);
	s.mtu = 0;
	s.id = SUB1;
	assert_int_equal(vswitch_subnet_add(vs, &s), -EEXIST);
	assert_int_equal(vswitch_subnet_add(vs, NULL), -EINVAL);
	assert_int_equal(vswitch_subnet_remove(vs, VNI_A, SUB1), -EBUSY);
	assert_int_equal(vswitch_subnet_remove(vs, VNI_A, 9), -ENOENT);

	assert_int_equal(fx_port(vs, VNI_A, 9, fresh, IP4(10, 0, 9, 5), 0), -ENOENT);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, fresh, IP4(10, 0, 2, 5), 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, fresh, IP4(10, 0, 1, 0), 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, fresh, IP4(10, 0, 1, 255), 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, fresh, IP_GW1, 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, mcast, IP4(10, 0, 1, 5), 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, zero, IP4(10, 0, 1, 5), 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, gw_range, IP4(10, 0, 1, 5), 0), -EINVAL);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, MAC_LA1, IP4(10, 0, 1, 5), 0), -EEXIST);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, fresh, IP_RA1, 0), -EEXIST);
	assert_int_equal(vswitch_port_add(vs, NULL), -EINVAL);
	assert_int_equal(vswitch_port_remove(vs, VNI_A, fresh), -ENOENT);
	assert_int_equal(vswitch_port_remove(vs, VNI_B, MAC_LA1), -ENOENT);

	assert_int_equal(vswitch_route_add(vs, VNI_A, 0, 33, IP_RTR), -EINVAL);
	assert_int_equal(vswitch_route_add(vs, VNI_A, 0, 0, 0), -EINVAL);
	assert_int_equal(vswitch_route_add(vs, 300, 0, 0, IP_RTR), -ENOENT);
	assert_int_equal(vswitch_route_remove(vs, VNI_A, IP4(192, 168, 0, 0), 24), -ENOENT);
	assert_int_equal(vswitch_route_remove(vs, 300, 0, 0), -ENOENT);
}

static void test_state_incremental_and_empty_after_removal(void **state)
{
	struct fx *f = *state;
	struct vswitch *vs = f->vs;
	struct vswitch_sizes sz;

	vswitch_get_sizes(vs, &sz);
	assert_int_equal(sz.tenants, 2);
	assert_int_equal(sz.subnets, 3);
	assert_int_equal(sz.ports, 7);
	assert_int_equal(sz.routes, 1);
	/* 2 tenants + 3 subnets + 7 ports x 2 keys + hosts (7,A) (8,A) (8,B) */
	assert_int_equal(sz.table_entries, 2 + 3 + 14 + 3);

	/* A route to an existing prefix replaces its next hop, not adds one;
	 * host bits of the prefix are ignored. */
	assert_int_equal(vswitch_route_add(vs, VNI_A, IP4(192, 168, 7, 7), 16, IP_RA1), 0);
	vswitch_get_sizes(vs, &sz);
	assert_int_equal(sz.routes, 1);

	assert_int_equal(vswitch_port_remove(vs, VNI_A, MAC_RA1), 0);
	assert_int_equal(vswitch_port_remove(vs, VNI_A, MAC_RA1), -ENOENT);
	/* Host 7 still holds RTR in A. */
	assert_true(vs_host_in_tenant(vs, VNI_A, HOST7));
	assert_int_equal(vswitch_port_remove(vs, VNI_A, MAC_RTR), 0);
	assert_false(vs_host_in_tenant(vs, VNI_A, HOST7));
	assert_int_equal(vswitch_port_remove(vs, VNI_A, MAC_LA1), 0);
	assert_int_equal(vswitch_subnet_remove(vs, VNI_A, SUB1), 0);
	assert_int_equal(vswitch_port_remove(vs, VNI_A, MAC_LA2), 0);
	assert_int_equal(vswitch_port_remove(vs, VNI_A, MAC_RA2), 0);
	assert_int_equal(vswitch_subnet_remove(vs, VNI_A, SUB2), 0);
	/* Routes go with their tenant. */
	assert_int_equal(vswitch_tenant_remove(vs, VNI_A), 0);
	assert_int_equal(vswitch_port_remove(vs, VNI_B, MAC_LB1), 0);
	assert_int_equal(vswitch_port_remove(vs, VNI_B, MAC_RB1), 0);
	assert_int_equal(vswitch_subnet_remove(vs, VNI_B, SUB1), 0);
	assert_int_equal(vswitch_tenant_remove(vs, VNI_B), 0);
	vswitch_get_sizes(vs, &sz);
	assert_int_equal(sz.tenants + sz.subnets + sz.ports + sz.routes + sz.table_entries, 0);

	/* And the same objects go back in. */
	assert_int_equal(vswitch_tenant_add(vs, VNI_A), 0);
	assert_int_equal(fx_subnet(vs, VNI_A, SUB1, IP4(10, 0, 1, 0), 0, true, UPLINK_A1), 0);
	assert_int_equal(fx_port(vs, VNI_A, SUB1, MAC_RA1, IP_RA1, HOST7), 0);
	assert_true(vs_host_in_tenant(vs, VNI_A, HOST7));
}

static void test_gateway_mac(void **state)
{
	uint8_t mac[6];
	static const uint8_t want[6] = { 0x0e, 0xab, 0xcd, 0xef, 0x23, 0x45 };

	(void)state;
	vswitch_gateway_mac(0xabcdef, 0x12345, mac);
	assert_memory_equal(mac, want, 6);
	vswitch_gateway_mac(VNI_A, SUB2, mac);
	assert_memory_equal(mac, MAC_GW_A2, 6);
	assert_false(netpkt_mac_is_group(mac));
	assert_true(mac[0] & 2); /* locally administered */
}

/* The table against a plain list: random puts, gets and deletes, then every
 * key checked, with a deliberately tiny key space so probe runs collide and
 * backward-shift deletion is exercised. */
static void test_table_against_naive(void **state)
{
	enum { KEYS = 600, OPS = 40000 };
	static uintptr_t naive[KEYS];
	struct vs_table t;
	uint64_t rng = 88172645463325252ULL;

	(void)state;
	memset(naive, 0, sizeof(naive));
	vs_table_init(&t, 42);
	for (int op = 0; op < OPS; op++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		size_t k = (size_t)(rng % KEYS);
		struct vs_key key = vs_key_make(VS_KIND_IP + (unsigned)(k % 2), (uint32_t)(k % 5),
						k / 10);
		uintptr_t v = (uintptr_t)op + 1;

		if ((rng >> 32) % 3 == 0) {
			assert_int_equal((uintptr_t)vs_table_del(&t, key), naive[k]);
			naive[k] = 0;
		} else if (naive[k]) {
			assert_int_equal(vs_table_put(&t, key, (void *)v), -EEXIST);
		} else {
			assert_int_equal(vs_table_put(&t, key, (void *)v), 0);
			naive[k] = v;
		}
		if (op % 1000 == 0) {
			size_t n = 0;

			for (size_t i = 0; i < KEYS; i++) {
				struct vs_key ki = vs_key_make(VS_KIND_IP + (unsigned)(i % 2),
							       (uint32_t)(i % 5), i / 10);

				assert_int_equal((uintptr_t)vs_table_get(&t, ki), naive[i]);
				n += naive[i] != 0;
			}
			assert_int_equal(t.n, n);
		}
	}
	assert_int_equal(vs_table_put(&t, vs_key_make(VS_KIND_IP, 1, 1), NULL), -EINVAL);
	vs_table_free(&t);
}

/* ---- L2 from the uplink ---------------------------------------------- */

static void test_l2_to_remote_port_goes_to_its_host(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 100);

	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST7);
	assert_int_equal(f->res.vni, VNI_A);
	assert_ptr_equal(f->res.frame, f->frame); /* unchanged, not copied */
	assert_int_equal(f->res.len, n);
	assert_int_equal(f->res.reason, VSWITCH_R_NONE);
	assert_int_equal(f->w.actions[VSWITCH_TO_HOST], 1);
}

static void test_l2_local_unicast_is_the_bridges(void **state)
{
	struct fx *f = *state;
	static const uint8_t mac2[6] = { 0x02, 0xaa, 0, 0, 1, 0x0b };
	size_t n;

	assert_int_equal(fx_port(f->vs, VNI_A, SUB1, mac2, IP4(10, 0, 1, 11), 0), 0);
	n = fx_udp(f->frame, mac2, MAC_LA1, 64, 0, IP_LA1, IP4(10, 0, 1, 11), 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_LOCAL_UNICAST);
	assert_int_equal(f->w.reasons[VSWITCH_IGNORE_LOCAL_UNICAST], 1);
}

static void test_l2_refusals(void **state)
{
	struct fx *f = *state;
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t nobody[6] = { 0x02, 0x99, 0, 0, 0, 1 };
	size_t n;

	n = fx_udp(f->frame, MAC_BCAST, MAC_LA1, 64, 0, IP_LA1, IP4(10, 0, 1, 255), 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BROADCAST);
	n = fx_udp(f->frame, mcast, MAC_LA1, 64, 0, IP_LA1, IP4(224, 0, 0, 251), 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BROADCAST);
	n = fx_udp(f->frame, nobody, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_UNKNOWN_UNICAST);
	/* A port of another subnet is reached through the gateway, not at L2. */
	n = fx_udp(f->frame, MAC_RA2, MAC_LA1, 64, 0, IP_LA1, IP_RA2, 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_WRONG_SUBNET);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_BROADCAST], 2);
	assert_int_equal(f->w.actions[VSWITCH_DROP], 4);
}

static void test_uplink_frame_checks(void **state)
{
	struct fx *f = *state;
	size_t n;

	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, 13), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_RUNT);
	assert_int_equal(fx_up(f, VNI_A, 99, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_UNKNOWN_SUBNET);
	assert_int_equal(fx_up(f, 0, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_UNKNOWN_SUBNET);
	assert_int_equal(fx_up(f, 0x7fffffff, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_UNKNOWN_SUBNET);

	/* IPv6 and 802.1Q are not switched. */
	f->frame[12] = 0x86;
	f->frame[13] = 0xdd;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_ETHERTYPE);
	f->frame[12] = 0x81;
	f->frame[13] = 0x00;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_ETHERTYPE);

	/* A broken IPv4 header. */
	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 10);
	f->frame[14] = 0x44;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_IPV4);
	f->frame[14] = 0x45;
	fx_put16(f->frame + 16, (uint16_t)(n - 14 + 1)); /* total length past the frame */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_IPV4);
}

static void test_uplink_mtu(void **state)
{
	struct fx *f = *state;
	/* Subnet 1 has the default MTU, 1418: an IP packet of 1418 passes. */
	size_t n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 1418 - 28);

	assert_int_equal(n, 14 + 1418);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	n = fx_udp(f->frame, MAC_RA1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 1419 - 28);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TOO_BIG);
	/* Subnet 2: 1300. */
	n = fx_udp(f->frame, MAC_RA2, MAC_LA2, 64, 0, IP_LA2, IP_RA2, 1301 - 28);
	assert_int_equal(fx_up(f, VNI_A, SUB2, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TOO_BIG);
	n = fx_udp(f->frame, MAC_RA2, MAC_LA2, 64, 0, IP_LA2, IP_RA2, 1300 - 28);
	assert_int_equal(fx_up(f, VNI_A, SUB2, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST8);
}

/* ---- from a peer host ------------------------------------------------- */

static void test_fabric_delivers_to_local_port(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 200);

	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_TO_UPLINK);
	assert_int_equal(f->res.vni, VNI_A);
	assert_int_equal(f->res.subnet_id, SUB1);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	assert_ptr_equal(f->res.frame, f->wire + 8); /* no copy */
	assert_int_equal(f->res.len, n);
	assert_memory_equal(f->res.frame, f->frame, n);
	assert_int_equal(f->w.actions[VSWITCH_TO_UPLINK], 1);
}

static void test_fabric_refusals(void **state)
{
	struct fx *f = *state;
	size_t n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 20);
	size_t w = fx_wrap(f, VNI_A, f->frame, n);

	f->wire[1] = 1; /* flags */
	assert_int_equal(vswitch_from_fabric(f->vs, &f->w, HOST7, f->wire, w, &f->res),
			 VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_MALFORMED);
	assert_int_equal(vswitch_from_fabric(f->vs, &f->w, HOST7, f->wire, 3, &f->res),
			 VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_MALFORMED);

	/* A tenant we do not know, and one we know but hold no port of. */
	assert_int_equal(fx_fab(f, HOST7, 300, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL);
	assert_int_equal(fx_fab(f, HOST7, 0, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL);
	assert_int_equal(vswitch_tenant_add(f->vs, 300), 0);
	assert_int_equal(fx_subnet(f->vs, 300, 1, IP4(10, 3, 0, 0), 0, false, 0), 0);
	assert_int_equal(fx_port(f->vs, 300, 1, MAC_RA1, IP4(10, 3, 0, 5), HOST7), 0);
	assert_int_equal(fx_fab(f, HOST7, 300, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL);

	/* Destinations: broadcast, a remote port, nobody. */
	n = fx_udp(f->frame, MAC_BCAST, MAC_RA1, 64, 0, IP_RA1, IP4(10, 0, 1, 255), 20);
	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BROADCAST);
	n = fx_udp(f->frame, MAC_RTR, MAC_RA1, 64, 0, IP_RA1, IP_RTR, 20);
	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_DST_NOT_LOCAL);
	n = fx_udp(f->frame, MAC_LB1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 20);
	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_DST_NOT_LOCAL);

	/* Bigger than the destination subnet's MTU. */
	n = fx_udp(f->frame, MAC_LA1, MAC_RA1, 64, 0, IP_RA1, IP_LA1, 1419 - 28);
	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_TOO_BIG);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL], 3);
}

/* ---- tenant isolation ------------------------------------------------- */

static void test_tenants_with_same_subnet_stay_apart(void **state)
{
	struct fx *f = *state;
	size_t n;

	/* B's uplink: a frame to A's remote port MAC is unknown in B. */
	n = fx_udp(f->frame, MAC_RA1, MAC_LB1, 64, 0, IP_LA1, IP_RA1, 10);
	assert_int_equal(fx_up(f, VNI_B, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_UNKNOWN_UNICAST);
	/* The same addresses in B go to B's port on host 8, never host 7. */
	n = fx_udp(f->frame, MAC_RB1, MAC_LB1, 64, 0, IP_LA1, IP_RA1, 10);
	assert_int_equal(fx_up(f, VNI_B, SUB1, n), VSWITCH_TO_HOST);
	assert_int_equal(f->res.host, HOST8);
	assert_int_equal(f->res.vni, VNI_B);
	/* A's port MAC on B's uplink is a spoof, and the other way round. */
	n = fx_udp(f->frame, MAC_RB1, MAC_LA1, 64, 0, IP_LA1, IP_RA1, 10);
	assert_int_equal(fx_up(f, VNI_B, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_SPOOF_SRC_MAC);
	n = fx_udp(f->frame, MAC_RA1, MAC_LB1, 64, 0, IP_LA1, IP_RA1, 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_SPOOF_SRC_MAC);

	/* ARP for 10.0.1.20 is answered per tenant. */
	n = fx_arp(f->frame, MAC_BCAST, MAC_LB1, 1, MAC_LB1, IP_LA1, (const uint8_t[6]){ 0 },
		   IP_RA1);
	assert_int_equal(fx_up(f, VNI_B, SUB1, n), VSWITCH_REPLY);
	assert_int_equal(f->res.uplink, UPLINK_B1);
	assert_memory_equal(f->res.frame + 6, MAC_RB1, 6);
	n = fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, IP_LA1, (const uint8_t[6]){ 0 },
		   IP_RA1);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	assert_memory_equal(f->res.frame + 6, MAC_RA1, 6);

	/* From host 8, which serves both: B's frame delivered to B's uplink;
	 * the very same Ethernet bytes labelled A are refused. */
	n = fx_udp(f->frame, MAC_LB1, MAC_RB1, 64, 0, IP_RA1, IP_LA1, 10);
	assert_int_equal(fx_fab(f, HOST8, VNI_B, n), VSWITCH_TO_UPLINK);
	assert_int_equal(f->res.uplink, UPLINK_B1);
	assert_int_equal(fx_fab(f, HOST8, VNI_A, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_DST_NOT_LOCAL);
	/* A's frame from host 8 relabelled B: dst MAC LA1 is not in B. */
	n = fx_udp(f->frame, MAC_LA1, MAC_RB1, 64, 0, IP_RA1, IP_LA1, 10);
	assert_int_equal(fx_fab(f, HOST8, VNI_B, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_DST_NOT_LOCAL);
	/* B's port MAC speaking into A (host 8 serves A through RA2). */
	assert_int_equal(fx_fab(f, HOST8, VNI_A, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC);

	/* B has no 10.0.2.0/24: routing there finds nothing, not A's port. */
	n = fx_udp(f->frame, MAC_GW_B1, MAC_LB1, 64, 0, IP_LA1, IP_LA2, 10);
	assert_int_equal(fx_up(f, VNI_B, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_ROUTE);
	/* Nor does B's gateway MAC route in A. */
	n = fx_udp(f->frame, MAC_GW_B1, MAC_LA1, 64, 0, IP_LA1, IP_LA2, 10);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_UNKNOWN_UNICAST);
}

/* Without a scratch buffer nothing is built, but unchanged frames still go. */
static void test_worker_without_buffer(void **state)
{
	struct fx *f = *state;
	size_t n;

	vswitch_worker_init(&f->w, NULL, 4096);
	assert_int_equal(f->w.out_cap, 0);
	n = fx_arp(f->frame, MAC_BCAST, MAC_LA1, 1, MAC_LA1, IP_LA1, (const uint8_t[6]){ 0 },
		   IP_GW1);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
	n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 64, IP_LA1, IP_GW1, 8);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
	n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 64, IP_LA1, IP_RA2, 8);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
	n = fx_ping(f->frame, MAC_GW_A1, MAC_LA1, 1, IP_LA1, IP_RA2, 8);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
	n = fx_ping(f->frame, MAC_RA1, MAC_LA1, 64, IP_LA1, IP_RA1, 8);
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_TO_HOST);
	n = fx_ping(f->frame, MAC_LA1, MAC_RA1, 64, IP_RA1, IP_LA1, 8);
	assert_int_equal(fx_fab(f, HOST7, VNI_A, n), VSWITCH_TO_UPLINK);
	assert_int_equal(f->w.reasons[VSWITCH_DROP_NO_BUFFER], 4);
}

static void test_names(void **state)
{
	(void)state;
	for (int r = 0; r < VSWITCH_REASON__COUNT; r++) {
		const char *name = vswitch_reason_name((enum vswitch_reason)r);

		assert_non_null(name);
		assert_string_not_equal(name, "unknown");
		for (int q = 0; q < r; q++)
			assert_string_not_equal(name, vswitch_reason_name((enum vswitch_reason)q));
	}
	for (int a = 0; a < VSWITCH_ACTION__COUNT; a++)
		assert_string_not_equal(vswitch_action_name((enum vswitch_action)a), "unknown");
	assert_string_equal(vswitch_reason_name(VSWITCH_REASON__COUNT), "unknown");
	assert_string_equal(vswitch_reason_name(VSWITCH_DROP_SPOOF_SRC_MAC), "spoof_src_mac");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_state_validation),
		T(test_state_incremental_and_empty_after_removal),
		cmocka_unit_test(test_gateway_mac),
		cmocka_unit_test(test_table_against_naive),
		T(test_l2_to_remote_port_goes_to_its_host),
		T(test_l2_local_unicast_is_the_bridges),
		T(test_l2_refusals),
		T(test_uplink_frame_checks),
		T(test_uplink_mtu),
		T(test_fabric_delivers_to_local_port),
		T(test_fabric_refusals),
		T(test_tenants_with_same_subnet_stay_apart),
		T(test_worker_without_buffer),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
