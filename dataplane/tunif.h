/* The kernel side of a TUN-mode interface: create the TUN device, set its
 * MTU and addresses, add one route per AllowedIPs prefix of the start-up
 * configuration, bring it up; and remove it again.
 *
 * An AllowedIPs prefix of length 0 becomes two routes, 0.0.0.0/1 and
 * 128.0.0.0/1 (::/1 and 8000::/1 for IPv6): together they take all traffic
 * without replacing the default route. Unlike wg-quick (which uses fwmark
 * policy routing for /0), this requires every peer endpoint to be reachable
 * by a route more specific than /1 (e.g. a directly connected subnet), or the
 * tunnel's own packets would loop into it. */
#ifndef DATAPLANE_TUNIF_H
#define DATAPLANE_TUNIF_H

#include <stddef.h>

#include "dataplane/agent.h"

/* Sets a->tun_fd, a->nl, a->link_created. On failure undoes what it did and
 * writes why into err. */
int tunif_up(struct agent *a, char *err, size_t errlen);
/* Closes the TUN (a non-persistent TUN disappears with its addresses and
 * routes) and makes sure the link is gone. */
void tunif_down(struct agent *a);

/* The kernel routes for one AllowedIPs prefix: 1, or 2 for a /0. Host bits
 * are cleared. Pure, for the configuration step. */
size_t tunif_routes_for_prefix(int family, const uint8_t *addr, uint8_t plen,
			       struct agent_route out[2]);

#endif
