/* Ports: a workload's interface, placed on a host, with a MAC and an IP. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/ipam.h"
#include "controlplane/state.h"
#include "controlplane/state_query.h"
#include "controlplane/validate.h"

#define PORT_COLUMNS \
	"SELECT p.id, p.revision, t.name, s.name, p.name, h.name, p.kind, p.mac, p.ip, " \
	"p.netns FROM ports p JOIN tenants t ON t.id = p.tenant_id " \
	"JOIN subnets s ON s.id = p.subnet_id JOIN hosts h ON h.id = p.host_id "

static int64_t mac_to_int(const uint8_t mac[6])
{
	int64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}

static void mac_from_int(int64_t v, uint8_t mac[6])
{
	int i;

	for (i = 5; i >= 0; i--, v >>= 8)
		mac[i] = (uint8_t)(v & 0xff);
}

struct each_port {
	cp_port_fn fn;
	void *ctx;
};

static int each_port_row(void *ctx, sqlite3_stmt *row)
{
	struct each_port *e = ctx;
	struct cp_port p = { 0 };
	char kind[16];

	p.id = sqlite3_column_int64(row, 0);
	p.revision = sqlite3_column_int64(row, 1);
	cp_store_column_text(row, 2, p.tenant, sizeof(p.tenant));
	cp_store_column_text(row, 3, p.subnet, sizeof(p.subnet));
	cp_store_column_text(row, 4, p.name, sizeof(p.name));
	cp_store_column_text(row, 5, p.host, sizeof(p.host));
	cp_store_column_text(row, 6, kind, sizeof(kind));
	p.kind = cp_port_kind_from_name(kind);
	mac_from_int(sqlite3_column_int64(row, 7), p.mac);
	p.ip = (uint32_t)sqlite3_column_int64(row, 8);
	cp_store_column_text(row, 9, p.netns, sizeof(p.netns));
	return e->fn(e->ctx, &p);
}

static int copy_port(void *ctx, const struct cp_port *p)
{
	*(struct cp_port *)ctx = *p;
	return 0;
}

int cp_port_get(struct cp_store *st, const char *tenant, const char *name, struct cp_port *out,
		struct cp_error *err)
{
	struct each_port e = { copy_port, out };
	struct cp_param p[] = { CP_TEXT(tenant), CP_TEXT(name) };
	int64_t tid;
	int rc = cp_tenant_id(st, tenant, &tid, err);

	if (rc < 0)
		return rc;
	rc = cp_query(st, PORT_COLUMNS "WHERE t.name = ?1 AND p.name = ?2", p, 2, each_port_row,
		      &e, err);
	if (rc == 0)
		return cp_fail(err, ENOENT, "unknown port \"%s\" in tenant \"%s\"", name, tenant);
	return rc < 0 ? rc : 0;
}

/* One statement per combination of filters: "?1 IS NULL OR ..." would make
 * SQLite scan every port. The ids were resolved first, so the WHERE names
 * ports' own indexed columns (UNIQUE (tenant_id, name), ports_by_host). */
static const char *const port_list_sql[4] = {
	PORT_COLUMNS "ORDER BY t.name, p.name",
	PORT_COLUMNS "WHERE p.tenant_id = ?1 ORDER BY p.name",
	PORT_COLUMNS "WHERE p.host_id = ?1 ORDER BY t.name, p.name",
	PORT_COLUMNS "WHERE p.tenant_id = ?1 AND p.host_id = ?2 ORDER BY p.name",
};

int cp_port_list(struct cp_store *st, const char *tenant, const char *host, cp_port_fn fn,
		 void *ctx, struct cp_error *err)
{
	struct each_port e = { fn, ctx };
	struct cp_param p[2];
	size_t n = 0;
	int64_t id;
	int rc = 0;

	if (tenant && (rc = cp_tenant_id(st, tenant, &id, err)) == 0)
		p[n++] = CP_NUM(id);
	if (rc == 0 && host && (rc = cp_host_id(st, host, &id, err)) == 0)
		p[n++] = CP_NUM(id);
	if (rc == 0)
		rc = cp_query(st, port_list_sql[(tenant ? 1 : 0) | (host ? 2 : 0)], p, n,
			      each_port_row, &e, err);
	return rc < 0 ? rc : 0;
}

/* ---- create ----------------------------------------------------------- */

/* What a new port refers to, resolved inside the transaction. */
struct port_refs {
	int64_t tenant_id;
	int64_t host_id;
	struct cp_subnet subnet;
};

struct used_ips {
	uint32_t *ip;
	size_t n, cap;
};

static int collect_ip(void *ctx, sqlite3_stmt *row)
{
	struct used_ips *u = ctx;
	uint32_t *grown;

	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 64;
		grown = realloc(u->ip, u->cap * sizeof(*u->ip));
		if (!grown)
			return -ENOMEM;
		u->ip = grown;
	}
	u->ip[u->n++] = (uint32_t)sqlite3_column_int64(row, 0);
	return 0;
}

static int allocate_ip(struct cp_store *st, const struct cp_subnet *s, uint32_t *ip,
		       struct cp_error *err)
{
	struct used_ips used = { 0 };
	char cidr[CP_PREFIX_STR_LEN];
	int rc = cp_query(st, "SELECT ip FROM ports WHERE subnet_id = ?1 ORDER BY ip",
			  &CP_NUM(s->id), 1, collect_ip, &used, err);

	if (rc == -ENOMEM)
		rc = cp_fail(err, ENOMEM, "out of memory");
	if (rc >= 0)
		rc = cp_ipam_allocate(s, used.ip, used.n, ip);
	if (rc == -ENOSPC) {
		cp_format_prefix(&s->cidr, cidr);
		rc = cp_fail(err, ENOSPC, "subnet full: all %u addresses of subnet \"%s\" (%s) "
			     "are in use", cp_ipam_capacity(s->cidr.len), s->name, cidr);
	}
	free(used.ip);
	return rc;
}

static int check_ip_free(struct cp_store *st, const struct port_refs *r, uint32_t ip,
			 struct cp_error *err)
{
	struct cp_param p[] = { CP_NUM(r->tenant_id), CP_NUM(ip) };
	char a[CP_IPV4_STR_LEN], other[CP_NAME_LEN];
	int rc = cp_query_text(st, "SELECT name FROM ports WHERE tenant_id = ?1 AND ip = ?2", p, 2,
			       other, sizeof(other), err);

	if (rc == -ENOENT)
		return 0;
	if (rc == 0) {
		cp_format_ipv4(ip, a);
		rc = cp_fail(err, EEXIST, "IP %s is already used by port \"%s\" in tenant \"%s\"",
			     a, other, r->subnet.tenant);
	}
	return rc;
}

static int choose_ip(struct cp_store *st, const struct cp_port_req *req,
		     const struct port_refs *r, uint32_t *ip, struct cp_error *err)
{
	int rc;

	if (!req->has_ip)
		return allocate_ip(st, &r->subnet, ip, err);
	rc = cp_check_port_ip(&r->subnet, req->ip, err);
	if (rc == 0)
		rc = check_ip_free(st, r, req->ip, err);
	if (rc == 0)
		*ip = req->ip;
	return rc;
}

/* Generated MACs are kept unique across every tenant, so two workloads can
 * never meet with the same address even if tenants are later joined. */
static int mac_taken(void *ctx, const uint8_t mac[6])
{
	int64_t one;
	int rc = cp_query_int(ctx, "SELECT 1 FROM ports WHERE mac = ?1",
			      &CP_NUM(mac_to_int(mac)), 1, &one, NULL);

	return rc == 0 ? 1 : rc == -ENOENT ? 0 : rc;
}

static int choose_mac(struct cp_store *st, const struct cp_rng *rng,
		      const struct cp_port_req *req, const struct port_refs *r, uint8_t mac[6],
		      struct cp_error *err)
{
	struct cp_param p[] = { CP_NUM(r->tenant_id), CP_NUM(mac_to_int(req->mac)) };
	char m[CP_MAC_STR_LEN], other[CP_NAME_LEN];
	int rc;

	if (!req->has_mac) {
		rc = cp_mac_generate(rng, mac_taken, st, mac);
		return rc < 0 ? cp_fail(err, -rc, "could not generate a free MAC") : 0;
	}
	rc = cp_query_text(st, "SELECT name FROM ports WHERE tenant_id = ?1 AND mac = ?2", p, 2,
			   other, sizeof(other), err);
	if (rc == 0) {
		cp_format_mac(req->mac, m);
		return cp_fail(err, EEXIST, "MAC %s is already used by port \"%s\" in tenant \"%s\"",
			       m, other, req->tenant);
	}
	if (rc != -ENOENT)
		return rc;
	memcpy(mac, req->mac, 6);
	return 0;
}

static int check_kind_netns(const struct cp_port_req *req, struct cp_error *err)
{
	if (req->kind == CP_PORT_CONTAINER && !req->netns[0])
		return cp_fail(err, EINVAL, "a container port needs netns (the container's "
			       "network namespace)");
	if (req->kind == CP_PORT_CONTAINER)
		return cp_parse_name(req->netns, "netns", err);
	if (req->kind != CP_PORT_VM)
		return cp_fail(err, EINVAL, "kind must be \"container\" or \"vm\"");
	if (req->netns[0])
		return cp_fail(err, EINVAL, "netns is only for container ports");
	return 0;
}

static int validate_port_req(const struct cp_port_req *req, struct cp_error *err)
{
	char m[CP_MAC_STR_LEN];
	int rc = cp_parse_name(req->tenant, "tenant name", err);

	if (rc == 0)
		rc = cp_parse_name(req->subnet, "subnet name", err);
	if (rc == 0)
		rc = cp_parse_name(req->name, "port name", err);
	if (rc == 0)
		rc = cp_parse_name(req->host, "host name", err);
	if (rc == 0)
		rc = check_kind_netns(req, err);
	if (rc == 0 && req->has_mac) {
		/* the text form goes through the parser, which refuses these too */
		cp_format_mac(req->mac, m);
		rc = cp_parse_mac(m, (uint8_t[6]){ 0 }, err);
	}
	return rc;
}

static int resolve_refs(struct cp_store *st, const struct cp_port_req *req,
			struct port_refs *r, struct cp_error *err)
{
	struct cp_port other;
	int rc = cp_tenant_id(st, req->tenant, &r->tenant_id, err);

	if (rc == 0)
		rc = cp_subnet_get(st, req->tenant, req->subnet, &r->subnet, err);
	if (rc == 0)
		rc = cp_host_id(st, req->host, &r->host_id, err);
	if (rc == 0 && cp_port_get(st, req->tenant, req->name, &other, NULL) == 0)
		rc = cp_fail(err, EEXIST, "port \"%s\" already exists in tenant \"%s\"", req->name,
			     req->tenant);
	return rc;
}

static int insert_port(struct cp_store *st, const struct port_refs *r, struct cp_port *p,
		       struct cp_error *err)
{
	struct cp_param v[] = {
		CP_NUM(p->revision), CP_NUM(r->tenant_id), CP_NUM(r->subnet.id),
		CP_NUM(r->host_id), CP_TEXT(p->name), CP_TEXT(cp_port_kind_name(p->kind)),
		CP_NUM(mac_to_int(p->mac)), CP_NUM(p->ip), CP_TEXT(p->netns),
	};

	return cp_exec(st, "INSERT INTO ports (revision, tenant_id, subnet_id, host_id, name, "
		       "kind, mac, ip, netns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", v, 9,
		       &p->id, err);
}

int cp_port_create(struct cp_store *st, const struct cp_rng *rng, const struct cp_port_req *req,
		   struct cp_port *out, struct cp_error *err)
{
	struct port_refs r;
	struct cp_port p = { 0 };
	int rc = validate_port_req(req, err);

	if (rc == 0)
		rc = cp_store_begin(st, err);
	if (rc < 0)
		return rc;
	rc = resolve_refs(st, req, &r, err);
	if (rc == 0)
		rc = choose_ip(st, req, &r, &p.ip, err);
	if (rc == 0)
		rc = choose_mac(st, rng, req, &r, p.mac, err);
	memcpy(p.tenant, req->tenant, sizeof(p.tenant));
	memcpy(p.subnet, req->subnet, sizeof(p.subnet));
	memcpy(p.name, req->name, sizeof(p.name));
	memcpy(p.host, req->host, sizeof(p.host));
	memcpy(p.netns, req->netns, sizeof(p.netns));
	p.kind = req->kind;
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_PORT, CP_OP_CREATE, p.tenant, p.name,
					    &p.revision, err);
	if (rc == 0)
		rc = insert_port(st, &r, &p, err);
	rc = cp_finish(st, rc, err);
	if (rc == 0)
		*out = p;
	return rc;
}

/* ---- delete ----------------------------------------------------------- */

static int first_prefix(void *ctx, sqlite3_stmt *row)
{
	struct cp_prefix *p = ctx;

	p->addr = (uint32_t)sqlite3_column_int64(row, 0);
	p->len = (uint8_t)sqlite3_column_int(row, 1);
	return -ECANCELED;
}

/* Refuses while a route of the tenant uses the port as its next hop. */
static int check_not_next_hop(struct cp_store *st, const struct cp_port *p,
			      struct cp_error *err)
{
	char a[CP_IPV4_STR_LEN], prefix[CP_PREFIX_STR_LEN];
	struct cp_param v[] = { CP_TEXT(p->tenant), CP_NUM(p->ip) };
	struct cp_prefix route;
	int rc = cp_query(st, "SELECT r.addr, r.len FROM routes r JOIN tenants t ON "
			  "t.id = r.tenant_id WHERE t.name = ?1 AND r.via = ?2 "
			  "ORDER BY r.addr, r.len", v, 2, first_prefix, &route, err);

	if (rc != -ECANCELED)
		return rc < 0 ? rc : 0;
	cp_format_ipv4(p->ip, a);
	cp_format_prefix(&route, prefix);
	return cp_fail(err, EBUSY, "port \"%s\" (%s) is the next hop of route %s in tenant "
		       "\"%s\"; delete the route first", p->name, a, prefix, p->tenant);
}

int cp_port_delete(struct cp_store *st, const char *tenant, const char *name, int64_t *rev,
		   struct cp_error *err)
{
	struct cp_port p;
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = cp_port_get(st, tenant, name, &p, err);
	if (rc == 0)
		rc = check_not_next_hop(st, &p, err);
	if (rc == 0)
		rc = cp_store_record_change(st, CP_KIND_PORT, CP_OP_DELETE, tenant, name, rev, err);
	if (rc == 0)
		rc = cp_exec(st, "DELETE FROM ports WHERE id = ?1", &CP_NUM(p.id), 1, NULL, err);
	return cp_finish(st, rc, err);
}
