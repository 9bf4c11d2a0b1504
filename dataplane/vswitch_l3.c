/* The tenant's router, at the sending host: IPv4 sent to the subnet's gateway
 * MAC goes to the tenant port with the destination address, or else to the
 * next-hop port of the longest tenant route. The frame is rewritten as if it
 * had crossed a router (source MAC = the destination subnet's gateway, TTL
 * minus one) and then travels like any L2 frame: to a local uplink or to the
 * port's host. The receiving host never routes. The gateway itself answers
 * echo requests; expired and oversized packets get ICMP errors, paced. */
#include <string.h>

#include "dataplane/vswitch_internal.h"

#define ICMP_TTL        64
/* RFC 1812 4.3.2.3: quote as much as fits a 576-byte ICMP datagram. */
#define ICMP_QUOTE_MAX  (576 - NETPKT_IPV4_HLEN - NETPKT_ICMP_HLEN)
#define NSEC_PER_SEC    1000000000ull

static bool dst_routable(uint32_t ip)
{
	uint8_t top = (uint8_t)(ip >> 24);

	/* 0/8 "this network", 127/8 loopback, 224/4 multicast, 240/4 and
	 * 255.255.255.255 reserved/broadcast. */
	return top != 0 && top != 127 && top < 224;
}

/* RFC 1812 4.3.2.7: never an ICMP error about an ICMP error, a non-first
 * fragment, or a packet whose source is not a unicast address. */
static bool icmp_error_allowed(const struct netpkt_ipv4 *ip)
{
	uint8_t type;

	if ((ip->frag & NETPKT_IPV4_OFFSET) || !dst_routable(ip->src))
		return false;
	if (ip->proto != NETPKT_IP_PROTO_ICMP)
		return true;
	if (ip->payload_len < 1)
		return false;
	type = ip->payload[0];
	/* Queries only: echo, timestamp, information, address mask. */
	return type == 0 || type == 8 || (type >= 13 && type <= 18);
}

/* Token bucket of sending time, refilled by elapsed time. */
static bool icmp_budget(struct vswitch_worker *w, uint64_t now)
{
	const uint64_t cost = NSEC_PER_SEC / VSWITCH_ICMP_PER_SEC;
	const uint64_t cap = cost * VSWITCH_ICMP_BURST;

	if (now > w->icmp_last_ns) {
		uint64_t elapsed = now - w->icmp_last_ns;

		w->icmp_credit_ns = elapsed >= cap - w->icmp_credit_ns ? cap
								 : w->icmp_credit_ns + elapsed;
		w->icmp_last_ns = now;
	}
	if (w->icmp_credit_ns < cost)
		return false;
	w->icmp_credit_ns -= cost;
	return true;
}

static enum vswitch_action icmp_error(struct vs_ctx *c, const struct netpkt_ipv4 *ip,
				      uint8_t type, uint8_t code, uint16_t mtu,
				      enum vswitch_reason why)
{
	size_t quote = ip->total_len < ICMP_QUOTE_MAX ? ip->total_len : ICMP_QUOTE_MAX;
	size_t icmp_len = NETPKT_ICMP_HLEN + quote;
	size_t len = NETPKT_ETH_HLEN + NETPKT_IPV4_HLEN + icmp_len;
	uint8_t *icmp;

	if (!icmp_error_allowed(ip))
		return vs_drop(c, why);
	if (len > c->w->out_cap)
		return vs_drop(c, VSWITCH_DROP_NO_BUFFER);
	if (!icmp_budget(c->w, c->now_ns)) {
		c->w->icmp_suppressed++;
		return vs_drop(c, why);
	}
	icmp = c->w->out + NETPKT_ETH_HLEN + NETPKT_IPV4_HLEN;
	icmp[0] = type;
	icmp[1] = code;
	netpkt_put16(icmp + 2, 0);
	netpkt_put16(icmp + 4, 0);
	netpkt_put16(icmp + 6, mtu); /* RFC 1191 next-hop MTU, else unused */
	memcpy(icmp + NETPKT_ICMP_HLEN, ip->hdr, quote);
	netpkt_put16(icmp + 2, netpkt_csum_fold(netpkt_csum_add(0, icmp, icmp_len)));
	netpkt_ipv4_write(c->w->out + NETPKT_ETH_HLEN, NETPKT_IP_PROTO_ICMP, ICMP_TTL,
			  c->subnet->gateway, ip->src, icmp_len);
	netpkt_eth_write(c->w->out, c->eth.src, c->subnet->gw_mac, NETPKT_ETHERTYPE_IPV4);
	return vs_reply(c, len, why);
}

/* The gateway address itself: echo requests are answered, the rest refused. */
static enum vswitch_action gateway_local(struct vs_ctx *c, const struct netpkt_ipv4 *ip)
{
	const uint8_t *req = ip->payload;
	size_t n = ip->payload_len;
	size_t len = NETPKT_ETH_HLEN + NETPKT_IPV4_HLEN + n;
	uint8_t *icmp;

	if (ip->proto != NETPKT_IP_PROTO_ICMP || !netpkt_ipv4_is_whole(ip) ||
	    n < NETPKT_ICMP_HLEN || req[0] != NETPKT_ICMP_ECHO_REQUEST || req[1] != 0 ||
	    netpkt_csum_fold(netpkt_csum_add(0, req, n)) != 0)
		return vs_drop(c, VSWITCH_DROP_TO_GATEWAY);
	if (len > c->w->out_cap)
		return vs_drop(c, VSWITCH_DROP_NO_BUFFER);
	icmp = c->w->out + NETPKT_ETH_HLEN + NETPKT_IPV4_HLEN;
	memcpy(icmp, req, n);
	icmp[0] = NETPKT_ICMP_ECHO_REPLY;
	netpkt_csum_update16(icmp + 2, (uint16_t)(NETPKT_ICMP_ECHO_REQUEST << 8),
			     (uint16_t)(NETPKT_ICMP_ECHO_REPLY << 8));
	netpkt_ipv4_write(c->w->out + NETPKT_ETH_HLEN, NETPKT_IP_PROTO_ICMP, ICMP_TTL,
			  c->subnet->gateway, ip->src, n);
	netpkt_eth_write(c->w->out, c->eth.src, c->subnet->gw_mac, NETPKT_ETHERTYPE_IPV4);
	return vs_reply(c, len, VSWITCH_R_NONE);
}

/* A port of the tenant with that address wins over any tenant route
 * ("connected" before "static"). */
static const struct vs_port *resolve(struct vs_ctx *c, uint32_t dst, enum vswitch_reason *why)
{
	const struct vs_port *p = vs_port_by_ip(c->vs, c->vni, dst);
	const struct vs_route *r;

	if (p)
		return p;
	r = vs_route_lookup(c->tenant, dst);
	if (!r) {
		*why = VSWITCH_DROP_NO_ROUTE;
		return NULL;
	}
	p = vs_port_by_ip(c->vs, c->vni, r->nexthop);
	if (!p)
		*why = VSWITCH_DROP_NEXTHOP_UNKNOWN;
	return p;
}

static enum vswitch_action forward(struct vs_ctx *c, const struct netpkt_ipv4 *ip,
				   const struct vs_port *dst)
{
	size_t len = NETPKT_ETH_HLEN + ip->total_len;
	uint8_t *out = c->w->out, *hdr;
	uint16_t before;

	if (len > c->w->out_cap)
		return vs_drop(c, VSWITCH_DROP_NO_BUFFER);
	hdr = out + NETPKT_ETH_HLEN;
	/* Only the datagram: an Ethernet trailer is not carried on. */
	memcpy(hdr, ip->hdr, ip->total_len);
	netpkt_eth_write(out, dst->mac, dst->subnet->gw_mac, NETPKT_ETHERTYPE_IPV4);
	before = netpkt_get16(hdr + 8);  /* TTL and protocol share a word */
	hdr[8]--;
	netpkt_csum_update16(hdr + 10, before, netpkt_get16(hdr + 8));
	if (dst->host == VSWITCH_HOST_LOCAL)
		return vs_to_uplink(c, dst->subnet, out, len);
	return vs_to_host(c, dst->host, out, len);
}

enum vswitch_action vs_l3_from_uplink(struct vs_ctx *c, const struct netpkt_ipv4 *ip)
{
	enum vswitch_reason why = VSWITCH_R_NONE;
	const struct vs_port *dst;

	if (!netpkt_ipv4_csum_ok(ip))
		return vs_drop(c, VSWITCH_DROP_BAD_IP_CSUM);
	if (ip->dst == c->subnet->gateway)
		return gateway_local(c, ip);
	if (!dst_routable(ip->dst))
		return vs_drop(c, VSWITCH_DROP_BAD_DST);
	dst = resolve(c, ip->dst, &why);
	if (!dst)
		return vs_drop(c, why);
	if (ip->ttl <= 1)
		return icmp_error(c, ip, NETPKT_ICMP_TIME_EXCEEDED, 0, 0,
				  VSWITCH_DROP_TTL_EXCEEDED);
	if (ip->total_len > dst->subnet->mtu) {
		/* No fragmentation here: DF set gets PMTU discovery's answer,
		 * DF clear is dropped (the sender's MTU comes from DHCP). */
		if (ip->frag & NETPKT_IPV4_DF)
			return icmp_error(c, ip, NETPKT_ICMP_UNREACH, NETPKT_ICMP_UNREACH_NEEDFRAG,
					  dst->subnet->mtu, VSWITCH_DROP_FRAG_NEEDED);
		return vs_drop(c, VSWITCH_DROP_FRAG_NEEDED);
	}
	return forward(c, ip, dst);
}
