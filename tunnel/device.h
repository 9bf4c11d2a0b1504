/* The device: our identity, the cookie checker, the index and peer tables,
 * and the drop counters. Internal to tunnel/. */
#ifndef TUNNEL_DEVICE_H
#define TUNNEL_DEVICE_H

#include "tunnel/cookie.h"
#include "tunnel/index.h"
#include "tunnel/noise.h"
#include "tunnel/peer.h"
#include "tunnel/tunnel.h"

/* Index buckets per device: indices are random, so chains stay short up to
 * a few thousand peers (each holds at most four indices). */
#define WG_INDEX_BUCKETS 4096

struct wg_device {
	struct wg_identity identity;
	struct wg_cookie_checker checker;
	struct wg_index_table indices;
	struct wg_peer_table peers;
	uint64_t drops[WG_DROP__COUNT];
	unsigned mtu;            /* padding cap (0: pad to 16 always) */
};

void wg_device_count_drop(struct wg_device *dev, enum wg_drop_reason reason);

#endif
