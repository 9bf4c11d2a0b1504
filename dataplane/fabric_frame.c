/* Fabric frame header encoding and checking. */
#include "dataplane/fabric_frame.h"

#include <errno.h>
#include <string.h>

/* Underlay overheads for fabric_mtu_for_underlay. */
#define UNDERLAY_IPV4_HLEN 20
#define UNDERLAY_IPV6_HLEN 40
#define UNDERLAY_UDP_HLEN  8
#define WG_TRANSPORT_HLEN  16  /* type, reserved, receiver index, counter */
#define WG_TRANSPORT_TAG   16  /* Poly1305 */
#define IPV4_MIN_MTU       68

static const char *const status_names[FABRIC_FRAME__COUNT] = {
	[FABRIC_FRAME_OK] = "ok",
	[FABRIC_FRAME_SHORT] = "short",
	[FABRIC_FRAME_NOT_FABRIC] = "not_fabric",
	[FABRIC_FRAME_BAD_VERSION] = "bad_version",
	[FABRIC_FRAME_BAD_FLAGS] = "bad_flags",
	[FABRIC_FRAME_BAD_RESERVED] = "bad_reserved",
	[FABRIC_FRAME_RUNT] = "runt",
	[FABRIC_FRAME_TRUNCATED] = "truncated",
	[FABRIC_FRAME_BAD_PADDING] = "bad_padding",
};

const char *fabric_frame_status_name(enum fabric_frame_status status)
{
	if ((unsigned)status >= FABRIC_FRAME__COUNT)
		return "unknown";
	return status_names[status];
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

enum fabric_frame_status fabric_frame_decode(const uint8_t *buf, size_t len,
					     struct fabric_frame *out)
{
	size_t eth_len, trailer;

	if (!buf || len < FABRIC_HEADER_LEN)
		return FABRIC_FRAME_SHORT;
	if (buf[0] >> 4 != FABRIC_TYPE_BYTE >> 4)
		return FABRIC_FRAME_NOT_FABRIC;
	if (buf[0] != FABRIC_TYPE_BYTE)
		return FABRIC_FRAME_BAD_VERSION;
	if (buf[1] != 0)
		return FABRIC_FRAME_BAD_FLAGS;
	if (buf[7] != 0)
		return FABRIC_FRAME_BAD_RESERVED;
	eth_len = (size_t)buf[2] << 8 | buf[3];
	if (eth_len < FABRIC_ETH_MIN)
		return FABRIC_FRAME_RUNT;
	if (eth_len > len - FABRIC_HEADER_LEN)
		return FABRIC_FRAME_TRUNCATED;
	trailer = len - FABRIC_HEADER_LEN - eth_len;
	if (len > fabric_frame_wire_len(eth_len) ||
	    !all_zero(buf + FABRIC_HEADER_LEN + eth_len, trailer))
		return FABRIC_FRAME_BAD_PADDING;
	out->vni = (uint32_t)buf[4] << 16 | (uint32_t)buf[5] << 8 | buf[6];
	out->eth = buf + FABRIC_HEADER_LEN;
	out->eth_len = eth_len;
	return FABRIC_FRAME_OK;
}

size_t fabric_frame_wire_len(size_t eth_len)
{
	size_t n = FABRIC_HEADER_LEN + eth_len;

	return (n + FABRIC_PAD_MULTIPLE - 1) / FABRIC_PAD_MULTIPLE * FABRIC_PAD_MULTIPLE;
}

int fabric_frame_encode(uint8_t *out, size_t cap, uint32_t vni, const uint8_t *eth,
			size_t eth_len)
{
	size_t total;

	if (!out || !eth || vni > FABRIC_VNI_MAX || eth_len < FABRIC_ETH_MIN)
		return -EINVAL;
	if (eth_len > FABRIC_ETH_MAX)
		return -EMSGSIZE;
	total = fabric_frame_wire_len(eth_len);
	if (total > FABRIC_WIRE_MAX)
		return -EMSGSIZE;
	if (cap < total)
		return -ENOSPC;
	if (eth != out + FABRIC_HEADER_LEN)
		memmove(out + FABRIC_HEADER_LEN, eth, eth_len);
	out[0] = FABRIC_TYPE_BYTE;
	out[1] = 0;
	out[2] = (uint8_t)(eth_len >> 8);
	out[3] = (uint8_t)eth_len;
	out[4] = (uint8_t)(vni >> 16);
	out[5] = (uint8_t)(vni >> 8);
	out[6] = (uint8_t)vni;
	out[7] = 0;
	memset(out + FABRIC_HEADER_LEN + eth_len, 0, total - FABRIC_HEADER_LEN - eth_len);
	return (int)total;
}

int fabric_mtu_for_underlay(unsigned underlay_mtu, bool ipv6_underlay)
{
	unsigned ip_hlen = ipv6_underlay ? UNDERLAY_IPV6_HLEN : UNDERLAY_IPV4_HLEN;
	unsigned fixed = ip_hlen + UNDERLAY_UDP_HLEN + WG_TRANSPORT_HLEN + WG_TRANSPORT_TAG;
	unsigned room, mtu;

	if (underlay_mtu <= fixed)
		return -EINVAL;
	/* The padded plaintext must fit: round the room down to a multiple of
	 * 16, then take off what sits in front of the tenant's IP packet. */
	room = (underlay_mtu - fixed) / FABRIC_PAD_MULTIPLE * FABRIC_PAD_MULTIPLE;
	if (room < FABRIC_HEADER_LEN + FABRIC_ETH_MIN + IPV4_MIN_MTU)
		return -EINVAL;
	/* A WireGuard payload, padding included, is at most 65535 bytes. */
	if (room > FABRIC_WIRE_MAX / FABRIC_PAD_MULTIPLE * FABRIC_PAD_MULTIPLE)
		room = FABRIC_WIRE_MAX / FABRIC_PAD_MULTIPLE * FABRIC_PAD_MULTIPLE;
	mtu = room - FABRIC_HEADER_LEN - FABRIC_ETH_MIN;
	return (int)mtu;
}
