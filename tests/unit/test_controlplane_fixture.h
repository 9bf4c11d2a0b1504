/* Shared fixture for the controlplane unit tests: a fresh store in a
 * private temp directory per test, a seeded deterministic RNG, and one-line
 * helpers that create objects and assert success. */
#ifndef TEST_CONTROLPLANE_FIXTURE_H
#define TEST_CONTROLPLANE_FIXTURE_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "controlplane/mac.h"
#include "controlplane/state.h"
#include "controlplane/store.h"
#include "controlplane/validate.h"

struct fx {
	char dir[64];
	char db[96];
	struct cp_store *st;
	uint64_t rng_state;
	struct cp_rng rng;
	struct cp_error err;
};

/* xorshift64*: deterministic, so a failing test fails the same way twice. */
static inline void fx_fill(void *ctx, uint8_t *buf, size_t len)
{
	uint64_t *s = ctx;

	for (size_t i = 0; i < len; i++) {
		*s ^= *s >> 12;
		*s ^= *s << 25;
		*s ^= *s >> 27;
		buf[i] = (uint8_t)((*s * 0x2545F4914F6CDD1Dull) >> 56);
	}
}

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/h7-cp-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/state.db", f->dir);
	f->rng_state = 0x1234567887654321ull;
	f->rng = (struct cp_rng){ fx_fill, &f->rng_state };
	assert_int_equal(cp_store_open(f->db, &f->st, &f->err), 0);
	*state = f;
	return 0;
}

/* The one integer a single-row query (or PRAGMA) answers on the store. */
static inline int64_t fx_query_int(struct fx *f, const char *sql)
{
	sqlite3_stmt *stmt;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(cp_store_db(f->st), sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static inline void fx_reopen(struct fx *f)
{
	cp_store_close(f->st);
	f->st = NULL;
	assert_int_equal(cp_store_open(f->db, &f->st, &f->err), 0);
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	cp_store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

/* A distinct valid public key per n. */
static inline void fx_key(uint8_t key[32], unsigned n)
{
	memset(key, 0, 32);
	key[0] = (uint8_t)(n + 1);
	key[1] = (uint8_t)((n + 1) >> 8);
	key[31] = 0x42;
}

static inline void fx_host(struct fx *f, const char *name, unsigned n)
{
	struct cp_host_req r = { 0 };
	struct cp_host h;

	snprintf(r.name, sizeof(r.name), "%s", name);
	fx_key(r.public_key, n);
	snprintf(r.endpoint, sizeof(r.endpoint), "192.0.2.%u:51820", n % 250 + 1);
	if (cp_host_create(f->st, &r, &h, &f->err) != 0)
		fail_msg("host %s: %s", name, f->err.message);
}

static inline void fx_tenant(struct fx *f, const char *name, int64_t vni)
{
	struct cp_tenant_req r = { .has_vni = vni != 0, .vni = vni };
	struct cp_tenant t;

	snprintf(r.name, sizeof(r.name), "%s", name);
	if (cp_tenant_create(f->st, &r, &t, &f->err) != 0)
		fail_msg("tenant %s: %s", name, f->err.message);
}

static inline struct cp_subnet_req fx_subnet_req(const char *tenant, const char *name,
						 const char *cidr)
{
	struct cp_subnet_req r = { .dhcp = true };

	snprintf(r.tenant, sizeof(r.tenant), "%s", tenant);
	snprintf(r.name, sizeof(r.name), "%s", name);
	if (cp_parse_prefix(cidr, "cidr", &r.cidr, NULL) != 0)
		fail_msg("bad test cidr %s", cidr);
	return r;
}

static inline void fx_subnet(struct fx *f, const char *tenant, const char *name, const char *cidr)
{
	struct cp_subnet_req r = fx_subnet_req(tenant, name, cidr);
	struct cp_subnet s;

	if (cp_subnet_create(f->st, &r, &s, &f->err) != 0)
		fail_msg("subnet %s: %s", name, f->err.message);
}

static inline struct cp_port_req fx_port_req(const char *tenant, const char *subnet,
					     const char *name, const char *host)
{
	struct cp_port_req r = { .kind = CP_PORT_VM };

	snprintf(r.tenant, sizeof(r.tenant), "%s", tenant);
	snprintf(r.subnet, sizeof(r.subnet), "%s", subnet);
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.host, sizeof(r.host), "%s", host);
	return r;
}

static inline struct cp_port fx_port(struct fx *f, const char *tenant, const char *subnet,
				     const char *name, const char *host)
{
	struct cp_port_req r = fx_port_req(tenant, subnet, name, host);
	struct cp_port p;

	if (cp_port_create(f->st, &f->rng, &r, &p, &f->err) != 0)
		fail_msg("port %s: %s", name, f->err.message);
	return p;
}

static inline int64_t fx_revision(struct fx *f)
{
	int64_t rev = -1;

	assert_int_equal(cp_store_revision(f->st, &rev, &f->err), 0);
	return rev;
}

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
#define FX_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
