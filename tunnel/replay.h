/* Receive-side replay protection for transport counters: a sliding window of
 * WG_REPLAY_WINDOW_BITS bits kept as a ring of 64-bit words (RFC 6479), so
 * advancing the window clears whole words instead of shifting the bitmap. */
#ifndef TUNNEL_REPLAY_H
#define TUNNEL_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "tunnel/messages.h"

#define WG_REPLAY_WORDS (WG_REPLAY_WINDOW_BITS / 64)

struct wg_replay {
	uint64_t next;                      /* highest accepted counter + 1 (0: none yet) */
	uint64_t ring[WG_REPLAY_WORDS];     /* bit (c+1) set: counter c was accepted */
};

void wg_replay_init(struct wg_replay *r);
/* Accepts `counter` once: false when it was seen before, lies behind the
 * window, or is at or past WG_REJECT_AFTER_MESSAGES. Call only after the
 * packet authenticated, or a forger could slide the window. */
bool wg_replay_accept(struct wg_replay *r, uint64_t counter);
/* true once the peer has used up the counter space of this keypair. */
bool wg_replay_exhausted(const struct wg_replay *r);

#endif
