/* The virtual switch's lookup table: open addressing with linear probing,
 * kept at most half full, deletion by backward shift (no tombstones, so a
 * miss stops at the first empty slot however long the table has lived). The
 * hash is keyed with the caller's seed so tenants cannot choose colliding
 * MACs or IPs to lengthen probe runs. */
#include "dataplane/vswitch_internal.h"

#include <errno.h>
#include <stdlib.h>

#define MIN_CAP 16

static uint64_t mix64(uint64_t x)
{
	/* SplitMix64's finaliser: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static size_t slot_of(const struct vs_table *t, struct vs_key key)
{
	return (size_t)mix64(key.a ^ mix64(key.b ^ t->seed)) & (t->cap - 1);
}

static bool key_eq(struct vs_key x, struct vs_key y)
{
	return x.a == y.a && x.b == y.b;
}

void vs_table_init(struct vs_table *t, uint64_t seed)
{
	t->slots = NULL;
	t->cap = 0;
	t->n = 0;
	t->seed = seed;
}

void vs_table_free(struct vs_table *t)
{
	free(t->slots);
	vs_table_init(t, t->seed);
}

static void insert_new(struct vs_table *t, struct vs_key key, void *val)
{
	size_t i = slot_of(t, key);

	while (t->slots[i].val)
		i = (i + 1) & (t->cap - 1);
	t->slots[i].key = key;
	t->slots[i].val = val;
	t->n++;
}

static int grow(struct vs_table *t)
{
	struct vs_table bigger = { .cap = t->cap ? t->cap * 2 : MIN_CAP, .seed = t->seed };

	if (bigger.cap < t->cap)
		return -ENOMEM;
	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slots[i].val)
			insert_new(&bigger, t->slots[i].key, t->slots[i].val);
	free(t->slots);
	*t = bigger;
	return 0;
}

void *vs_table_get(const struct vs_table *t, struct vs_key key)
{
	size_t i;

	if (!t->cap)
		return NULL;
	for (i = slot_of(t, key); t->slots[i].val; i = (i + 1) & (t->cap - 1))
		if (key_eq(t->slots[i].key, key))
			return t->slots[i].val;
	return NULL;
}

int vs_table_put(struct vs_table *t, struct vs_key key, void *val)
{
	int err;

	if (!val)
		return -EINVAL;
	if (vs_table_get(t, key))
		return -EEXIST;
	if ((t->n + 1) * 2 > t->cap) {
		err = grow(t);
		if (err)
			return err;
	}
	insert_new(t, key, val);
	return 0;
}

/* Whether slot `home` lies cyclically in (hole, i]: then the entry at i must
 * stay put, since moving it to the hole would put it before its home. */
static bool home_between(size_t hole, size_t home, size_t i)
{
	if (hole <= i)
		return hole < home && home <= i;
	return hole < home || home <= i;
}

void *vs_table_del(struct vs_table *t, struct vs_key key)
{
	size_t mask = t->cap - 1, hole, i;
	void *val;

	if (!t->cap)
		return NULL;
	for (hole = slot_of(t, key); t->slots[hole].val; hole = (hole + 1) & mask)
		if (key_eq(t->slots[hole].key, key))
			break;
	val = t->slots[hole].val;
	if (!val)
		return NULL;
	for (i = (hole + 1) & mask; t->slots[i].val; i = (i + 1) & mask) {
		if (home_between(hole, slot_of(t, t->slots[i].key), i))
			continue;
		t->slots[hole] = t->slots[i];
		hole = i;
	}
	t->slots[hole].val = NULL;
	t->n--;
	return val;
}
