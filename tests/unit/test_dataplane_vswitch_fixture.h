/* Shared by the virtual switch tests: one fixed state of two tenants that
 * both use 10.0.1.0/24, frame builders, and an Internet checksum written
 * independently of dataplane/netpkt.c so the tests do not trust the code
 * under test to check itself.
 *
 *   tenant A, VNI 100                         tenant B, VNI 200
 *   subnet 1: 10.0.1.0/24 gw .1 DHCP, uplink 0x11   subnet 1: 10.0.1.0/24 gw .1
 *     LA1 local   10.0.1.10  02:aa:00:00:01:0a        LB1 local  10.0.1.10 02:bb:00:00:01:0a
 *     RA1 host 7  10.0.1.20  02:aa:00:00:01:14        RB1 host 8 10.0.1.20 02:bb:00:00:01:14
 *     RTR host 7  10.0.1.254 02:aa:00:00:01:fe  (router VM)
 *   subnet 2: 10.0.2.0/24 gw .1 MTU 1300, uplink 0x12
 *     LA2 local   10.0.2.10  02:aa:00:00:02:0a
 *     RA2 host 8  10.0.2.20  02:aa:00:00:02:14
 *   route 192.168.0.0/16 -> 10.0.1.254 (RTR)
 *
 * Host 7 serves only A, host 8 serves A and B, host 9 serves nothing. */
#ifndef TEST_DATAPLANE_VSWITCH_FIXTURE_H
#define TEST_DATAPLANE_VSWITCH_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/fabric_frame.h"
#include "dataplane/netpkt.h"
#include "dataplane/vswitch.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define VNI_A 100
#define VNI_B 200
#define SUB1  1
#define SUB2  2
#define UPLINK_A1 0x11
#define UPLINK_A2 0x12
#define UPLINK_B1 0x21
#define HOST7 7
#define HOST8 8
#define HOST9 9

static const uint8_t MAC_LA1[6] = { 0x02, 0xaa, 0, 0, 1, 0x0a };
static const uint8_t MAC_RA1[6] = { 0x02, 0xaa, 0, 0, 1, 0x14 };
static const uint8_t MAC_RTR[6] = { 0x02, 0xaa, 0, 0, 1, 0xfe };
static const uint8_t MAC_LA2[6] = { 0x02, 0xaa, 0, 0, 2, 0x0a };
static const uint8_t MAC_RA2[6] = { 0x02, 0xaa, 0, 0, 2, 0x14 };
static const uint8_t MAC_LB1[6] = { 0x02, 0xbb, 0, 0, 1, 0x0a };
static const uint8_t MAC_RB1[6] = { 0x02, 0xbb, 0, 0, 1, 0x14 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_GW_A1[6] = { 0x0e, 0x00, 0x00, 100, 0x00, 0x01 };
static const uint8_t MAC_GW_A2[6] = { 0x0e, 0x00, 0x00, 100, 0x00, 0x02 };
static const uint8_t MAC_GW_B1[6] = { 0x0e, 0x00, 0x00, 200, 0x00, 0x01 };

#define IP_LA1 IP4(10, 0, 1, 10)
#define IP_RA1 IP4(10, 0, 1, 20)
#define IP_RTR IP4(10, 0, 1, 254)
#define IP_LA2 IP4(10, 0, 2, 10)
#define IP_RA2 IP4(10, 0, 2, 20)
#define IP_GW1 IP4(10, 0, 1, 1)
#define IP_GW2 IP4(10, 0, 2, 1)

struct fx {
	struct vswitch *vs;
	struct vswitch_worker w;
	uint8_t out[VSWITCH_OUT_MIN];
	struct vswitch_result res;
	uint8_t frame[2048];   /* frames under test are built here */
	uint8_t wire[2048];    /* fabric payloads */
	uint64_t now;
};

static inline int fx_port(struct vswitch *vs, uint32_t vni, uint32_t sub, const uint8_t mac[6],
			  uint32_t ip, uint32_t host)
{
	struct vswitch_port_cfg p = { .vni = vni, .subnet_id = sub, .ip = ip, .host = host };

	memcpy(p.mac, mac, 6);
	return vswitch_port_add(vs, &p);
}

static inline int fx_subnet(struct vswitch *vs, uint32_t vni, uint32_t id, uint32_t net,
			    uint16_t mtu, bool dhcp, uintptr_t uplink)
{
	struct vswitch_subnet_cfg s = {
		.vni = vni, .id = id, .network = net, .plen = 24, .mtu = mtu, .dhcp = dhcp,
		.uplink = uplink,
	};

	return vswitch_subnet_add(vs, &s);
}

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int err = 0;

	if (!f)
		return -1;
	f->vs = vswitch_create(0x1234567890abcdefULL);
	if (!f->vs)
		return -1;
	vswitch_worker_init(&f->w, f->out, sizeof(f->out));
	f->now = 1000000000ULL;
	err |= vswitch_tenant_add(f->vs, VNI_A);
	err |= vswitch_tenant_add(f->vs, VNI_B);
	err |= fx_subnet(f->vs, VNI_A, SUB1, IP4(10, 0, 1, 0), 0, true, UPLINK_A1);
	err |= fx_subnet(f->vs, VNI_A, SUB2, IP4(10, 0, 2, 0), 1300, true, UPLINK_A2);
	err |= fx_subnet(f->vs, VNI_B, SUB1, IP4(10, 0, 1, 0), 0, true, UPLINK_B1);
	err |= fx_port(f->vs, VNI_A, SUB1, MAC_LA1, IP_LA1, VSWITCH_HOST_LOCAL);
	err |= fx_port(f->vs, VNI_A, SUB1, MAC_RA1, IP_RA1, HOST7);
	err |= fx_port(f->vs, VNI_A, SUB1, MAC_RTR, IP_RTR, HOST7);
	err |= fx_port(f->vs, VNI_A, SUB2, MAC_LA2, IP_LA2, VSWITCH_HOST_LOCAL);
	err |= fx_port(f->vs, VNI_A, SUB2, MAC_RA2, IP_RA2, HOST8);
	err |= fx_port(f->vs, VNI_B, SUB1, MAC_LB1, IP_LA1, VSWITCH_HOST_LOCAL);
	err |= fx_port(f->vs, VNI_B, SUB1, MAC_RB1, IP_RA1, HOST8);
	err |= vswitch_route_add(f->vs, VNI_A, IP4(192, 168, 0, 0), 16, IP_RTR);
	if (err)
		return -1;
	*state = f;
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	vswitch_destroy(f->vs);
	free(f);
	return 0;
}

/* ---- an independent Internet checksum (RFC 1071, the obvious way) ---- */

static inline uint16_t fx_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t fx_udp_csum(const uint8_t *ip_hdr, const uint8_t *udp, size_t udp_len)
{
	uint8_t pseudo[12];

	memcpy(pseudo, ip_hdr + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(udp_len >> 8);
	pseudo[11] = (uint8_t)udp_len;
	uint32_t sum = (uint16_t)~fx_csum(pseudo, 12, 0);
	return fx_csum(udp, udp_len, sum);
}

static inline uint16_t fx_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fx_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void fx_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void fx_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- frame builders (byte by byte, not through netpkt) --------------- */

static inline size_t fx_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	fx_put16(p + 12, type);
	return 14;
}

static inline size_t fx_arp(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t op,
			    const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	size_t n = fx_eth(p, dst, src, 0x0806);

	fx_put16(p + n, 1);
	fx_put16(p + n + 2, 0x0800);
	p[n + 4] = 6;
	p[n + 5] = 4;
	fx_put16(p + n + 6, op);
	memcpy(p + n + 8, sha, 6);
	fx_put32(p + n + 14, spa);
	memcpy(p + n + 18, tha, 6);
	fx_put32(p + n + 24, tpa);
	return n + 28;
}

/* An IPv4 packet with a payload of plen bytes already at p + 14 + 20; returns
 * the frame length. */
static inline size_t fx_ipv4(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint8_t proto,
			     uint8_t ttl, uint16_t frag, uint32_t sip, uint32_t dip, size_t plen)
{
	uint8_t *ip = p + 14;

	fx_eth(p, dst, src, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	fx_put16(ip + 2, (uint16_t)(20 + plen));
	fx_put16(ip + 4, 0x1234);
	fx_put16(ip + 6, frag);
	ip[8] = ttl;
	ip[9] = proto;
	fx_put16(ip + 10, 0);
	fx_put32(ip + 12, sip);
	fx_put32(ip + 16, dip);
	fx_put16(ip + 10, fx_csum(ip, 20, 0));
	return 14 + 20 + plen;
}

/* An ICMP echo request of plen payload bytes. */
static inline size_t fx_ping(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint8_t ttl,
			     uint32_t sip, uint32_t dip, size_t plen)
{
	uint8_t *icmp = p + 34;

	icmp[0] = 8;
	icmp[1] = 0;
	fx_put16(icmp + 2, 0);
	fx_put16(icmp + 4, 0x4242);
	fx_put16(icmp + 6, 7);
	for (size_t i = 0; i < plen; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + 1);
	fx_put16(icmp + 2, fx_csum(icmp, 8 + plen, 0));
	return fx_ipv4(p, dst, src, 1, ttl, 0, sip, dip, 8 + plen);
}

/* A UDP datagram with payload bytes 0..plen-1 (pattern). */
static inline size_t fx_udp(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint8_t ttl,
			    uint16_t frag, uint32_t sip, uint32_t dip, size_t plen)
{
	uint8_t *udp = p + 34;
	size_t n;

	fx_put16(udp, 5000);
	fx_put16(udp + 2, 6000);
	fx_put16(udp + 4, (uint16_t)(8 + plen));
	fx_put16(udp + 6, 0);
	for (size_t i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)i;
	n = fx_ipv4(p, dst, src, 17, ttl, frag, sip, dip, 8 + plen);
	fx_put16(udp + 6, fx_udp_csum(p + 14, udp, 8 + plen));
	return n;
}

/* Wraps an Ethernet frame as a fabric payload in f->wire. */
static inline size_t fx_wrap(struct fx *f, uint32_t vni, const uint8_t *eth, size_t len)
{
	int n = fabric_frame_encode(f->wire, sizeof(f->wire), vni, eth, len);

	return n < 0 ? 0 : (size_t)n;
}

static inline enum vswitch_action fx_up(struct fx *f, uint32_t vni, uint32_t sub, size_t len)
{
	return vswitch_from_uplink(f->vs, &f->w, f->now, vni, sub, f->frame, len, &f->res);
}

static inline enum vswitch_action fx_fab(struct fx *f, uint32_t host, uint32_t vni, size_t eth_len)
{
	size_t n = fx_wrap(f, vni, f->frame, eth_len);

	return vswitch_from_fabric(f->vs, &f->w, host, f->wire, n, &f->res);
}

#endif
