/* Anti-spoofing: a port speaks only with its own MAC and IP, a host only for
 * the ports the controller placed on it, on send (uplink) and on receive
 * (fabric).
 *
 * Who may use a source IP in a tenant: the port that holds it; an address no
 * port holds may be used by the next-hop port of the tenant route covering it
 * (a router VM forwarding for the networks behind it), and by no one else. */
#include <string.h>

#include "dataplane/vswitch_internal.h"

enum vswitch_reason vs_guard_uplink_src(struct vs_ctx *c)
{
	const struct vs_port *p = vs_port_by_mac(c->vs, c->vni, c->eth.src);

	/* A group source MAC is never a port's (ports are unicast). */
	if (!p || p->subnet != c->subnet || p->host != VSWITCH_HOST_LOCAL)
		return VSWITCH_DROP_SPOOF_SRC_MAC;
	c->src = p;
	return VSWITCH_R_NONE;
}

/* The port that may source ip on behalf of a route, NULL if none. */
static const struct vs_port *route_owner(const struct vswitch *vs, const struct vs_tenant *t,
					 uint32_t ip)
{
	const struct vs_route *r = vs_route_lookup(t, ip);

	return r ? vs_port_by_ip(vs, t->vni, r->nexthop) : NULL;
}

bool vs_guard_port_may_source(const struct vswitch *vs, const struct vs_tenant *t,
			      const struct vs_port *port, uint32_t ip)
{
	if (ip == port->ip)
		return true;
	if (vs_port_by_ip(vs, t->vni, ip))
		return false;
	return route_owner(vs, t, ip) == port;
}

bool vs_guard_host_may_source(const struct vswitch *vs, const struct vs_tenant *t,
			      uint32_t host, uint32_t ip)
{
	const struct vs_port *p = vs_port_by_ip(vs, t->vni, ip);

	if (!p)
		p = route_owner(vs, t, ip);
	return p && p->host == host;
}

enum vswitch_reason vs_guard_arp(const struct vs_port *port, const struct netpkt_eth *eth,
				 const struct netpkt_arp *arp, bool allow_probe)
{
	if (memcmp(arp->sha, eth->src, NETPKT_MAC_LEN) != 0)
		return VSWITCH_DROP_SPOOF_ARP_SHA;
	if (arp->spa == port->ip)
		return VSWITCH_R_NONE;
	/* RFC 5227 probe: "who has my future address?" with sender 0.0.0.0. */
	if (allow_probe && arp->spa == 0 && arp->op == NETPKT_ARP_REQUEST)
		return VSWITCH_R_NONE;
	return VSWITCH_DROP_SPOOF_ARP_SPA;
}

static enum vswitch_reason fabric_from_port(struct vs_ctx *c, const struct vs_port *src)
{
	struct netpkt_arp arp;
	struct netpkt_ipv4 ip;

	switch (c->eth.type) {
	case NETPKT_ETHERTYPE_ARP:
		if (!netpkt_arp_parse(c->eth.payload, c->eth.payload_len, &arp) ||
		    (arp.op != NETPKT_ARP_REQUEST && arp.op != NETPKT_ARP_REPLY))
			return VSWITCH_DROP_BAD_ARP;
		/* Probes are answered (ignored) where they are sent: never here. */
		return vs_guard_arp(src, &c->eth, &arp, false);
	case NETPKT_ETHERTYPE_IPV4:
		if (!netpkt_ipv4_parse(c->eth.payload, c->eth.payload_len, &ip))
			return VSWITCH_DROP_BAD_IPV4;
		if (!vs_guard_port_may_source(c->vs, c->tenant, src, ip.src))
			return VSWITCH_DROP_SPOOF_SRC_IP;
		return VSWITCH_R_NONE;
	default:
		return VSWITCH_DROP_ETHERTYPE;
	}
}

/* A frame the sender routed: it comes from the destination subnet's gateway
 * MAC, and its source must be an address the sending host may use. */
static enum vswitch_reason fabric_routed(struct vs_ctx *c, uint32_t from_host)
{
	struct netpkt_ipv4 ip;

	if (c->eth.type != NETPKT_ETHERTYPE_IPV4)
		return VSWITCH_DROP_ETHERTYPE;
	if (!netpkt_ipv4_parse(c->eth.payload, c->eth.payload_len, &ip))
		return VSWITCH_DROP_BAD_IPV4;
	if (!vs_guard_host_may_source(c->vs, c->tenant, from_host, ip.src))
		return VSWITCH_DROP_SPOOF_SRC_IP;
	return VSWITCH_R_NONE;
}

enum vswitch_reason vs_guard_fabric(struct vs_ctx *c, uint32_t from_host,
				    const struct vs_port *dst)
{
	const struct vs_port *src = vs_port_by_mac(c->vs, c->vni, c->eth.src);

	if (src) {
		if (src->host != from_host)
			return VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC;
		if (src->subnet != dst->subnet)
			return VSWITCH_DROP_WRONG_SUBNET;
		return fabric_from_port(c, src);
	}
	if (memcmp(c->eth.src, dst->subnet->gw_mac, NETPKT_MAC_LEN) == 0)
		return fabric_routed(c, from_host);
	return VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC;
}
