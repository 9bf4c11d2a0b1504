/* Parameter binding and row iteration for the state_*.c files. */
#include "controlplane/state_query.h"

#include <errno.h>

static int prepare_bound(struct cp_store *st, const char *sql, const struct cp_param *params,
			 size_t n, sqlite3_stmt **stmt, struct cp_error *err)
{
	size_t i;
	int rc = cp_store_acquire(st, sql, stmt, err);

	for (i = 0; rc == 0 && i < n; i++) {
		int col = (int)i + 1;

		if (params[i].is_num)
			rc = sqlite3_bind_int64(*stmt, col, params[i].num);
		else if (params[i].text)
			rc = sqlite3_bind_text(*stmt, col, params[i].text, -1, SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(*stmt, col);
		if (rc != SQLITE_OK)
			rc = cp_store_fail(st, "bind", err);
	}
	if (rc < 0) {
		cp_store_release(st, *stmt);
		*stmt = NULL;
	}
	return rc;
}

int cp_query(struct cp_store *st, const char *sql, const struct cp_param *params, size_t n,
	     cp_row_fn fn, void *ctx, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int rc = prepare_bound(st, sql, params, n, &stmt, err);
	int rows = 0, step;

	if (rc < 0)
		return rc;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		rows++;
		rc = fn(ctx, stmt);
		if (rc < 0)
			goto out;
	}
	rc = step == SQLITE_DONE ? rows : cp_store_fail(st, "query", err);
out:
	cp_store_release(st, stmt);
	return rc;
}

static int first_int(void *ctx, sqlite3_stmt *row)
{
	*(int64_t *)ctx = sqlite3_column_int64(row, 0);
	return -ECANCELED; /* one row is enough */
}

int cp_query_int(struct cp_store *st, const char *sql, const struct cp_param *params,
		 size_t n, int64_t *out, struct cp_error *err)
{
	int rc = cp_query(st, sql, params, n, first_int, out, err);

	if (rc == -ECANCELED)
		return 0;
	return rc < 0 ? rc : -ENOENT;
}

struct text_out {
	char *buf;
	size_t size;
};

static int first_text(void *ctx, sqlite3_stmt *row)
{
	struct text_out *t = ctx;

	cp_store_column_text(row, 0, t->buf, t->size);
	return -ECANCELED;
}

int cp_query_text(struct cp_store *st, const char *sql, const struct cp_param *params,
		  size_t n, char *out, size_t size, struct cp_error *err)
{
	struct text_out t = { out, size };
	int rc = cp_query(st, sql, params, n, first_text, &t, err);

	if (rc == -ECANCELED)
		return 0;
	return rc < 0 ? rc : -ENOENT;
}

int cp_exec(struct cp_store *st, const char *sql, const struct cp_param *params, size_t n,
	    int64_t *last_id, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int rc = prepare_bound(st, sql, params, n, &stmt, err);

	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = cp_store_fail(st, "write", err);
	else if (last_id)
		*last_id = sqlite3_last_insert_rowid(cp_store_db(st));
	cp_store_release(st, stmt);
	return rc;
}

static int name_to_id(struct cp_store *st, const char *sql, const char *what, const char *name,
		      int64_t *id, struct cp_error *err)
{
	struct cp_param p = CP_TEXT(name);
	int rc = cp_query_int(st, sql, &p, 1, id, err);

	if (rc == -ENOENT)
		return cp_fail(err, ENOENT, "unknown %s \"%s\"", what, name);
	return rc;
}

int cp_tenant_id(struct cp_store *st, const char *tenant, int64_t *id, struct cp_error *err)
{
	return name_to_id(st, "SELECT id FROM tenants WHERE name = ?1", "tenant", tenant, id, err);
}

int cp_host_id(struct cp_store *st, const char *host, int64_t *id, struct cp_error *err)
{
	return name_to_id(st, "SELECT id FROM hosts WHERE name = ?1", "host", host, id, err);
}

int cp_finish(struct cp_store *st, int rc, struct cp_error *err)
{
	if (rc == 0)
		rc = cp_store_commit(st, err);
	if (rc < 0)
		cp_store_rollback(st);
	return rc;
}
