/* The virtual switch of fabric mode: the decisions the agent takes for every
 * frame that reaches it, from a local subnet uplink or from a peer host. See
 * dataplane/VSWITCH.md for the rules, the naming and every drop reason.
 *
 * Pure: no I/O, no clock reads, no globals. The agent fills the state from the
 * controller's snapshot and updates (one call per object, each O(1) or
 * O(prefix length)), then hands frames in and acts on the result: reply out
 * the uplink, deliver to a local uplink, send to a peer host as a fabric frame
 * (fabric_frame_encode), or nothing.
 *
 * Concurrency: the frame entry points take the state const and write only to
 * the caller's struct vswitch_worker, so several workers may switch at once
 * as long as no one changes the state meanwhile (the caller's lock).
 *
 * Addresses: IPv4 as uint32_t in host byte order, MACs as uint8_t[6]. Hosts
 * are small ids chosen by the agent: VSWITCH_HOST_LOCAL (0) is this host,
 * every peer host has its own non-zero id. */
#ifndef DATAPLANE_VSWITCH_H
#define DATAPLANE_VSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/netpkt.h"

#define VSWITCH_HOST_LOCAL      0u
#define VSWITCH_VNI_MAX         0xffffffu   /* VNI 0 is reserved: never a tenant */
#define VSWITCH_DEFAULT_MTU     1418        /* fabric_mtu_for_underlay(1500, false) */
#define VSWITCH_MTU_MIN         NETPKT_IPV4_MIN_MTU
#define VSWITCH_MTU_MAX         9000
#define VSWITCH_DHCP_LEASE_SECS 86400u
/* A worker's scratch buffer must hold the largest frame it may rewrite. */
#define VSWITCH_OUT_MIN         (NETPKT_ETH_HLEN + VSWITCH_MTU_MAX)
/* ICMP errors (time exceeded, fragmentation needed) per worker: a token
 * bucket of this rate and burst (RFC 1812 section 4.3.2.8 asks for a limit). */
#define VSWITCH_ICMP_PER_SEC    100u
#define VSWITCH_ICMP_BURST      20u

struct vswitch;

/* ---- state ----------------------------------------------------------- */

struct vswitch_subnet_cfg {
	uint32_t vni;
	uint32_t id;         /* unique within the tenant */
	uint32_t network;    /* host bits zero */
	uint8_t plen;        /* 1..30 */
	uint32_t gateway;    /* 0: the first usable address (network + 1) */
	uint16_t mtu;        /* tenant IP MTU; 0: VSWITCH_DEFAULT_MTU */
	bool dhcp;
	uintptr_t uplink;    /* the caller's handle for this subnet's uplink,
			      * handed back in results; opaque here */
};

struct vswitch_port_cfg {
	uint32_t vni;
	uint32_t subnet_id;
	uint8_t mac[NETPKT_MAC_LEN];
	uint32_t ip;
	uint32_t host;       /* VSWITCH_HOST_LOCAL or a peer host id */
};

/* hash_seed keys the lookup tables (pass random bytes: tenants choose MACs
 * and IPs, and must not be able to pick colliding ones). NULL on ENOMEM. */
struct vswitch *vswitch_create(uint64_t hash_seed);
/* Frees everything, tenants with their subnets, ports and routes included. */
void vswitch_destroy(struct vswitch *vs);

/* Errors for all of these: -EINVAL (bad argument), -EEXIST, -ENOENT (the
 * object, or the tenant/subnet it belongs to, is absent), -EBUSY (removing a
 * tenant or subnet that still has members), -ENOMEM. */
int vswitch_tenant_add(struct vswitch *vs, uint32_t vni);
int vswitch_tenant_remove(struct vswitch *vs, uint32_t vni);
/* Overlap between subnets of a tenant is the controller's check, not ours. */
int vswitch_subnet_add(struct vswitch *vs, const struct vswitch_subnet_cfg *cfg);
int vswitch_subnet_remove(struct vswitch *vs, uint32_t vni, uint32_t subnet_id);
/* The IP must be a host address of its subnet other than the gateway; the MAC
 * a unicast one outside the tenant's gateway range (see vswitch_gateway_mac);
 * both unique in the tenant. A port that moves is removed and added again. */
int vswitch_port_add(struct vswitch *vs, const struct vswitch_port_cfg *cfg);
int vswitch_port_remove(struct vswitch *vs, uint32_t vni, const uint8_t mac[NETPKT_MAC_LEN]);
/* A tenant route: prefix -> the port whose IP is nexthop. The port need not
 * exist yet (it is resolved per packet). Adding an existing prefix replaces
 * its next hop. The next-hop port may also source packets from the prefix
 * (it is a router), see VSWITCH.md. */
int vswitch_route_add(struct vswitch *vs, uint32_t vni, uint32_t prefix, uint8_t plen,
		      uint32_t nexthop);
int vswitch_route_remove(struct vswitch *vs, uint32_t vni, uint32_t prefix, uint8_t plen);

/* The gateway MAC of a subnet: 0e:VV:VV:VV:SS:SS, the 24-bit VNI then the low
 * 16 bits of the subnet id, big-endian. Locally administered unicast; the
 * whole 0e:VV:VV:VV range is kept from the tenant's ports. */
void vswitch_gateway_mac(uint32_t vni, uint32_t subnet_id, uint8_t mac[NETPKT_MAC_LEN]);

/* Sizes, for metrics and for tests that check removal leaves nothing. */
struct vswitch_sizes {
	size_t tenants, subnets, ports, routes, table_entries;
};
void vswitch_get_sizes(const struct vswitch *vs, struct vswitch_sizes *out);

/* ---- switching ------------------------------------------------------- */

enum vswitch_action {
	VSWITCH_DROP = 0,   /* refused: see reason */
	VSWITCH_IGNORE,     /* nothing to do (the bridge handles it): see reason */
	VSWITCH_REPLY,      /* send frame out the uplink it came in on */
	VSWITCH_TO_UPLINK,  /* deliver frame to the local uplink of (vni, subnet_id) */
	VSWITCH_TO_HOST,    /* send frame to peer host `host` as a fabric frame of vni */
	VSWITCH_ACTION__COUNT
};

/* Why a frame was not forwarded. Every reason has its own counter. */
enum vswitch_reason {
	VSWITCH_R_NONE = 0,
	/* either direction */
	VSWITCH_DROP_RUNT,               /* shorter than an Ethernet header */
	VSWITCH_DROP_TOO_BIG,            /* longer than the subnet MTU + 14 */
	VSWITCH_DROP_ETHERTYPE,          /* not ARP or IPv4 (IPv6, 802.1Q, ...) */
	VSWITCH_DROP_BAD_ARP,            /* not Ethernet/IPv4 ARP, or op not 1/2 */
	VSWITCH_DROP_SPOOF_ARP_SHA,      /* ARP sender MAC is not the frame's source */
	VSWITCH_DROP_SPOOF_ARP_SPA,      /* ARP sender IP is not the port's */
	VSWITCH_DROP_BAD_IPV4,           /* malformed IPv4 header */
	VSWITCH_DROP_SPOOF_SRC_IP,       /* source IP not the port's (nor routed to it) */
	VSWITCH_DROP_BROADCAST,          /* broadcast/multicast other than ARP/DHCP */
	VSWITCH_DROP_WRONG_SUBNET,       /* L2 frame between ports of different subnets */
	/* from a local uplink */
	VSWITCH_DROP_UNKNOWN_SUBNET,     /* the uplink's (vni, subnet) is not in the state */
	VSWITCH_DROP_SPOOF_SRC_MAC,      /* source MAC not a local port of this subnet */
	VSWITCH_DROP_ARP_UNKNOWN_TARGET, /* ARP request nobody here answers for */
	VSWITCH_DROP_BAD_DHCP,           /* malformed BOOTP/DHCP */
	VSWITCH_DROP_SPOOF_DHCP_CHADDR,  /* DHCP client hardware address not the source MAC */
	VSWITCH_DROP_DHCP_DISABLED,
	VSWITCH_DROP_DHCP_UNSUPPORTED,   /* relayed (giaddr), or a type a server never gets */
	VSWITCH_DROP_UNKNOWN_UNICAST,    /* destination MAC nobody in the tenant has */
	VSWITCH_DROP_BAD_IP_CSUM,        /* routed packet with a wrong header checksum */
	VSWITCH_DROP_BAD_DST,            /* routed to 0.0.0.0, broadcast, multicast, loopback */
	VSWITCH_DROP_TO_GATEWAY,         /* for the gateway itself, not an echo request */
	VSWITCH_DROP_NO_ROUTE,
	VSWITCH_DROP_NEXTHOP_UNKNOWN,    /* the route's next hop is no port of the tenant */
	VSWITCH_DROP_TTL_EXCEEDED,
	VSWITCH_DROP_FRAG_NEEDED,        /* larger than the destination subnet's MTU */
	VSWITCH_DROP_NO_BUFFER,          /* the worker's scratch buffer is too small */
	/* from a peer host */
	VSWITCH_DROP_FABRIC_MALFORMED,   /* fabric header refused (fabric_frame_decode) */
	VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL, /* no local port in that tenant */
	VSWITCH_DROP_FABRIC_VNI_NOT_PEERS, /* the sending host has no port in that tenant */
	VSWITCH_DROP_FABRIC_DST_NOT_LOCAL, /* destination MAC is no local port of the tenant */
	VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC, /* source MAC neither a port the sender holds
					    * nor the gateway of the destination subnet */
	/* nothing to do */
	VSWITCH_IGNORE_ARP_LOCAL,        /* ARP request for a local port: the bridge answers */
	VSWITCH_IGNORE_ARP_OTHER,        /* replies, announcements, probes (sender 0.0.0.0) */
	VSWITCH_IGNORE_LOCAL_UNICAST,    /* to a local port of the subnet: the bridge delivers */
	VSWITCH_IGNORE_DHCP,             /* RELEASE, DECLINE, REQUEST for another server */
	VSWITCH_REASON__COUNT
};

const char *vswitch_reason_name(enum vswitch_reason reason);
const char *vswitch_action_name(enum vswitch_action action);

struct vswitch_result {
	enum vswitch_action action;
	/* DROP, IGNORE: why. REPLY with an ICMP error: why the input was
	 * refused (TTL_EXCEEDED, FRAG_NEEDED). Otherwise VSWITCH_R_NONE. */
	enum vswitch_reason reason;
	uint32_t vni;
	uint32_t subnet_id;     /* REPLY, TO_UPLINK */
	uintptr_t uplink;       /* REPLY, TO_UPLINK: that subnet's handle */
	uint32_t host;          /* TO_HOST */
	/* REPLY, TO_UPLINK, TO_HOST: the Ethernet frame to send. It points into
	 * the input when the frame goes on unchanged, else into worker->out. */
	const uint8_t *frame;
	size_t len;
};

/* What one switching thread owns: its scratch buffer and its counters. */
struct vswitch_worker {
	uint8_t *out;           /* replies and rewritten frames are built here */
	size_t out_cap;         /* VSWITCH_OUT_MIN is always enough */
	uint64_t reasons[VSWITCH_REASON__COUNT];
	uint64_t actions[VSWITCH_ACTION__COUNT];
	uint64_t icmp_suppressed;   /* ICMP errors not sent (rate limit) */
	uint64_t icmp_credit_ns;    /* token bucket: ns of sending allowance */
	uint64_t icmp_last_ns;
};

void vswitch_worker_init(struct vswitch_worker *w, uint8_t *out, size_t out_cap);

/* A frame read from the uplink of subnet (vni, subnet_id). now_ns (monotonic)
 * only paces ICMP errors. */
enum vswitch_action vswitch_from_uplink(const struct vswitch *vs, struct vswitch_worker *w,
					uint64_t now_ns, uint32_t vni, uint32_t subnet_id,
					const uint8_t *frame, size_t len,
					struct vswitch_result *res);

/* A decrypted transport payload starting with a fabric header, from the peer
 * host from_host (authenticated by the tunnel). Routing happened at the
 * sender: this side only delivers to local ports. */
enum vswitch_action vswitch_from_fabric(const struct vswitch *vs, struct vswitch_worker *w,
					uint32_t from_host, const uint8_t *payload, size_t len,
					struct vswitch_result *res);

#endif
