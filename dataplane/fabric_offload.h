/* Fabric mode's uplink TAP offloads (FABRIC.md, "Data path").
 *
 * An uplink opened with IFF_VNET_HDR and TUNSETOFFLOAD (TSO4/6, checksum)
 * hands over the container's TCP super-frames whole: fabric_path.c cuts
 * them into MTU-sized Ethernet frames (tso_parse_l2 / tso_segment) and
 * switches each one as if it had been read alone. This file is the other
 * direction: frames from peer hosts that the switch delivers to a local
 * uplink are queued while they lie in the receive buffer, and at the end of
 * each received datagram batch consecutive TCP segments of one flow for one
 * uplink are written as one super-frame (gro_coalesce_l2), everything else
 * frame by frame; each write starts with a virtio_net_hdr when the uplink
 * carries one. */
#ifndef DATAPLANE_FABRIC_OFFLOAD_H
#define DATAPLANE_FABRIC_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dataplane/gro.h"

struct fabric;
struct fabric_uplink;

/* Frames queued before one write pass. */
#define FABRIC_RXQ_MAX 64

/* Frames for local uplinks waiting for the end of the receive batch. */
struct fabric_rxq {
	struct gro_pkt pkts[FABRIC_RXQ_MAX];
	struct fabric_uplink *ups[FABRIC_RXQ_MAX];
	struct gro_group groups[FABRIC_RXQ_MAX];
	struct iovec iov[GRO_MAX_SEGS + 1];
	size_t n;
};

/* Offload counters, shown in the UAPI stats (fabric_tap_*). */
struct fabric_tap_stats {
	uint64_t super_read;      /* TCP super-frames read from uplinks */
	uint64_t segments;        /* frames cut from them */
	uint64_t bad_vnet;        /* frames whose virtio_net_hdr was refused */
	uint64_t super_written;   /* super-frames written to uplinks */
	uint64_t merged;          /* frames that went into them */
};

/* Writes one whole frame (checksums complete) to `up`, behind a zero
 * virtio_net_hdr when the uplink carries one; counts a failure. */
void fabric_uplink_write(struct fabric *f, struct fabric_uplink *up, const uint8_t *frame, size_t len);
/* Queues frame (it must stay valid and writable until the flush, which
 * rewrites merged headers in place) for `up`. Without a batch (offloads off)
 * the frame is written at once. A full queue is flushed first. */
void fabric_rx_queue(struct fabric *f, struct fabric_uplink *up, uint8_t *frame, size_t len);
/* Writes everything queued, in order. */
void fabric_rx_flush(struct fabric *f);

#endif
