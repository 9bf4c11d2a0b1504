/* controlplane/host_view: a host gets its tenants (those with a port on
 * it) with all their subnets, ports and routes, and the other hosts holding
 * ports of those tenants; never anything about another tenant. */
#include "tests/unit/test_controlplane_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_h1_sees_acme_and_beta),
		FX_TEST(test_h3_sees_only_gamma),
		FX_TEST(test_host_without_ports_sees_nothing),
		FX_TEST(test_view_follows_changes),
		FX_TEST(test_unknown_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
