/* Arbitrary bytes into the fabric frame decoder: whatever it accepts must
 * re-encode to the same header and frame, with zero padding; and the MTU
 * helper must honour its own inequality for any underlay MTU. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/fabric_frame.h"

static uint8_t again[FABRIC_WIRE_MAX + 16];

static void check_mtu(const uint8_t *data, size_t size)
{
	unsigned underlay;
	bool v6;
	int mtu;

	if (size < 3)
		return;
	underlay = (unsigned)data[0] << 8 | data[1];
	v6 = data[2] & 1;
	mtu = fabric_mtu_for_underlay(underlay, v6);
	if (mtu < 0)
		return;
	if (mtu < 68 || 16 + fabric_frame_wire_len(14 + (size_t)mtu) + 16 + (v6 ? 40 : 20) + 8 >
			       underlay)
		abort();
	/* and one more byte would not fit (or would overflow the frame length) */
	if (16 + fabric_frame_wire_len(15 + (size_t)mtu) + 16 + (v6 ? 40 : 20) + 8 <= underlay &&
	    fabric_frame_wire_len(15 + (size_t)mtu) <= FABRIC_WIRE_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fabric_frame f;
	int n;

	check_mtu(data, size);
	if (fabric_frame_decode(data, size, &f) != FABRIC_FRAME_OK)
		return 0;
	if (f.eth != data + FABRIC_HEADER_LEN || f.eth_len < FABRIC_ETH_MIN ||
	    f.eth_len > size - FABRIC_HEADER_LEN || f.vni > FABRIC_VNI_MAX)
		abort();
	n = fabric_frame_encode(again, sizeof(again), f.vni, f.eth, f.eth_len);
	if (n < 0) {
		/* Only a frame whose padding would pass 65535 bytes. */
		if (fabric_frame_wire_len(f.eth_len) <= FABRIC_WIRE_MAX)
			abort();
		return 0;
	}
	if ((size_t)n < size || (size_t)n - size >= 16 || memcmp(again, data, size) != 0)
		abort();
	for (size_t i = size; i < (size_t)n; i++)
		if (again[i])
			abort();
	return 0;
}
