/* Link inspection and attributes beyond netlink.h: MAC, rename, listing by
 * name prefix (so the agent can adopt or clean up the links it created). */
#ifndef TAP_LINK_H
#define TAP_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "tap/netlink.h"

#define TAP_KIND_LEN 16

struct tap_link_info {
	char name[IFNAMSIZ];
	char kind[TAP_KIND_LEN]; /* IFLA_INFO_KIND: "bridge", "veth", "tun" (TUN and TAP), "" if none */
	int ifindex;
	int master;              /* ifindex of the bridge it is a port of, 0 if none */
	unsigned mtu;
	unsigned flags;          /* IFF_* (IFF_UP, ...) */
	bool has_mac;
	uint8_t mac[6];
};

/* -ENODEV if there is no such link. */
int tap_link_get(struct tap_nl *nl, const char *ifname, struct tap_link_info *out);

/* Calls fn for every link whose name starts with prefix ("" or NULL: all),
 * from one dump, so fn may create or delete links. A non-zero return from fn
 * stops the walk and is returned. */
typedef int (*tap_link_fn)(const struct tap_link_info *link, void *ctx);
int tap_link_foreach(struct tap_nl *nl, const char *prefix, tap_link_fn fn, void *ctx);

/* Sets the Ethernet address (a bridge keeps an address set this way instead
 * of following its ports'). -EINVAL for a multicast or all-zero address. */
int tap_link_set_mac(struct tap_nl *nl, const char *ifname, const uint8_t mac[6]);

/* Renames a link. Older kernels refuse with -EBUSY while it is up, so
 * rename before tap_link_set_up. */
int tap_link_rename(struct tap_nl *nl, const char *ifname, const char *new_name);

/* The kernel generates no IPv6 address on ifname from now on
 * (IFLA_INET6_ADDR_GEN_MODE none): no link-local address, hence no router
 * solicitation or DAD from it. Set it before the link goes up: addresses
 * made earlier stay. IPv6 itself stays on (disable_ipv6 is a sysctl only,
 * netlink cannot set it). */
int tap_link_set_addr_gen_none(struct tap_nl *nl, const char *ifname);

#endif
