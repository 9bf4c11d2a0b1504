/* TUN and TAP file descriptors. */
#ifndef TAP_TUN_H
#define TAP_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

enum tap_kind { TAP_KIND_TUN, TAP_KIND_TAP };

/* Opens (creating if needed) a TUN or TAP device with IFF_NO_PI, non-blocking.
 * name may be a pattern ("tun%d"); the kernel's chosen name is written to
 * out_name. Returns the fd or a negative errno. */
int tap_open(enum tap_kind kind, const char *name, char out_name[IFNAMSIZ]);

/* Flags for tap_open_flags. */
#define TAP_F_VNET_HDR    0x1u /* IFF_VNET_HDR: a struct virtio_net_hdr precedes each packet */
#define TAP_F_MULTI_QUEUE 0x2u /* IFF_MULTI_QUEUE: open again with the same name for more queues */
#define TAP_F_ALL         (TAP_F_VNET_HDR | TAP_F_MULTI_QUEUE)

/* tap_open with TAP_F_* flags. A name of NULL or "" lets the kernel pick
 * ("tun%d" / "tap%d"); out_name may be NULL. Errors: -EINVAL (unknown flag,
 * name too long), -EBUSY (single-queue device already open), -EPERM, and
 * whatever open(2)/ioctl(2) report. Attaching to an existing device needs the
 * same kind and the same TAP_F_MULTI_QUEUE as it was created with. */
int tap_open_flags(enum tap_kind kind, const char *name, unsigned flags, char out_name[IFNAMSIZ]);

/* On a TAP_F_VNET_HDR fd: which offloads the kernel may hand us (TUNSETOFFLOAD
 * TUN_F_* bits: partial checksums, TSO4/6 super-packets), after setting the
 * header size to struct virtio_net_hdr's. 0 turns them off. Errors: negative
 * errno (-EINVAL: a bit the kernel does not know). */
int tap_tun_set_offload(int fd, unsigned tun_f_flags);

/* What tap_open_offloaded obtained, and why not the rest (0: not refused). */
struct tap_offload {
	bool vnet;     /* packets carry a struct virtio_net_hdr */
	bool tso;      /* ... and may be TCP super-packets with partial checksums */
	int vnet_err;  /* negative errno: the header was refused */
	int tso_err;   /* negative errno: TUNSETOFFLOAD was refused */
};

/* Opens kind/name as tap_open, with the kernel's TCP offloads when `want`
 * (header, then CSUM|TSO4|TSO6). A kernel refusing the offloads leaves the
 * header (packets come whole, one by one); one refusing the header, or
 * !want, gives a plain device with its offloads cleared: a persistent device
 * keeps what an earlier opener set, and without the header super-packets
 * could not be told apart. Returns the fd or a negative errno. */
int tap_open_offloaded(enum tap_kind kind, const char *name, bool want, char out_name[IFNAMSIZ],
		       struct tap_offload *got);

#endif
