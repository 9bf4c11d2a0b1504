/* BOOTP/DHCPv4 parsing and reply building. Offsets: RFC 2131 figure 1. */
#include "dataplane/dhcp_packet.h"

#include <string.h>

#include "dataplane/netpkt.h"

#define OFF_OP      0
#define OFF_HTYPE   1
#define OFF_HLEN    2
#define OFF_XID     4
#define OFF_FLAGS   10
#define OFF_CIADDR  12
#define OFF_YIADDR  16
#define OFF_SIADDR  20
#define OFF_GIADDR  24
#define OFF_CHADDR  28
#define OFF_MAGIC   DHCP_FIXED_LEN
#define OFF_OPTIONS DHCP_MIN_LEN

static bool read_u32(bool *has, uint32_t *v, const uint8_t *p, size_t len)
{
	if (len != 4)
		return false;
	if (!*has) {
		*has = true;
		*v = netpkt_get32(p);
	}
	return true;
}

/* False for an option whose length is wrong for its code. */
static bool read_option(struct dhcp_message *m, uint8_t code, const uint8_t *p, size_t len)
{
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		if (len != 1 || p[0] < DHCP_DISCOVER || p[0] > DHCP_INFORM)
			return false;
		if (!m->type)
			m->type = p[0];
		return true;
	case DHCP_OPT_REQUESTED_IP:
		return read_u32(&m->has_requested_ip, &m->requested_ip, p, len);
	case DHCP_OPT_SERVER_ID:
		return read_u32(&m->has_server_id, &m->server_id, p, len);
	case DHCP_OPT_LEASE_TIME:
		return read_u32(&m->has_lease, &m->lease, p, len);
	case DHCP_OPT_SUBNET_MASK:
		return read_u32(&m->has_mask, &m->mask, p, len);
	case DHCP_OPT_ROUTER:
		/* A list of routers: the first one is the default. */
		return len >= 4 && len % 4 == 0 && read_u32(&m->has_router, &m->router, p, 4);
	case DHCP_OPT_MTU:
		if (len != 2)
			return false;
		if (!m->has_mtu) {
			m->has_mtu = true;
			m->mtu = netpkt_get16(p);
		}
		return true;
	case DHCP_OPT_CLIENT_ID:
		if (len < 1)
			return false;
		if (!m->client_id) {
			m->client_id = p;
			m->client_id_len = len;
		}
		return true;
	default:
		return true;
	}
}

static bool parse_options(const uint8_t *p, size_t len, struct dhcp_message *m)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = p[i++], olen;

		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			return true;
		if (i >= len)
			return false;
		olen = p[i++];
		if (olen > len - i || !read_option(m, code, p + i, olen))
			return false;
		i += olen;
	}
	/* No END option: tolerated when nothing overran the buffer. */
	return true;
}

bool dhcp_packet_parse(const uint8_t *p, size_t len, struct dhcp_message *out)
{
	memset(out, 0, sizeof(*out));
	if (!p || len < DHCP_MIN_LEN)
		return false;
	if ((p[OFF_OP] != DHCP_BOOTREQUEST && p[OFF_OP] != DHCP_BOOTREPLY) ||
	    p[OFF_HTYPE] != 1 || p[OFF_HLEN] != 6 || netpkt_get32(p + OFF_MAGIC) != DHCP_MAGIC)
		return false;
	out->op = p[OFF_OP];
	out->xid = netpkt_get32(p + OFF_XID);
	out->flags = netpkt_get16(p + OFF_FLAGS);
	out->ciaddr = netpkt_get32(p + OFF_CIADDR);
	out->yiaddr = netpkt_get32(p + OFF_YIADDR);
	out->siaddr = netpkt_get32(p + OFF_SIADDR);
	out->giaddr = netpkt_get32(p + OFF_GIADDR);
	memcpy(out->chaddr, p + OFF_CHADDR, sizeof(out->chaddr));
	if (!parse_options(p + OFF_OPTIONS, len - OFF_OPTIONS, out) || !out->type)
		return false;
	return true;
}

static uint8_t *put_opt32(uint8_t *o, uint8_t code, uint32_t v)
{
	o[0] = code;
	o[1] = 4;
	netpkt_put32(o + 2, v);
	return o + 6;
}

static uint8_t *put_options(uint8_t *o, const struct dhcp_reply *r)
{
	*o++ = DHCP_OPT_MSG_TYPE;
	*o++ = 1;
	*o++ = r->type;
	o = put_opt32(o, DHCP_OPT_SERVER_ID, r->server_id);
	if (r->lease) {
		o = put_opt32(o, DHCP_OPT_LEASE_TIME, r->lease);
		/* RFC 2131 4.4.5 defaults, stated so every client renews alike. */
		o = put_opt32(o, DHCP_OPT_T1, r->lease / 2);
		o = put_opt32(o, DHCP_OPT_T2, (uint32_t)((uint64_t)r->lease * 7 / 8));
	}
	if (r->with_config) {
		o = put_opt32(o, DHCP_OPT_SUBNET_MASK, r->mask);
		o = put_opt32(o, DHCP_OPT_ROUTER, r->router);
		*o++ = DHCP_OPT_MTU;
		*o++ = 2;
		netpkt_put16(o, r->mtu);
		o += 2;
	}
	if (r->client_id && r->client_id_len) {
		*o++ = DHCP_OPT_CLIENT_ID;
		*o++ = (uint8_t)r->client_id_len;
		memcpy(o, r->client_id, r->client_id_len);
		o += r->client_id_len;
	}
	*o++ = DHCP_OPT_END;
	return o;
}

size_t dhcp_packet_build(uint8_t *out, size_t cap, const struct dhcp_reply *r)
{
	size_t len;

	if (cap < DHCP_REPLY_MAX || r->client_id_len > DHCP_CLIENT_ID_MAX)
		return 0;
	memset(out, 0, DHCP_MIN_LEN);
	out[OFF_OP] = DHCP_BOOTREPLY;
	out[OFF_HTYPE] = 1;
	out[OFF_HLEN] = 6;
	netpkt_put32(out + OFF_XID, r->xid);
	netpkt_put16(out + OFF_FLAGS, r->flags);
	netpkt_put32(out + OFF_CIADDR, r->ciaddr);
	netpkt_put32(out + OFF_YIADDR, r->yiaddr);
	memcpy(out + OFF_CHADDR, r->chaddr, sizeof(r->chaddr));
	netpkt_put32(out + OFF_MAGIC, DHCP_MAGIC);
	len = (size_t)(put_options(out + OFF_OPTIONS, r) - out);
	if (len < DHCP_BOOTP_MIN_LEN) {
		memset(out + len, 0, DHCP_BOOTP_MIN_LEN - len);
		len = DHCP_BOOTP_MIN_LEN;
	}
	return len;
}
