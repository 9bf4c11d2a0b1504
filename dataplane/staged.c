/* Bounded drop-oldest ring of staged packets. */
#include "dataplane/staged.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct staged_pkt *staged_pkt_create(const uint8_t *payload, size_t len, size_t headroom, size_t cap)
{
	struct staged_pkt *p;

	if (headroom > cap || len > cap - headroom)
		return NULL;
	p = malloc(sizeof(*p) + cap);
	if (!p)
		return NULL;
	p->len = len;
	p->headroom = headroom;
	p->cap = cap;
	if (len)
		memcpy(p->data + headroom, payload, len);
	return p;
}

void staged_pkt_free(struct staged_pkt *p)
{
	if (!p)
		return;
	/* Tenant plaintext should not linger in freed heap memory. */
	sodium_memzero(p->data, p->cap);
	free(p);
}

void staged_init(struct staged_queue *q)
{
	memset(q, 0, sizeof(*q));
}

unsigned staged_push(struct staged_queue *q, struct staged_pkt *p)
{
	unsigned dropped = 0;

	if (q->count == STAGED_MAX) {
		staged_pkt_free(staged_pop(q));
		dropped = 1;
	}
	q->ring[(q->head + q->count) % STAGED_MAX] = p;
	q->count++;
	return dropped;
}

struct staged_pkt *staged_peek(const struct staged_queue *q)
{
	return q->count ? q->ring[q->head] : NULL;
}

struct staged_pkt *staged_pop(struct staged_queue *q)
{
	struct staged_pkt *p;

	if (!q->count)
		return NULL;
	p = q->ring[q->head];
	q->ring[q->head] = NULL;
	q->head = (q->head + 1) % STAGED_MAX;
	q->count--;
	return p;
}

unsigned staged_clear(struct staged_queue *q)
{
	unsigned n = q->count;

	while (q->count)
		staged_pkt_free(staged_pop(q));
	q->head = 0;
	return n;
}

unsigned staged_count(const struct staged_queue *q)
{
	return q->count;
}
