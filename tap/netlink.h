/* Kernel link, address and route plumbing through libnl-route-3 (never by
 * running ip(8)). Every call returns 0 or a negative errno. */
#ifndef TAP_NETLINK_H
#define TAP_NETLINK_H

#include <stdint.h>

struct tap_nl;

int tap_nl_open(struct tap_nl **out);
void tap_nl_close(struct tap_nl *nl);

/* -ENODEV when there is no such link. */
int tap_link_index(struct tap_nl *nl, const char *ifname);
int tap_link_set_up(struct tap_nl *nl, const char *ifname, int up);
int tap_link_set_mtu(struct tap_nl *nl, const char *ifname, unsigned mtu);
int tap_link_delete(struct tap_nl *nl, const char *ifname);

/* family AF_INET/AF_INET6, addr 4/16 bytes. Adding an existing address is 0. */
int tap_addr_add(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr, uint8_t plen);
int tap_addr_del(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr, uint8_t plen);

/* A route to dst/plen out of ifname (no gateway; scope link). Adding an
 * existing route is 0; deleting a missing one is 0. */
int tap_route_add(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst, uint8_t plen);
int tap_route_del(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst, uint8_t plen);

#endif
