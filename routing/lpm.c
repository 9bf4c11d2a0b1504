/* Longest-prefix match: one path-compressed binary trie per address family.
 *
 * Every node carries a prefix (key, plen) whose host bits are zero. A node
 * either holds a value (a prefix the caller inserted) or is a "glue" node
 * that only exists because two stored prefixes diverge at its plen. Glue
 * nodes always have two children; a valueless node with fewer is spliced out
 * at once, so the trie never holds more than 2n - 1 nodes for n prefixes and
 * is empty again once everything is removed.
 *
 * A child sits in slot child[b], where b is the bit of its key just after the
 * parent's plen. Descending by that bit and checking each node's prefix is
 * the whole lookup: no allocation, at most 33 (IPv4) or 129 (IPv6) steps. */
#include "routing/lpm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define LPM_MAX_BYTES 16

struct lpm_node {
	struct lpm_node *child[2];
	struct lpm_node *parent;     /* NULL for a root */
	void *value;                 /* NULL: glue node */
	uint8_t key[LPM_MAX_BYTES];  /* masked to plen */
	uint8_t plen;
};

enum { FAM_V4, FAM_V6, FAM_COUNT };

struct lpm_table {
	struct lpm_node *root[FAM_COUNT];
	size_t count;                /* nodes holding a value, both families */
	size_t nodes;                /* all nodes, glue included */
};

static const int fam_af[FAM_COUNT] = { AF_INET, AF_INET6 };
static const uint8_t fam_bits[FAM_COUNT] = { 32, 128 };

static int fam_index(int family)
{
	if (family == AF_INET)
		return FAM_V4;
	if (family == AF_INET6)
		return FAM_V6;
	return -1;
}

/* Bit i of addr, counting from the most significant bit of byte 0. */
static unsigned bit_at(const uint8_t *addr, unsigned i)
{
	return (addr[i / 8] >> (7 - i % 8)) & 1;
}

static void mask_copy(uint8_t *dst, const uint8_t *src, unsigned plen)
{
	unsigned full = plen / 8;

	memset(dst, 0, LPM_MAX_BYTES);
	memcpy(dst, src, full);
	if (plen % 8)
		dst[full] = src[full] & (uint8_t)(0xff << (8 - plen % 8));
}

/* Length of the common leading bits of a and b, at most limit. */
static unsigned common_bits(const uint8_t *a, const uint8_t *b, unsigned limit)
{
	unsigned i;

	for (i = 0; i < limit; i += 8) {
		uint8_t x = a[i / 8] ^ b[i / 8];
		if (x) {
			i += (unsigned)__builtin_clz(x) - 24;
			break;
		}
	}
	return i < limit ? i : limit;
}

/* Does the node's prefix contain addr? */
static bool node_covers(const struct lpm_node *n, const uint8_t *addr)
{
	unsigned full = n->plen / 8, rest = n->plen % 8;

	if (memcmp(n->key, addr, full) != 0)
		return false;
	return rest == 0 || ((n->key[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static struct lpm_node *node_new(struct lpm_table *t, const uint8_t *key, uint8_t plen, void *value)
{
	struct lpm_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	t->nodes++;
	mask_copy(n->key, key, plen);
	n->plen = plen;
	n->value = value;
	return n;
}

static void node_free(struct lpm_table *t, struct lpm_node *n)
{
	t->nodes--;
	free(n);
}

static void link_child(struct lpm_node *parent, struct lpm_node *child)
{
	parent->child[bit_at(child->key, parent->plen)] = child;
	child->parent = parent;
}

/* The slot that points at n: its parent's child pointer or the root. */
static struct lpm_node **slot_of(struct lpm_table *t, int fam, struct lpm_node *n)
{
	if (!n->parent)
		return &t->root[fam];
	return &n->parent->child[bit_at(n->key, n->parent->plen)];
}

static bool args_ok(int fam, const uint8_t *addr, uint8_t plen)
{
	return fam >= 0 && addr && plen <= fam_bits[fam];
}

struct lpm_table *lpm_create(void)
{
	return calloc(1, sizeof(struct lpm_table));
}

static void free_subtree(struct lpm_node *n)
{
	while (n) {
		struct lpm_node *next;

		/* Rotate the left child up so the loop frees without recursion. */
		if (n->child[0]) {
			struct lpm_node *l = n->child[0];
			n->child[0] = l->child[1];
			l->child[1] = n;
			n = l;
			continue;
		}
		next = n->child[1];
		free(n);
		n = next;
	}
}

void lpm_destroy(struct lpm_table *t)
{
	if (!t)
		return;
	free_subtree(t->root[FAM_V4]);
	free_subtree(t->root[FAM_V6]);
	free(t);
}

/* Places a new node with prefix (key, plen) in *slot, above or beside the
 * node already there (old), with which it shares `common` bits. */
static int split_insert(struct lpm_table *t, struct lpm_node **slot, struct lpm_node *old,
			const uint8_t *key, uint8_t plen, unsigned common, void *value)
{
	struct lpm_node *parent = old->parent, *leaf, *glue;

	leaf = node_new(t, key, plen, value);
	if (!leaf)
		return -ENOMEM;
	if (common == plen) { /* the new prefix contains old */
		link_child(leaf, old);
		leaf->parent = parent;
		*slot = leaf;
		return 0;
	}
	glue = node_new(t, key, (uint8_t)common, NULL);
	if (!glue) {
		node_free(t, leaf);
		return -ENOMEM;
	}
	link_child(glue, old);
	link_child(glue, leaf);
	glue->parent = parent;
	*slot = glue;
	return 0;
}

int lpm_insert(struct lpm_table *t, int family, const uint8_t *addr, uint8_t plen, void *value)
{
	int fam = fam_index(family);
	struct lpm_node **slot, *parent = NULL;
	uint8_t key[LPM_MAX_BYTES];
	int rc;

	if (!t || !value || !args_ok(fam, addr, plen))
		return -EINVAL;
	mask_copy(key, addr, plen);
	slot = &t->root[fam];
	while (*slot) {
		struct lpm_node *n = *slot;
		unsigned common = common_bits(key, n->key, plen < n->plen ? plen : n->plen);

		if (common == n->plen && n->plen == plen) {
			t->count += n->value == NULL;
			n->value = value;
			return 0;
		}
		if (common < n->plen) {
			rc = split_insert(t, slot, n, key, plen, common, value);
			if (rc == 0)
				t->count++;
			return rc;
		}
		parent = n;
		slot = &n->child[bit_at(key, n->plen)];
	}
	*slot = node_new(t, key, plen, value);
	if (!*slot)
		return -ENOMEM;
	(*slot)->parent = parent;
	t->count++;
	return 0;
}

static struct lpm_node *find_exact(const struct lpm_table *t, int fam, const uint8_t *addr, uint8_t plen)
{
	struct lpm_node *n = t->root[fam];

	while (n && n->plen <= plen && node_covers(n, addr)) {
		if (n->plen == plen)
			return n;
		n = n->child[bit_at(addr, n->plen)];
	}
	return NULL;
}

/* Removes valueless nodes with fewer than two children, from n upwards:
 * freeing a leaf may leave its glue parent with a single child. */
static void compact(struct lpm_table *t, int fam, struct lpm_node *n)
{
	while (n && !n->value && !(n->child[0] && n->child[1])) {
		struct lpm_node *only = n->child[0] ? n->child[0] : n->child[1];
		struct lpm_node *parent = n->parent;

		*slot_of(t, fam, n) = only;
		if (only)
			only->parent = parent;
		node_free(t, n);
		n = parent;
	}
}

int lpm_remove(struct lpm_table *t, int family, const uint8_t *addr, uint8_t plen)
{
	int fam = fam_index(family);
	struct lpm_node *n;

	if (!t || !args_ok(fam, addr, plen))
		return -EINVAL;
	n = find_exact(t, fam, addr, plen);
	if (!n || !n->value)
		return -ENOENT;
	n->value = NULL;
	t->count--;
	compact(t, fam, n);
	return 0;
}

/* Post-order, so children are settled before their parent is judged. */
static size_t prune_value(struct lpm_table *t, int fam, struct lpm_node *n, const void *value)
{
	size_t removed = 0;

	if (!n)
		return 0;
	removed += prune_value(t, fam, n->child[0], value);
	removed += prune_value(t, fam, n->child[1], value);
	if (n->value == value) {
		n->value = NULL;
		removed++;
	}
	if (!n->value && !(n->child[0] && n->child[1])) {
		struct lpm_node *only = n->child[0] ? n->child[0] : n->child[1];

		*slot_of(t, fam, n) = only;
		if (only)
			only->parent = n->parent;
		node_free(t, n);
	}
	return removed;
}

size_t lpm_remove_by_value(struct lpm_table *t, const void *value)
{
	size_t removed = 0;
	int fam;

	if (!t || !value)
		return 0;
	for (fam = 0; fam < FAM_COUNT; fam++)
		removed += prune_value(t, fam, t->root[fam], value);
	t->count -= removed;
	return removed;
}

void *lpm_lookup(const struct lpm_table *t, int family, const uint8_t *addr)
{
	int fam = fam_index(family);
	const struct lpm_node *n;
	void *best = NULL;

	if (!t || fam < 0 || !addr)
		return NULL;
	n = t->root[fam];
	while (n && node_covers(n, addr)) {
		if (n->value)
			best = n->value;
		if (n->plen == fam_bits[fam])
			break;
		n = n->child[bit_at(addr, n->plen)];
	}
	return best;
}

void *lpm_get_exact(const struct lpm_table *t, int family, const uint8_t *addr, uint8_t plen)
{
	int fam = fam_index(family);
	const struct lpm_node *n;

	if (!t || !args_ok(fam, addr, plen))
		return NULL;
	n = find_exact(t, fam, addr, plen);
	return n ? n->value : NULL;
}

size_t lpm_count(const struct lpm_table *t)
{
	return t ? t->count : 0;
}

size_t lpm_node_count(const struct lpm_table *t)
{
	return t ? t->nodes : 0;
}

/* Pre-order with child[0] first is address order, and a prefix comes before
 * the longer prefixes it contains. Depth is bounded by 129. */
static int walk_node(int af, const struct lpm_node *n, const void *value, lpm_walk_fn fn, void *ctx)
{
	int rc;

	if (!n)
		return 0;
	if (n->value && (!value || n->value == value)) {
		rc = fn(af, n->key, n->plen, n->value, ctx);
		if (rc)
			return rc;
	}
	rc = walk_node(af, n->child[0], value, fn, ctx);
	if (rc)
		return rc;
	return walk_node(af, n->child[1], value, fn, ctx);
}

int lpm_walk(const struct lpm_table *t, const void *value, lpm_walk_fn fn, void *ctx)
{
	int fam, rc;

	if (!t || !fn)
		return -EINVAL;
	for (fam = 0; fam < FAM_COUNT; fam++) {
		rc = walk_node(fam_af[fam], t->root[fam], value, fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}
