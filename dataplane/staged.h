/* Per-peer queue of packets waiting for a session (staged while a handshake
 * is in flight). Bounded: when full, the oldest packet is dropped, as
 * wireguard-go does, so a stalled handshake costs at most STAGED_MAX packets
 * of memory per peer. Staging is off the hot path (it only happens without a
 * session), so packets are allocated one by one. */
#ifndef DATAPLANE_STAGED_H
#define DATAPLANE_STAGED_H

#include <stddef.h>
#include <stdint.h>

#define STAGED_MAX 128

/* data[0..cap) is one transport-message buffer: the payload sits at
 * data[headroom .. headroom+len) so it can be encrypted in place. */
struct staged_pkt {
	size_t len;
	size_t headroom;
	size_t cap;
	uint8_t data[];
};

struct staged_queue {
	struct staged_pkt *ring[STAGED_MAX];
	unsigned head;   /* index of the oldest packet */
	unsigned count;
};

/* Copies payload[0..len) behind `headroom` bytes into a new buffer of `cap`
 * bytes. NULL when cap < headroom + len or on allocation failure. */
struct staged_pkt *staged_pkt_create(const uint8_t *payload, size_t len, size_t headroom, size_t cap);
/* Wipes the payload and frees. NULL is allowed. */
void staged_pkt_free(struct staged_pkt *p);

void staged_init(struct staged_queue *q);
/* Takes ownership of p. Returns how many packets were dropped to make room
 * (0 or 1: the oldest). */
unsigned staged_push(struct staged_queue *q, struct staged_pkt *p);
/* The oldest packet, NULL if empty; pop also removes it (caller owns it). */
struct staged_pkt *staged_peek(const struct staged_queue *q);
struct staged_pkt *staged_pop(struct staged_queue *q);
/* Frees every packet; returns how many there were. */
unsigned staged_clear(struct staged_queue *q);
unsigned staged_count(const struct staged_queue *q);

#endif
