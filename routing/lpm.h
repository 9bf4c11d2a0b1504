/* Longest-prefix-match table for IPv4 and IPv6: a path-compressed binary trie
 * per family. Used for cryptokey routing (AllowedIPs), tenant route tables and
 * source checks. Pure: no I/O, no globals. Values are caller pointers and are
 * never dereferenced. */
#ifndef ROUTING_LPM_H
#define ROUTING_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lpm_table;

struct lpm_table *lpm_create(void);
void lpm_destroy(struct lpm_table *t);

/* family is AF_INET (addr 4 bytes, plen 0..32) or AF_INET6 (16 bytes, 0..128).
 * Host bits below plen are ignored. Inserting an existing prefix replaces its
 * value. Errors: -EINVAL (family/plen/value NULL), -ENOMEM. */
int lpm_insert(struct lpm_table *t, int family, const uint8_t *addr, uint8_t plen, void *value);
/* Removes exactly that prefix. -ENOENT if absent. */
int lpm_remove(struct lpm_table *t, int family, const uint8_t *addr, uint8_t plen);
/* Removes every prefix whose value is `value`; returns how many. */
size_t lpm_remove_by_value(struct lpm_table *t, const void *value);
/* The value of the longest prefix containing addr, NULL if none. */
void *lpm_lookup(const struct lpm_table *t, int family, const uint8_t *addr);
/* The value stored for exactly that prefix, NULL if none. */
void *lpm_get_exact(const struct lpm_table *t, int family, const uint8_t *addr, uint8_t plen);
size_t lpm_count(const struct lpm_table *t);
/* Nodes allocated, glue nodes included: at most 2 * lpm_count - 1, and 0
 * once the table is empty (for memory metrics and leak checks). */
size_t lpm_node_count(const struct lpm_table *t);

/* Calls fn for every prefix (IPv4 first, then IPv6, each in address order);
 * if value is not NULL, only for prefixes with that value. A non-zero return
 * from fn stops the walk and is returned. fn must not modify the table. */
typedef int (*lpm_walk_fn)(int family, const uint8_t *addr, uint8_t plen, void *value, void *ctx);
int lpm_walk(const struct lpm_table *t, const void *value, lpm_walk_fn fn, void *ctx);

#endif
