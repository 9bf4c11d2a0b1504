/* controlplane/state: every semantic rule of the desired state, against a
 * real store: unknown references, overlap within (not across) tenants, port
 * addresses, duplicates, VNIs, port kinds, referenced deletes, IPAM in the
 * store (a /24 holds 253 ports, then "subnet full"), and that a refusal
 * changes nothing. */
#include "tests/unit/test_controlplane_fixture.h"

#include "controlplane/mac.h"

static void base(struct fx *f)
{
	fx_tenant(f, "acme", 0);
	fx_host(f, "h1", 1);
	fx_subnet(f, "acme", "web", "10.0.1.0/24");
}

/* Expects rc and a message containing `words`, and no revision change. */
#define REFUSED(f, call, rc, words)                                                   \
	do {                                                                          \
		int64_t before_ = fx_revision(f);                                     \
		(f)->err.message[0] = '\0';                                           \
		assert_int_equal((call), (rc));                                       \
		if (!strstr((f)->err.message, (words)))                               \
			fail_msg("message \"%s\" lacks \"%s\"", (f)->err.message, (words)); \
		assert_int_equal(fx_revision(f), before_);                            \
	} while (0)

static void test_unknown_references(void **state)
{
	struct fx *f = *state;
	struct cp_subnet_req sr = fx_subnet_req("nope", "web", "10.0.1.0/24");
	struct cp_port_req pr;
	struct cp_route_req rr = { .tenant = "nope", .prefix = { 0, 0 }, .via = 0x0a000102u };
	struct cp_subnet s;
	struct cp_port p;
	struct cp_route r;
	int64_t rev;

	base(f);
	REFUSED(f, cp_subnet_create(f->st, &sr, &s, &f->err), -ENOENT, "unknown tenant \"nope\"");
	pr = fx_port_req("nope", "web", "p", "h1");
	REFUSED(f, cp_port_create(f->st, &f->rng, &pr, &p, &f->err), -ENOENT, "unknown tenant");
	pr = fx_port_req("acme", "db", "p", "h1");
	REFUSED(f, cp_port_create(f->st, &f->rng, &pr, &p, &f->err), -ENOENT,
		"unknown subnet \"db\" in tenant \"acme\"");
	pr = fx_port_req("acme", "web", "p", "h9");
	REFUSED(f, cp_port_create(f->st, &f->rng, &pr, &p, &f->err), -ENOENT,
		"unknown host \"h9\"");
	REFUSED(f, cp_route_create(f->st, &rr, &r, &f->err), -ENOENT, "unknown tenant");
	REFUSED(f, cp_host_delete(f->st, "h9", &rev, &f->err), -ENOENT, "unknown host");
	REFUSED(f, cp_tenant_delete(f->st, "nope", &rev, &f->err), -ENOENT, "unknown tenant");
	REFUSED(f, cp_subnet_delete(f->st, "acme", "db", &rev, &f->err), -ENOENT,
		"unknown subnet");
	REFUSED(f, cp_port_delete(f->st, "acme", "p", &rev, &f->err), -ENOENT, "unknown port");
	REFUSED(f, cp_route_delete(f->st, "acme", &rr.prefix, &rev, &f->err), -ENOENT,
		"unknown route 0.0.0.0/0");
}

static void test_subnet_overlap(void **state)
{
	struct fx *f = *state;
	static const char *const overlapping[] = { "10.0.0.0/16", "10.0.1.0/25", "10.0.1.128/30",
		"10.0.0.0/8" };
	struct cp_subnet s;

	base(f);
	for (size_t i = 0; i < FX_COUNT(overlapping); i++) {
		struct cp_subnet_req r = fx_subnet_req("acme", "other", overlapping[i]);

		REFUSED(f, cp_subnet_create(f->st, &r, &s, &f->err), -EEXIST,
			"overlaps subnet \"web\" (10.0.1.0/24)");
	}
	/* adjacent ranges do not overlap */
	fx_subnet(f, "acme", "db", "10.0.2.0/24");
	fx_subnet(f, "acme", "low", "10.0.0.0/24");
	/* the same range in another tenant is fine: tenants are isolated */
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	fx_subnet(f, "beta", "big", "10.1.0.0/16");
}

static void test_subnet_rules(void **state)
{
	struct fx *f = *state;
	struct cp_subnet_req r;
	struct cp_subnet s;

	base(f);
	r = fx_subnet_req("acme", "web", "10.0.9.0/24");
	REFUSED(f, cp_subnet_create(f->st, &r, &s, &f->err), -EEXIST, "already exists");
	r = fx_subnet_req("acme", "x", "10.0.9.0/31");
	REFUSED(f, cp_subnet_create(f->st, &r, &s, &f->err), -EINVAL, "prefix length");
	r = fx_subnet_req("acme", "x", "127.0.0.0/24");
	REFUSED(f, cp_subnet_create(f->st, &r, &s, &f->err), -EINVAL, "reserved");
	r = fx_subnet_req("acme", "x", "10.0.9.0/24");
	r.has_mtu = true;
	r.mtu = 100;
	REFUSED(f, cp_subnet_create(f->st, &r, &s, &f->err), -EINVAL, "MTU 100");
	r = fx_subnet_req("acme", "bad name", "10.0.9.0/24");
	REFUSED(f, cp_subnet_create(f->st, &r, &s, &f->err), -EINVAL, "subnet name");
	r = fx_subnet_req("acme", "x", "10.0.9.0/24");
	r.has_mtu = true;
	r.mtu = 9000;
	r.dhcp = false;
	assert_int_equal(cp_subnet_create(f->st, &r, &s, &f->err), 0);
	assert_int_equal(s.gateway, 0x0a000901u);
	assert_int_equal(s.mtu, 9000);
	assert_false(s.dhcp);
	assert_int_equal(cp_subnet_get(f->st, "acme", "web", &s, &f->err), 0);
	assert_int_equal(s.mtu, CP_MTU_DEFAULT);
	assert_true(s.dhcp);
	assert_int_equal(s.gateway, 0x0a000101u);
}

static void test_port_addresses(void **state)
{
	struct fx *f = *state;
	static const struct {
		uint32_t ip;
		const char *why;
	} bad[] = {
		{ 0x0a000100u, "network" }, { 0x0a000101u, "gateway" },
		{ 0x0a0001ffu, "broadcast" }, { 0x0a000201u, "outside subnet \"web\"" },
	};
	struct cp_port_req r = fx_port_req("acme", "web", "p", "h1");
	struct cp_port p;

	base(f);
	r.has_ip = true;
	for (size_t i = 0; i < FX_COUNT(bad); i++) {
		r.ip = bad[i].ip;
		REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EINVAL, bad[i].why);
	}
	r.ip = 0x0a000164u;
	assert_int_equal(cp_port_create(f->st, &f->rng, &r, &p, &f->err), 0);
	assert_int_equal(p.ip, 0x0a000164u);
	/* allocation skips the taken address... */
	p = fx_port(f, "acme", "web", "q", "h1");
	assert_int_equal(p.ip, 0x0a000102u);
	/* ...and a given duplicate is refused with the owner's name */
	r = fx_port_req("acme", "web", "r", "h1");
	r.has_ip = true;
	r.ip = 0x0a000102u;
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EEXIST,
		"IP 10.0.1.2 is already used by port \"q\"");
	/* the same address in another tenant is fine */
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	r = fx_port_req("beta", "web", "r", "h1");
	r.has_ip = true;
	r.ip = 0x0a000102u;
	assert_int_equal(cp_port_create(f->st, &f->rng, &r, &p, &f->err), 0);
}

static void test_port_macs(void **state)
{
	struct fx *f = *state;
	struct cp_port_req r = fx_port_req("acme", "web", "a", "h1");
	struct cp_port p, q;

	base(f);
	r.has_mac = true;
	memcpy(r.mac, (uint8_t[]){ 0x52, 0x54, 0x00, 1, 2, 3 }, 6);
	assert_int_equal(cp_port_create(f->st, &f->rng, &r, &p, &f->err), 0);
	assert_memory_equal(p.mac, r.mac, 6);
	snprintf(r.name, sizeof(r.name), "b");
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &q, &f->err), -EEXIST,
		"MAC 52:54:00:01:02:03 is already used by port \"a\"");
	r.mac[0] = 0x01;
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &q, &f->err), -EINVAL, "multicast");
	/* same MAC in another tenant: allowed */
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	r = fx_port_req("beta", "web", "a", "h1");
	r.has_mac = true;
	memcpy(r.mac, (uint8_t[]){ 0x52, 0x54, 0x00, 1, 2, 3 }, 6);
	assert_int_equal(cp_port_create(f->st, &f->rng, &r, &q, &f->err), 0);
	/* generated MACs: locally administered unicast and distinct */
	p = fx_port(f, "acme", "web", "g1", "h1");
	q = fx_port(f, "acme", "web", "g2", "h1");
	assert_true(cp_mac_is_local_unicast(p.mac));
	assert_true(cp_mac_is_local_unicast(q.mac));
	assert_memory_not_equal(p.mac, q.mac, 6);
}

/* An RNG that always draws the same bytes: the second generated MAC can
 * never be free. */
static void stuck_fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x42, len);
}

static void test_generated_mac_unique_across_tenants(void **state)
{
	struct fx *f = *state;
	struct cp_rng stuck = { stuck_fill, NULL };
	struct cp_port_req r = fx_port_req("acme", "web", "a", "h1");
	struct cp_port p;

	base(f);
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	assert_int_equal(cp_port_create(f->st, &stuck, &r, &p, &f->err), 0);
	r = fx_port_req("beta", "web", "a", "h1");
	REFUSED(f, cp_port_create(f->st, &stuck, &r, &p, &f->err), -EEXIST, "free MAC");
}

static void test_port_kinds(void **state)
{
	struct fx *f = *state;
	struct cp_port_req r = fx_port_req("acme", "web", "c", "h1");
	struct cp_port p;

	base(f);
	r.kind = CP_PORT_CONTAINER;
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EINVAL, "needs netns");
	snprintf(r.netns, sizeof(r.netns), "bad/ns");
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EINVAL, "netns");
	snprintf(r.netns, sizeof(r.netns), "ctr-1");
	assert_int_equal(cp_port_create(f->st, &f->rng, &r, &p, &f->err), 0);
	assert_string_equal(p.netns, "ctr-1");
	r = fx_port_req("acme", "web", "v", "h1");
	snprintf(r.netns, sizeof(r.netns), "ctr-1");
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EINVAL, "only for container");
	r.kind = 0;
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EINVAL, "kind");
	r = fx_port_req("acme", "web", "c", "h1");
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -EEXIST,
		"port \"c\" already exists");
	assert_int_equal(cp_port_get(f->st, "acme", "c", &p, &f->err), 0);
	assert_int_equal(p.kind, CP_PORT_CONTAINER);
}

static void test_ipam_fills_slash24_in_store(void **state)
{
	struct fx *f = *state;
	struct cp_port_req r;
	struct cp_port p;
	char name[16];
	int64_t rev;

	base(f);
	for (int i = 0; i < 253; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		p = fx_port(f, "acme", "web", name, "h1");
		assert_int_equal(p.ip, 0x0a000102u + (uint32_t)i);
	}
	r = fx_port_req("acme", "web", "one-too-many", "h1");
	REFUSED(f, cp_port_create(f->st, &f->rng, &r, &p, &f->err), -ENOSPC,
		"subnet full: all 253 addresses of subnet \"web\" (10.0.1.0/24) are in use");
	/* freeing one makes exactly that one available again */
	assert_int_equal(cp_port_delete(f->st, "acme", "p100", &rev, &f->err), 0);
	p = fx_port(f, "acme", "web", "again", "h1");
	assert_int_equal(p.ip, 0x0a000102u + 100);
}

static void test_vni(void **state)
{
	struct fx *f = *state;
	struct cp_tenant_req r = { .name = "c", .has_vni = true, .vni = 5 };
	struct cp_tenant t;
	int64_t rev;

	fx_tenant(f, "a", 0);
	fx_tenant(f, "b", 5);
	REFUSED(f, cp_tenant_create(f->st, &r, &t, &f->err), -EEXIST,
		"VNI 5 is in use by tenant \"b\"");
	r.vni = 0;
	REFUSED(f, cp_tenant_create(f->st, &r, &t, &f->err), -EINVAL, "out of range");
	r.vni = 16777216;
	REFUSED(f, cp_tenant_create(f->st, &r, &t, &f->err), -EINVAL, "out of range");
	r.has_vni = false;
	assert_int_equal(cp_tenant_create(f->st, &r, &t, &f->err), 0);
	assert_int_equal(t.vni, 2); /* lowest free: 1 (a), 2, ..., 5 (b) */
	assert_int_equal(cp_tenant_delete(f->st, "a", &rev, &f->err), 0);
	snprintf(r.name, sizeof(r.name), "d");
	assert_int_equal(cp_tenant_create(f->st, &r, &t, &f->err), 0);
	assert_int_equal(t.vni, 1);
	r = (struct cp_tenant_req){ .name = "top", .has_vni = true, .vni = 16777215 };
	assert_int_equal(cp_tenant_create(f->st, &r, &t, &f->err), 0);
	r = (struct cp_tenant_req){ .name = "e" };
	assert_int_equal(cp_tenant_create(f->st, &r, &t, &f->err), 0);
	assert_int_equal(t.vni, 3);
	r = (struct cp_tenant_req){ .name = "d" };
	REFUSED(f, cp_tenant_create(f->st, &r, &t, &f->err), -EEXIST, "already exists");
}

static void test_hosts(void **state)
{
	struct fx *f = *state;
	struct cp_host_req r = { .name = "h2", .endpoint = "[2001:db8::1]:51820" };
	struct cp_host h;

	fx_host(f, "h1", 1);
	fx_key(r.public_key, 1);
	REFUSED(f, cp_host_create(f->st, &r, &h, &f->err), -EEXIST,
		"public key is already used by host \"h1\"");
	fx_key(r.public_key, 2);
	snprintf(r.name, sizeof(r.name), "h1");
	REFUSED(f, cp_host_create(f->st, &r, &h, &f->err), -EEXIST, "host \"h1\" already exists");
	snprintf(r.name, sizeof(r.name), "h2");
	memset(r.public_key, 0, 32);
	REFUSED(f, cp_host_create(f->st, &r, &h, &f->err), -EINVAL, "zero key");
	fx_key(r.public_key, 2);
	snprintf(r.endpoint, sizeof(r.endpoint), "nowhere");
	REFUSED(f, cp_host_create(f->st, &r, &h, &f->err), -EINVAL, "endpoint");
	snprintf(r.endpoint, sizeof(r.endpoint), "[2001:db8::1]:51820");
	assert_int_equal(cp_host_create(f->st, &r, &h, &f->err), 0);
	assert_int_equal(cp_host_get(f->st, "h2", &h, &f->err), 0);
	assert_string_equal(h.endpoint, "[2001:db8::1]:51820");
	assert_memory_equal(h.public_key, r.public_key, 32);
}

static void test_routes(void **state)
{
	struct fx *f = *state;
	struct cp_route_req r = { .tenant = "acme", .via = 0x0a000102u };
	struct cp_route out;
	int64_t rev;

	base(f);
	cp_parse_prefix("192.168.0.0/16", "p", &r.prefix, NULL);
	REFUSED(f, cp_route_create(f->st, &r, &out, &f->err), -ENOENT,
		"via 10.0.1.2 is not the IP of any port in tenant \"acme\"");
	fx_port(f, "acme", "web", "router", "h1");
	assert_int_equal(cp_route_create(f->st, &r, &out, &f->err), 0);
	REFUSED(f, cp_route_create(f->st, &r, &out, &f->err), -EEXIST,
		"route 192.168.0.0/16 already exists");
	r.prefix.addr |= 1;
	REFUSED(f, cp_route_create(f->st, &r, &out, &f->err), -EINVAL, "host bits");
	/* a port of another tenant with that IP does not count */
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	fx_port(f, "beta", "web", "router", "h1");
	r = (struct cp_route_req){ .tenant = "beta", .via = 0x0a000103u };
	REFUSED(f, cp_route_create(f->st, &r, &out, &f->err), -ENOENT, "not the IP");
	cp_parse_prefix("192.168.0.0/16", "p", &r.prefix, NULL);
	assert_int_equal(cp_route_get(f->st, "acme", &r.prefix, &out, &f->err), 0);
	assert_int_equal(out.via, 0x0a000102u);
	assert_int_equal(cp_route_delete(f->st, "acme", &r.prefix, &rev, &f->err), 0);
	REFUSED(f, cp_route_get(f->st, "acme", &r.prefix, &out, &f->err), -ENOENT,
		"unknown route");
}

static void test_referenced_deletes_refused(void **state)
{
	struct fx *f = *state;
	struct cp_route_req rr = { .tenant = "acme", .prefix = { 0, 0 }, .via = 0x0a000102u };
	struct cp_route r;
	int64_t rev;

	base(f);
	fx_port(f, "acme", "web", "router", "h1");
	assert_int_equal(cp_route_create(f->st, &rr, &r, &f->err), 0);
	REFUSED(f, cp_host_delete(f->st, "h1", &rev, &f->err), -EBUSY, "still has 1 port(s)");
	REFUSED(f, cp_subnet_delete(f->st, "acme", "web", &rev, &f->err), -EBUSY,
		"still has 1 port(s)");
	REFUSED(f, cp_tenant_delete(f->st, "acme", &rev, &f->err), -EBUSY, "tenant \"acme\" still");
	REFUSED(f, cp_port_delete(f->st, "acme", "router", &rev, &f->err), -EBUSY,
		"next hop of route 0.0.0.0/0");
	/* in dependency order, everything goes */
	assert_int_equal(cp_route_delete(f->st, "acme", &rr.prefix, &rev, &f->err), 0);
	assert_int_equal(cp_port_delete(f->st, "acme", "router", &rev, &f->err), 0);
	assert_int_equal(cp_subnet_delete(f->st, "acme", "web", &rev, &f->err), 0);
	assert_int_equal(cp_tenant_delete(f->st, "acme", &rev, &f->err), 0);
	assert_int_equal(cp_host_delete(f->st, "h1", &rev, &f->err), 0);
	assert_int_equal(rev, 10);
}

static void test_ids_never_reused(void **state)
{
	struct fx *f = *state;
	struct cp_port p1, p2;
	int64_t rev;

	base(f);
	p1 = fx_port(f, "acme", "web", "a", "h1");
	assert_int_equal(cp_port_delete(f->st, "acme", "a", &rev, &f->err), 0);
	p2 = fx_port(f, "acme", "web", "a", "h1");
	assert_true(p2.id > p1.id);
	assert_int_equal(p2.ip, p1.ip);
}

struct names {
	char n[8][2 * CP_NAME_LEN];
	size_t count;
};

static int note_port(void *ctx, const struct cp_port *p)
{
	struct names *n = ctx;

	snprintf(n->n[n->count++], sizeof(n->n[0]), "%s/%s", p->tenant, p->name);
	return 0;
}

static void test_port_list_filters(void **state)
{
	struct fx *f = *state;
	struct names n = { 0 };

	base(f);
	fx_host(f, "h2", 2);
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	fx_port(f, "beta", "web", "z", "h1");
	fx_port(f, "acme", "web", "b", "h2");
	fx_port(f, "acme", "web", "a", "h1");
	assert_int_equal(cp_port_list(f->st, NULL, NULL, note_port, &n, &f->err), 0);
	assert_int_equal(n.count, 3);
	assert_string_equal(n.n[0], "acme/a");
	assert_string_equal(n.n[1], "acme/b");
	assert_string_equal(n.n[2], "beta/z");
	n.count = 0;
	assert_int_equal(cp_port_list(f->st, NULL, "h1", note_port, &n, &f->err), 0);
	assert_int_equal(n.count, 2);
	n.count = 0;
	assert_int_equal(cp_port_list(f->st, "acme", "h1", note_port, &n, &f->err), 0);
	assert_int_equal(n.count, 1);
	assert_int_equal(cp_port_list(f->st, "gamma", NULL, note_port, &n, &f->err), -ENOENT);
	assert_int_equal(cp_port_list(f->st, NULL, "h7", note_port, &n, &f->err), -ENOENT);
}

/* Each filtered list is exactly the unfiltered list with the others taken
 * out, in the same order (the filters choose different SQL). */
#define L_HOSTS 3
#define L_TENANTS 3
#define L_MAX 64

struct port_rows {
	struct cp_port p[L_MAX];
	size_t n;
};

static int keep_port(void *ctx, const struct cp_port *p)
{
	struct port_rows *r = ctx;

	assert_true(r->n < L_MAX);
	r->p[r->n++] = *p;
	return 0;
}

static void expect_filtered(struct fx *f, const struct port_rows *all, const char *tenant,
			    const char *host)
{
	struct port_rows got = { 0 };
	size_t i, k = 0;

	assert_int_equal(cp_port_list(f->st, tenant, host, keep_port, &got, &f->err), 0);
	for (i = 0; i < all->n; i++) {
		if ((tenant && strcmp(all->p[i].tenant, tenant)) ||
		    (host && strcmp(all->p[i].host, host)))
			continue;
		assert_true(k < got.n);
		assert_memory_equal(&got.p[k], &all->p[i], sizeof(got.p[k]));
		k++;
	}
	assert_int_equal(k, got.n);
}

static void test_port_list_filters_match_naive(void **state)
{
	static const char *const hosts[L_HOSTS] = { "h1", "h2", "h3" };
	static const char *const tenants[L_TENANTS] = { "acme", "beta", "zeta" };
	struct fx *f = *state;
	struct port_rows all = { 0 };
	char name[16];
	unsigned i, t, h;

	for (h = 0; h < L_HOSTS; h++)
		fx_host(f, hosts[h], h + 1);
	for (t = 0; t < L_TENANTS; t++) {
		fx_tenant(f, tenants[t], 0);
		fx_subnet(f, tenants[t], "web", "10.0.1.0/24");
	}
	/* names out of creation order, so sorting is visible */
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "p%02u", (i * 7) % 30);
		fx_port(f, tenants[(i * 5) % L_TENANTS], "web", name, hosts[(i * 11) % L_HOSTS]);
	}
	assert_int_equal(cp_port_list(f->st, NULL, NULL, keep_port, &all, &f->err), 0);
	assert_int_equal(all.n, 30);
	for (i = 1; i < all.n; i++) {
		int c = strcmp(all.p[i - 1].tenant, all.p[i].tenant);

		assert_true(c < 0 || (c == 0 && strcmp(all.p[i - 1].name, all.p[i].name) < 0));
	}
	for (t = 0; t <= L_TENANTS; t++)
		for (h = 0; h <= L_HOSTS; h++)
			expect_filtered(f, &all, t < L_TENANTS ? tenants[t] : NULL,
					h < L_HOSTS ? hosts[h] : NULL);
}

struct name_list {
	char n[8][2 * CP_NAME_LEN + 8];
	size_t count;
};

static int note_subnet(void *ctx, const struct cp_subnet *s)
{
	struct name_list *l = ctx;

	snprintf(l->n[l->count++], sizeof(l->n[0]), "%s/%s", s->tenant, s->name);
	return 0;
}

static int note_route(void *ctx, const struct cp_route *r)
{
	struct name_list *l = ctx;

	snprintf(l->n[l->count++], sizeof(l->n[0]), "%s/%u", r->tenant, r->prefix.len);
	return 0;
}

static void test_subnet_and_route_list_by_tenant(void **state)
{
	struct fx *f = *state;
	struct name_list l = { 0 };
	struct cp_route_req rr = { .tenant = "beta", .prefix = { 0xac100000u, 12 } };
	struct cp_route r;
	struct cp_port p;

	base(f);
	fx_tenant(f, "beta", 0);
	fx_subnet(f, "beta", "zz", "10.2.0.0/24");
	fx_subnet(f, "beta", "aa", "10.3.0.0/24");
	p = fx_port(f, "beta", "aa", "router", "h1");
	rr.via = p.ip;
	assert_int_equal(cp_route_create(f->st, &rr, &r, &f->err), 0);
	rr.prefix = (struct cp_prefix){ 0, 0 };
	assert_int_equal(cp_route_create(f->st, &rr, &r, &f->err), 0);
	assert_int_equal(cp_subnet_list(f->st, "beta", note_subnet, &l, &f->err), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.n[0], "beta/aa");
	assert_string_equal(l.n[1], "beta/zz");
	l.count = 0;
	assert_int_equal(cp_subnet_list(f->st, NULL, note_subnet, &l, &f->err), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.n[0], "acme/web");
	l.count = 0;
	assert_int_equal(cp_route_list(f->st, "acme", note_route, &l, &f->err), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(cp_route_list(f->st, "beta", note_route, &l, &f->err), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.n[0], "beta/0");   /* 0.0.0.0/0 sorts before 172.16/12 */
	assert_string_equal(l.n[1], "beta/12");
	assert_int_equal(cp_subnet_list(f->st, "gamma", note_subnet, &l, &f->err), -ENOENT);
	assert_int_equal(cp_route_list(f->st, "gamma", note_route, &l, &f->err), -ENOENT);
}

static int note_host_name(void *ctx, const struct cp_host *h)
{
	struct name_list *l = ctx;

	snprintf(l->n[l->count++], sizeof(l->n[0]), "%s", h->name);
	return 0;
}

/*   h1: acme, beta   h2: acme   h3: beta, beta   h4: gamma   h5: (none) */
static void test_host_peers(void **state)
{
	struct fx *f = *state;
	struct name_list l = { 0 };
	unsigned i;

	for (i = 1; i <= 5; i++) {
		char h[8];

		snprintf(h, sizeof(h), "h%u", i);
		fx_host(f, h, i);
	}
	fx_tenant(f, "acme", 0);
	fx_tenant(f, "beta", 0);
	fx_tenant(f, "gamma", 0);
	fx_subnet(f, "acme", "web", "10.0.1.0/24");
	fx_subnet(f, "beta", "web", "10.0.1.0/24");
	fx_subnet(f, "gamma", "web", "10.0.1.0/24");
	fx_port(f, "acme", "web", "a1", "h1");
	fx_port(f, "beta", "web", "b1", "h1");
	fx_port(f, "acme", "web", "a2", "h2");
	fx_port(f, "beta", "web", "b3", "h3");
	fx_port(f, "beta", "web", "b4", "h3");
	fx_port(f, "gamma", "web", "g1", "h4");
	assert_int_equal(cp_host_list_peers(f->st, "h1", note_host_name, &l, &f->err), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.n[0], "h2");
	assert_string_equal(l.n[1], "h3");   /* once, though it has two beta ports */
	l.count = 0;
	assert_int_equal(cp_host_list_peers(f->st, "h3", note_host_name, &l, &f->err), 0);
	assert_int_equal(l.count, 1);
	assert_string_equal(l.n[0], "h1");
	l.count = 0;
	assert_int_equal(cp_host_list_peers(f->st, "h4", note_host_name, &l, &f->err), 0);
	assert_int_equal(cp_host_list_peers(f->st, "h5", note_host_name, &l, &f->err), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(cp_host_list_peers(f->st, "h9", note_host_name, &l, &f->err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_unknown_references),
		FX_TEST(test_subnet_overlap),
		FX_TEST(test_subnet_rules),
		FX_TEST(test_port_addresses),
		FX_TEST(test_port_macs),
		FX_TEST(test_generated_mac_unique_across_tenants),
		FX_TEST(test_port_kinds),
		FX_TEST(test_ipam_fills_slash24_in_store),
		FX_TEST(test_vni),
		FX_TEST(test_hosts),
		FX_TEST(test_routes),
		FX_TEST(test_referenced_deletes_refused),
		FX_TEST(test_ids_never_reused),
		FX_TEST(test_port_list_filters),
		FX_TEST(test_port_list_filters_match_naive),
		FX_TEST(test_subnet_and_route_list_by_tenant),
		FX_TEST(test_host_peers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
