/* Fabric frames: a tenant's Ethernet frame behind an 8-byte header, carried
 * between hosts as the payload of a WireGuard transport message (DESIGN.md
 * section 4):
 *
 *   byte 0     0x10  type 1 (fabric frame) in the high nibble, version 0 in the
 *                    low one: a high nibble of 1 is never an IPv4/IPv6 packet
 *   byte 1     flags, 0
 *   bytes 2-3  length of the Ethernet frame, big-endian
 *   bytes 4-6  VNI, 24 bits, big-endian
 *   byte 7     reserved, 0
 *   bytes 8..  the Ethernet frame, then zero padding to a multiple of 16
 *
 * Pure: no I/O. */
#ifndef DATAPLANE_FABRIC_FRAME_H
#define DATAPLANE_FABRIC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FABRIC_HEADER_LEN   8
#define FABRIC_TYPE_BYTE    0x10
#define FABRIC_VNI_MAX      0xffffffu
#define FABRIC_PAD_MULTIPLE 16
#define FABRIC_ETH_MIN      14      /* an Ethernet header, no payload */
#define FABRIC_ETH_MAX      0xffffu /* what the 16-bit length field holds */
#define FABRIC_WIRE_MAX     65535   /* a WireGuard payload */

/* Why a received payload is not a fabric frame we accept. */
enum fabric_frame_status {
	FABRIC_FRAME_OK = 0,
	FABRIC_FRAME_SHORT,        /* fewer than 8 bytes */
	FABRIC_FRAME_NOT_FABRIC,   /* high nibble of byte 0 is not 1 */
	FABRIC_FRAME_BAD_VERSION,  /* 0x11..0x1f: a version we do not speak */
	FABRIC_FRAME_BAD_FLAGS,    /* unknown flags: refuse rather than misread */
	FABRIC_FRAME_BAD_RESERVED,
	FABRIC_FRAME_RUNT,         /* Ethernet length below 14 */
	FABRIC_FRAME_TRUNCATED,    /* Ethernet length beyond the buffer */
	FABRIC_FRAME_BAD_PADDING,  /* past the next multiple of 16, or non-zero */
	FABRIC_FRAME__COUNT
};

const char *fabric_frame_status_name(enum fabric_frame_status status);

struct fabric_frame {
	uint32_t vni;
	const uint8_t *eth;   /* inside the decoded buffer */
	size_t eth_len;
};

/* Checks and splits a decrypted payload. Padding may stop short of the next
 * multiple of 16 (a sender may clamp it, as wireguard-go clamps IP padding to
 * the MTU) but never go past it, and it must be zero. */
enum fabric_frame_status fabric_frame_decode(const uint8_t *buf, size_t len,
					     struct fabric_frame *out);

/* Bytes a frame of eth_len Ethernet bytes takes on the wire, padding included. */
size_t fabric_frame_wire_len(size_t eth_len);

/* Writes the header to out[0..8), moves the Ethernet frame to out + 8 (no copy
 * when it is already there; overlap is fine) and zeroes the padding. Returns
 * the total length, or -EINVAL (VNI over 24 bits, eth_len below 14),
 * -EMSGSIZE (the padded frame over FABRIC_WIRE_MAX) or -ENOSPC (cap below
 * fabric_frame_wire_len(eth_len)). */
int fabric_frame_encode(uint8_t *out, size_t cap, uint32_t vni, const uint8_t *eth,
			size_t eth_len);

/* The largest tenant IP MTU whose fabric frame, inside a WireGuard transport
 * message, inside UDP and IPv4 (or IPv6), fits an underlay link of
 * underlay_mtu bytes without fragmenting:
 *   underlay_mtu - IP header - 8 (UDP) >= 16 + pad16(8 + 14 + mtu) + 16
 * 1500 over IPv4 gives 1418, over IPv6 1386. Returns -EINVAL when the result
 * would be below 68 (the IPv4 minimum). */
int fabric_mtu_for_underlay(unsigned underlay_mtu, bool ipv6_underlay);

#endif
