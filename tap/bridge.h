/* Linux bridges: one per tenant subnet on a host, with the agent's uplink TAP,
 * VM taps and container veths as ports. */
#ifndef TAP_BRIDGE_H
#define TAP_BRIDGE_H

#include <stdint.h>

#include "tap/netlink.h"

/* Creates bridge `name` (down; STP off, the kernel default). mac NULL lets
 * the kernel choose; otherwise the bridge keeps that address whatever its
 * ports are. An existing bridge of that name is 0 (its MAC is then set if
 * mac is given); an existing link of another kind is -EEXIST. */
int tap_bridge_create(struct tap_nl *nl, const char *name, const uint8_t mac[6]);

/* Deletes bridge `name`; its ports are released, not deleted. -ENODEV if
 * absent, -EINVAL if the link is not a bridge. */
int tap_bridge_delete(struct tap_nl *nl, const char *name);

/* Makes ifname a port of bridge (moving it from any other master).
 * -EINVAL if `bridge` is not a bridge. */
int tap_bridge_attach(struct tap_nl *nl, const char *bridge, const char *ifname);

/* Releases ifname from whatever bridge it is a port of (0 if none). */
int tap_bridge_detach(struct tap_nl *nl, const char *ifname);

/* A bridge's MAC is set with tap_link_set_mac (tap/link.h). */

#endif
