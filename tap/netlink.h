/* Kernel link, address and route plumbing through libnl-route-3 (never by
 * running ip(8)). Every call returns 0 or a negative errno. */
#ifndef TAP_NETLINK_H
#define TAP_NETLINK_H

#include <stdint.h>

struct tap_nl;

/* One NETLINK_ROUTE socket, in the caller's network namespace (see
 * tap/netns.h for one inside another namespace). Not thread-safe: one
 * handle per thread. */
int tap_nl_open(struct tap_nl **out);
void tap_nl_close(struct tap_nl *nl);

/* -ENODEV when there is no such link. tap_link_index returns the ifindex
 * (> 0) on success. */
int tap_link_index(struct tap_nl *nl, const char *ifname);
int tap_link_set_up(struct tap_nl *nl, const char *ifname, int up);
int tap_link_set_mtu(struct tap_nl *nl, const char *ifname, unsigned mtu);
int tap_link_delete(struct tap_nl *nl, const char *ifname);

/* family AF_INET/AF_INET6, addr 4/16 bytes. Adding an existing address is 0.
 * IPv6 addresses are added with IFA_F_NODAD (usable at once, never
 * "tentative"). Deleting an address that is not there is -EADDRNOTAVAIL. */
int tap_addr_add(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr, uint8_t plen);
int tap_addr_del(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr, uint8_t plen);

/* A route to dst/plen out of ifname (no gateway; scope link). Adding an
 * existing route is 0; deleting a missing one is 0. Routes go to the main
 * table with protocol "static"; only such routes are deleted. */
int tap_route_add(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst, uint8_t plen);
int tap_route_del(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst, uint8_t plen);

/* Creates, or replaces whatever route the main table has for dst/plen, with
 * one via gateway gw (4/16 bytes, same family) out of ifname. For a
 * container's default route: dst all zeros, plen 0, gw the subnet gateway
 * (which must be on-link: add the address first). */
int tap_route_replace_via(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst,
			  uint8_t plen, const uint8_t *gw);
/* Deletes that gateway route; a missing one is 0. */
int tap_route_del_via(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst,
		      uint8_t plen, const uint8_t *gw);

#endif
