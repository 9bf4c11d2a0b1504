/* routing/lpm: edge cases, then a randomized differential test against a
 * deliberately naive linear table on heavily overlapping prefixes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "routing/lpm.h"

static int v_a, v_b, v_c, v_d;

static const uint8_t *v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t buf[8][4];
	static unsigned next;
	uint8_t *p = buf[next++ % 8];

	p[0] = a; p[1] = b; p[2] = c; p[3] = d;
	return p;
}

static const uint8_t *v6(uint16_t first, uint16_t last)
{
	static uint8_t buf[8][16];
	static unsigned next;
	uint8_t *p = buf[next++ % 8];

	memset(p, 0, 16);
	p[0] = first >> 8; p[1] = first & 0xff;
	p[14] = last >> 8; p[15] = last & 0xff;
	return p;
}

/* Walk recorder ------------------------------------------------------------ */

struct seen {
	int family;
	uint8_t addr[16];
	uint8_t plen;
	void *value;
};

struct walk_log {
	struct seen *e;
	size_t n, cap;
	size_t stop_after;   /* 0: never stop */
};

static int record(int family, const uint8_t *addr, uint8_t plen, void *value, void *ctx)
{
	struct walk_log *log = ctx;

	if (log->n == log->cap) {
		log->cap = log->cap ? log->cap * 2 : 64;
		log->e = realloc(log->e, log->cap * sizeof(*log->e));
		assert_non_null(log->e);
	}
	memset(&log->e[log->n], 0, sizeof(log->e[0]));
	log->e[log->n].family = family;
	memcpy(log->e[log->n].addr, addr, family == AF_INET ? 4 : 16);
	log->e[log->n].plen = plen;
	log->e[log->n].value = value;
	log->n++;
	if (log->stop_after && log->n == log->stop_after)
		return 77;
	return 0;
}

/* Edge cases --------------------------------------------------------------- */

static void test_default_route(void **state)
{
	struct lpm_table *t = lpm_create();
	(void)state;

	assert_null(lpm_lookup(t, AF_INET, v4(1, 2, 3, 4)));
	assert_int_equal(lpm_insert(t, AF_INET, v4(0, 0, 0, 0), 0, &v_a), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(1, 2, 3, 4)), &v_a);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(255, 255, 255, 255)), &v_a);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(0, 0, 0, 0)), &v_a);
	/* The families are separate tables. */
	assert_null(lpm_lookup(t, AF_INET6, v6(0x2001, 1)));
	assert_int_equal(lpm_insert(t, AF_INET6, v6(0, 0), 0, &v_b), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET6, v6(0xfe80, 1)), &v_b);
	/* A more specific route wins over the default, and only inside it. */
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 0, 0, 0), 8, &v_c), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 9, 9, 9)), &v_c);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(11, 0, 0, 0)), &v_a);
	assert_int_equal(lpm_remove(t, AF_INET, v4(0, 0, 0, 0), 0), 0);
	assert_null(lpm_lookup(t, AF_INET, v4(11, 0, 0, 0)));
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 0, 0, 1)), &v_c);
	lpm_destroy(t);
}

static void test_host_routes(void **state)
{
	struct lpm_table *t = lpm_create();
	uint8_t a6[16];
	(void)state;

	assert_int_equal(lpm_insert(t, AF_INET, v4(192, 168, 1, 7), 32, &v_a), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(192, 168, 1, 7)), &v_a);
	assert_null(lpm_lookup(t, AF_INET, v4(192, 168, 1, 6)));
	assert_null(lpm_lookup(t, AF_INET, v4(192, 168, 1, 8)));
	assert_ptr_equal(lpm_get_exact(t, AF_INET, v4(192, 168, 1, 7), 32), &v_a);
	assert_null(lpm_get_exact(t, AF_INET, v4(192, 168, 1, 7), 31));

	memset(a6, 0xff, sizeof(a6));
	assert_int_equal(lpm_insert(t, AF_INET6, a6, 128, &v_b), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET6, a6), &v_b);
	a6[15] = 0xfe;
	assert_null(lpm_lookup(t, AF_INET6, a6));
	assert_int_equal(lpm_insert(t, AF_INET6, a6, 128, &v_c), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET6, a6), &v_c);
	a6[15] = 0xff;
	assert_ptr_equal(lpm_lookup(t, AF_INET6, a6), &v_b);
	/* A /127 covering both, then the /128s are removed: the /127 answers. */
	assert_int_equal(lpm_insert(t, AF_INET6, a6, 127, &v_d), 0);
	assert_int_equal(lpm_remove(t, AF_INET6, a6, 128), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET6, a6), &v_d);
	a6[15] = 0xfe;
	assert_ptr_equal(lpm_lookup(t, AF_INET6, a6), &v_c);
	assert_int_equal(lpm_count(t), 3);
	lpm_destroy(t);
}

static void test_host_bits_ignored(void **state)
{
	struct lpm_table *t = lpm_create();
	struct walk_log log = { 0 };
	(void)state;

	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 2, 3), 8, &v_a), 0);
	assert_ptr_equal(lpm_get_exact(t, AF_INET, v4(10, 0, 0, 0), 8), &v_a);
	assert_ptr_equal(lpm_get_exact(t, AF_INET, v4(10, 255, 0, 9), 8), &v_a);
	/* Same prefix written with other host bits: a replacement, not a second entry. */
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 7, 7, 7), 8, &v_b), 0);
	assert_int_equal(lpm_count(t), 1);
	assert_int_equal(lpm_walk(t, NULL, record, &log), 0);
	assert_int_equal(log.n, 1);
	assert_memory_equal(log.e[0].addr, v4(10, 0, 0, 0), 4);
	assert_int_equal(log.e[0].plen, 8);
	assert_int_equal(lpm_insert(t, AF_INET6, v6(0x2001, 0xabcd), 16, &v_c), 0);
	assert_ptr_equal(lpm_get_exact(t, AF_INET6, v6(0x2001, 0), 16), &v_c);
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 9, 9, 9), 8), 0);
	assert_int_equal(lpm_remove(t, AF_INET6, v6(0x2001, 0x1), 16), 0);
	assert_int_equal(lpm_count(t), 0);
	assert_int_equal(lpm_node_count(t), 0);
	free(log.e);
	lpm_destroy(t);
}

static void test_replace_value(void **state)
{
	struct lpm_table *t = lpm_create();
	(void)state;

	assert_int_equal(lpm_insert(t, AF_INET, v4(172, 16, 0, 0), 12, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(172, 16, 0, 0), 12, &v_b), 0);
	assert_int_equal(lpm_count(t), 1);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(172, 20, 1, 1)), &v_b);
	assert_int_equal(lpm_remove_by_value(t, &v_a), 0);
	assert_int_equal(lpm_remove_by_value(t, &v_b), 1);
	lpm_destroy(t);
}

static void test_remove_exact(void **state)
{
	struct lpm_table *t = lpm_create();
	(void)state;

	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 0, 0, 0), 8, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 0, 0), 16, &v_b), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 2, 0), 24, &v_c), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 1, 9, 9)), &v_b);
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 1, 0, 0), 16), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 1, 9, 9)), &v_a);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 1, 2, 9)), &v_c);
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 1, 0, 0), 16), -ENOENT);
	/* A prefix that only exists as an internal branch point is not stored. */
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 3, 0), 24, &v_d), 0);
	assert_null(lpm_get_exact(t, AF_INET, v4(10, 1, 2, 0), 23));
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 1, 2, 0), 23), -ENOENT);
	/* Same address, different length, and the other family: absent. */
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 0, 0, 0), 9), -ENOENT);
	assert_int_equal(lpm_remove(t, AF_INET6, v6(0x0a00, 0), 8), -ENOENT);
	assert_int_equal(lpm_count(t), 3);
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 1, 2, 0), 24), 0);
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 0, 0, 0), 8), 0);
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 1, 3, 3)), &v_d);
	assert_null(lpm_lookup(t, AF_INET, v4(10, 1, 2, 3)));
	assert_int_equal(lpm_remove(t, AF_INET, v4(10, 1, 3, 0), 24), 0);
	assert_int_equal(lpm_count(t), 0);
	assert_int_equal(lpm_node_count(t), 0);
	lpm_destroy(t);
}

static void test_remove_by_value(void **state)
{
	struct lpm_table *t = lpm_create();
	struct walk_log log = { 0 };
	(void)state;

	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 0, 0, 0), 8, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 0, 0), 16, &v_b), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 1, 0), 24, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET6, v6(0xfd00, 0), 8, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET6, v6(0xfd00, 1), 128, &v_b), 0);
	assert_int_equal(lpm_remove_by_value(t, &v_a), 3);
	assert_int_equal(lpm_count(t), 2);
	assert_null(lpm_lookup(t, AF_INET, v4(10, 2, 0, 0)));
	assert_ptr_equal(lpm_lookup(t, AF_INET, v4(10, 1, 1, 1)), &v_b);
	assert_null(lpm_lookup(t, AF_INET6, v6(0xfd00, 2)));
	assert_ptr_equal(lpm_lookup(t, AF_INET6, v6(0xfd00, 1)), &v_b);
	assert_int_equal(lpm_remove_by_value(t, &v_a), 0);
	assert_int_equal(lpm_remove_by_value(t, &v_c), 0);
	assert_int_equal(lpm_remove_by_value(t, NULL), 0);
	assert_int_equal(lpm_remove_by_value(t, &v_b), 2);
	assert_int_equal(lpm_count(t), 0);
	assert_int_equal(lpm_node_count(t), 0);
	assert_int_equal(lpm_walk(t, NULL, record, &log), 0);
	assert_int_equal(log.n, 0);
	lpm_destroy(t);
}

static void test_walk_order_and_filter(void **state)
{
	struct lpm_table *t = lpm_create();
	struct walk_log log = { 0 };
	(void)state;

	/* Inserted out of order, mixed families. */
	assert_int_equal(lpm_insert(t, AF_INET6, v6(0x2001, 0), 16, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(192, 168, 0, 0), 16, &v_b), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 1, 0, 0), 16, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 0, 0, 0), 24, &v_b), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(10, 0, 0, 0), 8, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET, v4(0, 0, 0, 0), 0, &v_c), 0);
	assert_int_equal(lpm_insert(t, AF_INET6, v6(0, 1), 128, &v_b), 0);

	assert_int_equal(lpm_walk(t, NULL, record, &log), 0);
	assert_int_equal(log.n, 7);
	assert_int_equal(log.e[0].family, AF_INET);
	assert_int_equal(log.e[0].plen, 0);
	assert_ptr_equal(log.e[0].value, &v_c);
	assert_memory_equal(log.e[1].addr, v4(10, 0, 0, 0), 4);
	assert_int_equal(log.e[1].plen, 8);
	assert_memory_equal(log.e[2].addr, v4(10, 0, 0, 0), 4);
	assert_int_equal(log.e[2].plen, 24);
	assert_memory_equal(log.e[3].addr, v4(10, 1, 0, 0), 4);
	assert_memory_equal(log.e[4].addr, v4(192, 168, 0, 0), 4);
	assert_int_equal(log.e[5].family, AF_INET6);
	assert_memory_equal(log.e[5].addr, v6(0, 1), 16);
	assert_int_equal(log.e[5].plen, 128);
	assert_memory_equal(log.e[6].addr, v6(0x2001, 0), 16);

	log.n = 0;
	assert_int_equal(lpm_walk(t, &v_a, record, &log), 0);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.e[0].plen, 8);
	assert_memory_equal(log.e[1].addr, v4(10, 1, 0, 0), 4);
	assert_int_equal(log.e[2].family, AF_INET6);

	/* A non-zero return stops the walk and is passed back. */
	log.n = 0;
	log.stop_after = 2;
	assert_int_equal(lpm_walk(t, NULL, record, &log), 77);
	assert_int_equal(log.n, 2);
	free(log.e);
	lpm_destroy(t);
}

static void test_count(void **state)
{
	struct lpm_table *t = lpm_create();
	unsigned i;
	(void)state;

	assert_int_equal(lpm_count(t), 0);
	for (i = 0; i < 256; i++)
		assert_int_equal(lpm_insert(t, AF_INET, v4(10, (uint8_t)i, 0, 0), 16, &v_a), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(lpm_insert(t, AF_INET6, v6((uint16_t)i, 0), 16, &v_b), 0);
	assert_int_equal(lpm_count(t), 356);
	assert_true(lpm_node_count(t) <= 2 * 356 - 1);
	for (i = 0; i < 256; i += 2)
		assert_int_equal(lpm_remove(t, AF_INET, v4(10, (uint8_t)i, 0, 0), 16), 0);
	assert_int_equal(lpm_count(t), 228);
	assert_true(lpm_node_count(t) <= 2 * 228 - 1);
	assert_int_equal(lpm_count(NULL), 0);
	lpm_destroy(t);
}

static int never_called(int family, const uint8_t *addr, uint8_t plen, void *value, void *ctx)
{
	(void)family; (void)addr; (void)plen; (void)value; (void)ctx;
	fail();
	return 0;
}

static void test_invalid_args(void **state)
{
	struct lpm_table *t = lpm_create();
	uint8_t a[16] = { 10 };
	(void)state;

	assert_int_equal(lpm_insert(NULL, AF_INET, a, 8, &v_a), -EINVAL);
	assert_int_equal(lpm_insert(t, AF_UNIX, a, 8, &v_a), -EINVAL);
	assert_int_equal(lpm_insert(t, 0, a, 8, &v_a), -EINVAL);
	assert_int_equal(lpm_insert(t, AF_INET, a, 33, &v_a), -EINVAL);
	assert_int_equal(lpm_insert(t, AF_INET6, a, 129, &v_a), -EINVAL);
	assert_int_equal(lpm_insert(t, AF_INET6, a, 255, &v_a), -EINVAL);
	assert_int_equal(lpm_insert(t, AF_INET, a, 8, NULL), -EINVAL);
	assert_int_equal(lpm_insert(t, AF_INET, NULL, 8, &v_a), -EINVAL);
	assert_int_equal(lpm_count(t), 0);
	assert_int_equal(lpm_remove(t, AF_INET, a, 33), -EINVAL);
	assert_int_equal(lpm_remove(t, AF_UNIX, a, 8), -EINVAL);
	assert_int_equal(lpm_remove(NULL, AF_INET, a, 8), -EINVAL);
	assert_int_equal(lpm_remove(t, AF_INET, NULL, 8), -EINVAL);
	assert_null(lpm_lookup(t, AF_UNIX, a));
	assert_null(lpm_lookup(NULL, AF_INET, a));
	assert_null(lpm_lookup(t, AF_INET, NULL));
	assert_null(lpm_get_exact(t, AF_INET, a, 40));
	assert_int_equal(lpm_remove_by_value(NULL, &v_a), 0);
	assert_int_equal(lpm_walk(NULL, NULL, never_called, NULL), -EINVAL);
	assert_int_equal(lpm_walk(t, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(lpm_walk(t, NULL, never_called, NULL), 0);
	/* The largest valid lengths are accepted. */
	assert_int_equal(lpm_insert(t, AF_INET, a, 32, &v_a), 0);
	assert_int_equal(lpm_insert(t, AF_INET6, a, 128, &v_a), 0);
	lpm_destroy(NULL);
	lpm_destroy(t);
}

/* Differential test ------------------------------------------------------- */

#define N_OPS      150000
#define N_BASES    6
#define N_VALUES   8

struct naive_entry {
	int family;
	uint8_t addr[16];
	uint8_t plen;
	void *value;
};

struct naive {
	struct naive_entry *e;
	size_t n, cap;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: seeded, reproducible */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

static void naive_mask(uint8_t *dst, const uint8_t *src, int family, unsigned plen)
{
	unsigned bits = family == AF_INET ? 32 : 128, i;

	memset(dst, 0, 16);
	for (i = 0; i < bits; i++)
		if (i < plen && (src[i / 8] & (0x80 >> (i % 8))))
			dst[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

static bool naive_contains(const struct naive_entry *e, int family, const uint8_t *addr)
{
	uint8_t m[16];

	if (e->family != family)
		return false;
	naive_mask(m, addr, family, e->plen);
	return memcmp(m, e->addr, 16) == 0;
}

static struct naive_entry *naive_find(struct naive *nv, int family, const uint8_t *addr, uint8_t plen)
{
	uint8_t m[16];
	size_t i;

	naive_mask(m, addr, family, plen);
	for (i = 0; i < nv->n; i++)
		if (nv->e[i].family == family && nv->e[i].plen == plen && memcmp(nv->e[i].addr, m, 16) == 0)
			return &nv->e[i];
	return NULL;
}

static void naive_insert(struct naive *nv, int family, const uint8_t *addr, uint8_t plen, void *value)
{
	struct naive_entry *e = naive_find(nv, family, addr, plen);

	if (e) {
		e->value = value;
		return;
	}
	if (nv->n == nv->cap) {
		nv->cap = nv->cap ? nv->cap * 2 : 256;
		nv->e = realloc(nv->e, nv->cap * sizeof(*nv->e));
		assert_non_null(nv->e);
	}
	e = &nv->e[nv->n++];
	e->family = family;
	naive_mask(e->addr, addr, family, plen);
	e->plen = plen;
	e->value = value;
}

static int naive_remove(struct naive *nv, int family, const uint8_t *addr, uint8_t plen)
{
	struct naive_entry *e = naive_find(nv, family, addr, plen);

	if (!e)
		return -ENOENT;
	*e = nv->e[--nv->n];
	return 0;
}

static size_t naive_remove_by_value(struct naive *nv, const void *value)
{
	size_t i = 0, removed = 0;

	while (i < nv->n) {
		if (nv->e[i].value == value) {
			nv->e[i] = nv->e[--nv->n];
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

static void *naive_lookup(const struct naive *nv, int family, const uint8_t *addr)
{
	const struct naive_entry *best = NULL;
	size_t i;

	for (i = 0; i < nv->n; i++)
		if (naive_contains(&nv->e[i], family, addr) && (!best || nv->e[i].plen > best->plen))
			best = &nv->e[i];
	return best ? best->value : NULL;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct naive_entry *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	c = memcmp(a->addr, b->addr, 16);
	if (c)
		return c;
	return (int)a->plen - (int)b->plen;
}

/* The table's walk must list exactly the naive entries, in (family, address,
 * length) order. */
static void check_walk_matches(struct lpm_table *t, struct naive *nv, const void *filter)
{
	struct walk_log log = { 0 };
	struct naive_entry *sorted = calloc(nv->n + 1, sizeof(*sorted));
	size_t i, n = 0;

	assert_non_null(sorted);
	for (i = 0; i < nv->n; i++)
		if (!filter || nv->e[i].value == filter)
			sorted[n++] = nv->e[i];
	qsort(sorted, n, sizeof(*sorted), entry_cmp);
	assert_int_equal(lpm_walk(t, filter, record, &log), 0);
	assert_int_equal(log.n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(log.e[i].family, sorted[i].family);
		assert_memory_equal(log.e[i].addr, sorted[i].addr, 16);
		assert_int_equal(log.e[i].plen, sorted[i].plen);
		assert_ptr_equal(log.e[i].value, sorted[i].value);
	}
	free(log.e);
	free(sorted);
}

struct pools {
	uint8_t base[2][N_BASES][16];
	int values[N_VALUES];
};

/* An address near one of a few bases: a handful of random bit flips, so
 * generated prefixes nest and diverge at every depth. */
static int random_addr(struct pools *p, uint8_t addr[16])
{
	int family = rnd(2) ? AF_INET : AF_INET6;
	unsigned bits = family == AF_INET ? 32 : 128;
	unsigned flips = rnd(4), i;

	memcpy(addr, p->base[family == AF_INET6][rnd(N_BASES)], 16);
	for (i = 0; i < flips; i++) {
		unsigned b = rnd(bits);
		addr[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	}
	if (rnd(50) == 0) /* now and then somewhere else entirely */
		for (i = 0; i < 16; i++)
			addr[i] = (uint8_t)rng();
	if (family == AF_INET)
		memset(addr + 4, 0xee, 12); /* bytes past an IPv4 address must not matter */
	return family;
}

static uint8_t random_plen(int family)
{
	unsigned bits = family == AF_INET ? 32 : 128;

	switch (rnd(4)) {
	case 0: return (uint8_t)bits;
	case 1: return (uint8_t)(bits - rnd(9));
	default: return (uint8_t)rnd(bits + 1);
	}
}

static void pools_init(struct pools *p)
{
	unsigned f, b, i;

	for (f = 0; f < 2; f++)
		for (b = 0; b < N_BASES; b++)
			for (i = 0; i < 16; i++)
				p->base[f][b][i] = (uint8_t)rng();
	/* Bases that share long prefixes with each other. */
	memcpy(p->base[0][1], p->base[0][0], 3);
	memcpy(p->base[1][1], p->base[1][0], 12);
}

static void diff_step(struct lpm_table *t, struct naive *nv, struct pools *p, size_t *counts)
{
	uint8_t addr[16];
	int family = random_addr(p, addr);
	uint8_t plen = random_plen(family);
	unsigned op = rnd(100);

	if (op < 38) {
		void *v = &p->values[rnd(N_VALUES)];
		assert_int_equal(lpm_insert(t, family, addr, plen, v), 0);
		naive_insert(nv, family, addr, plen, v);
		counts[0]++;
	} else if (op < 55) {
		if (nv->n && rnd(3)) { /* mostly remove something that exists */
			struct naive_entry *e = &nv->e[rnd((unsigned)nv->n)];
			family = e->family;
			plen = e->plen;
			memcpy(addr, e->addr, 16);
			addr[15] ^= (plen < 120 && family == AF_INET6) ? 1 : 0; /* host bits */
		}
		assert_int_equal(lpm_remove(t, family, addr, plen), naive_remove(nv, family, addr, plen));
		counts[1]++;
	} else if (op < 56) {
		void *v = &p->values[rnd(N_VALUES)];
		assert_int_equal(lpm_remove_by_value(t, v), naive_remove_by_value(nv, v));
		counts[2]++;
	} else if (op < 88) {
		void *want = naive_lookup(nv, family, addr);
		assert_ptr_equal(lpm_lookup(t, family, addr), want);
		counts[3]++;
		counts[5] += want != NULL;
	} else {
		struct naive_entry *e = naive_find(nv, family, addr, plen);
		assert_ptr_equal(lpm_get_exact(t, family, addr, plen), e ? e->value : NULL);
		counts[4]++;
	}
	assert_int_equal(lpm_count(t), nv->n);
}

static void test_differential(void **state)
{
	struct lpm_table *t = lpm_create();
	struct naive nv = { 0 };
	struct pools p;
	size_t counts[6] = { 0 }, i, peak = 0;
	(void)state;

	rng_state = 0x7e4e7c0ffee5eedULL;
	pools_init(&p);
	for (i = 0; i < N_OPS; i++) {
		diff_step(t, &nv, &p, counts);
		if (nv.n > peak)
			peak = nv.n;
		if (i % 5000 == 4999) {
			check_walk_matches(t, &nv, NULL);
			check_walk_matches(t, &nv, &p.values[rnd(N_VALUES)]);
			assert_true(lpm_node_count(t) <= (nv.n ? 2 * nv.n - 1 : 0));
		}
	}
	/* Every operation kind must really have been exercised. */
	for (i = 0; i < 5; i++)
		assert_true(counts[i] > 500);
	assert_true(peak > 100);
	assert_true(counts[5] > counts[3] / 4); /* lookups mostly land inside prefixes */

	/* Empty it: half by exact removal, the rest by value. */
	while (nv.n > peak / 4) {
		struct naive_entry e = nv.e[rnd((unsigned)nv.n)];
		assert_int_equal(lpm_remove(t, e.family, e.addr, e.plen), 0);
		assert_int_equal(naive_remove(&nv, e.family, e.addr, e.plen), 0);
		assert_ptr_equal(lpm_lookup(t, e.family, e.addr), naive_lookup(&nv, e.family, e.addr));
	}
	check_walk_matches(t, &nv, NULL);
	for (i = 0; i < N_VALUES; i++)
		assert_int_equal(lpm_remove_by_value(t, &p.values[i]), naive_remove_by_value(&nv, &p.values[i]));
	assert_int_equal(nv.n, 0);
	assert_int_equal(lpm_count(t), 0);
	assert_int_equal(lpm_node_count(t), 0);
	check_walk_matches(t, &nv, NULL);
	print_message("differential: %zu inserts, %zu removes, %zu by value, %zu lookups (%zu matched), %zu exact; peak %zu\n",
		      counts[0], counts[1], counts[2], counts[3], counts[5], counts[4], peak);
	free(nv.e);
	lpm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_route),
		cmocka_unit_test(test_host_routes),
		cmocka_unit_test(test_host_bits_ignored),
		cmocka_unit_test(test_replace_value),
		cmocka_unit_test(test_remove_exact),
		cmocka_unit_test(test_remove_by_value),
		cmocka_unit_test(test_walk_order_and_filter),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_invalid_args),
		cmocka_unit_test(test_differential),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
