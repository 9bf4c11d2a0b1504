/* The virtual switch: its state (tenants, subnets, ports, routes) and the two
 * entry points. The per-protocol rules live in vswitch_arp.c, vswitch_dhcp.c,
 * vswitch_l3.c and vswitch_guard.c. */
#include "dataplane/vswitch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/fabric_frame.h"
#include "dataplane/vswitch_internal.h"
#include "routing/lpm.h"

#define GATEWAY_MAC_OUI 0x0e  /* locally administered, unicast */

static const char *const reason_names[VSWITCH_REASON__COUNT] = {
	[VSWITCH_R_NONE] = "none",
	[VSWITCH_DROP_RUNT] = "runt",
	[VSWITCH_DROP_TOO_BIG] = "too_big",
	[VSWITCH_DROP_ETHERTYPE] = "ethertype",
	[VSWITCH_DROP_BAD_ARP] = "bad_arp",
	[VSWITCH_DROP_SPOOF_ARP_SHA] = "spoof_arp_sha",
	[VSWITCH_DROP_SPOOF_ARP_SPA] = "spoof_arp_spa",
	[VSWITCH_DROP_BAD_IPV4] = "bad_ipv4",
	[VSWITCH_DROP_SPOOF_SRC_IP] = "spoof_src_ip",
	[VSWITCH_DROP_BROADCAST] = "broadcast",
	[VSWITCH_DROP_WRONG_SUBNET] = "wrong_subnet",
	[VSWITCH_DROP_UNKNOWN_SUBNET] = "unknown_subnet",
	[VSWITCH_DROP_SPOOF_SRC_MAC] = "spoof_src_mac",
	[VSWITCH_DROP_ARP_UNKNOWN_TARGET] = "arp_unknown_target",
	[VSWITCH_DROP_BAD_DHCP] = "bad_dhcp",
	[VSWITCH_DROP_SPOOF_DHCP_CHADDR] = "spoof_dhcp_chaddr",
	[VSWITCH_DROP_DHCP_DISABLED] = "dhcp_disabled",
	[VSWITCH_DROP_DHCP_UNSUPPORTED] = "dhcp_unsupported",
	[VSWITCH_DROP_UNKNOWN_UNICAST] = "unknown_unicast",
	[VSWITCH_DROP_BAD_IP_CSUM] = "bad_ip_csum",
	[VSWITCH_DROP_BAD_DST] = "bad_dst",
	[VSWITCH_DROP_TO_GATEWAY] = "to_gateway",
	[VSWITCH_DROP_NO_ROUTE] = "no_route",
	[VSWITCH_DROP_NEXTHOP_UNKNOWN] = "nexthop_unknown",
	[VSWITCH_DROP_TTL_EXCEEDED] = "ttl_exceeded",
	[VSWITCH_DROP_FRAG_NEEDED] = "frag_needed",
	[VSWITCH_DROP_NO_BUFFER] = "no_buffer",
	[VSWITCH_DROP_FABRIC_MALFORMED] = "fabric_malformed",
	[VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL] = "fabric_vni_not_local",
	[VSWITCH_DROP_FABRIC_VNI_NOT_PEERS] = "fabric_vni_not_peers",
	[VSWITCH_DROP_FABRIC_DST_NOT_LOCAL] = "fabric_dst_not_local",
	[VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC] = "fabric_spoof_src_mac",
	[VSWITCH_IGNORE_ARP_LOCAL] = "ignore_arp_local",
	[VSWITCH_IGNORE_ARP_OTHER] = "ignore_arp_other",
	[VSWITCH_IGNORE_LOCAL_UNICAST] = "ignore_local_unicast",
	[VSWITCH_IGNORE_DHCP] = "ignore_dhcp",
};

static const char *const action_names[VSWITCH_ACTION__COUNT] = {
	[VSWITCH_DROP] = "drop",
	[VSWITCH_IGNORE] = "ignore",
	[VSWITCH_REPLY] = "reply",
	[VSWITCH_TO_UPLINK] = "to_uplink",
	[VSWITCH_TO_HOST] = "to_host",
};

const char *vswitch_reason_name(enum vswitch_reason reason)
{
	if ((unsigned)reason >= VSWITCH_REASON__COUNT)
		return "unknown";
	return reason_names[reason];
}

const char *vswitch_action_name(enum vswitch_action action)
{
	if ((unsigned)action >= VSWITCH_ACTION__COUNT)
		return "unknown";
	return action_names[action];
}

void vswitch_gateway_mac(uint32_t vni, uint32_t subnet_id, uint8_t mac[NETPKT_MAC_LEN])
{
	mac[0] = GATEWAY_MAC_OUI;
	mac[1] = (uint8_t)(vni >> 16);
	mac[2] = (uint8_t)(vni >> 8);
	mac[3] = (uint8_t)vni;
	mac[4] = (uint8_t)(subnet_id >> 8);
	mac[5] = (uint8_t)subnet_id;
}

/* ---- lookups ---------------------------------------------------------- */

const struct vs_tenant *vs_tenant_find(const struct vswitch *vs, uint32_t vni)
{
	return vs_table_get(&vs->table, vs_key_make(VS_KIND_TENANT, vni, 0));
}

const struct vs_subnet *vs_subnet_find(const struct vswitch *vs, uint32_t vni, uint32_t id)
{
	return vs_table_get(&vs->table, vs_key_make(VS_KIND_SUBNET, vni, id));
}

const struct vs_port *vs_port_by_mac(const struct vswitch *vs, uint32_t vni,
				     const uint8_t mac[NETPKT_MAC_LEN])
{
	return vs_table_get(&vs->table, vs_key_make(VS_KIND_MAC, vni, netpkt_mac_to_u64(mac)));
}

const struct vs_port *vs_port_by_ip(const struct vswitch *vs, uint32_t vni, uint32_t ip)
{
	return vs_table_get(&vs->table, vs_key_make(VS_KIND_IP, vni, ip));
}

bool vs_host_in_tenant(const struct vswitch *vs, uint32_t vni, uint32_t host)
{
	return vs_table_get(&vs->table, vs_key_make(VS_KIND_HOST, vni, host)) != NULL;
}

const struct vs_route *vs_route_lookup(const struct vs_tenant *t, uint32_t ip)
{
	uint8_t addr[4];

	netpkt_put32(addr, ip);
	return lpm_lookup(t->routes, AF_INET, addr);
}

/* ---- state ------------------------------------------------------------ */

struct vswitch *vswitch_create(uint64_t hash_seed)
{
	struct vswitch *vs = calloc(1, sizeof(*vs));

	if (vs)
		vs_table_init(&vs->table, hash_seed);
	return vs;
}

static int free_route(int family, const uint8_t *addr, uint8_t plen, void *value, void *ctx)
{
	(void)family;
	(void)addr;
	(void)plen;
	(void)ctx;
	free(value);
	return 0;
}

static void tenant_free(struct vs_tenant *t)
{
	if (t->routes) {
		lpm_walk(t->routes, NULL, free_route, NULL);
		lpm_destroy(t->routes);
	}
	free(t);
}

void vswitch_destroy(struct vswitch *vs)
{
	if (!vs)
		return;
	for (size_t i = 0; i < vs->table.cap; i++) {
		struct vs_slot *s = &vs->table.slots[i];

		if (!s->val)
			continue;
		switch ((enum vs_kind)(s->key.a >> 32)) {
		case VS_KIND_TENANT:
			tenant_free(s->val);
			break;
		case VS_KIND_SUBNET:
		case VS_KIND_MAC: /* each port once: not under VS_KIND_IP */
		case VS_KIND_HOST:
			free(s->val);
			break;
		case VS_KIND_IP:
			break;
		}
	}
	vs_table_free(&vs->table);
	free(vs);
}

void vswitch_get_sizes(const struct vswitch *vs, struct vswitch_sizes *out)
{
	out->tenants = vs->n_tenants;
	out->subnets = vs->n_subnets;
	out->ports = vs->n_ports;
	out->routes = vs->n_routes;
	out->table_entries = vs->table.n;
}

static bool vni_ok(uint32_t vni)
{
	return vni != 0 && vni <= VSWITCH_VNI_MAX;
}

static struct vs_tenant *tenant_get(struct vswitch *vs, uint32_t vni)
{
	return vs_table_get(&vs->table, vs_key_make(VS_KIND_TENANT, vni, 0));
}

int vswitch_tenant_add(struct vswitch *vs, uint32_t vni)
{
	struct vs_tenant *t;
	int err;

	if (!vni_ok(vni))
		return -EINVAL;
	if (tenant_get(vs, vni))
		return -EEXIST;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->vni = vni;
	t->routes = lpm_create();
	err = t->routes ? vs_table_put(&vs->table, vs_key_make(VS_KIND_TENANT, vni, 0), t)
			: -ENOMEM;
	if (err) {
		tenant_free(t);
		return err;
	}
	vs->n_tenants++;
	return 0;
}

int vswitch_tenant_remove(struct vswitch *vs, uint32_t vni)
{
	struct vs_tenant *t = vni_ok(vni) ? tenant_get(vs, vni) : NULL;

	if (!t)
		return -ENOENT;
	if (t->n_subnets)
		return -EBUSY;
	vs_table_del(&vs->table, vs_key_make(VS_KIND_TENANT, vni, 0));
	vs->n_routes -= t->n_routes;
	vs->n_tenants--;
	tenant_free(t);
	return 0;
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* Fills s from cfg after checking it; 0 or -EINVAL. */
static int subnet_from_cfg(struct vs_subnet *s, const struct vswitch_subnet_cfg *cfg)
{
	uint32_t mask, broadcast;

	if (cfg->plen < 1 || cfg->plen > 30)
		return -EINVAL;
	mask = plen_mask(cfg->plen);
	broadcast = cfg->network | ~mask;
	if (cfg->network & ~mask)
		return -EINVAL;
	s->gateway = cfg->gateway ? cfg->gateway : cfg->network + 1;
	if ((s->gateway & mask) != cfg->network || s->gateway == cfg->network ||
	    s->gateway == broadcast)
		return -EINVAL;
	s->mtu = cfg->mtu ? cfg->mtu : VSWITCH_DEFAULT_MTU;
	if (s->mtu < VSWITCH_MTU_MIN || s->mtu > VSWITCH_MTU_MAX)
		return -EINVAL;
	s->id = cfg->id;
	s->network = cfg->network;
	s->mask = mask;
	s->dhcp = cfg->dhcp;
	s->uplink = cfg->uplink;
	vswitch_gateway_mac(cfg->vni, cfg->id, s->gw_mac);
	return 0;
}

int vswitch_subnet_add(struct vswitch *vs, const struct vswitch_subnet_cfg *cfg)
{
	struct vs_tenant *t;
	struct vs_subnet *s;
	int err;

	if (!cfg || !vni_ok(cfg->vni))
		return -EINVAL;
	t = tenant_get(vs, cfg->vni);
	if (!t)
		return -ENOENT;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->tenant = t;
	err = subnet_from_cfg(s, cfg);
	if (!err)
		err = vs_table_put(&vs->table, vs_key_make(VS_KIND_SUBNET, cfg->vni, cfg->id), s);
	if (err) {
		free(s);
		return err;
	}
	t->n_subnets++;
	vs->n_subnets++;
	return 0;
}

int vswitch_subnet_remove(struct vswitch *vs, uint32_t vni, uint32_t subnet_id)
{
	struct vs_key key = vs_key_make(VS_KIND_SUBNET, vni, subnet_id);
	struct vs_subnet *s = vni_ok(vni) ? vs_table_get(&vs->table, key) : NULL;

	if (!s)
		return -ENOENT;
	if (s->n_ports)
		return -EBUSY;
	vs_table_del(&vs->table, key);
	s->tenant->n_subnets--;
	vs->n_subnets--;
	free(s);
	return 0;
}

static int port_check(const struct vs_subnet *s, const struct vswitch_port_cfg *cfg)
{
	uint8_t gw_range[NETPKT_MAC_LEN];
	uint32_t broadcast = s->network | ~s->mask;

	vswitch_gateway_mac(cfg->vni, 0, gw_range);
	if (netpkt_mac_is_group(cfg->mac) || netpkt_mac_is_zero(cfg->mac) ||
	    memcmp(cfg->mac, gw_range, 4) == 0)
		return -EINVAL;
	if ((cfg->ip & s->mask) != s->network || cfg->ip == s->network ||
	    cfg->ip == broadcast || cfg->ip == s->gateway)
		return -EINVAL;
	return 0;
}

static int hostref_get(struct vswitch *vs, uint32_t vni, uint32_t host)
{
	struct vs_key key = vs_key_make(VS_KIND_HOST, vni, host);
	struct vs_hostref *h = vs_table_get(&vs->table, key);
	int err;

	if (h) {
		h->n_ports++;
		return 0;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->host = host;
	h->n_ports = 1;
	err = vs_table_put(&vs->table, key, h);
	if (err)
		free(h);
	return err;
}

static void hostref_put(struct vswitch *vs, uint32_t vni, uint32_t host)
{
	struct vs_key key = vs_key_make(VS_KIND_HOST, vni, host);
	struct vs_hostref *h = vs_table_get(&vs->table, key);

	if (h && --h->n_ports == 0)
		free(vs_table_del(&vs->table, key));
}

static void port_count(struct vs_port *p, int delta)
{
	struct vs_tenant *t = p->subnet->tenant;

	p->subnet->n_ports += (size_t)delta;
	t->n_ports += (size_t)delta;
	if (p->host == VSWITCH_HOST_LOCAL)
		t->n_local_ports += (size_t)delta;
}

int vswitch_port_add(struct vswitch *vs, const struct vswitch_port_cfg *cfg)
{
	struct vs_key kmac, kip;
	struct vs_subnet *s;
	struct vs_port *p;
	int err;

	if (!cfg || !vni_ok(cfg->vni))
		return -EINVAL;
	s = vs_table_get(&vs->table, vs_key_make(VS_KIND_SUBNET, cfg->vni, cfg->subnet_id));
	if (!s)
		return -ENOENT;
	err = port_check(s, cfg);
	if (err)
		return err;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->subnet = s;
	memcpy(p->mac, cfg->mac, NETPKT_MAC_LEN);
	p->ip = cfg->ip;
	p->host = cfg->host;
	kmac = vs_key_make(VS_KIND_MAC, cfg->vni, netpkt_mac_to_u64(cfg->mac));
	kip = vs_key_make(VS_KIND_IP, cfg->vni, cfg->ip);
	err = vs_table_put(&vs->table, kmac, p);
	if (err)
		goto out;
	err = vs_table_put(&vs->table, kip, p);
	if (err) {
		vs_table_del(&vs->table, kmac);
		goto out;
	}
	if (p->host != VSWITCH_HOST_LOCAL) {
		err = hostref_get(vs, cfg->vni, p->host);
		if (err) {
			vs_table_del(&vs->table, kip);
			vs_table_del(&vs->table, kmac);
			goto out;
		}
	}
	port_count(p, 1);
	vs->n_ports++;
out:
	if (err)
		free(p);
	return err;
}

int vswitch_port_remove(struct vswitch *vs, uint32_t vni, const uint8_t mac[NETPKT_MAC_LEN])
{
	struct vs_key kmac = vs_key_make(VS_KIND_MAC, vni, netpkt_mac_to_u64(mac));
	struct vs_port *p = vni_ok(vni) ? vs_table_del(&vs->table, kmac) : NULL;

	if (!p)
		return -ENOENT;
	vs_table_del(&vs->table, vs_key_make(VS_KIND_IP, vni, p->ip));
	if (p->host != VSWITCH_HOST_LOCAL)
		hostref_put(vs, vni, p->host);
	port_count(p, -1);
	vs->n_ports--;
	free(p);
	return 0;
}

int vswitch_route_add(struct vswitch *vs, uint32_t vni, uint32_t prefix, uint8_t plen,
		      uint32_t nexthop)
{
	struct vs_tenant *t;
	struct vs_route *r;
	uint8_t addr[4];
	int err;

	if (!vni_ok(vni) || plen > 32 || nexthop == 0)
		return -EINVAL;
	t = tenant_get(vs, vni);
	if (!t)
		return -ENOENT;
	prefix &= plen_mask(plen);
	netpkt_put32(addr, prefix);
	r = lpm_get_exact(t->routes, AF_INET, addr, plen);
	if (r) {
		r->nexthop = nexthop;
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*r = (struct vs_route){ .prefix = prefix, .plen = plen, .nexthop = nexthop };
	err = lpm_insert(t->routes, AF_INET, addr, plen, r);
	if (err) {
		free(r);
		return err;
	}
	t->n_routes++;
	vs->n_routes++;
	return 0;
}

int vswitch_route_remove(struct vswitch *vs, uint32_t vni, uint32_t prefix, uint8_t plen)
{
	struct vs_tenant *t;
	struct vs_route *r;
	uint8_t addr[4];

	if (!vni_ok(vni) || plen > 32)
		return -EINVAL;
	t = tenant_get(vs, vni);
	if (!t)
		return -ENOENT;
	netpkt_put32(addr, prefix & plen_mask(plen));
	r = lpm_get_exact(t->routes, AF_INET, addr, plen);
	if (!r)
		return -ENOENT;
	lpm_remove(t->routes, AF_INET, addr, plen);
	free(r);
	t->n_routes--;
	vs->n_routes--;
	return 0;
}

/* ---- results ---------------------------------------------------------- */

void vswitch_worker_init(struct vswitch_worker *w, uint8_t *out, size_t out_cap)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->out_cap = out ? out_cap : 0;
	w->icmp_credit_ns = (uint64_t)VSWITCH_ICMP_BURST * (1000000000u / VSWITCH_ICMP_PER_SEC);
}

static enum vswitch_action finish(struct vs_ctx *c, enum vswitch_action action,
				  enum vswitch_reason reason)
{
	c->res->action = action;
	c->res->reason = reason;
	return action;
}

enum vswitch_action vs_drop(struct vs_ctx *c, enum vswitch_reason reason)
{
	return finish(c, VSWITCH_DROP, reason);
}

enum vswitch_action vs_ignore(struct vs_ctx *c, enum vswitch_reason reason)
{
	return finish(c, VSWITCH_IGNORE, reason);
}

enum vswitch_action vs_reply(struct vs_ctx *c, size_t len, enum vswitch_reason reason)
{
	c->res->subnet_id = c->subnet->id;
	c->res->uplink = c->subnet->uplink;
	c->res->frame = c->w->out;
	c->res->len = len;
	return finish(c, VSWITCH_REPLY, reason);
}

enum vswitch_action vs_to_uplink(struct vs_ctx *c, const struct vs_subnet *s,
				 const uint8_t *frame, size_t len)
{
	c->res->subnet_id = s->id;
	c->res->uplink = s->uplink;
	c->res->frame = frame;
	c->res->len = len;
	return finish(c, VSWITCH_TO_UPLINK, VSWITCH_R_NONE);
}

enum vswitch_action vs_to_host(struct vs_ctx *c, uint32_t host, const uint8_t *frame,
			       size_t len)
{
	c->res->host = host;
	c->res->frame = frame;
	c->res->len = len;
	return finish(c, VSWITCH_TO_HOST, VSWITCH_R_NONE);
}

static void account(struct vswitch_worker *w, const struct vswitch_result *res)
{
	w->actions[res->action]++;
	if (res->reason != VSWITCH_R_NONE)
		w->reasons[res->reason]++;
}

/* ---- from a local uplink ---------------------------------------------- */

static bool is_dhcp_to_us(const struct vs_ctx *c, const struct netpkt_ipv4 *ip,
			  struct netpkt_udp *udp)
{
	bool to_us = netpkt_mac_is_broadcast(c->eth.dst) ||
		     memcmp(c->eth.dst, c->subnet->gw_mac, NETPKT_MAC_LEN) == 0;

	return to_us && (ip->dst == NETPKT_IPV4_BROADCAST || ip->dst == c->subnet->gateway) &&
	       netpkt_udp_parse(ip, udp) && udp->dport == 67 && udp->sport == 68;
}

static enum vswitch_action uplink_ipv4(struct vs_ctx *c)
{
	struct netpkt_ipv4 ip;
	struct netpkt_udp udp;

	if (!netpkt_ipv4_parse(c->eth.payload, c->eth.payload_len, &ip))
		return vs_drop(c, VSWITCH_DROP_BAD_IPV4);
	if (is_dhcp_to_us(c, &ip, &udp))
		return vs_dhcp_from_uplink(c, &ip, &udp);
	if (!vs_guard_port_may_source(c->vs, c->tenant, c->src, ip.src))
		return vs_drop(c, VSWITCH_DROP_SPOOF_SRC_IP);
	if (netpkt_mac_is_group(c->eth.dst))
		return vs_drop(c, VSWITCH_DROP_BROADCAST);
	if (memcmp(c->eth.dst, c->subnet->gw_mac, NETPKT_MAC_LEN) == 0)
		return vs_l3_from_uplink(c, &ip);
	return vs_l2_from_uplink(c);
}

enum vswitch_action vs_l2_from_uplink(struct vs_ctx *c)
{
	const struct vs_port *dst = vs_port_by_mac(c->vs, c->vni, c->eth.dst);

	if (!dst)
		return vs_drop(c, VSWITCH_DROP_UNKNOWN_UNICAST);
	if (dst->subnet != c->subnet)
		return vs_drop(c, VSWITCH_DROP_WRONG_SUBNET);
	if (dst->host == VSWITCH_HOST_LOCAL)
		return vs_ignore(c, VSWITCH_IGNORE_LOCAL_UNICAST);
	return vs_to_host(c, dst->host, c->frame, c->len);
}

static enum vswitch_action uplink_switch(struct vs_ctx *c, uint32_t subnet_id)
{
	enum vswitch_reason why;

	if (!netpkt_eth_parse(c->frame, c->len, &c->eth))
		return vs_drop(c, VSWITCH_DROP_RUNT);
	c->subnet = vni_ok(c->vni) ? vs_subnet_find(c->vs, c->vni, subnet_id) : NULL;
	if (!c->subnet)
		return vs_drop(c, VSWITCH_DROP_UNKNOWN_SUBNET);
	c->tenant = c->subnet->tenant;
	if (c->len > (size_t)c->subnet->mtu + NETPKT_ETH_HLEN)
		return vs_drop(c, VSWITCH_DROP_TOO_BIG);
	why = vs_guard_uplink_src(c);
	if (why != VSWITCH_R_NONE)
		return vs_drop(c, why);
	switch (c->eth.type) {
	case NETPKT_ETHERTYPE_ARP:
		return vs_arp_from_uplink(c);
	case NETPKT_ETHERTYPE_IPV4:
		return uplink_ipv4(c);
	default:
		return vs_drop(c, VSWITCH_DROP_ETHERTYPE);
	}
}

enum vswitch_action vswitch_from_uplink(const struct vswitch *vs, struct vswitch_worker *w,
					uint64_t now_ns, uint32_t vni, uint32_t subnet_id,
					const uint8_t *frame, size_t len,
					struct vswitch_result *res)
{
	struct vs_ctx c = {
		.vs = vs, .w = w, .res = res, .now_ns = now_ns, .vni = vni,
		.frame = frame, .len = len,
	};

	memset(res, 0, sizeof(*res));
	res->vni = vni;
	res->subnet_id = subnet_id;
	uplink_switch(&c, subnet_id);
	account(w, res);
	return res->action;
}

/* ---- from a peer host ------------------------------------------------- */

static enum vswitch_action fabric_switch(struct vs_ctx *c, uint32_t from_host,
					 const uint8_t *payload, size_t len)
{
	struct fabric_frame f;
	const struct vs_port *dst;
	enum vswitch_reason why;

	if (fabric_frame_decode(payload, len, &f) != FABRIC_FRAME_OK)
		return vs_drop(c, VSWITCH_DROP_FABRIC_MALFORMED);
	c->vni = c->res->vni = f.vni;
	c->frame = f.eth;
	c->len = f.eth_len;
	c->tenant = vni_ok(f.vni) ? vs_tenant_find(c->vs, f.vni) : NULL;
	if (!c->tenant || !c->tenant->n_local_ports)
		return vs_drop(c, VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL);
	if (from_host == VSWITCH_HOST_LOCAL || !vs_host_in_tenant(c->vs, f.vni, from_host))
		return vs_drop(c, VSWITCH_DROP_FABRIC_VNI_NOT_PEERS);
	netpkt_eth_parse(c->frame, c->len, &c->eth); /* 14 bytes: checked by the decode */
	if (netpkt_mac_is_group(c->eth.dst))
		return vs_drop(c, VSWITCH_DROP_BROADCAST);
	dst = vs_port_by_mac(c->vs, f.vni, c->eth.dst);
	if (!dst || dst->host != VSWITCH_HOST_LOCAL)
		return vs_drop(c, VSWITCH_DROP_FABRIC_DST_NOT_LOCAL);
	if (c->len > (size_t)dst->subnet->mtu + NETPKT_ETH_HLEN)
		return vs_drop(c, VSWITCH_DROP_TOO_BIG);
	why = vs_guard_fabric(c, from_host, dst);
	if (why != VSWITCH_R_NONE)
		return vs_drop(c, why);
	return vs_to_uplink(c, dst->subnet, c->frame, c->len);
}

enum vswitch_action vswitch_from_fabric(const struct vswitch *vs, struct vswitch_worker *w,
					uint32_t from_host, const uint8_t *payload, size_t len,
					struct vswitch_result *res)
{
	struct vs_ctx c = { .vs = vs, .w = w, .res = res };

	memset(res, 0, sizeof(*res));
	fabric_switch(&c, from_host, payload, len);
	account(w, res);
	return res->action;
}
