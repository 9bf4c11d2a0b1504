/* controlplane/token: join tokens are random, shown once, stored only as a
 * hash, spent exactly once (registering the host in the same transaction),
 * refused after expiry (the clock is an argument), and revocable. */
#include "tests/unit/test_controlplane_fixture.h"

#include "controlplane/token.h"

static struct cp_host_req host_req(const char *name, unsigned n)
{
	struct cp_host_req r = { 0 };

	snprintf(r.name, sizeof(r.name), "%s", name);
	fx_key(r.public_key, n);
	snprintf(r.endpoint, sizeof(r.endpoint), "198.51.100.%u:51820", n);
	return r;
}

static void test_create_format_and_hash_only(void **state)
{
	struct fx *f = *state;
	char a[CP_TOKEN_STR_LEN], b[CP_TOKEN_STR_LEN];
	struct cp_token ta, tb;
	sqlite3_stmt *stmt;
	int rows = 0;

	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 3600, a, &ta, &f->err), 0);
	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 3600, b, &tb, &f->err), 0);
	assert_int_equal(strlen(a), CP_TOKEN_STR_LEN - 1);
	assert_memory_equal(a, CP_TOKEN_PREFIX, strlen(CP_TOKEN_PREFIX));
	assert_string_not_equal(a, b);
	assert_int_equal(ta.expires_at, 4600);
	assert_int_equal(ta.revision, 1);
	assert_int_equal(tb.revision, 2);
	assert_int_equal(fx_revision(f), 2);
	/* nothing in the store contains the token text */
	assert_int_equal(sqlite3_prepare_v2(cp_store_db(f->st), "SELECT hash FROM tokens", -1,
					    &stmt, NULL), SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		rows++;
		assert_int_equal(sqlite3_column_bytes(stmt, 0), 32);
		assert_null(memmem(sqlite3_column_blob(stmt, 0), 32, a + 4, 8));
	}
	sqlite3_finalize(stmt);
	assert_int_equal(rows, 2);
}

static void test_ttl_bounds(void **state)
{
	struct fx *f = *state;
	char s[CP_TOKEN_STR_LEN];
	struct cp_token t;

	assert_int_equal(cp_token_create(f->st, &f->rng, 0, CP_TOKEN_TTL_MIN - 1, s, &t, &f->err),
			 -EINVAL);
	assert_int_equal(cp_token_create(f->st, &f->rng, 0, CP_TOKEN_TTL_MAX + 1, s, &t, &f->err),
			 -EINVAL);
	assert_non_null(strstr(f->err.message, "out of range"));
	assert_int_equal(fx_revision(f), 0);
}

static void test_redeem_once(void **state)
{
	struct fx *f = *state;
	char s[CP_TOKEN_STR_LEN];
	struct cp_token t;
	struct cp_host_req r = host_req("agent1", 1), r2 = host_req("agent2", 2);
	struct cp_host h;

	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 600, s, &t, &f->err), 0);
	assert_int_equal(cp_token_redeem(f->st, s, 1599, &r, &h, &f->err), 0);
	assert_string_equal(h.name, "agent1");
	assert_int_equal(cp_host_get(f->st, "agent1", &h, &f->err), 0);
	assert_int_equal(fx_revision(f), 2);
	assert_int_equal(cp_token_redeem(f->st, s, 1599, &r2, &h, &f->err), -EACCES);
	assert_non_null(strstr(f->err.message, "already used"));
	assert_int_equal(cp_host_get(f->st, "agent2", &h, &f->err), -ENOENT);
	assert_int_equal(fx_revision(f), 2);
}

static void test_redeem_expired(void **state)
{
	struct fx *f = *state;
	char s[CP_TOKEN_STR_LEN];
	struct cp_token t;
	struct cp_host_req r = host_req("agent1", 1);
	struct cp_host h;

	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 600, s, &t, &f->err), 0);
	assert_int_equal(cp_token_redeem(f->st, s, 1600, &r, &h, &f->err), -EACCES);
	assert_non_null(strstr(f->err.message, "expired"));
	assert_int_equal(cp_host_get(f->st, "agent1", &h, &f->err), -ENOENT);
}

static void test_redeem_bad_tokens(void **state)
{
	struct fx *f = *state;
	char s[CP_TOKEN_STR_LEN], forged[CP_TOKEN_STR_LEN];
	struct cp_token t;
	struct cp_host_req r = host_req("agent1", 1);
	struct cp_host h;

	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 600, s, &t, &f->err), 0);
	memcpy(forged, s, sizeof(forged));
	forged[10] = forged[10] == 'A' ? 'B' : 'A';
	assert_int_equal(cp_token_redeem(f->st, forged, 1001, &r, &h, &f->err), -EACCES);
	assert_non_null(strstr(f->err.message, "unknown"));
	assert_int_equal(cp_token_redeem(f->st, "", 1001, &r, &h, &f->err), -EACCES);
	assert_int_equal(cp_token_redeem(f->st, "tj1_short", 1001, &r, &h, &f->err), -EACCES);
	forged[10] = '!';
	assert_int_equal(cp_token_redeem(f->st, forged, 1001, &r, &h, &f->err), -EACCES);
	assert_non_null(strstr(f->err.message, "malformed"));
	/* the real one still works */
	assert_int_equal(cp_token_redeem(f->st, s, 1001, &r, &h, &f->err), 0);
}

static void test_redeem_refused_host_keeps_token(void **state)
{
	struct fx *f = *state;
	char s[CP_TOKEN_STR_LEN];
	struct cp_token t;
	struct cp_host_req dup = host_req("h1", 9), ok = host_req("agent1", 3);
	struct cp_host h;

	fx_host(f, "h1", 1);
	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 600, s, &t, &f->err), 0);
	assert_int_equal(cp_token_redeem(f->st, s, 1001, &dup, &h, &f->err), -EEXIST);
	/* the failed attempt did not spend it */
	assert_int_equal(cp_token_redeem(f->st, s, 1001, &ok, &h, &f->err), 0);
}

struct seen {
	struct cp_token t[4];
	size_t n;
};

static int note(void *ctx, const struct cp_token *t)
{
	struct seen *s = ctx;

	s->t[s->n++] = *t;
	return 0;
}

static void test_list_and_revoke(void **state)
{
	struct fx *f = *state;
	char a[CP_TOKEN_STR_LEN], b[CP_TOKEN_STR_LEN];
	struct cp_token ta, tb;
	struct cp_host_req r = host_req("agent1", 1);
	struct cp_host h;
	struct seen seen = { 0 };
	json_t *j;
	int64_t rev;

	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 600, a, &ta, &f->err), 0);
	assert_int_equal(cp_token_create(f->st, &f->rng, 1000, 600, b, &tb, &f->err), 0);
	assert_int_equal(cp_token_redeem(f->st, a, 1001, &r, &h, &f->err), 0);
	assert_int_equal(cp_token_list(f->st, note, &seen, &f->err), 0);
	assert_int_equal(seen.n, 2);
	assert_true(seen.t[0].used);
	assert_int_equal(seen.t[0].used_at, 1001);
	assert_string_equal(seen.t[0].host, "agent1");
	assert_false(seen.t[1].used);
	j = cp_token_to_json(&seen.t[1], 5000);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "expired");
	assert_null(json_object_get(j, "token"));
	json_decref(j);
	j = cp_token_to_json(&seen.t[0], 1001);
	assert_string_equal(json_string_value(json_object_get(j, "state")), "used");
	json_decref(j);

	assert_int_equal(cp_token_delete(f->st, tb.id, &rev, &f->err), 0);
	assert_int_equal(cp_token_redeem(f->st, b, 1002, &r, &h, &f->err), -EACCES);
	assert_int_equal(cp_token_delete(f->st, tb.id, &rev, &f->err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_create_format_and_hash_only),
		FX_TEST(test_ttl_bounds),
		FX_TEST(test_redeem_once),
		FX_TEST(test_redeem_expired),
		FX_TEST(test_redeem_bad_tokens),
		FX_TEST(test_redeem_refused_host_keeps_token),
		FX_TEST(test_list_and_revoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
