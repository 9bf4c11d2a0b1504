/* Persistent TUN/TAP devices: they outlive the fd that created them, so a VM
 * (QEMU: -netdev tap,ifname=NAME,script=no,downscript=no) can open them by
 * name later. No owner or group is set (TUNSETOWNER/TUNSETGROUP), so only a
 * process with CAP_NET_ADMIN can attach. */
#ifndef TAP_PERSIST_H
#define TAP_PERSIST_H

#include <net/if.h>

#include "tap/netlink.h"
#include "tap/tun.h"

/* Creates the device (or takes over an existing persistent one of the same
 * kind) and marks it persistent. flags as for tap_open_flags; create with
 * TAP_F_MULTI_QUEUE if the VM will open several queues. out_name may be NULL.
 * Returns 0 or a negative errno (-EBUSY if someone holds a single-queue
 * device open). */
int tap_persist_create(enum tap_kind kind, const char *name, unsigned flags, char out_name[IFNAMSIZ]);

/* Deletes a persistent TUN/TAP by name through netlink, which works even
 * while a VM still holds it open. -ENODEV if there is no such link, -EINVAL
 * if the link exists but is not a TUN/TAP (never deletes anything else). */
int tap_persist_delete(struct tap_nl *nl, const char *name);

#endif
