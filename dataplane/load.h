/* Handshake load detection for cookies ("under load" in the whitepaper, 5.3).
 *
 * The agent counts handshake messages (initiations and responses) it receives
 * in fixed one-second windows. When a window's count exceeds LOAD_THRESHOLD the
 * device is under load from that moment until one second after the last
 * window that exceeded it, so cookies stay in force while a flood continues
 * and stop about a second after it ends. 1000/s is far above what honest
 * peers produce (each peer initiates at most every REKEY_TIMEOUT) and well
 * below what one core can do in Diffie-Hellman. Pure: `now` is passed in. */
#ifndef DATAPLANE_LOAD_H
#define DATAPLANE_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#define LOAD_THRESHOLD 1000u
#define LOAD_WINDOW_NS 1000000000ULL

struct load_meter {
	uint64_t window_start; /* monotonic ns when the current window began */
	uint32_t count;        /* handshake messages in the current window */
	uint64_t until;        /* under load before this time */
};

void load_init(struct load_meter *m, uint64_t now);
/* Counts one handshake message received at `now`. */
void load_hit(struct load_meter *m, uint64_t now);
bool load_under(const struct load_meter *m, uint64_t now);

#endif
