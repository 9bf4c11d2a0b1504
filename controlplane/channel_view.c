/* View summaries, deltas and their application. */
#include "controlplane/channel_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define CANONICAL (JSON_COMPACT | JSON_SORT_KEYS)

/* ---- shape ------------------------------------------------------------- */

/* The name of a list entry: a non-empty string without NUL bytes. */
static const char *entry_name(const json_t *item)
{
	const json_t *n = json_object_get(item, "name");

	if (!json_is_object(item) || !json_is_string(n) || json_string_length(n) == 0 ||
	    strlen(json_string_value(n)) != json_string_length(n))
		return NULL;
	return json_string_value(n);
}

static bool tenant_shaped(const json_t *t)
{
	return json_is_array(json_object_get(t, "subnets")) &&
	       json_is_array(json_object_get(t, "ports")) &&
	       json_is_array(json_object_get(t, "routes"));
}

static bool entry_ok(const json_t *item, bool tenant)
{
	return entry_name(item) && (!tenant || tenant_shaped(item));
}

static bool list_ok(const json_t *arr, bool tenant)
{
	const char *prev = NULL, *name;
	const json_t *item;
	size_t i;

	if (!json_is_array(arr))
		return false;
	json_array_foreach(arr, i, item) {
		if (!entry_ok(item, tenant))
			return false;
		name = entry_name(item);
		if (prev && strcmp(prev, name) >= 0)
			return false;
		prev = name;
	}
	return true;
}

int cp_view_check(const json_t *view)
{
	const json_t *rev = json_object_get(view, "revision");

	if (!json_is_object(view) || !json_is_integer(rev) || json_integer_value(rev) < 0 ||
	    !entry_name(json_object_get(view, "host")) ||
	    !list_ok(json_object_get(view, "peers"), false) ||
	    !list_ok(json_object_get(view, "tenants"), true))
		return -EBADMSG;
	return 0;
}

/* ---- hashing ----------------------------------------------------------- */

static int hash_chunk(const char *data, size_t size, void *ctx)
{
	crypto_generichash_update(ctx, (const uint8_t *)data, size);
	return 0;
}

static int hash_json(crypto_generichash_state *h, const json_t *j)
{
	return json_dump_callback(j, hash_chunk, h, CANONICAL) < 0 ? -ENOMEM : 0;
}

static int object_hash(const json_t *j, uint8_t out[CP_VIEW_HASH_LEN])
{
	crypto_generichash_state h;
	int rc;

	crypto_generichash_init(&h, NULL, 0, CP_VIEW_HASH_LEN);
	rc = hash_json(&h, j);
	crypto_generichash_final(&h, out, CP_VIEW_HASH_LEN);
	return rc;
}

int cp_view_digest(const json_t *view, uint8_t out[CP_VIEW_DIGEST_LEN])
{
	static const char *const parts[] = { "host", "peers", "tenants" };
	crypto_generichash_state h;
	size_t i;
	int rc = cp_view_check(view);

	if (rc < 0)
		return rc;
	crypto_generichash_init(&h, NULL, 0, CP_VIEW_DIGEST_LEN);
	for (i = 0; rc == 0 && i < 3; i++)
		rc = hash_json(&h, json_object_get(view, parts[i]));
	crypto_generichash_final(&h, out, CP_VIEW_DIGEST_LEN);
	return rc;
}

/* ---- summaries --------------------------------------------------------- */

static size_t names_size(const json_t *arr)
{
	const json_t *item;
	size_t i, n = 0;

	json_array_foreach(arr, i, item)
		n += strlen(entry_name(item)) + 1;
	return n;
}

static int summarize_list(const json_t *arr, struct cp_view_entry *out, char **pos)
{
	const json_t *item;
	const char *name;
	size_t i, len;

	json_array_foreach(arr, i, item) {
		name = entry_name(item);
		len = strlen(name) + 1;
		memcpy(*pos, name, len);
		out[i].name = *pos;
		*pos += len;
		if (object_hash(item, out[i].hash) < 0)
			return -ENOMEM;
	}
	return 0;
}

int cp_view_summarize(const json_t *view, struct cp_view_summary *out)
{
	const json_t *peers = json_object_get(view, "peers");
	const json_t *tenants = json_object_get(view, "tenants");
	struct cp_view_summary s = { 0 };
	char *pos;
	int rc = cp_view_check(view);

	if (rc < 0)
		return rc;
	s.revision = json_integer_value(json_object_get(view, "revision"));
	s.n_peers = json_array_size(peers);
	s.n_tenants = json_array_size(tenants);
	/* +1: never a zero-byte malloc, so NULL always means failure */
	s.peers = malloc((s.n_peers + 1) * sizeof(*s.peers));
	s.tenants = malloc((s.n_tenants + 1) * sizeof(*s.tenants));
	s.arena = malloc(names_size(peers) + names_size(tenants) + 1);
	rc = -ENOMEM;
	if (!s.peers || !s.tenants || !s.arena)
		goto out;
	pos = s.arena;
	rc = object_hash(json_object_get(view, "host"), s.host);
	if (rc == 0)
		rc = summarize_list(peers, s.peers, &pos);
	if (rc == 0)
		rc = summarize_list(tenants, s.tenants, &pos);
out:
	if (rc < 0) {
		cp_view_summary_free(&s);
		return rc;
	}
	*out = s;
	return 0;
}

void cp_view_summary_free(struct cp_view_summary *s)
{
	free(s->peers);
	free(s->tenants);
	free(s->arena);
	json_decref(s->stale);
	memset(s, 0, sizeof(*s));
}

void cp_view_summary_mark(struct cp_view_summary *s, const char *tenant)
{
	if (s->stale_all)
		return;
	if (tenant && !s->stale)
		s->stale = json_object();
	if (!tenant || !s->stale || json_object_set_new(s->stale, tenant, json_true()) < 0) {
		cp_view_summary_clear_marks(s);
		s->stale_all = true;
	}
}

void cp_view_summary_clear_marks(struct cp_view_summary *s)
{
	json_decref(s->stale);
	s->stale = NULL;
	s->stale_all = false;
}

static bool named(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return true;
	return false;
}

static size_t entries_size(const struct cp_view_entry *e, size_t n)
{
	size_t i, size = 0;

	for (i = 0; i < n; i++)
		size += strlen(e[i].name) + 1;
	return size;
}

/* Appends entry e, its name copied into the arena at *pos. */
static void put_entry(struct cp_view_entry *out, size_t *k, const struct cp_view_entry *e,
		      char **pos)
{
	size_t len = strlen(e->name) + 1;

	memcpy(*pos, e->name, len);
	out[*k].name = *pos;
	memcpy(out[*k].hash, e->hash, CP_VIEW_HASH_LEN);
	*pos += len;
	(*k)++;
}

/* old's tenants that are not named, merged in name order with part's. */
static size_t merge_tenants(const struct cp_view_summary *old, const struct cp_view_summary *p,
			    const char *const *names, size_t n, struct cp_view_entry *out,
			    char **pos)
{
	size_t i = 0, j = 0, k = 0;

	for (;;) {
		while (i < old->n_tenants && named(names, n, old->tenants[i].name))
			i++;
		/* part holds only named tenants; anything else would be a duplicate */
		while (j < p->n_tenants && !named(names, n, p->tenants[j].name))
			j++;
		if (i == old->n_tenants && j == p->n_tenants)
			return k;
		if (j == p->n_tenants ||
		    (i < old->n_tenants && strcmp(old->tenants[i].name, p->tenants[j].name) < 0))
			put_entry(out, &k, &old->tenants[i++], pos);
		else
			put_entry(out, &k, &p->tenants[j++], pos);
	}
}

int cp_view_summary_merge(const struct cp_view_summary *old, const json_t *part,
			  const char *const *names, size_t n, struct cp_view_summary *out)
{
	struct cp_view_summary p, s = { 0 };
	size_t i, k = 0;
	char *pos;
	int rc = cp_view_summarize(part, &p);

	if (rc < 0)
		return rc;
	s.revision = p.revision;
	memcpy(s.host, p.host, CP_VIEW_HASH_LEN);
	s.peers = malloc((p.n_peers + 1) * sizeof(*s.peers));
	s.tenants = malloc((old->n_tenants + p.n_tenants + 1) * sizeof(*s.tenants));
	s.arena = malloc(entries_size(p.peers, p.n_peers) + entries_size(p.tenants, p.n_tenants) +
			 entries_size(old->tenants, old->n_tenants) + 1);
	rc = -ENOMEM;
	if (!s.peers || !s.tenants || !s.arena)
		goto out;
	pos = s.arena;
	for (i = 0; i < p.n_peers; i++)
		put_entry(s.peers, &k, &p.peers[i], &pos);
	s.n_peers = k;
	s.n_tenants = merge_tenants(old, &p, names, n, s.tenants, &pos);
	rc = 0;
out:
	cp_view_summary_free(&p);
	if (rc < 0) {
		cp_view_summary_free(&s);
		return rc;
	}
	*out = s;
	return 0;
}

static bool entries_have(const struct cp_view_entry *e, size_t n, const char *name)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(e[mid].name, name);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool cp_view_summary_has_tenant(const struct cp_view_summary *s, const char *name)
{
	return entries_have(s->tenants, s->n_tenants, name);
}

bool cp_view_summary_has_peer(const struct cp_view_summary *s, const char *name)
{
	return entries_have(s->peers, s->n_peers, name);
}

/* ---- deltas ------------------------------------------------------------ */

static const json_t *find_named(const json_t *arr, const char *name)
{
	size_t lo = 0, hi = json_array_size(arr), mid;
	const json_t *item;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		item = json_array_get(arr, mid);
		c = strcmp(entry_name(item), name);
		if (c == 0)
			return item;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}


/* {"set": [...], "removed": [...]} for one list, or NULL in *out when the
 * list did not change. arr is the new list, summarised in now. */
static int diff_list(const struct cp_view_entry *old, size_t n_old,
		     const struct cp_view_entry *now, size_t n_now, const json_t *arr,
		     json_t **out)
{
	json_t *set = json_array(), *removed = json_array();
	const json_t *item;
	size_t i = 0, j = 0;
	int c, rc = -ENOMEM;

	*out = NULL;
	if (!set || !removed)
		goto out;
	while (i < n_old || j < n_now) {
		c = i == n_old ? 1 : j == n_now ? -1 : strcmp(old[i].name, now[j].name);
		if (c < 0 && json_array_append_new(removed, json_string(old[i].name)) < 0)
			goto out;
		if (c > 0 || (c == 0 && memcmp(old[i].hash, now[j].hash, CP_VIEW_HASH_LEN))) {
			/* by name: a partial view holds only some of now's entries */
			item = find_named(arr, now[j].name);
			if (!item || json_array_append(set, (json_t *)item) < 0)
				goto out;
		}
		i += c <= 0;
		j += c >= 0;
	}
	rc = 0;
	if (json_array_size(set) || json_array_size(removed)) {
		*out = json_pack("{s:O, s:O}", "set", set, "removed", removed);
		rc = *out ? 0 : -ENOMEM;
	}
out:
	json_decref(set);
	json_decref(removed);
	return rc;
}

static int add_list(json_t *delta, const char *key, json_t *list)
{
	if (!list)
		return 0;
	return json_object_set_new(delta, key, list) < 0 ? -ENOMEM : 0;
}

int cp_view_delta(const struct cp_view_summary *old, const json_t *view,
		  const struct cp_view_summary *now, json_t **out)
{
	json_t *delta = json_pack("{s:I, s:I}", "from", (json_int_t)old->revision, "revision",
				  (json_int_t)now->revision);
	json_t *peers = NULL, *tenants = NULL;
	int rc = delta ? 0 : -ENOMEM;

	*out = NULL;
	if (rc == 0)
		rc = diff_list(old->peers, old->n_peers, now->peers, now->n_peers,
			       json_object_get(view, "peers"), &peers);
	if (rc == 0)
		rc = diff_list(old->tenants, old->n_tenants, now->tenants, now->n_tenants,
			       json_object_get(view, "tenants"), &tenants);
	if (rc == 0 && memcmp(old->host, now->host, CP_VIEW_HASH_LEN) &&
	    json_object_set(delta, "host", json_object_get(view, "host")) < 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = add_list(delta, "peers", peers);
	else
		json_decref(peers);
	if (rc == 0)
		rc = add_list(delta, "tenants", tenants);
	else
		json_decref(tenants);
	if (rc == 0 && json_object_size(delta) > 2) {
		*out = delta;
		return 0;
	}
	json_decref(delta);
	return rc;
}

/* ---- applying ---------------------------------------------------------- */

/* A list delta is well formed, names no entry twice, and removes only
 * entries that exist. seen collects the names. */
static int check_list_delta(const json_t *cur, const json_t *d, bool tenant, json_t *seen)
{
	const json_t *set = json_object_get(d, "set"), *removed = json_object_get(d, "removed");
	const json_t *item;
	const char *name;
	size_t i;

	if (!json_is_object(d) || !json_is_array(set) || !json_is_array(removed))
		return -EBADMSG;
	json_array_foreach(set, i, item) {
		if (!entry_ok(item, tenant))
			return -EBADMSG;
		name = entry_name(item);
		if (json_object_get(seen, name))
			return -EBADMSG;
		if (json_object_set_new(seen, name, json_true()) < 0)
			return -ENOMEM;
	}
	json_array_foreach(removed, i, item) {
		if (!json_is_string(item) || strlen(json_string_value(item)) !=
		    json_string_length(item))
			return -EBADMSG;
		name = json_string_value(item);
		if (json_object_get(seen, name) || !find_named(cur, name))
			return -EBADMSG;
		if (json_object_set_new(seen, name, json_false()) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(entry_name(*(json_t *const *)a), entry_name(*(json_t *const *)b));
}

/* The list after the delta: seen maps each name in the delta to true (set)
 * or false (removed). Both inputs are sorted; so is the result. */
static json_t *merge_list(const json_t *cur, const json_t *d, const json_t *seen)
{
	const json_t *set = json_object_get(d, "set"), *item;
	size_t n = json_array_size(set), i, k = 0;
	json_t **sorted = malloc((n + 1) * sizeof(*sorted));
	json_t *out = json_array();
	const char *name;
	int rc = sorted && out ? 0 : -ENOMEM;

	for (i = 0; rc == 0 && i < n; i++)
		sorted[i] = json_array_get(set, i);
	if (rc == 0)
		qsort(sorted, n, sizeof(*sorted), by_name);
	json_array_foreach(cur, i, item) {
		if (rc < 0)
			break;
		name = entry_name(item);
		while (rc == 0 && k < n && strcmp(entry_name(sorted[k]), name) < 0)
			rc = json_array_append(out, sorted[k++]);
		if (rc == 0 && !json_object_get(seen, name))
			rc = json_array_append(out, (json_t *)item);
	}
	while (rc == 0 && k < n)
		rc = json_array_append(out, sorted[k++]);
	free(sorted);
	if (rc < 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int apply_list(json_t *view, const char *key, const json_t *d, const json_t *seen)
{
	json_t *merged;

	if (!d)
		return 0;
	merged = merge_list(json_object_get(view, key), d, seen);
	if (!merged)
		return -ENOMEM;
	return json_object_set_new(view, key, merged) < 0 ? -ENOMEM : 0;
}

static int check_delta(const json_t *view, const json_t *delta, json_t *seen_peers,
		       json_t *seen_tenants)
{
	const json_t *from = json_object_get(delta, "from"), *rev = json_object_get(delta, "revision");
	const json_t *host = json_object_get(delta, "host");
	const json_t *peers = json_object_get(delta, "peers");
	const json_t *tenants = json_object_get(delta, "tenants");
	int rc = 0;

	if (!json_is_object(delta) || !json_is_integer(from) || !json_is_integer(rev) ||
	    json_integer_value(from) != json_integer_value(json_object_get(view, "revision")) ||
	    json_integer_value(rev) < json_integer_value(from))
		return -EBADMSG;
	if (host && !entry_name(host))
		return -EBADMSG;
	if (peers)
		rc = check_list_delta(json_object_get(view, "peers"), peers, false, seen_peers);
	if (rc == 0 && tenants)
		rc = check_list_delta(json_object_get(view, "tenants"), tenants, true,
				      seen_tenants);
	return rc;
}

int cp_view_apply(json_t *view, const json_t *delta)
{
	json_t *seen_peers = json_object(), *seen_tenants = json_object();
	const json_t *host = json_object_get(delta, "host");
	int rc = seen_peers && seen_tenants ? 0 : -ENOMEM;

	if (rc == 0)
		rc = cp_view_check(view);
	if (rc == 0)
		rc = check_delta(view, delta, seen_peers, seen_tenants);
	if (rc == 0)
		rc = apply_list(view, "peers", json_object_get(delta, "peers"), seen_peers);
	if (rc == 0)
		rc = apply_list(view, "tenants", json_object_get(delta, "tenants"), seen_tenants);
	if (rc == 0 && host && json_object_set(view, "host", (json_t *)host) < 0)
		rc = -ENOMEM;
	if (rc == 0 && json_object_set(view, "revision", json_object_get(delta, "revision")) < 0)
		rc = -ENOMEM;
	json_decref(seen_peers);
	json_decref(seen_tenants);
	return rc;
}
