/* Kernel names of the links fabric mode owns, derived from controller ids
 * (never reused, so a name never means two things over time), all at most
 * 15 characters (IFNAMSIZ - 1):
 *
 *   tnb<subnet-id-hex>   the subnet's bridge
 *   tnu<subnet-id-hex>   the subnet's uplink TAP (the agent reads and writes it)
 *   tnc<port-id-hex>     a container port's veth, the end on the bridge
 *   tnp<port-id-hex>     the other end, only until it is moved into the
 *                        container's namespace and renamed eth0
 *   tnv<port-id-hex>     a VM port's persistent TAP (QEMU: ifname=tnv...)
 *
 * ids are 1..0xffffffff, in lower-case hex without leading zeros, so a name
 * is 4..11 characters. A restarted agent lists the links whose name parses
 * back (fabric_name_parse): exactly these are its own; "tn" followed by
 * anything else (an operator's "tnl0") is never touched. Pure. */
#ifndef DATAPLANE_FABRIC_NAMES_H
#define DATAPLANE_FABRIC_NAMES_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#define FABRIC_NAME_PREFIX "tn"

enum fabric_link_kind {
	FABRIC_LINK_BRIDGE = 'b',
	FABRIC_LINK_UPLINK = 'u',
	FABRIC_LINK_CONTAINER = 'c',
	FABRIC_LINK_PEER = 'p',
	FABRIC_LINK_VM = 'v',
};

void fabric_link_name(enum fabric_link_kind kind, uint32_t id, char out[IFNAMSIZ]);
/* true if name is exactly one of ours (canonical spelling, id non-zero). */
bool fabric_name_parse(const char *name, enum fabric_link_kind *kind, uint32_t *id);

#endif
