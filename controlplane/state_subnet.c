/* Subnets: IPv4 ranges inside a tenant, with a gateway, an MTU and DHCP. */
#include <errno.h>
#include <string.h>

#include "controlplane/state.h"
#include "controlplane/state_query.h"
#include "controlplane/validate.h"

#define SUBNET_COLUMNS \
	"SELECT s.id, s.revision, t.name, s.name, s.addr, s.len, s.gateway, s.mtu, s.dhcp " \
	"FROM subnets s JOIN tenants t ON t.id = s.tenant_id "

struct each_subnet {
	cp_subnet_fn fn;
	void *ctx;
};

static int each_subnet_row(void *ctx, sqlite3_stmt *row)
{
	struct each_subnet *e = ctx;
	struct cp_subnet s = { 0 };

	s.id = sqlite3_column_int64(row, 0);
	s.revision = sqlite3_column_int64(row, 1);
	cp_store_column_text(row, 2, s.tenant, sizeof(s.tenant));
	cp_store_column_text(row, 3, s.name, sizeof(s.name));
	s.cidr.addr = (uint32_t)sqlite3_column_int64(row, 4);
	s.cidr.len = (uint8_t)sqlite3_column_int(row, 5);
	s.gateway = (uint32_t)sqlite3_column_int64(row, 6);
	s.mtu = (unsigned)sqlite3_column_int(row, 7);
	s.dhcp = sqlite3_column_int(row, 8) != 0;
	return e->fn(e->ctx, &s);
}

static int copy_subnet(void *ctx, const struct cp_subnet *s)
{
	*(struct cp_subnet *)ctx = *s;
	return 0;
}

int cp_subnet_get(struct cp_store *st, const char *tenant, const char *name,
		  struct cp_subnet *out, struct cp_error *err)
{
	struct each_subnet e = { copy_subnet, out };
	struct cp_param p[] = { CP_TEXT(tenant), CP_TEXT(name) };
	int64_t tid;
	int rc = cp_tenant_id(st, tenant, &tid, err);

	if (rc < 0)
		return rc;
	rc = cp_query(st, SUBNET_COLUMNS "WHERE t.name = ?1 AND s.name = ?2", p, 2,
		      each_subnet_row, &e, err);
	if (rc == 0)
		return cp_fail(err, ENOENT, "unknown subnet \"%s\" in tenant \"%s\"", name, tenant);
	return rc < 0 ? rc : 0;
}

int cp_subnet_list(struct cp_store *st, const char *tenant, cp_subnet_fn fn, void *ctx,
		   struct cp_error *err)
{
	struct each_subnet e = { fn, ctx };
	int64_t tid;
	int rc;

	if (!tenant) {
		rc = cp_query(st, SUBNET_COLUMNS "ORDER BY t.name, s.name", NULL, 0,
			      each_subnet_row, &e, err);
		return rc < 0 ? rc : 0;
	}
	/* by id, not "?1 IS NULL OR t.name = ?1": that form scans every subnet */
	rc = cp_tenant_id(st, tenant, &tid, err);
	if (rc == 0)
		rc = cp_query(st, SUBNET_COLUMNS "WHERE s.tenant_id = ?1 ORDER BY s.name",
			      &CP_NUM(tid), 1, each_subnet_row, &e, err);
	return rc < 0 ? rc : 0;
}

struct overlap {
	const struct cp_prefix *cidr;
	struct cp_subnet hit;
	bool found;
};

static int find_overlap(void *ctx, const struct cp_subnet *s)
{
	struct overlap *o = ctx;

	if (!cp_prefix_overlap(o->cidr, &s->cidr))
		return 0;
	o->hit = *s;
	o->found = true;
	return -ECANCELED;
}

static int check_subnet(struct cp_store *st, const struct cp_subnet_req *req,
			struct cp_error *err)
{
	struct overlap o = { .cidr = &req->cidr };
	char a[CP_PREFIX_STR_LEN], b[CP_PREFIX_STR_LEN];
	struct cp_subnet other;
	int rc;

	if (cp_subnet_get(st, req->tenant, req->name, &other, NULL) == 0)
		return cp_fail(err, EEXIST, "subnet \"%s\" already exists in tenant \"%s\"",
			       req->name, req->tenant);
	rc = cp_subnet_list(st, req->tenant, find_overlap, &o, err);
	if (rc < 0 && !o.found)
		return rc;
	if (o.found) {
		cp_format_prefix(&req->cidr, a);
		cp_format_prefix(&o.hit.cidr, b);
		return cp_fail(err, EEXIST, "subnet %s overlaps subnet \"%s\" (%s) in tenant \"%s\"",
			       a, o.hit.name, b, req->tenant);
	}
	return 0;
}

static int validate_subnet_req(const struct cp_subnet_req *req, struct cp_error *err)
{
	int rc = cp_parse_name(req->tenant, "tenant name", err);

	if (rc == 0)
		rc = cp_parse_name(req->name, "subnet name", err);
	if (rc == 0)
		rc = cp_check_subnet_cidr(&req->cidr, err);
	if (rc == 0 && req->has_mtu)
		rc = cp_check_mtu(req->mtu, err);
	return rc;
}

static int insert_subnet(struct cp_store *st, int64_t tid, struct cp_subnet *s,
			 struct cp_error *err)
{
	struct cp_param p[] = {
		CP_NUM(s->revision), CP_NUM(tid), CP_TEXT(s->name), CP_NUM(s->cidr.addr),
		CP_NUM(s->cidr.len), CP_NUM(s->gateway), CP_NUM(s->mtu), CP_NUM(s->dhcp),
	};

	return cp_exec(st, "INSERT INTO subnets (revision, tenant_id, name, addr, len, gateway, "
		       "mtu, dhcp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", p, 8, &s->id, err);
}

int cp_subnet_create(struct cp_store *st, const struct cp_subnet_req *req,
		     struct cp_subnet *out, struct cp_error *err)
{
	struct cp_subnet s = { 0 };
	int64_t tid;
	int rc = validate_subnet_req(req, err);

	if (rc == 0)
		rc = cp_store_begin(st, err);
	if (rc < 0)
		return rc;
	rc = cp_tenant_id(st, req->tenant, &tid, err);
	if (rc == 0)
		rc = check_subnet(st, req, err);
	memcpy(s.tenant, req->tenant, sizeof(s.tenant));
	memcpy(s.name, req->name, sizeof(s.name));
	s.cidr = req->cidr;
	s.gateway = cp_subnet_gateway(&req->cidr);
	s.mtu = req->has_mtu ? (unsigned)req->mtu : CP_MTU_DEFAULT;
	s.dhcp = req->dhcp;
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_SUBNET, CP_OP_CREATE, s.tenant, s.name,
					    &s.revision, err);
	if (rc == 0)
		rc = insert_subnet(st, tid, &s, err);
	rc = cp_finish(st, rc, err);
	if (rc == 0)
		*out = s;
	return rc;
}

int cp_subnet_delete(struct cp_store *st, const char *tenant, const char *name, int64_t *rev,
		     struct cp_error *err)
{
	struct cp_subnet s;
	int64_t ports = 0;
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_subnet_get(st, tenant, name, &s, err);
	if (rc == 0)
		rc = cp_query_int(st, "SELECT COUNT(*) FROM ports WHERE subnet_id = ?1",
				  &CP_NUM(s.id), 1, &ports, err);
	if (rc == 0 && ports > 0)
		rc = cp_fail(err, EBUSY, "subnet \"%s\" of tenant \"%s\" still has %lld port(s); "
			     "delete them first", name, tenant, (long long)ports);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_SUBNET, CP_OP_DELETE, tenant, name, rev, err);
	if (rc == 0)
		rc = cp_exec(st, "DELETE FROM subnets WHERE id = ?1", &CP_NUM(s.id), 1, NULL, err);
	return cp_finish(st, rc, err);
}
