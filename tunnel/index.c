/* Receiver-index table: chained hashing on the low bits of the index. The
 * indices are drawn at random by us, so a remote cannot aim at one bucket. */
#include "tunnel/index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int wg_index_table_init(struct wg_index_table *t, uint32_t nbuckets)
{
	memset(t, 0, sizeof(*t));
	if (!nbuckets || (nbuckets & (nbuckets - 1)))
		return -EINVAL;
	t->buckets = calloc(nbuckets, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->mask = nbuckets - 1;
	return 0;
}

void wg_index_table_free(struct wg_index_table *t)
{
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

void wg_index_entry_init(struct wg_index_entry *e, uint8_t type, struct wg_peer *peer)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->peer = peer;
}

static struct wg_index_entry **bucket(const struct wg_index_table *t, uint32_t index)
{
	return &t->buckets[index & t->mask];
}

static struct wg_index_entry *find(const struct wg_index_table *t, uint32_t index)
{
	struct wg_index_entry *e;

	for (e = *bucket(t, index); e; e = e->next)
		if (e->index == index)
			return e;
	return NULL;
}

static void link_entry(struct wg_index_table *t, struct wg_index_entry *e, uint32_t index)
{
	struct wg_index_entry **b = bucket(t, index);

	e->index = index;
	e->next = *b;
	*b = e;
	e->linked = true;
	t->count++;
}

static uint32_t draw_index(const struct wg_rng *rng)
{
	uint8_t b[4];

	rng->fill(rng->ctx, b, sizeof(b));
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int wg_index_insert(struct wg_index_table *t, struct wg_index_entry *e, const struct wg_rng *rng)
{
	uint32_t index;
	int i;

	wg_index_remove(t, e);
	for (i = 0; i < WG_INDEX_MAX_DRAWS; i++) {
		index = draw_index(rng);
		if (!find(t, index)) {
			link_entry(t, e, index);
			return 0;
		}
	}
	return -EAGAIN;
}

void wg_index_remove(struct wg_index_table *t, struct wg_index_entry *e)
{
	struct wg_index_entry **p;

	if (!e->linked)
		return;
	for (p = bucket(t, e->index); *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			t->count--;
			break;
		}
	}
	e->next = NULL;
	e->linked = false;
}

bool wg_index_replace(struct wg_index_table *t, struct wg_index_entry *from,
		      struct wg_index_entry *to)
{
	uint32_t index = from->index;

	if (!from->linked)
		return false;
	wg_index_remove(t, to);
	wg_index_remove(t, from);
	link_entry(t, to, index);
	return true;
}

struct wg_index_entry *wg_index_lookup(const struct wg_index_table *t, uint32_t index,
				       unsigned type_mask)
{
	struct wg_index_entry *e = find(t, index);

	return e && (e->type & type_mask) ? e : NULL;
}

size_t wg_index_count(const struct wg_index_table *t)
{
	return t->count;
}
