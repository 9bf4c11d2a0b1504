/* controlplane/store: the file is WAL with synchronous=FULL; the schema is
 * versioned and a newer file is refused; every change bumps the revision by
 * exactly one and logs (revision, kind, tenant, key, op); a refused or
 * rolled-back change leaves neither; the revision survives reopening and
 * "changes since R" is a range query. */
#include "tests/unit/test_controlplane_fixture.h"

#include "controlplane/state_query.h"

struct log {
	struct cp_change c[64];
	size_t n;
	size_t stop_after; /* 0: never */
};

static int collect(void *ctx, const struct cp_change *c)
{
	struct log *l = ctx;

	if (l->n < 64)
		l->c[l->n++] = *c;
	if (l->stop_after && l->n == l->stop_after)
		return -ECANCELED;
	return 0;
}

static void test_durability_settings(void **state)
{
	struct fx *f = *state;
	sqlite3_stmt *stmt;

	assert_int_equal(sqlite3_prepare_v2(cp_store_db(f->st), "PRAGMA journal_mode", -1, &stmt,
					    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	assert_int_equal(fx_query_int(f, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(fx_query_int(f, "PRAGMA foreign_keys"), 1);
	assert_int_equal(fx_query_int(f, "PRAGMA user_version"), CP_STORE_SCHEMA_VERSION);
}

static void test_new_store_at_zero(void **state)
{
	struct fx *f = *state;
	struct log l = { 0 };

	assert_int_equal(fx_revision(f), 0);
	assert_int_equal(cp_store_changes_since(f->st, 0, 100, collect, &l, &f->err), 0);
	assert_int_equal(l.n, 0);
}

static void test_each_change_bumps_once(void **state)
{
	struct fx *f = *state;
	struct log l = { 0 };
	int64_t rev;

	fx_tenant(f, "acme", 0);
	assert_int_equal(fx_revision(f), 1);
	fx_host(f, "h1", 1);
	fx_subnet(f, "acme", "web", "10.0.1.0/24");
	fx_port(f, "acme", "web", "p1", "h1");
	assert_int_equal(fx_revision(f), 4);
	assert_int_equal(cp_port_delete(f->st, "acme", "p1", &rev, &f->err), 0);
	assert_int_equal(rev, 5);
	assert_int_equal(fx_revision(f), 5);

	assert_int_equal(cp_store_changes_since(f->st, 0, 100, collect, &l, &f->err), 0);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(l.c[i].revision, (int64_t)i + 1);
	assert_int_equal(l.c[0].kind, CP_KIND_TENANT);
	assert_string_equal(l.c[0].tenant, "acme");
	assert_string_equal(l.c[0].key, "acme");
	assert_int_equal(l.c[1].kind, CP_KIND_HOST);
	assert_string_equal(l.c[1].tenant, "");
	assert_string_equal(l.c[1].key, "h1");
	assert_int_equal(l.c[2].kind, CP_KIND_SUBNET);
	assert_string_equal(l.c[2].key, "web");
	assert_int_equal(l.c[3].kind, CP_KIND_PORT);
	assert_int_equal(l.c[3].op, CP_OP_CREATE);
	assert_int_equal(l.c[4].kind, CP_KIND_PORT);
	assert_int_equal(l.c[4].op, CP_OP_DELETE);
	assert_string_equal(l.c[4].tenant, "acme");
	assert_string_equal(l.c[4].key, "p1");
}

static void test_refused_change_leaves_nothing(void **state)
{
	struct fx *f = *state;
	struct cp_tenant_req dup = { .name = "acme" };
	struct cp_subnet_req over = fx_subnet_req("acme", "b", "10.0.0.0/16");
	struct cp_tenant t;
	struct cp_subnet s;
	struct log l = { 0 };

	fx_tenant(f, "acme", 0);
	fx_subnet(f, "acme", "a", "10.0.1.0/24");
	assert_int_equal(cp_tenant_create(f->st, &dup, &t, &f->err), -EEXIST);
	assert_int_equal(cp_subnet_create(f->st, &over, &s, &f->err), -EEXIST);
	assert_int_equal(fx_revision(f), 2);
	assert_int_equal(cp_store_changes_since(f->st, 0, 100, collect, &l, &f->err), 0);
	assert_int_equal(l.n, 2);
	/* the store is usable afterwards: no transaction was left open */
	fx_subnet(f, "acme", "b", "10.0.2.0/24");
	assert_int_equal(fx_revision(f), 3);
}

static void test_rollback_undoes_everything(void **state)
{
	struct fx *f = *state;
	struct cp_tenant t;
	int64_t rev;

	assert_int_equal(cp_store_begin(f->st, &f->err), 0);
	assert_int_equal(cp_store_record_change(f->st, CP_KIND_TENANT, CP_OP_CREATE, "x", "x",
						&rev, &f->err), 0);
	assert_int_equal(rev, 1);
	assert_int_equal(sqlite3_exec(cp_store_db(f->st), "INSERT INTO tenants (revision, name, "
				      "vni) VALUES (1, 'x', 5)", NULL, NULL, NULL), SQLITE_OK);
	cp_store_rollback(f->st);
	assert_int_equal(fx_revision(f), 0);
	assert_int_equal(cp_tenant_get(f->st, "x", &t, &f->err), -ENOENT);
	cp_store_rollback(f->st); /* harmless when nothing is open */
}

static void test_record_outside_transaction_refused(void **state)
{
	struct fx *f = *state;
	int64_t rev;

	assert_int_equal(cp_store_record_change(f->st, CP_KIND_HOST, CP_OP_CREATE, NULL, "h",
						&rev, &f->err), -EINVAL);
	assert_int_equal(fx_revision(f), 0);
}

static void test_survives_reopen(void **state)
{
	struct fx *f = *state;
	struct cp_port p;
	struct log l = { 0 };

	fx_tenant(f, "acme", 7);
	fx_host(f, "h1", 1);
	fx_subnet(f, "acme", "web", "10.0.1.0/24");
	fx_port(f, "acme", "web", "p1", "h1");
	fx_reopen(f);
	assert_int_equal(fx_revision(f), 4);
	assert_int_equal(cp_port_get(f->st, "acme", "p1", &p, &f->err), 0);
	assert_int_equal(p.ip, 0x0a000102u);
	fx_tenant(f, "beta", 0);
	assert_int_equal(fx_revision(f), 5);
	assert_int_equal(cp_store_changes_since(f->st, 3, 100, collect, &l, &f->err), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.c[0].revision, 4);
	assert_int_equal(l.c[1].revision, 5);
	assert_string_equal(l.c[1].key, "beta");
}

static void test_changes_since_range_and_limit(void **state)
{
	struct fx *f = *state;
	char name[16];
	struct log l = { 0 };

	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		fx_tenant(f, name, 0);
	}
	assert_int_equal(cp_store_changes_since(f->st, 4, 3, collect, &l, &f->err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.c[0].revision, 5);
	assert_int_equal(l.c[2].revision, 7);
	l = (struct log){ .stop_after = 2 };
	assert_int_equal(cp_store_changes_since(f->st, 0, 100, collect, &l, &f->err), -ECANCELED);
	assert_int_equal(l.n, 2);
	l = (struct log){ 0 };
	assert_int_equal(cp_store_changes_since(f->st, 10, 100, collect, &l, &f->err), 0);
	assert_int_equal(l.n, 0);
}

static void test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	struct cp_store *st = NULL;
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", CP_STORE_SCHEMA_VERSION + 1);
	assert_int_equal(sqlite3_exec(cp_store_db(f->st), sql, NULL, NULL, NULL), SQLITE_OK);
	cp_store_close(f->st);
	f->st = NULL;
	assert_int_equal(cp_store_open(f->db, &st, &f->err), -EPROTO);
	assert_null(st);
	assert_non_null(strstr(f->err.message, "newer"));
	/* put it back so teardown has a store to close */
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", CP_STORE_SCHEMA_VERSION);
	{
		sqlite3 *db;

		assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	fx_reopen(f);
}

/* A file written by the first schema (version 1: everything but the
 * ports_by_tenant_host index) is upgraded in place on open, its content
 * kept, and the index is then used by the queries it was made for. */
static void test_version_1_file_upgraded(void **state)
{
	struct fx *f = *state;
	sqlite3_stmt *stmt;
	char plan[512] = "";
	int64_t before;

	fx_host(f, "h1", 1);
	fx_tenant(f, "acme", 0);
	fx_subnet(f, "acme", "web", "10.0.1.0/24");
	fx_port(f, "acme", "web", "a1", "h1");
	before = fx_revision(f);
	assert_int_equal(sqlite3_exec(cp_store_db(f->st), "DROP INDEX ports_by_tenant_host;"
				      "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
	fx_reopen(f);
	assert_int_equal(fx_query_int(f, "PRAGMA user_version"), CP_STORE_SCHEMA_VERSION);
	assert_int_equal(fx_query_int(f, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
				    "AND name = 'ports_by_tenant_host'"), 1);
	assert_int_equal(fx_revision(f), before);
	assert_int_equal(fx_query_int(f, "SELECT COUNT(*) FROM ports"), 1);
	/* the hosts of a tenant come from the index alone */
	assert_int_equal(sqlite3_prepare_v2(cp_store_db(f->st), "EXPLAIN QUERY PLAN SELECT "
					    "host_id FROM ports WHERE tenant_id = 1", -1, &stmt,
					    NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		strncat(plan, (const char *)sqlite3_column_text(stmt, 3),
			sizeof(plan) - strlen(plan) - 1);
	sqlite3_finalize(stmt);
	assert_non_null(strstr(plan, "COVERING INDEX ports_by_tenant_host"));
}

/* ---- the statement cache ----------------------------------------------- */

static const char *const TENANT_NAMES = "SELECT name FROM tenants ORDER BY name";

struct nested {
	struct fx *f;
	int outer, inner;
};

static int count_row(void *ctx, sqlite3_stmt *row)
{
	(void)row;
	(*(int *)ctx)++;
	return 0;
}

/* Runs the same statement again from inside its own row callback. */
static int nested_row(void *ctx, sqlite3_stmt *row)
{
	struct nested *n = ctx;

	(void)row;
	n->outer++;
	return cp_query(n->f->st, TENANT_NAMES, NULL, 0, count_row, &n->inner, NULL) == 3 ? 0
										    : -EIO;
}

static void test_cached_statement_reentrant(void **state)
{
	struct fx *f = *state;
	struct nested n = { f, 0, 0 };

	fx_tenant(f, "a", 0);
	fx_tenant(f, "b", 0);
	fx_tenant(f, "c", 0);
	assert_int_equal(cp_query(f->st, TENANT_NAMES, NULL, 0, nested_row, &n, &f->err), 3);
	assert_int_equal(n.outer, 3);
	assert_int_equal(n.inner, 9);
	/* and again, from the cache */
	n.outer = n.inner = 0;
	assert_int_equal(cp_query(f->st, TENANT_NAMES, NULL, 0, nested_row, &n, &f->err), 3);
	assert_int_equal(n.inner, 9);
}

/* A query stopped early (one row of many) leaves no statement running, so
 * it holds no read snapshot of the file. */
static void test_cached_statement_left_idle(void **state)
{
	struct fx *f = *state;
	sqlite3_stmt *s = NULL;
	int64_t one;

	fx_tenant(f, "a", 0);
	fx_tenant(f, "b", 0);
	assert_int_equal(cp_query_int(f->st, "SELECT vni FROM tenants ORDER BY vni", NULL, 0, &one,
				      &f->err), 0);
	assert_int_equal(one, 1);
	while ((s = sqlite3_next_stmt(cp_store_db(f->st), s)))
		assert_false(sqlite3_stmt_busy(s));
	assert_int_equal(sqlite3_get_autocommit(cp_store_db(f->st)), 1);
}

/* The cache is keyed by the SQL pointer, but a buffer reused for other SQL
 * must not hit. */
static void test_cached_statement_text_checked(void **state)
{
	struct fx *f = *state;
	char sql[32];
	int64_t v;

	snprintf(sql, sizeof(sql), "SELECT 1");
	assert_int_equal(cp_query_int(f->st, sql, NULL, 0, &v, &f->err), 0);
	assert_int_equal(v, 1);
	snprintf(sql, sizeof(sql), "SELECT 2");
	assert_int_equal(cp_query_int(f->st, sql, NULL, 0, &v, &f->err), 0);
	assert_int_equal(v, 2);
}

static void test_unopenable_path(void **state)
{
	struct fx *f = *state;
	struct cp_store *st = NULL;
	char path[128];

	snprintf(path, sizeof(path), "%s/missing-dir/state.db", f->dir);
	assert_int_equal(cp_store_open(path, &st, &f->err), -EIO);
	assert_null(st);
	assert_non_null(strstr(f->err.message, "cannot open"));
}

static void test_read_snapshot_is_stable(void **state)
{
	struct fx *f = *state;
	struct cp_store *other;
	int64_t rev;

	fx_tenant(f, "acme", 0);
	assert_int_equal(cp_store_open(f->db, &other, &f->err), 0);
	assert_int_equal(cp_store_begin_read(other, &f->err), 0);
	assert_int_equal(cp_store_revision(other, &rev, &f->err), 0);
	assert_int_equal(rev, 1);
	fx_tenant(f, "beta", 0); /* a writer commits meanwhile (WAL allows it) */
	assert_int_equal(cp_store_revision(other, &rev, &f->err), 0);
	assert_int_equal(rev, 1);
	cp_store_rollback(other);
	assert_int_equal(cp_store_revision(other, &rev, &f->err), 0);
	assert_int_equal(rev, 2);
	cp_store_close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_durability_settings),
		FX_TEST(test_new_store_at_zero),
		FX_TEST(test_each_change_bumps_once),
		FX_TEST(test_refused_change_leaves_nothing),
		FX_TEST(test_rollback_undoes_everything),
		FX_TEST(test_record_outside_transaction_refused),
		FX_TEST(test_survives_reopen),
		FX_TEST(test_changes_since_range_and_limit),
		FX_TEST(test_newer_schema_refused),
		FX_TEST(test_version_1_file_upgraded),
		FX_TEST(test_cached_statement_reentrant),
		FX_TEST(test_cached_statement_left_idle),
		FX_TEST(test_cached_statement_text_checked),
		FX_TEST(test_unopenable_path),
		FX_TEST(test_read_snapshot_is_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
