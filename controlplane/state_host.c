/* Hosts: the machines running an agent, known by name and public key. */
#include <errno.h>
#include <string.h>

#include "controlplane/state.h"
#include "controlplane/state_query.h"
#include "controlplane/validate.h"
#include "tunnel/key.h"

#define HOST_COLUMNS "SELECT id, revision, name, public_key, endpoint FROM hosts "

static void host_from_row(sqlite3_stmt *row, struct cp_host *h)
{
	const void *key = sqlite3_column_blob(row, 3);

	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(row, 0);
	h->revision = sqlite3_column_int64(row, 1);
	cp_store_column_text(row, 2, h->name, sizeof(h->name));
	if (key && sqlite3_column_bytes(row, 3) == 32)
		memcpy(h->public_key, key, 32);
	cp_store_column_text(row, 4, h->endpoint, sizeof(h->endpoint));
}

struct each_host {
	cp_host_fn fn;
	void *ctx;
};

static int each_host_row(void *ctx, sqlite3_stmt *row)
{
	struct each_host *e = ctx;
	struct cp_host h;

	host_from_row(row, &h);
	return e->fn(e->ctx, &h);
}

static int copy_host(void *ctx, const struct cp_host *h)
{
	*(struct cp_host *)ctx = *h;
	return 0;
}

int cp_host_get(struct cp_store *st, const char *name, struct cp_host *out,
		struct cp_error *err)
{
	struct each_host e = { copy_host, out };
	struct cp_param p = CP_TEXT(name);
	int rc = cp_query(st, HOST_COLUMNS "WHERE name = ?1", &p, 1, each_host_row, &e, err);

	if (rc == 0)
		return cp_fail(err, ENOENT, "unknown host \"%s\"", name);
	return rc < 0 ? rc : 0;
}

int cp_host_list(struct cp_store *st, cp_host_fn fn, void *ctx, struct cp_error *err)
{
	struct each_host e = { fn, ctx };
	int rc = cp_query(st, HOST_COLUMNS "ORDER BY name", NULL, 0, each_host_row, &e, err);

	return rc < 0 ? rc : 0;
}

int cp_host_list_peers(struct cp_store *st, const char *host, cp_host_fn fn, void *ctx,
		       struct cp_error *err)
{
	struct each_host e = { fn, ctx };
	int64_t id;
	int rc = cp_host_id(st, host, &id, err);

	/* ports_by_host, then ports_by_tenant_host: index lookups only */
	if (rc == 0)
		rc = cp_query(st, HOST_COLUMNS "WHERE id != ?1 AND id IN (SELECT b.host_id "
			      "FROM ports a JOIN ports b ON b.tenant_id = a.tenant_id "
			      "WHERE a.host_id = ?1) ORDER BY name", &CP_NUM(id), 1, each_host_row,
			      &e, err);
	return rc < 0 ? rc : 0;
}

static int check_host_free(struct cp_store *st, const struct cp_host_req *req,
			   struct cp_error *err)
{
	struct cp_host other;
	struct each_host e = { copy_host, &other };
	sqlite3_stmt *stmt;
	int rc;

	if (cp_host_get(st, req->name, &other, NULL) == 0)
		return cp_fail(err, EEXIST, "host \"%s\" already exists", req->name);
	/* A blob parameter: bound by hand, cp_param carries text and numbers. */
	rc = cp_store_prepare(st, HOST_COLUMNS "WHERE public_key = ?1", &stmt, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_blob(stmt, 1, req->public_key, 32, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		each_host_row(&e, stmt);
		rc = cp_fail(err, EEXIST, "public key is already used by host \"%s\"", other.name);
	} else {
		rc = rc == SQLITE_DONE ? 0 : cp_store_fail(st, "find key", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

static int insert_host(struct cp_store *st, struct cp_host *h, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int rc = cp_store_prepare(st, "INSERT INTO hosts (revision, name, public_key, endpoint) "
				  "VALUES (?1, ?2, ?3, ?4)", &stmt, err);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, h->revision);
	sqlite3_bind_text(stmt, 2, h->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 3, h->public_key, 32, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, h->endpoint, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = cp_store_fail(st, "insert host", err);
	else
		h->id = sqlite3_last_insert_rowid(cp_store_db(st));
	sqlite3_finalize(stmt);
	return rc;
}

int cp_host_create_in_tx(struct cp_store *st, const struct cp_host_req *req,
			 struct cp_host *out, struct cp_error *err)
{
	struct cp_host h = { 0 };
	char endpoint[CP_ENDPOINT_LEN];
	int rc;

	rc = cp_parse_name(req->name, "host name", err);
	if (rc == 0)
		rc = cp_parse_endpoint(req->endpoint, endpoint, err);
	if (rc == 0 && wg_key_is_zero(req->public_key))
		rc = cp_fail(err, EINVAL, "public key is the zero key");
	if (rc == 0)
		rc = check_host_free(st, req, err);
	if (rc < 0)
		return rc;
	memcpy(h.name, req->name, sizeof(h.name));
	memcpy(h.public_key, req->public_key, 32);
	memcpy(h.endpoint, endpoint, sizeof(h.endpoint));
	rc = cp_store_record_change(st, CP_KIND_HOST, CP_OP_CREATE, NULL, h.name, &h.revision,
				    err);
	if (rc == 0)
		rc = insert_host(st, &h, err);
	if (rc == 0)
		*out = h;
	return rc;
}

int cp_host_create(struct cp_store *st, const struct cp_host_req *req, struct cp_host *out,
		   struct cp_error *err)
{
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_host_create_in_tx(st, req, out, err);
	return cp_finish(st, rc, err);
}

int cp_host_delete(struct cp_store *st, const char *name, int64_t *rev, struct cp_error *err)
{
	int64_t id, ports = 0;
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_host_id(st, name, &id, err);
	if (rc == 0)
		rc = cp_query_int(st, "SELECT COUNT(*) FROM ports WHERE host_id = ?1",
				  &CP_NUM(id), 1, &ports, err);
	if (rc == 0 && ports > 0)
		rc = cp_fail(err, EBUSY, "host \"%s\" still has %lld port(s); delete them first",
			     name, (long long)ports);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_HOST, CP_OP_DELETE, NULL, name, rev, err);
	if (rc == 0)
		rc = cp_exec(st, "DELETE FROM hosts WHERE id = ?1", &CP_NUM(id), 1, NULL, err);
	return cp_finish(st, rc, err);
}
