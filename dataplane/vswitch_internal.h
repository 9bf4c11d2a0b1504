/* Shared inside the virtual switch (vswitch*.c) only: the state objects, the
 * lookup table and the per-frame context handed between the rule files. */
#ifndef DATAPLANE_VSWITCH_INTERNAL_H
#define DATAPLANE_VSWITCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/netpkt.h"
#include "dataplane/vswitch.h"

struct lpm_table;

/* ---- lookup table: open addressing, linear probing ------------------- */

/* Every object is filed under (kind, vni, what) in one table. */
enum vs_kind {
	VS_KIND_TENANT = 1,  /* b = 0 */
	VS_KIND_SUBNET,      /* b = subnet id */
	VS_KIND_MAC,         /* b = the MAC as 48 bits -> struct vs_port */
	VS_KIND_IP,          /* b = the IPv4 address   -> struct vs_port */
	VS_KIND_HOST,        /* b = peer host id       -> struct vs_hostref */
};

struct vs_key {
	uint64_t a;          /* kind << 32 | vni */
	uint64_t b;
};

struct vs_slot {
	struct vs_key key;
	void *val;           /* NULL: empty slot */
};

struct vs_table {
	struct vs_slot *slots;
	size_t cap;          /* a power of two, or 0 */
	size_t n;            /* kept at most half of cap */
	uint64_t seed;
};

static inline struct vs_key vs_key_make(enum vs_kind kind, uint32_t vni, uint64_t b)
{
	return (struct vs_key){ .a = (uint64_t)kind << 32 | vni, .b = b };
}

void vs_table_init(struct vs_table *t, uint64_t seed);
void vs_table_free(struct vs_table *t);
/* -EEXIST if the key is there, -ENOMEM; val must not be NULL. */
int vs_table_put(struct vs_table *t, struct vs_key key, void *val);
void *vs_table_get(const struct vs_table *t, struct vs_key key);
/* Removes the key; returns its value, NULL if absent. */
void *vs_table_del(struct vs_table *t, struct vs_key key);

/* ---- state ----------------------------------------------------------- */

struct vs_tenant {
	uint32_t vni;
	struct lpm_table *routes;  /* prefix -> struct vs_route */
	size_t n_subnets;
	size_t n_ports;
	size_t n_local_ports;
	size_t n_routes;
};

struct vs_subnet {
	struct vs_tenant *tenant;
	uint32_t id;
	uint32_t network;
	uint32_t mask;
	uint32_t gateway;
	uint16_t mtu;
	bool dhcp;
	uint8_t gw_mac[NETPKT_MAC_LEN];
	uintptr_t uplink;
	size_t n_ports;
};

struct vs_port {
	struct vs_subnet *subnet;
	uint8_t mac[NETPKT_MAC_LEN];
	uint32_t ip;
	uint32_t host;
};

/* How many ports a peer host holds in a tenant: "H serves VNI". */
struct vs_hostref {
	uint32_t host;
	size_t n_ports;
};

struct vs_route {
	uint32_t prefix;
	uint8_t plen;
	uint32_t nexthop;
};

struct vswitch {
	struct vs_table table;
	size_t n_tenants, n_subnets, n_ports, n_routes;
};

const struct vs_tenant *vs_tenant_find(const struct vswitch *vs, uint32_t vni);
const struct vs_subnet *vs_subnet_find(const struct vswitch *vs, uint32_t vni, uint32_t id);
const struct vs_port *vs_port_by_mac(const struct vswitch *vs, uint32_t vni,
				     const uint8_t mac[NETPKT_MAC_LEN]);
const struct vs_port *vs_port_by_ip(const struct vswitch *vs, uint32_t vni, uint32_t ip);
bool vs_host_in_tenant(const struct vswitch *vs, uint32_t vni, uint32_t host);
/* The tenant route with the longest prefix containing ip, NULL if none. */
const struct vs_route *vs_route_lookup(const struct vs_tenant *t, uint32_t ip);

/* ---- one frame ------------------------------------------------------- */

struct vs_ctx {
	const struct vswitch *vs;
	struct vswitch_worker *w;
	struct vswitch_result *res;
	uint64_t now_ns;
	uint32_t vni;
	const struct vs_tenant *tenant;
	const struct vs_subnet *subnet;  /* uplink: where the frame came in */
	const struct vs_port *src;       /* uplink: the sending port, once guarded */
	const uint8_t *frame;
	size_t len;
	struct netpkt_eth eth;
};

/* Fill c->res and return its action. */
enum vswitch_action vs_drop(struct vs_ctx *c, enum vswitch_reason reason);
enum vswitch_action vs_ignore(struct vs_ctx *c, enum vswitch_reason reason);
/* The frame of len bytes in c->w->out goes back out the ingress uplink. */
enum vswitch_action vs_reply(struct vs_ctx *c, size_t len, enum vswitch_reason reason);
enum vswitch_action vs_to_uplink(struct vs_ctx *c, const struct vs_subnet *s,
				 const uint8_t *frame, size_t len);
enum vswitch_action vs_to_host(struct vs_ctx *c, uint32_t host, const uint8_t *frame,
			       size_t len);

/* Rules, one file each. */
enum vswitch_action vs_arp_from_uplink(struct vs_ctx *c);
enum vswitch_action vs_dhcp_from_uplink(struct vs_ctx *c, const struct netpkt_ipv4 *ip,
					const struct netpkt_udp *udp);
enum vswitch_action vs_l3_from_uplink(struct vs_ctx *c, const struct netpkt_ipv4 *ip);
/* L2 unicast from the uplink to the port with the destination MAC. */
enum vswitch_action vs_l2_from_uplink(struct vs_ctx *c);

/* Anti-spoofing (vswitch_guard.c). Each returns VSWITCH_R_NONE or why not. */
enum vswitch_reason vs_guard_uplink_src(struct vs_ctx *c);
bool vs_guard_port_may_source(const struct vswitch *vs, const struct vs_tenant *t,
			      const struct vs_port *port, uint32_t ip);
bool vs_guard_host_may_source(const struct vswitch *vs, const struct vs_tenant *t,
			      uint32_t host, uint32_t ip);
enum vswitch_reason vs_guard_arp(const struct vs_port *port, const struct netpkt_eth *eth,
				 const struct netpkt_arp *arp, bool allow_probe);
enum vswitch_reason vs_guard_fabric(struct vs_ctx *c, uint32_t from_host,
				    const struct vs_port *dst);

#endif
