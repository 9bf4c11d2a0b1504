/* Arbitrary bytes into both virtual switch entry points over one fixed state
 * (the unit tests' two tenants). Byte 0 chooses the entry point:
 *   0: from uplink; byte 1 picks (vni, subnet), the rest is the frame
 *   1: from fabric; byte 1 picks the peer host, the rest is the payload
 *   2: from fabric, header made here; byte 1 picks host and VNI, the rest is
 *      the Ethernet frame (so the fuzzer spends its time past the header)
 * and, whatever happens, every frame the switch emits must be well formed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/fabric_frame.h"
#include "dataplane/netpkt.h"
#include "dataplane/vswitch.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct vswitch *vs;
static struct vswitch_worker worker;
static uint8_t out[VSWITCH_OUT_MIN];
static uint8_t wire[FABRIC_WIRE_MAX + 16];

static void port(uint32_t vni, uint32_t sub, uint8_t b1, uint8_t b4, uint8_t b5, uint32_t ip,
		 uint32_t host)
{
	struct vswitch_port_cfg p = {
		.vni = vni, .subnet_id = sub, .mac = { 0x02, b1, 0, 0, b4, b5 }, .ip = ip,
		.host = host,
	};

	if (vswitch_port_add(vs, &p))
		abort();
}

static void subnet(uint32_t vni, uint32_t id, uint32_t net, uint16_t mtu, bool dhcp)
{
	struct vswitch_subnet_cfg s = {
		.vni = vni, .id = id, .network = net, .plen = 24, .mtu = mtu, .dhcp = dhcp,
		.uplink = id,
	};

	if (vswitch_subnet_add(vs, &s))
		abort();
}

static void state_init(void)
{
	vs = vswitch_create(1);
	if (!vs || vswitch_tenant_add(vs, 100) || vswitch_tenant_add(vs, 200))
		abort();
	subnet(100, 1, IP4(10, 0, 1, 0), 0, true);
	subnet(100, 2, IP4(10, 0, 2, 0), 1300, true);
	subnet(200, 1, IP4(10, 0, 1, 0), 0, false);
	port(100, 1, 0xaa, 1, 0x0a, IP4(10, 0, 1, 10), 0);
	port(100, 1, 0xaa, 1, 0x14, IP4(10, 0, 1, 20), 7);
	port(100, 1, 0xaa, 1, 0xfe, IP4(10, 0, 1, 254), 7);
	port(100, 2, 0xaa, 2, 0x0a, IP4(10, 0, 2, 10), 0);
	port(100, 2, 0xaa, 2, 0x14, IP4(10, 0, 2, 20), 8);
	port(200, 1, 0xbb, 1, 0x0a, IP4(10, 0, 1, 10), 0);
	port(200, 1, 0xbb, 1, 0x14, IP4(10, 0, 1, 20), 8);
	if (vswitch_route_add(vs, 100, IP4(192, 168, 0, 0), 16, IP4(10, 0, 1, 254)) ||
	    vswitch_route_add(vs, 100, 0, 0, IP4(10, 0, 2, 20)))
		abort();
	vswitch_worker_init(&worker, out, sizeof(out));
}

static void check_output(const struct vswitch_result *r, const uint8_t *in, size_t in_len)
{
	struct netpkt_eth eth;
	struct netpkt_ipv4 ip;
	bool in_out = r->frame >= out && r->frame < out + sizeof(out);
	bool in_in = r->frame >= in && r->frame < in + in_len;

	if (r->action == VSWITCH_DROP || r->action == VSWITCH_IGNORE) {
		if (r->reason == VSWITCH_R_NONE || r->reason >= VSWITCH_REASON__COUNT)
			abort();
		return;
	}
	if (r->action >= VSWITCH_ACTION__COUNT || !r->frame || (!in_out && !in_in))
		abort();
	if ((in_out && r->len > sizeof(out) - (size_t)(r->frame - out)) ||
	    (in_in && r->len > in_len - (size_t)(r->frame - in)))
		abort();
	if (!netpkt_eth_parse(r->frame, r->len, &eth) || netpkt_mac_is_group(eth.src))
		abort();
	/* Every frame the switch builds or rewrites carries a correct header. */
	if (in_out && eth.type == NETPKT_ETHERTYPE_IPV4 &&
	    (!netpkt_ipv4_parse(eth.payload, eth.payload_len, &ip) || !netpkt_ipv4_csum_ok(&ip)))
		abort();
	if (r->action == VSWITCH_TO_HOST && (r->host == 0 || r->host > 8))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t uplinks[][2] = { { 100, 1 }, { 100, 2 }, { 200, 1 }, { 100, 3 } };
	static const uint32_t hosts[] = { 7, 8, 9, 0 };
	static const uint32_t vnis[] = { 100, 200, 300, 0 };
	struct vswitch_result res;
	uint64_t now;
	int n;

	if (!vs)
		state_init();
	if (size < 2)
		return 0;
	now = (uint64_t)data[1] * 7000000;
	switch (data[0] % 3) {
	case 0:
		vswitch_from_uplink(vs, &worker, now, uplinks[data[1] % 4][0], uplinks[data[1] % 4][1],
				    data + 2, size - 2, &res);
		check_output(&res, data + 2, size - 2);
		break;
	case 1:
		vswitch_from_fabric(vs, &worker, hosts[data[1] % 4], data + 2, size - 2, &res);
		check_output(&res, data + 2, size - 2);
		break;
	default:
		n = fabric_frame_encode(wire, sizeof(wire), vnis[(data[1] >> 2) % 4], data + 2,
					size - 2);
		if (n < 0)
			return 0;
		vswitch_from_fabric(vs, &worker, hosts[data[1] % 4], wire, (size_t)n, &res);
		check_output(&res, wire, (size_t)n);
		break;
	}
	return 0;
}
