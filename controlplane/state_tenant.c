/* Tenants: isolated virtual networks, each with its own 24-bit VNI. */
#include <errno.h>
#include <string.h>

#include "controlplane/state.h"
#include "controlplane/state_query.h"
#include "controlplane/validate.h"

#define TENANT_COLUMNS "SELECT id, revision, name, vni FROM tenants "

struct each_tenant {
	cp_tenant_fn fn;
	void *ctx;
};

static int each_tenant_row(void *ctx, sqlite3_stmt *row)
{
	struct each_tenant *e = ctx;
	struct cp_tenant t = { 0 };

	t.id = sqlite3_column_int64(row, 0);
	t.revision = sqlite3_column_int64(row, 1);
	cp_store_column_text(row, 2, t.name, sizeof(t.name));
	t.vni = (uint32_t)sqlite3_column_int64(row, 3);
	return e->fn(e->ctx, &t);
}

static int copy_tenant(void *ctx, const struct cp_tenant *t)
{
	*(struct cp_tenant *)ctx = *t;
	return 0;
}

int cp_tenant_get(struct cp_store *st, const char *name, struct cp_tenant *out,
		  struct cp_error *err)
{
	struct each_tenant e = { copy_tenant, out };
	int rc = cp_query(st, TENANT_COLUMNS "WHERE name = ?1", &CP_TEXT(name), 1,
			  each_tenant_row, &e, err);

	if (rc == 0)
		return cp_fail(err, ENOENT, "unknown tenant \"%s\"", name);
	return rc < 0 ? rc : 0;
}

int cp_tenant_list(struct cp_store *st, cp_tenant_fn fn, void *ctx, struct cp_error *err)
{
	struct each_tenant e = { fn, ctx };
	int rc = cp_query(st, TENANT_COLUMNS "ORDER BY name", NULL, 0, each_tenant_row, &e, err);

	return rc < 0 ? rc : 0;
}

/* The lowest VNI not in use: 1 if free, else the lowest v + 1 that is free
 * (the unique index on vni makes each probe cheap). */
static int allocate_vni(struct cp_store *st, int64_t *vni, struct cp_error *err)
{
	int64_t v = 0;
	int rc = cp_query_int(st, "SELECT MIN(v) FROM ("
			      " SELECT 1 AS v WHERE NOT EXISTS (SELECT 1 FROM tenants WHERE vni = 1)"
			      " UNION ALL SELECT t.vni + 1 FROM tenants t WHERE t.vni < 16777215"
			      " AND NOT EXISTS (SELECT 1 FROM tenants u WHERE u.vni = t.vni + 1))",
			      NULL, 0, &v, err);

	if (rc < 0)
		return rc;
	if (v == 0) /* MIN over no rows is NULL, read as 0 */
		return cp_fail(err, ENOSPC, "no free VNI left (all %u are in use)", CP_VNI_MAX);
	*vni = v;
	return 0;
}

static int choose_vni(struct cp_store *st, const struct cp_tenant_req *req, int64_t *vni,
		      struct cp_error *err)
{
	char other[CP_NAME_LEN];
	int rc;

	if (!req->has_vni)
		return allocate_vni(st, vni, err);
	rc = cp_check_vni(req->vni, err);
	if (rc < 0)
		return rc;
	rc = cp_query_text(st, "SELECT name FROM tenants WHERE vni = ?1", &CP_NUM(req->vni), 1,
			   other, sizeof(other), err);
	if (rc == 0)
		return cp_fail(err, EEXIST, "VNI %lld is in use by tenant \"%s\"",
			       (long long)req->vni, other);
	if (rc != -ENOENT)
		return rc;
	*vni = req->vni;
	return 0;
}

int cp_tenant_create(struct cp_store *st, const struct cp_tenant_req *req,
		     struct cp_tenant *out, struct cp_error *err)
{
	struct cp_tenant t = { 0 };
	int64_t vni = 0;
	int rc = cp_parse_name(req->name, "tenant name", err);

	if (rc == 0)
		rc = cp_store_begin(st, err);
	if (rc < 0)
		return rc;
	if (cp_tenant_get(st, req->name, &t, NULL) == 0)
		rc = cp_fail(err, EEXIST, "tenant \"%s\" already exists", req->name);
	if (rc == 0)
		rc = choose_vni(st, req, &vni, err);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_TENANT, CP_OP_CREATE, req->name, req->name,
					    &t.revision, err);
	if (rc == 0) {
		struct cp_param p[] = { CP_NUM(t.revision), CP_TEXT(req->name), CP_NUM(vni) };

		rc = cp_exec(st, "INSERT INTO tenants (revision, name, vni) VALUES (?1, ?2, ?3)",
			     p, 3, &t.id, err);
	}
	rc = cp_finish(st, rc, err);
	if (rc == 0) {
		memcpy(t.name, req->name, sizeof(t.name));
		t.vni = (uint32_t)vni;
		*out = t;
	}
	return rc;
}

/* "3 subnet(s)" style counts of what still refers to a tenant. */
static int check_tenant_unused(struct cp_store *st, int64_t id, const char *name,
			       struct cp_error *err)
{
	static const struct {
		const char *sql, *what;
	} refs[] = {
		{ "SELECT COUNT(*) FROM ports WHERE tenant_id = ?1", "port" },
		{ "SELECT COUNT(*) FROM routes WHERE tenant_id = ?1", "route" },
		{ "SELECT COUNT(*) FROM subnets WHERE tenant_id = ?1", "subnet" },
	};
	int64_t n;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		rc = cp_query_int(st, refs[i].sql, &CP_NUM(id), 1, &n, err);
		if (rc < 0)
			return rc;
		if (n > 0)
			return cp_fail(err, EBUSY, "tenant \"%s\" still has %lld %s(s); delete them "
				       "first", name, (long long)n, refs[i].what);
	}
	return 0;
}

int cp_tenant_delete(struct cp_store *st, const char *name, int64_t *rev,
		     struct cp_error *err)
{
	int64_t id;
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_tenant_id(st, name, &id, err);
	if (rc == 0)
		rc = check_tenant_unused(st, id, name, err);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_TENANT, CP_OP_DELETE, name, name, rev, err);
	if (rc == 0)
		rc = cp_exec(st, "DELETE FROM tenants WHERE id = ?1", &CP_NUM(id), 1, NULL, err);
	return cp_finish(st, rc, err);
}
