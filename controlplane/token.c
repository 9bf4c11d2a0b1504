/* Join tokens, stored hashed. */
#include "controlplane/token.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "controlplane/state_query.h"

#define TOKEN_B64_LEN 43 /* 32 bytes, base64url without padding */
#define PREFIX_LEN    (sizeof(CP_TOKEN_PREFIX) - 1)

_Static_assert(PREFIX_LEN + TOKEN_B64_LEN + 1 == CP_TOKEN_STR_LEN, "token text length");

/* Only the hash is stored: a copy of the database does not let anyone enrol. */
static void token_hash(const char *secret, uint8_t hash[32])
{
	crypto_generichash(hash, 32, (const uint8_t *)secret, strlen(secret), NULL, 0);
}

static bool token_well_formed(const char *s)
{
	size_t i;

	if (strnlen(s, CP_TOKEN_STR_LEN) != CP_TOKEN_STR_LEN - 1 ||
	    memcmp(s, CP_TOKEN_PREFIX, PREFIX_LEN))
		return false;
	for (i = PREFIX_LEN; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

static int insert_token(struct cp_store *st, const uint8_t hash[32], struct cp_token *t,
			struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int rc = cp_store_prepare(st, "INSERT INTO tokens (hash, created_at, expires_at) "
				  "VALUES (?1, ?2, ?3)", &stmt, err);

	if (rc < 0)
		return rc;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, t->created_at);
	sqlite3_bind_int64(stmt, 3, t->expires_at);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = cp_store_fail(st, "insert token", err);
	else
		t->id = sqlite3_last_insert_rowid(cp_store_db(st));
	sqlite3_finalize(stmt);
	return rc;
}

/* The change is logged under the token's id, known only after the insert. */
static int record_token(struct cp_store *st, struct cp_token *t, struct cp_error *err)
{
	char key[24];
	int rc;

	snprintf(key, sizeof(key), "%lld", (long long)t->id);
	rc = cp_store_record_change(st, CP_KIND_TOKEN, CP_OP_CREATE, NULL, key, &t->revision,
				    err);
	if (rc == 0) {
		struct cp_param p[] = { CP_NUM(t->revision), CP_NUM(t->id) };

		rc = cp_exec(st, "UPDATE tokens SET revision = ?1 WHERE id = ?2", p, 2, NULL, err);
	}
	return rc;
}

int cp_token_create(struct cp_store *st, const struct cp_rng *rng, int64_t now, int64_t ttl,
		    char secret[CP_TOKEN_STR_LEN], struct cp_token *out, struct cp_error *err)
{
	uint8_t raw[CP_TOKEN_SECRET_LEN], hash[32];
	struct cp_token t = { .created_at = now, .expires_at = now + ttl };
	int rc;

	if (ttl < CP_TOKEN_TTL_MIN || ttl > CP_TOKEN_TTL_MAX)
		return cp_fail(err, EINVAL, "token lifetime %lld s is out of range %d..%d s",
			       (long long)ttl, CP_TOKEN_TTL_MIN, CP_TOKEN_TTL_MAX);
	rng->fill(rng->ctx, raw, sizeof(raw));
	memcpy(secret, CP_TOKEN_PREFIX, PREFIX_LEN);
	sodium_bin2base64(secret + PREFIX_LEN, CP_TOKEN_STR_LEN - PREFIX_LEN, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	token_hash(secret, hash);
	rc = cp_store_begin(st, err);
	if (rc < 0)
		goto out;
	rc = insert_token(st, hash, &t, err);
	if (rc == 0)
		rc = record_token(st, &t, err);
	rc = cp_finish(st, rc, err);
	if (rc == 0)
		*out = t;
out:
	if (rc < 0)
		sodium_memzero(secret, CP_TOKEN_STR_LEN);
	return rc;
}

#define TOKEN_COLUMNS \
	"SELECT id, revision, created_at, expires_at, used_at IS NOT NULL, used_at, host " \
	"FROM tokens "

struct each_token {
	cp_token_fn fn;
	void *ctx;
};

static int each_token_row(void *ctx, sqlite3_stmt *row)
{
	struct each_token *e = ctx;
	struct cp_token t = { 0 };

	t.id = sqlite3_column_int64(row, 0);
	t.revision = sqlite3_column_int64(row, 1);
	t.created_at = sqlite3_column_int64(row, 2);
	t.expires_at = sqlite3_column_int64(row, 3);
	t.used = sqlite3_column_int(row, 4) != 0;
	t.used_at = sqlite3_column_int64(row, 5);
	cp_store_column_text(row, 6, t.host, sizeof(t.host));
	return e->fn(e->ctx, &t);
}

int cp_token_list(struct cp_store *st, cp_token_fn fn, void *ctx, struct cp_error *err)
{
	struct each_token e = { fn, ctx };
	int rc = cp_query(st, TOKEN_COLUMNS "ORDER BY id", NULL, 0, each_token_row, &e, err);

	return rc < 0 ? rc : 0;
}

int cp_token_delete(struct cp_store *st, int64_t id, int64_t *rev, struct cp_error *err)
{
	char key[24];
	int64_t found;
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_query_int(st, "SELECT id FROM tokens WHERE id = ?1", &CP_NUM(id), 1, &found, err);
	if (rc == -ENOENT)
		rc = cp_fail(err, ENOENT, "unknown token %lld", (long long)id);
	snprintf(key, sizeof(key), "%lld", (long long)id);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_TOKEN, CP_OP_DELETE, NULL, key, rev, err);
	if (rc == 0)
		rc = cp_exec(st, "DELETE FROM tokens WHERE id = ?1", &CP_NUM(id), 1, NULL, err);
	return cp_finish(st, rc, err);
}

struct token_state {
	int64_t id, expires_at;
	bool used;
};

static int read_state(void *ctx, sqlite3_stmt *row)
{
	struct token_state *s = ctx;

	s->id = sqlite3_column_int64(row, 0);
	s->expires_at = sqlite3_column_int64(row, 1);
	s->used = sqlite3_column_int(row, 2) != 0;
	return -ECANCELED;
}

/* Finds the token by hash and checks that it may still be spent. */
static int check_token(struct cp_store *st, const char *secret, int64_t now,
		       struct token_state *s, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	uint8_t hash[32];
	int rc, step;

	if (!token_well_formed(secret))
		return cp_fail(err, EACCES, "malformed join token");
	token_hash(secret, hash);
	rc = cp_store_prepare(st, "SELECT id, expires_at, used_at IS NOT NULL FROM tokens "
			      "WHERE hash = ?1",
			      &stmt, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_blob(stmt, 1, hash, 32, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		read_state(s, stmt);
	else if (step == SQLITE_DONE)
		rc = cp_fail(err, EACCES, "unknown join token");
	else
		rc = cp_store_fail(st, "find token", err);
	sqlite3_finalize(stmt);
	if (rc == 0 && s->used)
		rc = cp_fail(err, EACCES, "join token %lld was already used", (long long)s->id);
	if (rc == 0 && now >= s->expires_at)
		rc = cp_fail(err, EACCES, "join token %lld has expired", (long long)s->id);
	return rc;
}

int cp_token_redeem(struct cp_store *st, const char *secret, int64_t now,
		    const struct cp_host_req *host, struct cp_host *out, struct cp_error *err)
{
	struct token_state s = { 0 };
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = check_token(st, secret, now, &s, err);
	if (rc == 0)
		rc = cp_host_create_in_tx(st, host, out, err);
	if (rc == 0) {
		struct cp_param p[] = { CP_NUM(now), CP_TEXT(host->name), CP_NUM(s.id) };

		rc = cp_exec(st, "UPDATE tokens SET used_at = ?1, host = ?2 WHERE id = ?3", p, 3,
			     NULL, err);
	}
	return cp_finish(st, rc, err);
}

json_t *cp_token_to_json(const struct cp_token *t, int64_t now)
{
	const char *state = t->used ? "used" : now >= t->expires_at ? "expired" : "valid";

	return json_pack("{s:I, s:I, s:I, s:I, s:s, s:o, s:s?}", "id", (json_int_t)t->id,
			 "revision", (json_int_t)t->revision, "created_at",
			 (json_int_t)t->created_at, "expires_at", (json_int_t)t->expires_at,
			 "state", state, "used_at",
			 t->used ? json_integer(t->used_at) : json_null(),
			 "host", t->host[0] ? t->host : NULL);
}
