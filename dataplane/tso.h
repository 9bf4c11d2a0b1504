/* What a TUN with IFF_VNET_HDR and TUNSETOFFLOAD hands us, made into packets
 * a peer can take: a partial checksum completed, or a TCP super-packet (up to
 * 64 KiB, one TCP/IP header) cut into MSS-sized segments, each with its own
 * IP length, IPv4 ID and checksum, TCP sequence number, flags and checksum.
 * Pure: no I/O; the caller owns every buffer.
 *
 * The header (struct virtio_net_hdr, host byte order as the TUN uses it):
 *   flags NEEDS_CSUM: the checksum from csum_start to the end is not done;
 *     the field at csum_start + csum_offset holds the pseudo-header sum.
 *   gso_type TCPV4/TCPV6 (+ECN): cut the payload after the TCP header into
 *     gso_size pieces; FIN and PSH belong on the last piece only, CWR on the
 *     first only. */
#ifndef DATAPLANE_TSO_H
#define DATAPLANE_TSO_H

#include <linux/virtio_net.h>
#include <stddef.h>
#include <stdint.h>

/* Offsets of one TCP super-packet. */
struct tso_info {
	size_t l2;        /* bytes before the IP header (0 for a TUN, 14 for a TAP) */
	size_t thoff;     /* TCP header offset from the start (l2 + IP header length) */
	size_t hdr_len;   /* l2 + IP + TCP headers: copied in front of every segment */
	size_t gso_size;  /* payload bytes per segment */
	size_t nsegs;     /* segments the payload makes */
	int family;       /* AF_INET / AF_INET6 */
};

/* Finishes a NEEDS_CSUM checksum in place (a zero result is stored as
 * 0xffff, as the kernel does). Nothing to do without the flag. Errors:
 * -EINVAL (the offsets do not fit the packet). */
int tso_complete_csum(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len);

/* Checks a GSO TCP super-packet and describes it. Errors: -EINVAL (not TCP
 * over IPv4/IPv6 without extension headers, header or offsets that do not
 * fit, gso_size 0), -EOPNOTSUPP (gso_type other than TCPV4/TCPV6). */
int tso_parse(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len,
	      struct tso_info *out);
/* tso_parse for a packet whose IP header starts l2 bytes in: an Ethernet
 * frame from a TAP (l2 = 14). A non-zero l2 ends in the EtherType, which
 * must name the IP version found (0x0800, 0x86dd); the l2 bytes go unchanged
 * in front of every segment. */
int tso_parse_l2(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len, size_t l2,
		 struct tso_info *out);

/* Writes segments first .. first+count-1 (count <= nsegs - first) of the
 * super-packet: segment i at out + (i - first) * stride, complete with a
 * valid IP and TCP checksum, its length in lens[i - first]. stride must be at
 * least hdr_len + gso_size. */
void tso_segment(const struct tso_info *ti, const uint8_t *pkt, size_t len, size_t first,
		 size_t count, uint8_t *out, size_t stride, size_t *lens);

#endif
