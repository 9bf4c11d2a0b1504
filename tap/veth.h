/* veth pairs: a container port is one, with one end in the container's
 * network namespace and the other a port of the subnet's bridge. */
#ifndef TAP_VETH_H
#define TAP_VETH_H

#include <stdint.h>

#include "tap/netlink.h"

/* Creates the pair name <-> peer, both down, in the caller's namespace.
 * mtu 0 keeps the kernel default (1500); mac / peer_mac NULL let the kernel
 * pick random addresses. -EEXIST if either name is taken. Move the peer into
 * a namespace with tap_link_move_netns (tap/netns.h). */
int tap_veth_create(struct tap_nl *nl, const char *name, const char *peer, unsigned mtu,
		    const uint8_t mac[6], const uint8_t peer_mac[6]);

#endif
