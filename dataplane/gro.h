/* Receive coalescing: consecutive decrypted TCP segments of one flow become
 * one super-packet the TUN takes with a virtio_net_hdr (GSO_TCPV4/6,
 * NEEDS_CSUM), so the kernel's TCP stack sees one 64 KiB packet instead of
 * forty. Only neighbours in arrival order merge, so nothing is reordered.
 * Pure: no I/O; packets stay where they are (the first one's headers are
 * rewritten in place) and the writer gathers them with an iovec.
 *
 * Merged when: IPv4 without options or fragments, or IPv6 without extension
 * headers; same addresses, ports, TOS/traffic class, TTL/hop limit, IPv4 DF,
 * IPv6 flow label, TCP options and acknowledgement number; flags ACK only
 * (PSH allowed on the last); sequence numbers contiguous; every segment but
 * the last exactly the first one's payload size; 64 KiB and GRO_MAX_SEGS at
 * most. The merged packet carries the last segment's window and PSH. */
#ifndef DATAPLANE_GRO_H
#define DATAPLANE_GRO_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define GRO_MAX_SEGS 64

/* One packet at data[0..len) (its true IP length, padding trimmed). */
struct gro_pkt {
	uint8_t *data;
	size_t len;
};

/* A run of packets written as one: pkts[first .. first+count). With count
 * > 1, pkts[first] holds the merged headers and vh says how to cut it; the
 * payload of each following packet starts at hdr_len. */
struct gro_group {
	size_t first;
	size_t count;
	size_t hdr_len;
	struct virtio_net_hdr vh; /* all zero for a single packet */
};

/* Splits pkts[0..n) into groups (at most n) and rewrites each merged group's
 * first headers. Returns the number of groups. */
size_t gro_coalesce(struct gro_pkt *pkts, size_t n, struct gro_group *groups);
/* gro_coalesce for packets whose IP header starts l2 bytes in: Ethernet
 * frames for a TAP (l2 = 14). A non-zero l2 ends in the EtherType, which
 * must name the IP version; the l2 bytes must be equal for packets to merge.
 * hdr_len, csum_start and the lengths then count the l2 bytes too, as a TAP
 * with a virtio_net_hdr wants them. */
size_t gro_coalesce_l2(struct gro_pkt *pkts, size_t n, size_t l2, struct gro_group *groups);

/* The iovecs that write group g in one call, p being its first packet: the
 * group's virtio_net_hdr when vnet, the first packet (merged headers), then
 * each other packet without its hdr_len header bytes. iov holds at least
 * GRO_MAX_SEGS + 1. Returns how many were filled; *len gets their bytes. */
size_t gro_group_iov(const struct gro_group *g, const struct gro_pkt *p, bool vnet,
		     struct iovec *iov, size_t *len);

#endif
