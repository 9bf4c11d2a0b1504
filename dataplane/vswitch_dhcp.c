/* The subnet's DHCPv4 server: every port has one fixed address (from the
 * controller's IPAM), so there is no pool and no lease table; the server only
 * tells each port what it already owns. It speaks as the gateway (server id =
 * gateway IP, source MAC = gateway MAC). Relayed requests are refused: the
 * server only ever sits on the client's own link. */
#include <string.h>

#include "dataplane/dhcp_packet.h"
#include "dataplane/vswitch_internal.h"

#define HEADERS_LEN (NETPKT_ETH_HLEN + NETPKT_IPV4_HLEN + NETPKT_UDP_HLEN)
#define REPLY_TTL   64

static const uint8_t broadcast_mac[NETPKT_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* RFC 2131 section 4.1, with giaddr always 0: NAKs are broadcast; a client
 * that has an address (ciaddr) gets unicast; one without gets broadcast if it
 * asked for it, else unicast to the address it is being given. */
static void reply_dest(const struct dhcp_message *req, const struct dhcp_reply *rep,
		       uint32_t *ip, const uint8_t **mac)
{
	if (rep->type == DHCP_NAK || (!req->ciaddr && (req->flags & DHCP_FLAG_BROADCAST))) {
		*ip = NETPKT_IPV4_BROADCAST;
		*mac = broadcast_mac;
	} else {
		*ip = req->ciaddr ? req->ciaddr : rep->yiaddr;
		*mac = req->chaddr;
	}
}

static enum vswitch_action send_reply(struct vs_ctx *c, const struct dhcp_message *req,
				      const struct dhcp_reply *rep)
{
	uint8_t *out = c->w->out;
	const uint8_t *dst_mac;
	uint32_t dst_ip;
	size_t n;

	if (c->w->out_cap < HEADERS_LEN + DHCP_REPLY_MAX)
		return vs_drop(c, VSWITCH_DROP_NO_BUFFER);
	n = dhcp_packet_build(out + HEADERS_LEN, c->w->out_cap - HEADERS_LEN, rep);
	reply_dest(req, rep, &dst_ip, &dst_mac);
	netpkt_udp_write(out + NETPKT_ETH_HLEN + NETPKT_IPV4_HLEN, c->subnet->gateway, dst_ip,
			 DHCP_SERVER_PORT, DHCP_CLIENT_PORT, n);
	netpkt_ipv4_write(out + NETPKT_ETH_HLEN, NETPKT_IP_PROTO_UDP, REPLY_TTL,
			  c->subnet->gateway, dst_ip, NETPKT_UDP_HLEN + n);
	netpkt_eth_write(out, dst_mac, c->subnet->gw_mac, NETPKT_ETHERTYPE_IPV4);
	return vs_reply(c, HEADERS_LEN + n, VSWITCH_R_NONE);
}

static void reply_init(struct vs_ctx *c, const struct dhcp_message *req, uint8_t type,
		       struct dhcp_reply *rep)
{
	const struct vs_subnet *s = c->subnet;

	memset(rep, 0, sizeof(*rep));
	rep->type = type;
	rep->xid = req->xid;
	rep->flags = req->flags;
	memcpy(rep->chaddr, req->chaddr, sizeof(rep->chaddr));
	rep->server_id = s->gateway;
	rep->client_id = req->client_id;
	rep->client_id_len = req->client_id_len;
	if (type == DHCP_NAK)
		return;
	rep->with_config = true;
	rep->mask = s->mask;
	rep->router = s->gateway;
	rep->mtu = s->mtu;
}

static enum vswitch_action offer_or_ack(struct vs_ctx *c, const struct dhcp_message *req,
					uint8_t type)
{
	struct dhcp_reply rep;

	reply_init(c, req, type, &rep);
	/* RFC 2131 table 3: an OFFER has no ciaddr, an ACK echoes it. */
	rep.ciaddr = type == DHCP_ACK ? req->ciaddr : 0;
	rep.yiaddr = c->src->ip;
	rep.lease = VSWITCH_DHCP_LEASE_SECS;
	return send_reply(c, req, &rep);
}

static enum vswitch_action nak(struct vs_ctx *c, const struct dhcp_message *req)
{
	struct dhcp_reply rep;

	reply_init(c, req, DHCP_NAK, &rep);
	return send_reply(c, req, &rep);
}

/* RFC 2131 section 4.3.2: which state the client is in decides which field
 * carries the address it wants. */
static enum vswitch_action request(struct vs_ctx *c, const struct dhcp_message *req)
{
	uint32_t wanted;

	if (req->has_server_id) {          /* SELECTING */
		if (req->server_id != c->subnet->gateway)
			return vs_ignore(c, VSWITCH_IGNORE_DHCP);
		if (!req->has_requested_ip)
			return vs_drop(c, VSWITCH_DROP_BAD_DHCP);
		wanted = req->requested_ip;
	} else if (req->has_requested_ip) { /* INIT-REBOOT */
		wanted = req->requested_ip;
	} else if (req->ciaddr) {           /* RENEWING, REBINDING */
		wanted = req->ciaddr;
	} else {
		return vs_drop(c, VSWITCH_DROP_BAD_DHCP);
	}
	if (wanted != c->src->ip)
		return nak(c, req);
	return offer_or_ack(c, req, DHCP_ACK);
}

/* RFC 2131 section 4.3.5: configuration only, no address, no lease, sent
 * to the client's own address. */
static enum vswitch_action inform(struct vs_ctx *c, const struct dhcp_message *req)
{
	struct dhcp_message to = *req;
	struct dhcp_reply rep;

	reply_init(c, req, DHCP_ACK, &rep);
	rep.ciaddr = req->ciaddr;
	to.ciaddr = c->src->ip;
	return send_reply(c, &to, &rep);
}

static bool packet_ok(const struct netpkt_ipv4 *ip, const struct netpkt_udp *udp)
{
	return netpkt_ipv4_csum_ok(ip) && netpkt_udp_csum_ok(ip, udp);
}

enum vswitch_action vs_dhcp_from_uplink(struct vs_ctx *c, const struct netpkt_ipv4 *ip,
					const struct netpkt_udp *udp)
{
	struct dhcp_message req;

	/* Before an address is bound a client speaks from 0.0.0.0; after, from
	 * its own address only. */
	if (ip->src != 0 && ip->src != c->src->ip)
		return vs_drop(c, VSWITCH_DROP_SPOOF_SRC_IP);
	if (!c->subnet->dhcp)
		return vs_drop(c, VSWITCH_DROP_DHCP_DISABLED);
	if (!packet_ok(ip, udp) || !dhcp_packet_parse(udp->payload, udp->payload_len, &req) ||
	    req.op != DHCP_BOOTREQUEST)
		return vs_drop(c, VSWITCH_DROP_BAD_DHCP);
	if (memcmp(req.chaddr, c->eth.src, NETPKT_MAC_LEN) != 0)
		return vs_drop(c, VSWITCH_DROP_SPOOF_DHCP_CHADDR);
	if (req.giaddr)
		return vs_drop(c, VSWITCH_DROP_DHCP_UNSUPPORTED);
	switch (req.type) {
	case DHCP_DISCOVER:
		return offer_or_ack(c, &req, DHCP_OFFER);
	case DHCP_REQUEST:
		return request(c, &req);
	case DHCP_INFORM:
		return inform(c, &req);
	case DHCP_RELEASE:
	case DHCP_DECLINE:
		/* The address is the port's for good: nothing to free or to
		 * take back. A DECLINE means a conflict the controller must fix. */
		return vs_ignore(c, VSWITCH_IGNORE_DHCP);
	default:
		return vs_drop(c, VSWITCH_DROP_DHCP_UNSUPPORTED);
	}
}
