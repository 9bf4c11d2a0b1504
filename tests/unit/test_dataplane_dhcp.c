/* The subnet DHCP server: each client state of RFC 2131 (selecting,
 * init-reboot, renewing, inform, release, decline), reply addressing
 * (broadcast flag, ciaddr, NAK), and every byte of the replies, with the IPv4
 * and UDP checksums verified by the fixture's own checksum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dhcp_packet.h"
#include "tests/unit/test_dataplane_vswitch_fixture.h"

#define XID 0x3903f326u

struct req {
	uint8_t type;
	const uint8_t *src_mac, *dst_mac, *chaddr;
	uint32_t src_ip, dst_ip;
	uint16_t flags;
	uint32_t ciaddr, giaddr;
	uint32_t requested;   /* 0: no option 50 */
	uint32_t server_id;   /* 0: no option 54 */
	bool client_id;       /* option 61 = 01 + chaddr */
};

static struct req discover(void)
{
	return (struct req){
		.type = 1, .src_mac = MAC_LA1, .dst_mac = MAC_BCAST, .chaddr = MAC_LA1,
		.src_ip = 0, .dst_ip = 0xffffffffu,
	};
}

/* Builds the client's frame byte by byte; returns its length. */
static size_t build(struct fx *f, const struct req *r)
{
	uint8_t *b = f->frame + 42, *o;
	uint8_t *udp = f->frame + 34;
	size_t blen, n;

	memset(b, 0, 240);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	fx_put32(b + 4, XID);
	fx_put16(b + 8, 3); /* secs */
	fx_put16(b + 10, r->flags);
	fx_put32(b + 12, r->ciaddr);
	fx_put32(b + 24, r->giaddr);
	memcpy(b + 28, r->chaddr, 6);
	fx_put32(b + 236, 0x63825363);
	o = b + 240;
	*o++ = 53, *o++ = 1, *o++ = r->type;
	if (r->requested) {
		*o++ = 50, *o++ = 4;
		fx_put32(o, r->requested);
		o += 4;
	}
	if (r->server_id) {
		*o++ = 54, *o++ = 4;
		fx_put32(o, r->server_id);
		o += 4;
	}
	if (r->client_id) {
		*o++ = 61, *o++ = 7, *o++ = 1;
		memcpy(o, r->chaddr, 6);
		o += 6;
	}
	*o++ = 55, *o++ = 4, *o++ = 1, *o++ = 3, *o++ = 26, *o++ = 51;
	*o++ = 255;
	blen = (size_t)(o - b);
	fx_put16(udp, 68);
	fx_put16(udp + 2, 67);
	fx_put16(udp + 4, (uint16_t)(8 + blen));
	fx_put16(udp + 6, 0);
	n = fx_ipv4(f->frame, r->dst_mac, r->src_mac, 17, 64, 0, r->src_ip, r->dst_ip, 8 + blen);
	fx_put16(udp + 6, fx_udp_csum(f->frame + 14, udp, 8 + blen));
	return n;
}

static enum vswitch_action send_req(struct fx *f, const struct req *r)
{
	return fx_up(f, VNI_A, SUB1, build(f, r));
}

struct want {
	uint8_t type;
	const uint8_t *dst_mac;
	uint32_t dst_ip;
	uint16_t flags;
	uint32_t ciaddr, yiaddr;
	bool lease, config, client_id;
	uint16_t mtu;
	uint32_t gw;
	const uint8_t *gw_mac;
	const uint8_t *chaddr;
};

static size_t expected_options(const struct want *w, uint8_t *o)
{
	uint8_t *p = o;

	*p++ = 53, *p++ = 1, *p++ = w->type;
	*p++ = 54, *p++ = 4;
	fx_put32(p, w->gw), p += 4;
	if (w->lease) {
		*p++ = 51, *p++ = 4;
		fx_put32(p, 86400), p += 4;
		*p++ = 58, *p++ = 4;
		fx_put32(p, 43200), p += 4;
		*p++ = 59, *p++ = 4;
		fx_put32(p, 75600), p += 4;
	}
	if (w->config) {
		*p++ = 1, *p++ = 4;
		fx_put32(p, 0xffffff00u), p += 4;
		*p++ = 3, *p++ = 4;
		fx_put32(p, w->gw), p += 4;
		*p++ = 26, *p++ = 2;
		fx_put16(p, w->mtu), p += 2;
	}
	if (w->client_id) {
		*p++ = 61, *p++ = 7, *p++ = 1;
		memcpy(p, w->chaddr, 6), p += 6;
	}
	*p++ = 255;
	return (size_t)(p - o);
}

/* Every byte of the reply frame. */
static void assert_reply(const struct fx *f, const struct want *w)
{
	const uint8_t *p = f->res.frame, *ip = p + 14, *udp = p + 34, *b = p + 42;
	uint8_t opts[128], zero[256] = { 0 };
	size_t olen = expected_options(w, opts), blen = 240 + olen;

	if (blen < 300)
		blen = 300;
	assert_int_equal(f->res.action, VSWITCH_REPLY);
	assert_ptr_equal(p, f->out);
	assert_int_equal(f->res.len, 42 + blen);
	/* Ethernet */
	assert_memory_equal(p, w->dst_mac, 6);
	assert_memory_equal(p + 6, w->gw_mac, 6);
	assert_int_equal(fx_get16(p + 12), 0x0800);
	/* IPv4 */
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0);
	assert_int_equal(fx_get16(ip + 2), 20 + 8 + blen);
	assert_int_equal(fx_get16(ip + 6) & 0x3fff, 0); /* no fragment */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 17);
	assert_int_equal(fx_get32(ip + 12), w->gw);
	assert_int_equal(fx_get32(ip + 16), w->dst_ip);
	assert_int_equal(fx_csum(ip, 20, 0), 0);
	/* UDP */
	assert_int_equal(fx_get16(udp), 67);
	assert_int_equal(fx_get16(udp + 2), 68);
	assert_int_equal(fx_get16(udp + 4), 8 + blen);
	assert_int_not_equal(fx_get16(udp + 6), 0);
	assert_int_equal(fx_udp_csum(ip, udp, 8 + blen), 0);
	/* BOOTP */
	assert_int_equal(b[0], 2);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 6);
	assert_int_equal(b[3], 0);
	assert_int_equal(fx_get32(b + 4), XID);
	assert_int_equal(fx_get16(b + 8), 0);
	assert_int_equal(fx_get16(b + 10), w->flags);
	assert_int_equal(fx_get32(b + 12), w->ciaddr);
	assert_int_equal(fx_get32(b + 16), w->yiaddr);
	assert_int_equal(fx_get32(b + 20), 0);
	assert_int_equal(fx_get32(b + 24), 0);
	assert_memory_equal(b + 28, w->chaddr, 6);
	assert_memory_equal(b + 34, zero, 10 + 64 + 128); /* chaddr rest, sname, file */
	assert_int_equal(fx_get32(b + 236), 0x63825363);
	assert_memory_equal(b + 240, opts, olen);
	assert_memory_equal(b + 240 + olen, zero, blen - 240 - olen);
}

static struct want offer_to_la1(void)
{
	return (struct want){
		.type = 2, .dst_mac = MAC_LA1, .dst_ip = IP_LA1, .yiaddr = IP_LA1,
		.lease = true, .config = true, .mtu = 1418, .gw = IP_GW1, .gw_mac = MAC_GW_A1,
		.chaddr = MAC_LA1,
	};
}

static void test_discover_gets_unicast_offer(void **state)
{
	struct fx *f = *state;
	struct req r = discover();
	struct want w = offer_to_la1();

	send_req(f, &r);
	assert_reply(f, &w);
	assert_int_equal(f->res.uplink, UPLINK_A1);
	assert_int_equal(f->res.reason, VSWITCH_R_NONE);
}

static void test_discover_broadcast_flag_and_client_id(void **state)
{
	struct fx *f = *state;
	struct req r = discover();
	struct want w = offer_to_la1();

	r.flags = 0x8000;
	r.client_id = true;
	send_req(f, &r);
	w.flags = 0x8000;
	w.dst_mac = MAC_BCAST;
	w.dst_ip = 0xffffffffu;
	w.client_id = true;
	assert_reply(f, &w);
}

static void test_subnet_mtu_is_offered(void **state)
{
	struct fx *f = *state;
	struct req r = discover();
	struct want w = offer_to_la1();

	r.src_mac = r.chaddr = MAC_LA2;
	assert_int_equal(fx_up(f, VNI_A, SUB2, build(f, &r)), VSWITCH_REPLY);
	w.dst_mac = w.chaddr = MAC_LA2;
	w.dst_ip = w.yiaddr = IP_LA2;
	w.mtu = 1300;
	w.gw = IP_GW2;
	w.gw_mac = MAC_GW_A2;
	assert_reply(f, &w);
	assert_int_equal(f->res.uplink, UPLINK_A2);
}

static void test_request_selecting(void **state)
{
	struct fx *f = *state;
	struct req r = discover();
	struct want w = offer_to_la1();

	r.type = 3;
	r.server_id = IP_GW1;
	r.requested = IP_LA1;
	send_req(f, &r);
	w.type = 5;
	assert_reply(f, &w);

	/* Wrong address: NAK, broadcast (RFC 2131 4.1), no configuration. */
	r.requested = IP4(10, 0, 1, 77);
	r.client_id = true;
	send_req(f, &r);
	w = (struct want){
		.type = 6, .dst_mac = MAC_BCAST, .dst_ip = 0xffffffffu, .gw = IP_GW1,
		.gw_mac = MAC_GW_A1, .chaddr = MAC_LA1, .client_id = true,
	};
	assert_reply(f, &w);

	/* The client chose another server: stay silent. */
	r.requested = IP_LA1;
	r.server_id = IP4(10, 0, 1, 2);
	assert_int_equal(send_req(f, &r), VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_DHCP);

	/* Selecting without a requested address is malformed. */
	r.server_id = IP_GW1;
	r.requested = 0;
	assert_int_equal(send_req(f, &r), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DHCP);
}

static void test_request_init_reboot(void **state)
{
	struct fx *f = *state;
	struct req r = discover();
	struct want w = offer_to_la1();

	r.type = 3;
	r.requested = IP_LA1;
	r.flags = 0x8000;
	send_req(f, &r);
	w.type = 5;
	w.flags = 0x8000;
	w.dst_mac = MAC_BCAST;
	w.dst_ip = 0xffffffffu;
	assert_reply(f, &w);

	r.requested = IP4(192, 168, 1, 50); /* moved from another network */
	assert_int_equal(send_req(f, &r), VSWITCH_REPLY);
	assert_int_equal(f->res.frame[42 + 242], 6);

	r.requested = 0; /* neither requested IP nor ciaddr */
	assert_int_equal(send_req(f, &r), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DHCP);
}

static void test_request_renewing_is_unicast(void **state)
{
	struct fx *f = *state;
	struct req r = {
		.type = 3, .src_mac = MAC_LA1, .dst_mac = MAC_GW_A1, .chaddr = MAC_LA1,
		.src_ip = IP_LA1, .dst_ip = IP_GW1, .ciaddr = IP_LA1,
	};
	struct want w = offer_to_la1();

	send_req(f, &r);
	w.type = 5;
	w.ciaddr = IP_LA1;
	assert_reply(f, &w);

	/* Rebinding is broadcast at IP level, still from its own address. */
	r.dst_mac = MAC_BCAST;
	r.dst_ip = 0xffffffffu;
	send_req(f, &r);
	assert_reply(f, &w);

	/* Renewing an address that is not the port's. */
	r.ciaddr = IP4(10, 0, 1, 50);
	send_req(f, &r);
	assert_int_equal(f->res.action, VSWITCH_REPLY);
	assert_int_equal(f->res.frame[42 + 242], 6);
	assert_memory_equal(f->res.frame, MAC_BCAST, 6);
}

static void test_inform(void **state)
{
	struct fx *f = *state;
	struct req r = {
		.type = 8, .src_mac = MAC_LA1, .dst_mac = MAC_BCAST, .chaddr = MAC_LA1,
		.src_ip = IP_LA1, .dst_ip = 0xffffffffu, .ciaddr = IP_LA1,
	};
	struct want w = offer_to_la1();

	send_req(f, &r);
	/* Configuration only: no yiaddr, no lease (RFC 2131 4.3.5). */
	w.type = 5;
	w.ciaddr = IP_LA1;
	w.yiaddr = 0;
	w.lease = false;
	assert_reply(f, &w);
}

static void test_release_and_decline_are_ignored(void **state)
{
	struct fx *f = *state;
	struct req r = {
		.type = 7, .src_mac = MAC_LA1, .dst_mac = MAC_GW_A1, .chaddr = MAC_LA1,
		.src_ip = IP_LA1, .dst_ip = IP_GW1, .ciaddr = IP_LA1, .server_id = IP_GW1,
	};

	assert_int_equal(send_req(f, &r), VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_DHCP);
	r = discover();
	r.type = 4;
	r.requested = IP_LA1;
	r.server_id = IP_GW1;
	assert_int_equal(send_req(f, &r), VSWITCH_IGNORE);
	assert_int_equal(f->res.reason, VSWITCH_IGNORE_DHCP);
	assert_int_equal(f->w.reasons[VSWITCH_IGNORE_DHCP], 2);
	/* A server's message from a client is not something we answer. */
	r.type = 2;
	assert_int_equal(send_req(f, &r), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_DHCP_UNSUPPORTED);
}

static void test_disabled_relayed_and_malformed(void **state)
{
	struct fx *f = *state;
	static const uint8_t mac3[6] = { 0x02, 0xaa, 0, 0, 3, 0x0a };
	struct req r = discover();
	size_t n;

	assert_int_equal(fx_subnet(f->vs, VNI_A, 3, IP4(10, 0, 3, 0), 0, false, 0x13), 0);
	assert_int_equal(fx_port(f->vs, VNI_A, 3, mac3, IP4(10, 0, 3, 10), 0), 0);
	r.src_mac = r.chaddr = mac3;
	assert_int_equal(fx_up(f, VNI_A, 3, build(f, &r)), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_DHCP_DISABLED);

	r = discover();
	r.giaddr = IP4(10, 9, 9, 9);
	assert_int_equal(send_req(f, &r), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_DHCP_UNSUPPORTED);

	r = discover();
	n = build(f, &r);
	f->frame[42 + 236] ^= 1; /* magic cookie (UDP checksum now wrong too) */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DHCP);
	n = build(f, &r);
	f->frame[n - 1] ^= 0xff; /* corrupt the END option: UDP checksum fails */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DHCP);
	n = build(f, &r);
	f->frame[14 + 10] ^= 1; /* IPv4 header checksum */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DHCP);
	/* A BOOTREPLY from a client. */
	n = build(f, &r);
	f->frame[42] = 2;
	fx_put16(f->frame + 40, 0); /* no UDP checksum */
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_BAD_DHCP);
	/* Without a UDP checksum a good request is accepted. */
	f->frame[42] = 1;
	assert_int_equal(fx_up(f, VNI_A, SUB1, n), VSWITCH_REPLY);
}

static void test_small_buffer(void **state)
{
	struct fx *f = *state;
	struct req r = discover();

	f->w.out_cap = 42 + 300;
	assert_int_equal(send_req(f, &r), VSWITCH_DROP);
	assert_int_equal(f->res.reason, VSWITCH_DROP_NO_BUFFER);
}

/* ---- the parser on its own ------------------------------------------- */

static size_t bootp(uint8_t *b, const uint8_t *opts, size_t olen)
{
	memset(b, 0, 240);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	fx_put32(b + 236, 0x63825363);
	memcpy(b + 240, opts, olen);
	return 240 + olen;
}

static void test_parser_options(void **state)
{
	uint8_t b[600];
	struct dhcp_message m;
	static const uint8_t good[] = {
		0, 0, 53, 1, 3, 3, 8, 10, 0, 0, 1, 10, 0, 0, 2, 61, 2, 0xaa, 0xbb,
		26, 2, 0x05, 0xdc, 53, 1, 1, /* repeated: first wins */
	};
	static const uint8_t bad_len[] = { 53, 2, 1, 1, 255 };
	static const uint8_t overrun[] = { 53, 1, 1, 12, 5, 'a', 'b' };
	static const uint8_t no_len[] = { 53, 1, 1, 12 };
	static const uint8_t no_type[] = { 12, 1, 'a', 255 };
	static const uint8_t bad_type[] = { 53, 1, 9, 255 };
	static const uint8_t bad_router[] = { 53, 1, 1, 3, 6, 1, 2, 3, 4, 5, 6, 255 };
	size_t n;

	(void)state;
	/* No END at all is tolerated when nothing overruns. */
	n = bootp(b, good, sizeof(good));
	assert_true(dhcp_packet_parse(b, n, &m));
	assert_int_equal(m.type, 3);
	assert_true(m.has_router);
	assert_int_equal(m.router, IP4(10, 0, 0, 1));
	assert_int_equal(m.client_id_len, 2);
	assert_ptr_equal(m.client_id, b + 240 + 17);
	assert_true(m.has_mtu);
	assert_int_equal(m.mtu, 1500);
	assert_false(m.has_requested_ip);

	n = bootp(b, bad_len, sizeof(bad_len));
	assert_false(dhcp_packet_parse(b, n, &m));
	n = bootp(b, overrun, sizeof(overrun));
	assert_false(dhcp_packet_parse(b, n, &m));
	n = bootp(b, no_len, sizeof(no_len));
	assert_false(dhcp_packet_parse(b, n, &m));
	n = bootp(b, no_type, sizeof(no_type));
	assert_false(dhcp_packet_parse(b, n, &m));
	n = bootp(b, bad_type, sizeof(bad_type));
	assert_false(dhcp_packet_parse(b, n, &m));
	n = bootp(b, bad_router, sizeof(bad_router));
	assert_false(dhcp_packet_parse(b, n, &m));
	n = bootp(b, good, sizeof(good));
	assert_false(dhcp_packet_parse(b, 239, &m));
	b[2] = 16; /* hlen */
	assert_false(dhcp_packet_parse(b, n, &m));
	b[2] = 6;
	b[0] = 3;
	assert_false(dhcp_packet_parse(b, n, &m));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_discover_gets_unicast_offer),
		T(test_discover_broadcast_flag_and_client_id),
		T(test_subnet_mtu_is_offered),
		T(test_request_selecting),
		T(test_request_init_reboot),
		T(test_request_renewing_is_unicast),
		T(test_inform),
		T(test_release_and_decline_are_ignored),
		T(test_disabled_relayed_and_malformed),
		T(test_small_buffer),
		cmocka_unit_test(test_parser_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
