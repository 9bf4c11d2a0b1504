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

/* Turns MAC learning on (on != 0) or off on ifname, a port of a bridge
 * (IFLA_BRPORT_LEARNING through netlink, so it applies in the handle's
 * namespace whatever /sys shows). -EINVAL if ifname is on no bridge. */
int tap_bridge_port_set_learning(struct tap_nl *nl, const char *ifname, int on);

/* A static entry in the forwarding database of ifname's bridge: frames to
 * mac leave through port ifname only (no flooding), and the bridge never
 * moves mac to another port, whatever it learns. Static (NUD_NOARP), not
 * "permanent" (which a bridge takes as its own address). Adding again is 0;
 * an entry for mac on another port of the bridge is moved to ifname.
 * -EINVAL if ifname is on no bridge or mac is multicast or zero. The entry
 * goes with the port when the port leaves the bridge or is deleted. */
int tap_bridge_fdb_add(struct tap_nl *nl, const char *ifname, const uint8_t mac[6]);

/* Removes that entry; a missing one is 0. */
int tap_bridge_fdb_del(struct tap_nl *nl, const char *ifname, const uint8_t mac[6]);

/* A bridge's MAC is set with tap_link_set_mac (tap/link.h). */

#endif
