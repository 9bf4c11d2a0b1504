/* Bounded header parsing and building for the virtual switch. */
#include "dataplane/netpkt.h"

#include <string.h>

bool netpkt_mac_is_broadcast(const uint8_t mac[NETPKT_MAC_LEN])
{
	static const uint8_t all[NETPKT_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	return memcmp(mac, all, NETPKT_MAC_LEN) == 0;
}

bool netpkt_mac_is_zero(const uint8_t mac[NETPKT_MAC_LEN])
{
	static const uint8_t zero[NETPKT_MAC_LEN];

	return memcmp(mac, zero, NETPKT_MAC_LEN) == 0;
}

uint64_t netpkt_mac_to_u64(const uint8_t mac[NETPKT_MAC_LEN])
{
	uint64_t v = 0;

	for (int i = 0; i < NETPKT_MAC_LEN; i++)
		v = v << 8 | mac[i];
	return v;
}

bool netpkt_eth_parse(const uint8_t *frame, size_t len, struct netpkt_eth *out)
{
	if (!frame || len < NETPKT_ETH_HLEN)
		return false;
	out->dst = frame;
	out->src = frame + 6;
	out->type = netpkt_get16(frame + 12);
	out->payload = frame + NETPKT_ETH_HLEN;
	out->payload_len = len - NETPKT_ETH_HLEN;
	return true;
}

size_t netpkt_eth_write(uint8_t *p, const uint8_t dst[NETPKT_MAC_LEN],
			const uint8_t src[NETPKT_MAC_LEN], uint16_t type)
{
	memmove(p, dst, NETPKT_MAC_LEN);
	memmove(p + 6, src, NETPKT_MAC_LEN);
	netpkt_put16(p + 12, type);
	return NETPKT_ETH_HLEN;
}

bool netpkt_arp_parse(const uint8_t *p, size_t len, struct netpkt_arp *out)
{
	if (len < NETPKT_ARP_LEN)
		return false;
	if (netpkt_get16(p) != 1 || netpkt_get16(p + 2) != NETPKT_ETHERTYPE_IPV4 ||
	    p[4] != NETPKT_MAC_LEN || p[5] != 4)
		return false;
	out->op = netpkt_get16(p + 6);
	memcpy(out->sha, p + 8, NETPKT_MAC_LEN);
	out->spa = netpkt_get32(p + 14);
	memcpy(out->tha, p + 18, NETPKT_MAC_LEN);
	out->tpa = netpkt_get32(p + 24);
	return true;
}

size_t netpkt_arp_write(uint8_t *p, const struct netpkt_arp *arp)
{
	netpkt_put16(p, 1);
	netpkt_put16(p + 2, NETPKT_ETHERTYPE_IPV4);
	p[4] = NETPKT_MAC_LEN;
	p[5] = 4;
	netpkt_put16(p + 6, arp->op);
	memcpy(p + 8, arp->sha, NETPKT_MAC_LEN);
	netpkt_put32(p + 14, arp->spa);
	memcpy(p + 18, arp->tha, NETPKT_MAC_LEN);
	netpkt_put32(p + 24, arp->tpa);
	return NETPKT_ARP_LEN;
}

bool netpkt_ipv4_parse(const uint8_t *p, size_t len, struct netpkt_ipv4 *out)
{
	size_t hlen;
	uint16_t total;

	if (len < NETPKT_IPV4_HLEN || p[0] >> 4 != 4)
		return false;
	hlen = (size_t)(p[0] & 0x0f) * 4;
	total = netpkt_get16(p + 2);
	if (hlen < NETPKT_IPV4_HLEN || hlen > len || total < hlen || total > len)
		return false;
	out->hdr = p;
	out->hdr_len = hlen;
	out->total_len = total;
	out->frag = netpkt_get16(p + 6);
	out->ttl = p[8];
	out->proto = p[9];
	out->src = netpkt_get32(p + 12);
	out->dst = netpkt_get32(p + 16);
	out->payload = p + hlen;
	out->payload_len = total - hlen;
	return true;
}

bool netpkt_ipv4_csum_ok(const struct netpkt_ipv4 *ip)
{
	return netpkt_csum_fold(netpkt_csum_add(0, ip->hdr, ip->hdr_len)) == 0;
}

bool netpkt_ipv4_is_whole(const struct netpkt_ipv4 *ip)
{
	return (ip->frag & (NETPKT_IPV4_MF | NETPKT_IPV4_OFFSET)) == 0;
}

size_t netpkt_ipv4_write(uint8_t *p, uint8_t proto, uint8_t ttl, uint32_t src,
			 uint32_t dst, size_t payload_len)
{
	p[0] = 0x45;
	p[1] = 0;
	netpkt_put16(p + 2, (uint16_t)(NETPKT_IPV4_HLEN + payload_len));
	netpkt_put16(p + 4, 0);
	netpkt_put16(p + 6, 0);
	p[8] = ttl;
	p[9] = proto;
	netpkt_put16(p + 10, 0);
	netpkt_put32(p + 12, src);
	netpkt_put32(p + 16, dst);
	netpkt_put16(p + 10, netpkt_csum_fold(netpkt_csum_add(0, p, NETPKT_IPV4_HLEN)));
	return NETPKT_IPV4_HLEN;
}

bool netpkt_udp_parse(const struct netpkt_ipv4 *ip, struct netpkt_udp *out)
{
	const uint8_t *p = ip->payload;

	if (ip->proto != NETPKT_IP_PROTO_UDP || !netpkt_ipv4_is_whole(ip) ||
	    ip->payload_len < NETPKT_UDP_HLEN)
		return false;
	out->sport = netpkt_get16(p);
	out->dport = netpkt_get16(p + 2);
	out->len = netpkt_get16(p + 4);
	out->csum = netpkt_get16(p + 6);
	if (out->len < NETPKT_UDP_HLEN || out->len > ip->payload_len)
		return false;
	out->payload = p + NETPKT_UDP_HLEN;
	out->payload_len = out->len - NETPKT_UDP_HLEN;
	return true;
}

bool netpkt_udp_csum_ok(const struct netpkt_ipv4 *ip, const struct netpkt_udp *udp)
{
	uint32_t sum;

	if (udp->csum == 0)
		return true;
	sum = netpkt_csum_pseudo(ip->src, ip->dst, NETPKT_IP_PROTO_UDP, udp->len);
	return netpkt_csum_fold(netpkt_csum_add(sum, ip->payload, udp->len)) == 0;
}

size_t netpkt_udp_write(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t dport, size_t payload_len)
{
	uint16_t len = (uint16_t)(NETPKT_UDP_HLEN + payload_len);
	uint16_t csum;

	netpkt_put16(p, sport);
	netpkt_put16(p + 2, dport);
	netpkt_put16(p + 4, len);
	netpkt_put16(p + 6, 0);
	csum = netpkt_csum_fold(netpkt_csum_add(
		netpkt_csum_pseudo(src, dst, NETPKT_IP_PROTO_UDP, len), p, len));
	/* Zero means "no checksum" in UDP over IPv4; a computed zero is sent as
	 * all ones (RFC 768). */
	netpkt_put16(p + 6, csum ? csum : 0xffff);
	return NETPKT_UDP_HLEN;
}

uint32_t netpkt_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		s += (uint32_t)p[i] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t netpkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t netpkt_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
		     proto + (uint64_t)len;

	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

void netpkt_csum_update16(uint8_t csum[2], uint16_t old_word, uint16_t new_word)
{
	/* HC' = ~(~HC + ~m + m'), in one's complement arithmetic. */
	uint32_t s = (uint16_t)~netpkt_get16(csum);

	s += (uint16_t)~old_word;
	s += new_word;
	netpkt_put16(csum, netpkt_csum_fold(s));
}
