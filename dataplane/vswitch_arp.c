/* ARP on a subnet uplink: the agent answers for the gateway and for ports on
 * other hosts, from the controller's knowledge, so no ARP broadcast ever
 * crosses hosts. Requests for local ports are the bridge's business. */
#include <string.h>

#include "dataplane/vswitch_internal.h"

#define ETH_MIN_FRAME 60  /* without FCS: replies are padded up to it */

/* Answers the request in arp with "tpa is at mac", back to the requester. */
static enum vswitch_action arp_reply(struct vs_ctx *c, const struct netpkt_arp *req,
				     const uint8_t mac[NETPKT_MAC_LEN])
{
	struct netpkt_arp rep = { .op = NETPKT_ARP_REPLY, .spa = req->tpa, .tpa = req->spa };
	uint8_t *out = c->w->out;
	size_t len;

	if (c->w->out_cap < ETH_MIN_FRAME)
		return vs_drop(c, VSWITCH_DROP_NO_BUFFER);
	memcpy(rep.sha, mac, NETPKT_MAC_LEN);
	memcpy(rep.tha, req->sha, NETPKT_MAC_LEN);
	len = netpkt_eth_write(out, req->sha, mac, NETPKT_ETHERTYPE_ARP);
	len += netpkt_arp_write(out + len, &rep);
	memset(out + len, 0, ETH_MIN_FRAME - len);
	return vs_reply(c, ETH_MIN_FRAME, VSWITCH_R_NONE);
}

static enum vswitch_action arp_request(struct vs_ctx *c, const struct netpkt_arp *arp)
{
	const struct vs_port *target;

	/* Probes (sender 0.0.0.0) and announcements (sender = target) ask no
	 * one: answering a probe would report a conflict. */
	if (arp->spa == 0 || arp->spa == arp->tpa)
		return vs_ignore(c, VSWITCH_IGNORE_ARP_OTHER);
	if (arp->tpa == c->subnet->gateway)
		return arp_reply(c, arp, c->subnet->gw_mac);
	target = vs_port_by_ip(c->vs, c->vni, arp->tpa);
	if (!target || target->subnet != c->subnet)
		return vs_drop(c, VSWITCH_DROP_ARP_UNKNOWN_TARGET);
	if (target->host == VSWITCH_HOST_LOCAL)
		return vs_ignore(c, VSWITCH_IGNORE_ARP_LOCAL);
	return arp_reply(c, arp, target->mac);
}

enum vswitch_action vs_arp_from_uplink(struct vs_ctx *c)
{
	struct netpkt_arp arp;
	enum vswitch_reason why;

	if (!netpkt_arp_parse(c->eth.payload, c->eth.payload_len, &arp) ||
	    (arp.op != NETPKT_ARP_REQUEST && arp.op != NETPKT_ARP_REPLY))
		return vs_drop(c, VSWITCH_DROP_BAD_ARP);
	why = vs_guard_arp(c->src, &c->eth, &arp, true);
	if (why != VSWITCH_R_NONE)
		return vs_drop(c, why);
	if (arp.op == NETPKT_ARP_REQUEST)
		return arp_request(c, &arp);
	/* A reply: broadcast ones are announcements; a unicast one is ordinary
	 * L2 traffic to whoever asked. */
	if (netpkt_mac_is_group(c->eth.dst))
		return vs_ignore(c, VSWITCH_IGNORE_ARP_OTHER);
	return vs_l2_from_uplink(c);
}
