/* Routes: per-tenant prefixes reached through a port (a router VM, a
 * gateway to a branch office). */
#include <errno.h>
#include <string.h>

#include "controlplane/state.h"
#include "controlplane/state_query.h"
#include "controlplane/validate.h"

#define ROUTE_COLUMNS \
	"SELECT r.id, r.revision, t.name, r.addr, r.len, r.via " \
	"FROM routes r JOIN tenants t ON t.id = r.tenant_id "

struct each_route {
	cp_route_fn fn;
	void *ctx;
};

static int each_route_row(void *ctx, sqlite3_stmt *row)
{
	struct each_route *e = ctx;
	struct cp_route r = { 0 };

	r.id = sqlite3_column_int64(row, 0);
	r.revision = sqlite3_column_int64(row, 1);
	cp_store_column_text(row, 2, r.tenant, sizeof(r.tenant));
	r.prefix.addr = (uint32_t)sqlite3_column_int64(row, 3);
	r.prefix.len = (uint8_t)sqlite3_column_int(row, 4);
	r.via = (uint32_t)sqlite3_column_int64(row, 5);
	return e->fn(e->ctx, &r);
}

static int copy_route(void *ctx, const struct cp_route *r)
{
	*(struct cp_route *)ctx = *r;
	return 0;
}

int cp_route_get(struct cp_store *st, const char *tenant, const struct cp_prefix *prefix,
		 struct cp_route *out, struct cp_error *err)
{
	struct each_route e = { copy_route, out };
	struct cp_param p[] = { CP_TEXT(tenant), CP_NUM(prefix->addr), CP_NUM(prefix->len) };
	char s[CP_PREFIX_STR_LEN];
	int64_t tid;
	int rc = cp_tenant_id(st, tenant, &tid, err);

	if (rc < 0)
		return rc;
	rc = cp_query(st, ROUTE_COLUMNS "WHERE t.name = ?1 AND r.addr = ?2 AND r.len = ?3", p, 3,
		      each_route_row, &e, err);
	if (rc == 0) {
		cp_format_prefix(prefix, s);
		return cp_fail(err, ENOENT, "unknown route %s in tenant \"%s\"", s, tenant);
	}
	return rc < 0 ? rc : 0;
}

int cp_route_list(struct cp_store *st, const char *tenant, cp_route_fn fn, void *ctx,
		  struct cp_error *err)
{
	struct each_route e = { fn, ctx };
	int64_t tid;
	int rc;

	if (!tenant) {
		rc = cp_query(st, ROUTE_COLUMNS "ORDER BY t.name, r.addr, r.len", NULL, 0,
			      each_route_row, &e, err);
		return rc < 0 ? rc : 0;
	}
	/* by id, not "?1 IS NULL OR t.name = ?1": that form scans every route */
	rc = cp_tenant_id(st, tenant, &tid, err);
	if (rc == 0)
		rc = cp_query(st, ROUTE_COLUMNS "WHERE r.tenant_id = ?1 ORDER BY r.addr, r.len",
			      &CP_NUM(tid), 1, each_route_row, &e, err);
	return rc < 0 ? rc : 0;
}

static int check_route(struct cp_store *st, const struct cp_route_req *req, int64_t tid,
		       struct cp_error *err)
{
	struct cp_param via[] = { CP_NUM(tid), CP_NUM(req->via) };
	char p[CP_PREFIX_STR_LEN], a[CP_IPV4_STR_LEN], port[CP_NAME_LEN];
	struct cp_route other;
	int rc;

	cp_format_prefix(&req->prefix, p);
	cp_format_ipv4(req->via, a);
	if (cp_route_get(st, req->tenant, &req->prefix, &other, NULL) == 0)
		return cp_fail(err, EEXIST, "route %s already exists in tenant \"%s\"", p,
			       req->tenant);
	rc = cp_query_text(st, "SELECT name FROM ports WHERE tenant_id = ?1 AND ip = ?2", via, 2,
			   port, sizeof(port), err);
	if (rc == -ENOENT)
		return cp_fail(err, ENOENT, "via %s is not the IP of any port in tenant \"%s\"", a,
			       req->tenant);
	return rc;
}

int cp_route_create(struct cp_store *st, const struct cp_route_req *req, struct cp_route *out,
		    struct cp_error *err)
{
	struct cp_route r = { 0 };
	char key[CP_PREFIX_STR_LEN];
	int64_t tid;
	int rc = cp_parse_name(req->tenant, "tenant name", err);

	if (rc == 0 && (req->prefix.len > 32 ||
			req->prefix.addr != (req->prefix.addr & cp_prefix_mask(req->prefix.len))))
		rc = cp_fail(err, EINVAL, "route prefix has host bits set");
	if (rc == 0)
		rc = cp_store_begin(st, err);
	if (rc < 0)
		return rc;
	rc = cp_tenant_id(st, req->tenant, &tid, err);
	if (rc == 0)
		rc = check_route(st, req, tid, err);
	memcpy(r.tenant, req->tenant, sizeof(r.tenant));
	r.prefix = req->prefix;
	r.via = req->via;
	cp_format_prefix(&r.prefix, key);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_ROUTE, CP_OP_CREATE, r.tenant, key,
					    &r.revision, err);
	if (rc == 0) {
		struct cp_param v[] = { CP_NUM(r.revision), CP_NUM(tid), CP_NUM(r.prefix.addr),
					CP_NUM(r.prefix.len), CP_NUM(r.via) };

		rc = cp_exec(st, "INSERT INTO routes (revision, tenant_id, addr, len, via) "
			     "VALUES (?1, ?2, ?3, ?4, ?5)", v, 5, &r.id, err);
	}
	rc = cp_finish(st, rc, err);
	if (rc == 0)
		*out = r;
	return rc;
}

int cp_route_delete(struct cp_store *st, const char *tenant, const struct cp_prefix *prefix,
		    int64_t *rev, struct cp_error *err)
{
	struct cp_route r;
	char key[CP_PREFIX_STR_LEN];
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_route_get(st, tenant, prefix, &r, err);
	cp_format_prefix(prefix, key);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_ROUTE, CP_OP_DELETE, tenant, key, rev, err);
	if (rc == 0)
		rc = cp_exec(st, "DELETE FROM routes WHERE id = ?1", &CP_NUM(r.id), 1, NULL, err);
	return cp_finish(st, rc, err);
}
