/* controlplane/host_view: a host gets its tenants (those with a port on
 * it) with all their subnets, ports and routes, and the other hosts holding
 * ports of those tenants; never anything about another tenant. */
#include "tests/unit/test_controlplane_fixture.h"

#include "controlplane/channel_view.h"
#include "controlplane/host_view.h"

/*   h1: acme/a1, beta/b1     h2: acme/a2     h3: gamma/g1     h4: (none)
 *   acme: subnet web, route 0/0 via a1; beta: subnet web (same CIDR);
 *   gamma: subnet db */
static void topology(struct fx *f)
{
	struct cp_route_req rr = { .tenant = "acme", .prefix = { 0, 0 }, .via = 0x0a000102u };
	struct cp_route r;

	fx_host(f, "h1", 1);
	fx_host(f, "h2", 2);
	fx_host(f, "h3", 3);
	fx_host(f, "h4", 4);
	fx_tenant(f, "acme", 0);
	fx_tenant(f, "beta", 0);
	fx_tenant(f, "gamma", 0);
	fx_subnet(f, "acme", "web", "10.0.1.0/24");
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	fx_subnet(f, "gamma", "db", "10.9.0.0/24");
	fx_port(f, "acme", "web", "a1", "h1");
	fx_port(f, "acme", "web", "a2", "h2");
	fx_port(f, "beta", "web", "b1", "h1");
	fx_port(f, "gamma", "db", "g1", "h3");
	assert_int_equal(cp_route_create(f->st, &rr, &r, &f->err), 0);
}

static json_t *view(struct fx *f, const char *host)
{
	json_t *v = NULL;

	if (cp_host_view(f->st, host, &v, &f->err) != 0)
		fail_msg("view %s: %s", host, f->err.message);
	return v;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Every tenant name that appears anywhere in the view. */
static bool mentions(json_t *v, const char *text)
{
	char *dump = json_dumps(v, 0);
	bool found = strstr(dump, text) != NULL;

	free(dump);
	return found;
}

static void test_h1_sees_acme_and_beta(void **state)
{
	struct fx *f = *state;
	json_t *v, *tenants, *acme, *peers;

	topology(f);
	v = view(f, "h1");
	assert_int_equal(json_integer_value(json_object_get(v, "revision")), fx_revision(f));
	assert_string_equal(str(json_object_get(v, "host"), "name"), "h1");
	tenants = json_object_get(v, "tenants");
	assert_int_equal(json_array_size(tenants), 2);
	acme = json_array_get(tenants, 0);
	assert_string_equal(str(acme, "name"), "acme");
	assert_string_equal(str(json_array_get(tenants, 1), "name"), "beta");
	assert_int_equal(json_array_size(json_object_get(acme, "subnets")), 1);
	assert_int_equal(json_array_size(json_object_get(acme, "ports")), 2); /* a2 is on h2 */
	assert_int_equal(json_array_size(json_object_get(acme, "routes")), 1);
	peers = json_object_get(v, "peers");
	assert_int_equal(json_array_size(peers), 1);
	assert_string_equal(str(json_array_get(peers, 0), "name"), "h2");
	assert_non_null(str(json_array_get(peers, 0), "public_key"));
	assert_non_null(str(json_array_get(peers, 0), "endpoint"));
	assert_false(mentions(v, "gamma"));
	assert_false(mentions(v, "\"h3\""));
	assert_false(mentions(v, "\"h4\""));
	json_decref(v);
}

static void test_h3_sees_only_gamma(void **state)
{
	struct fx *f = *state;
	json_t *v;

	topology(f);
	v = view(f, "h3");
	assert_int_equal(json_array_size(json_object_get(v, "tenants")), 1);
	assert_int_equal(json_array_size(json_object_get(v, "peers")), 0);
	assert_false(mentions(v, "acme"));
	assert_false(mentions(v, "beta"));
	assert_false(mentions(v, "10.0.1."));
	json_decref(v);
}

static void test_host_without_ports_sees_nothing(void **state)
{
	struct fx *f = *state;
	json_t *v;

	topology(f);
	v = view(f, "h4");
	assert_int_equal(json_array_size(json_object_get(v, "tenants")), 0);
	assert_int_equal(json_array_size(json_object_get(v, "peers")), 0);
	json_decref(v);
}

static void test_view_follows_changes(void **state)
{
	struct fx *f = *state;
	json_t *v;
	int64_t rev;

	topology(f);
	/* moving h2 out of acme removes it from h1's peers */
	assert_int_equal(cp_port_delete(f->st, "acme", "a2", &rev, &f->err), 0);
	v = view(f, "h1");
	assert_int_equal(json_array_size(json_object_get(v, "peers")), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "revision")), rev);
	json_decref(v);
	v = view(f, "h2");
	assert_int_equal(json_array_size(json_object_get(v, "tenants")), 0);
	json_decref(v);
}

static void test_unknown_host(void **state)
{
	struct fx *f = *state;
	json_t *v = NULL;

	assert_int_equal(cp_host_view(f->st, "ghost", &v, &f->err), -ENOENT);
	assert_null(v);
	assert_non_null(strstr(f->err.message, "unknown host"));
}

/* ---- partial views (cp_host_view_tenants) ------------------------------ */

#define R_HOSTS 5
#define R_TENANTS 6

static json_t *part(struct fx *f, const char *host, const char *const *names, size_t n)
{
	json_t *v = NULL;

	if (cp_host_view_tenants(f->st, host, names, n, &v, &f->err) != 0)
		fail_msg("partial view %s: %s", host, f->err.message);
	return v;
}

/* The whole view with "tenants" cut down to the named ones: what a partial
 * view must be, exactly. */
static json_t *slice(const json_t *whole, const char *const *names, size_t n)
{
	json_t *out = json_deep_copy(whole), *kept = json_array(), *t;
	size_t i, k;

	json_array_foreach(json_object_get(whole, "tenants"), i, t) {
		for (k = 0; k < n; k++)
			if (names[k] && !strcmp(names[k], str(t, "name")))
				break;
		if (k < n)
			json_array_append(kept, t);
	}
	json_object_set_new(out, "tenants", kept);
	return out;
}

static void assert_json_equal(const json_t *a, const json_t *b)
{
	char *x, *y;

	if (json_equal(a, b))
		return;
	x = json_dumps(a, JSON_SORT_KEYS);
	y = json_dumps(b, JSON_SORT_KEYS);
	fail_msg("views differ:\n%s\n%s", x, y);
}

static const char *tenant_name(unsigned i)
{
	static const char *const names[R_TENANTS] = { "t0", "t1", "t2", "t3", "t4", "t5" };

	return names[i % R_TENANTS];
}

static const char *host_name(unsigned i)
{
	static const char *const names[R_HOSTS] = { "h0", "h1", "h2", "h3", "h4" };

	return names[i % R_HOSTS];
}

static unsigned rnd(struct fx *f, unsigned n)
{
	uint8_t b[4];

	fx_fill(&f->rng_state, b, sizeof(b));
	return (unsigned)((b[0] | b[1] << 8 | (uint32_t)b[2] << 16) % n);
}

/* R_HOSTS hosts, R_TENANTS tenants with a subnet each, a route in t0 and t1
 * (their next hops are never deleted: port "keep" on h0). */
static void random_topology(struct fx *f)
{
	struct cp_route_req rr = { .prefix = { 0, 0 } };
	struct cp_route r;
	struct cp_port p;
	unsigned i;

	for (i = 0; i < R_HOSTS; i++)
		fx_host(f, host_name(i), i + 1);
	for (i = 0; i < R_TENANTS; i++) {
		fx_tenant(f, tenant_name(i), 0);
		fx_subnet(f, tenant_name(i), "net", "10.1.0.0/24");
	}
	for (i = 0; i < 2; i++) {
		p = fx_port(f, tenant_name(i), "net", "keep", "h0");
		snprintf(rr.tenant, sizeof(rr.tenant), "%s", tenant_name(i));
		rr.via = p.ip;
		assert_int_equal(cp_route_create(f->st, &rr, &r, &f->err), 0);
	}
}

struct placed {
	bool on;
	unsigned host;
};

/* Creates or deletes port "p<k>" of a random tenant; returns the tenant. */
static const char *random_change(struct fx *f, struct placed ports[R_TENANTS][8])
{
	unsigned t = rnd(f, R_TENANTS), k = rnd(f, 8), h = rnd(f, R_HOSTS);
	char name[16];
	int64_t rev;

	snprintf(name, sizeof(name), "p%u", k);
	if (ports[t][k].on) {
		assert_int_equal(cp_port_delete(f->st, tenant_name(t), name, &rev, &f->err), 0);
		ports[t][k].on = false;
	} else {
		fx_port(f, tenant_name(t), "net", name, host_name(h));
		ports[t][k] = (struct placed){ true, h };
	}
	return tenant_name(t);
}

static void test_partial_is_a_slice_of_the_whole(void **state)
{
	struct fx *f = *state;
	struct placed ports[R_TENANTS][8] = { 0 };
	const char *names[4];
	json_t *whole, *want, *got;
	unsigned round, h, n, i;

	random_topology(f);
	for (round = 0; round < 60; round++) {
		random_change(f, ports);
		for (h = 0; h < R_HOSTS; h++) {
			whole = view(f, host_name(h));
			/* any names: served or not, repeated, unknown, none at all */
			n = rnd(f, 5);
			for (i = 0; i < n; i++)
				names[i] = rnd(f, 8) == 0 ? "nosuch" : tenant_name(rnd(f, R_TENANTS));
			want = slice(whole, names, n);
			got = part(f, host_name(h), names, n);
			assert_json_equal(got, want);
			json_decref(want);
			json_decref(got);
			json_decref(whole);
		}
	}
}

static void test_partial_of_all_tenants_is_the_whole(void **state)
{
	struct fx *f = *state;
	const char *all[] = { "acme", "beta", "gamma" };
	json_t *whole, *got;

	topology(f);
	whole = view(f, "h1");
	got = part(f, "h1", all, FX_COUNT(all));
	assert_json_equal(got, whole);
	json_decref(got);
	json_decref(whole);
}

static void test_partial_unknown_host(void **state)
{
	struct fx *f = *state;
	const char *names[] = { "acme" };
	json_t *v = NULL;

	topology(f);
	assert_int_equal(cp_host_view_tenants(f->st, "ghost", names, 1, &v, &f->err), -ENOENT);
	assert_null(v);
}

static void assert_summaries_equal(const struct cp_view_summary *a,
				   const struct cp_view_summary *b)
{
	size_t i;

	assert_int_equal(a->revision, b->revision);
	assert_memory_equal(a->host, b->host, CP_VIEW_HASH_LEN);
	assert_int_equal(a->n_peers, b->n_peers);
	assert_int_equal(a->n_tenants, b->n_tenants);
	for (i = 0; i < a->n_peers; i++) {
		assert_string_equal(a->peers[i].name, b->peers[i].name);
		assert_memory_equal(a->peers[i].hash, b->peers[i].hash, CP_VIEW_HASH_LEN);
	}
	for (i = 0; i < a->n_tenants; i++) {
		assert_string_equal(a->tenants[i].name, b->tenants[i].name);
		assert_memory_equal(a->tenants[i].hash, b->tenants[i].hash, CP_VIEW_HASH_LEN);
	}
}

/* What the control channel does with a partial view: merge it into the
 * summary of the view last sent, send the delta. The agent's copy must end
 * up identical to the whole view, and the merged summary to the whole
 * view's summary. */
static void check_push(struct fx *f, unsigned h, json_t **held, const char *changed)
{
	struct cp_view_summary old, merged, fresh;
	json_t *p, *delta, *whole;

	assert_int_equal(cp_view_summarize(*held, &old), 0);
	p = part(f, host_name(h), &changed, 1);
	assert_int_equal(cp_view_summary_merge(&old, p, &changed, 1, &merged), 0);
	assert_int_equal(cp_view_delta(&old, p, &merged, &delta), 0);
	whole = view(f, host_name(h));
	assert_int_equal(cp_view_summarize(whole, &fresh), 0);
	assert_summaries_equal(&merged, &fresh);
	if (delta)
		assert_int_equal(cp_view_apply(*held, delta), 0);
	else /* only the revision moved: the agent keeps its copy */
		json_object_set(*held, "revision", json_object_get(whole, "revision"));
	assert_json_equal(*held, whole);
	json_decref(whole);
	json_decref(delta);
	json_decref(p);
	cp_view_summary_free(&old);
	cp_view_summary_free(&merged);
	cp_view_summary_free(&fresh);
}

static void test_partial_push_reproduces_the_whole(void **state)
{
	struct fx *f = *state;
	struct placed ports[R_TENANTS][8] = { 0 };
	json_t *held[R_HOSTS];
	const char *changed;
	unsigned round, h;

	random_topology(f);
	for (h = 0; h < R_HOSTS; h++)
		held[h] = view(f, host_name(h));
	for (round = 0; round < 120; round++) {
		changed = random_change(f, ports);
		for (h = 0; h < R_HOSTS; h++)
			check_push(f, h, &held[h], changed);
	}
	for (h = 0; h < R_HOSTS; h++)
		json_decref(held[h]);
}

static void test_summary_marks(void **state)
{
	struct cp_view_summary s = { 0 };

	(void)state;
	cp_view_summary_mark(&s, "acme");
	cp_view_summary_mark(&s, "beta");
	cp_view_summary_mark(&s, "acme");
	assert_int_equal(json_object_size(s.stale), 2);
	assert_false(s.stale_all);
	cp_view_summary_mark(&s, NULL);
	assert_true(s.stale_all);
	cp_view_summary_mark(&s, "gamma"); /* everything already covers it */
	assert_true(s.stale_all);
	cp_view_summary_clear_marks(&s);
	assert_false(s.stale_all);
	assert_null(s.stale);
	cp_view_summary_mark(&s, "acme");
	cp_view_summary_free(&s);
	assert_null(s.stale);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_h1_sees_acme_and_beta),
		FX_TEST(test_h3_sees_only_gamma),
		FX_TEST(test_host_without_ports_sees_nothing),
		FX_TEST(test_view_follows_changes),
		FX_TEST(test_unknown_host),
		FX_TEST(test_partial_is_a_slice_of_the_whole),
		FX_TEST(test_partial_of_all_tenants_is_the_whole),
		FX_TEST(test_partial_unknown_host),
		FX_TEST(test_partial_push_reproduces_the_whole),
		cmocka_unit_test(test_summary_marks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
