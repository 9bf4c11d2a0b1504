/* Host views on the control channel: what the controller remembers about
 * the view it last sent each agent, the delta between that and a new view,
 * and how the agent applies a delta to its copy.
 *
 * A view (host_view.h) is {"revision", "host", "peers", "tenants"}; peers
 * and tenants are lists of objects sorted by "name" (byte order, as SQLite
 * sorts them), and every tenant carries its subnets, ports and routes. The
 * unit of change is one peer or one whole tenant: a delta carries each peer
 * and tenant that is new or differs, and the names of those that are gone.
 *
 *   {"from": R0, "revision": R1,
 *    "host": HOST,                                  only when it changed
 *    "peers":   {"set": [HOST...],   "removed": [NAME...]},   when any
 *    "tenants": {"set": [TENANT...], "removed": [NAME...]}}   when any
 *
 * The controller keeps only a summary per agent: a 128-bit BLAKE2b hash of
 * the canonical JSON of the host, each peer and each tenant (tens of bytes
 * per entry instead of the objects themselves). Pure; fuzzed.
 */
#ifndef CONTROLPLANE_CHANNEL_VIEW_H
#define CONTROLPLANE_CHANNEL_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "controlplane/channel_msg.h"

#define CP_VIEW_HASH_LEN 16

struct cp_view_entry {
	const char *name;                 /* points into the summary's arena */
	uint8_t hash[CP_VIEW_HASH_LEN];
};

struct cp_view_summary {
	int64_t revision;
	uint8_t host[CP_VIEW_HASH_LEN];
	struct cp_view_entry *peers;      /* sorted by name */
	size_t n_peers;
	struct cp_view_entry *tenants;    /* sorted by name */
	size_t n_tenants;
	char *arena;                      /* every name, NUL-terminated */
	/* Marks set by the server between sends: the tenants whose content may
	 * have changed since (a set of names), or everything. Not part of the
	 * view; freed with the summary. */
	json_t *stale;
	bool stale_all;
};

/* Checks the shape of a whole view: -EBADMSG unless it is an object with a
 * non-negative integer revision, a host object with a name, and peers and
 * tenants as arrays of named objects strictly ascending by name, each tenant
 * with subnets, ports and routes arrays. */
int cp_view_check(const json_t *view);

/* BLAKE2b-256 of the view's content without its revision: equal digests,
 * equal views. The agent sends it when it reconnects. */
int cp_view_digest(const json_t *view, uint8_t out[CP_VIEW_DIGEST_LEN]);

/* -EBADMSG (see cp_view_check) or -ENOMEM. */
int cp_view_summarize(const json_t *view, struct cp_view_summary *out);
void cp_view_summary_free(struct cp_view_summary *s);
bool cp_view_summary_has_tenant(const struct cp_view_summary *s, const char *name);
bool cp_view_summary_has_peer(const struct cp_view_summary *s, const char *name);

/* Marks a tenant (NULL: everything) as possibly changed. Out of memory
 * marks everything, which is always right. */
void cp_view_summary_mark(struct cp_view_summary *s, const char *tenant);
void cp_view_summary_clear_marks(struct cp_view_summary *s);

/* The summary of the view old describes with the named tenants replaced by
 * a partial view's (cp_host_view_tenants: the named tenants it holds, with
 * whole revision, host and peers). A named tenant absent from part is
 * dropped. *out has no marks. -EBADMSG (part malformed) or -ENOMEM. */
int cp_view_summary_merge(const struct cp_view_summary *old, const json_t *part,
			  const char *const *names, size_t n, struct cp_view_summary *out);

/* The delta from the view summarised in old to view (summarised in now).
 * view may be a partial view that now was merged from
 * (cp_view_summary_merge): every entry that differs from old is in it.
 * *out is NULL when nothing but the revision differs. -ENOMEM. */
int cp_view_delta(const struct cp_view_summary *old, const json_t *view,
		  const struct cp_view_summary *now, json_t **out);

/* Applies a delta to view in place. The delta is checked whole before
 * anything changes: -EBADMSG (and view untouched) when "from" is not the
 * view's revision, a removed name is unknown, a name appears twice, or an
 * object is malformed; -ENOMEM (view may be half-updated: drop it). */
int cp_view_apply(json_t *view, const json_t *delta);

#endif
