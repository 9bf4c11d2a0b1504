/* The admin API without HTTP: the route table, path and query parsing, and
 * one handler per (method, resource). */
#include "controlplane/api.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "controlplane/host_view.h"
#include "controlplane/request.h"
#include "controlplane/state.h"
#include "controlplane/token.h"
#include "controlplane/validate.h"

#define MAX_SEGS   7
#define PATH_MAX_LEN 256
#define QUERY_MAX_LEN 256
#define CHANGES_LIMIT_DEFAULT 1000
#define CHANGES_LIMIT_MAX 10000

enum { Q_TENANT = 1, Q_HOST = 2, Q_SINCE = 4, Q_LIMIT = 8 };

struct query {
	const char *tenant, *host;
	int64_t since, limit;
	bool has_since, has_limit;
};

/* One request on its way through: the path split into segments (pointing
 * into path_buf) and the parsed query. */
struct call {
	const struct cp_api_ctx *ctx;
	const struct cp_api_request *req;
	char path_buf[PATH_MAX_LEN];
	char query_buf[QUERY_MAX_LEN];
	const char *seg[MAX_SEGS];
	size_t nseg;
	struct query q;
};

typedef int (*handler_fn)(struct call *c, struct cp_api_response *res, struct cp_error *err);

struct route {
	enum cp_method method;
	const char *pattern; /* segments; "*" matches any one */
	unsigned params;     /* Q_* accepted in the query string */
	handler_fn fn;
};

/* ---- responses -------------------------------------------------------- */

static int reply(struct cp_api_response *res, int status, json_t *body)
{
	if (!body)
		return -ENOMEM;
	res->status = status;
	res->body = body;
	return 0;
}

static int append(json_t *array, json_t *item)
{
	if (!item || json_array_append_new(array, item) < 0)
		return -ENOMEM;
	return 0;
}

typedef int (*list_fn)(struct call *c, json_t *array, struct cp_error *err);

/* {"revision": R, key: [...]}, read in one snapshot so R matches the list. */
static int reply_list(struct call *c, const char *key, list_fn fn, struct cp_api_response *res,
		      struct cp_error *err)
{
	json_t *array = json_array(), *body = NULL;
	int64_t rev;
	int rc = array ? cp_store_begin_read(c->ctx->store, err) : -ENOMEM;

	if (rc < 0)
		goto out;
	rc = cp_store_revision(c->ctx->store, &rev, err);
	if (rc == 0)
		rc = fn(c, array, err);
	cp_store_rollback(c->ctx->store);
	if (rc == 0)
		body = json_pack("{s:I, s:O}", "revision", (json_int_t)rev, key, array);
	if (rc == 0)
		rc = reply(res, 200, body);
out:
	json_decref(array);
	return rc;
}

static int reply_revision(struct cp_api_response *res, int status, int64_t rev)
{
	return reply(res, status, json_pack("{s:I}", "revision", (json_int_t)rev));
}

static int reply_created(struct cp_api_response *res, json_t *obj)
{
	return reply(res, 201, obj);
}

/* ---- path and query --------------------------------------------------- */

static int split_path(struct call *c, struct cp_error *err)
{
	const char *path = c->req->path;
	char *s, *save = NULL;

	if (!path || path[0] != '/' || strnlen(path, PATH_MAX_LEN) >= PATH_MAX_LEN)
		return cp_fail(err, ENOENT, "no such path");
	memcpy(c->path_buf, path, strlen(path) + 1);
	for (s = strtok_r(c->path_buf, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (c->nseg == MAX_SEGS)
			return cp_fail(err, ENOENT, "no such path");
		c->seg[c->nseg++] = s;
	}
	return 0;
}

static bool matches(const struct call *c, const char *pattern)
{
	char buf[64], *p, *save = NULL;
	size_t i = 0;

	snprintf(buf, sizeof(buf), "%s", pattern);
	for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save), i++)
		if (i >= c->nseg || (strcmp(p, "*") && strcmp(p, c->seg[i])))
			return false;
	return i == c->nseg;
}

static int parse_int_param(const char *key, const char *v, int64_t *out, struct cp_error *err)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (!*v || *end || errno || n < 0)
		return cp_fail(err, EINVAL, "query parameter %s must be a non-negative integer", key);
	*out = n;
	return 0;
}

static int set_param(struct call *c, unsigned allowed, char *key, char *v, struct cp_error *err)
{
	struct query *q = &c->q;

	if ((allowed & Q_TENANT) && !strcmp(key, "tenant")) {
		q->tenant = v;
		return cp_parse_name(v, "tenant name", err);
	}
	if ((allowed & Q_HOST) && !strcmp(key, "host")) {
		q->host = v;
		return cp_parse_name(v, "host name", err);
	}
	if ((allowed & Q_SINCE) && !strcmp(key, "since")) {
		q->has_since = true;
		return parse_int_param(key, v, &q->since, err);
	}
	if ((allowed & Q_LIMIT) && !strcmp(key, "limit")) {
		q->has_limit = true;
		return parse_int_param(key, v, &q->limit, err);
	}
	return cp_fail(err, EINVAL, "unknown query parameter \"%.32s\"", key);
}

static int parse_query(struct call *c, unsigned allowed, struct cp_error *err)
{
	const char *query = c->req->query;
	char *pair, *save = NULL, *eq;
	int rc = 0;

	if (!query || !*query)
		return 0;
	if (strnlen(query, QUERY_MAX_LEN) >= QUERY_MAX_LEN)
		return cp_fail(err, EINVAL, "query string too long");
	memcpy(c->query_buf, query, strlen(query) + 1);
	for (pair = strtok_r(c->query_buf, "&", &save); pair && rc == 0;
	     pair = strtok_r(NULL, "&", &save)) {
		eq = strchr(pair, '=');
		if (!eq)
			return cp_fail(err, EINVAL, "query parameter without a value");
		*eq = '\0';
		rc = set_param(c, allowed, pair, eq + 1, err);
	}
	return rc;
}

/* ---- hosts ------------------------------------------------------------ */

static int add_host(void *array, const struct cp_host *h)
{
	return append(array, cp_host_to_json(h));
}

static int list_hosts(struct call *c, json_t *array, struct cp_error *err)
{
	return cp_host_list(c->ctx->store, add_host, array, err);
}

static int host_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "hosts", list_hosts, res, err);
}

static int host_create(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_host_req req;
	struct cp_host h;
	int rc = cp_request_parse_host(c->req->body, c->req->body_len, &req, err);

	if (rc == 0)
		rc = cp_host_create(c->ctx->store, &req, &h, err);
	return rc < 0 ? rc : reply_created(res, cp_host_to_json(&h));
}

static int host_get(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_host h;
	int rc = cp_parse_name(c->seg[2], "host name", err);

	if (rc == 0)
		rc = cp_host_get(c->ctx->store, c->seg[2], &h, err);
	return rc < 0 ? rc : reply(res, 200, cp_host_to_json(&h));
}

static int host_delete(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	int64_t rev;
	int rc = cp_parse_name(c->seg[2], "host name", err);

	if (rc == 0)
		rc = cp_host_delete(c->ctx->store, c->seg[2], &rev, err);
	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

static int host_view(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	json_t *view;
	int rc = cp_parse_name(c->seg[2], "host name", err);

	if (rc == 0)
		rc = cp_host_view(c->ctx->store, c->seg[2], &view, err);
	return rc < 0 ? rc : reply(res, 200, view);
}

/* ---- tenants ---------------------------------------------------------- */

static int add_tenant(void *array, const struct cp_tenant *t)
{
	return append(array, cp_tenant_to_json(t));
}

static int list_tenants(struct call *c, json_t *array, struct cp_error *err)
{
	return cp_tenant_list(c->ctx->store, add_tenant, array, err);
}

static int tenant_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "tenants", list_tenants, res, err);
}

static int tenant_create(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_tenant_req req;
	struct cp_tenant t;
	int rc = cp_request_parse_tenant(c->req->body, c->req->body_len, &req, err);

	if (rc == 0)
		rc = cp_tenant_create(c->ctx->store, &req, &t, err);
	return rc < 0 ? rc : reply_created(res, cp_tenant_to_json(&t));
}

static int tenant_get(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_tenant t;
	int rc = cp_parse_name(c->seg[2], "tenant name", err);

	if (rc == 0)
		rc = cp_tenant_get(c->ctx->store, c->seg[2], &t, err);
	return rc < 0 ? rc : reply(res, 200, cp_tenant_to_json(&t));
}

static int tenant_delete(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	int64_t rev;
	int rc = cp_parse_name(c->seg[2], "tenant name", err);

	if (rc == 0)
		rc = cp_tenant_delete(c->ctx->store, c->seg[2], &rev, err);
	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

/* ---- subnets ---------------------------------------------------------- */

/* /v1/KIND/TENANT/NAME */
static int tenant_and_name(struct call *c, const char *what, struct cp_error *err)
{
	int rc = cp_parse_name(c->seg[2], "tenant name", err);

	return rc < 0 ? rc : cp_parse_name(c->seg[3], what, err);
}

static int add_subnet(void *array, const struct cp_subnet *s)
{
	return append(array, cp_subnet_to_json(s));
}

static int list_subnets(struct call *c, json_t *array, struct cp_error *err)
{
	return cp_subnet_list(c->ctx->store, c->q.tenant, add_subnet, array, err);
}

static int subnet_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "subnets", list_subnets, res, err);
}

static int subnet_create(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_subnet_req req;
	struct cp_subnet s;
	int rc = cp_request_parse_subnet(c->req->body, c->req->body_len, &req, err);

	if (rc == 0)
		rc = cp_subnet_create(c->ctx->store, &req, &s, err);
	return rc < 0 ? rc : reply_created(res, cp_subnet_to_json(&s));
}

static int subnet_get(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_subnet s;
	int rc = tenant_and_name(c, "subnet name", err);

	if (rc == 0)
		rc = cp_subnet_get(c->ctx->store, c->seg[2], c->seg[3], &s, err);
	return rc < 0 ? rc : reply(res, 200, cp_subnet_to_json(&s));
}

static int subnet_delete(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	int64_t rev;
	int rc = tenant_and_name(c, "subnet name", err);

	if (rc == 0)
		rc = cp_subnet_delete(c->ctx->store, c->seg[2], c->seg[3], &rev, err);
	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

/* ---- ports ------------------------------------------------------------ */

static int add_port(void *array, const struct cp_port *p)
{
	return append(array, cp_port_to_json(p));
}

static int list_ports(struct call *c, json_t *array, struct cp_error *err)
{
	return cp_port_list(c->ctx->store, c->q.tenant, c->q.host, add_port, array, err);
}

static int port_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "ports", list_ports, res, err);
}

static int port_create(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_port_req req;
	struct cp_port p;
	int rc = cp_request_parse_port(c->req->body, c->req->body_len, &req, err);

	if (rc == 0)
		rc = cp_port_create(c->ctx->store, &c->ctx->rng, &req, &p, err);
	return rc < 0 ? rc : reply_created(res, cp_port_to_json(&p));
}

static int port_get(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_port p;
	int rc = tenant_and_name(c, "port name", err);

	if (rc == 0)
		rc = cp_port_get(c->ctx->store, c->seg[2], c->seg[3], &p, err);
	return rc < 0 ? rc : reply(res, 200, cp_port_to_json(&p));
}

static int port_delete(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	int64_t rev;
	int rc = tenant_and_name(c, "port name", err);

	if (rc == 0)
		rc = cp_port_delete(c->ctx->store, c->seg[2], c->seg[3], &rev, err);
	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

/* ---- routes ----------------------------------------------------------- */

/* /v1/routes/TENANT/A.B.C.D/LEN */
static int route_key(struct call *c, struct cp_prefix *p, struct cp_error *err)
{
	char text[CP_PREFIX_STR_LEN + 8];
	int rc = cp_parse_name(c->seg[2], "tenant name", err);

	if (rc < 0)
		return rc;
	snprintf(text, sizeof(text), "%.18s/%.4s", c->seg[3], c->seg[4]);
	return cp_parse_prefix(text, "route prefix", p, err);
}

static int add_route(void *array, const struct cp_route *r)
{
	return append(array, cp_route_to_json(r));
}

static int list_routes(struct call *c, json_t *array, struct cp_error *err)
{
	return cp_route_list(c->ctx->store, c->q.tenant, add_route, array, err);
}

static int route_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "routes", list_routes, res, err);
}

static int route_create(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_route_req req;
	struct cp_route r;
	int rc = cp_request_parse_route(c->req->body, c->req->body_len, &req, err);

	if (rc == 0)
		rc = cp_route_create(c->ctx->store, &req, &r, err);
	return rc < 0 ? rc : reply_created(res, cp_route_to_json(&r));
}

static int route_get(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_prefix p;
	struct cp_route r;
	int rc = route_key(c, &p, err);

	if (rc == 0)
		rc = cp_route_get(c->ctx->store, c->seg[2], &p, &r, err);
	return rc < 0 ? rc : reply(res, 200, cp_route_to_json(&r));
}

static int route_delete(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	struct cp_prefix p;
	int64_t rev;
	int rc = route_key(c, &p, err);

	if (rc == 0)
		rc = cp_route_delete(c->ctx->store, c->seg[2], &p, &rev, err);
	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

/* ---- tokens ----------------------------------------------------------- */

struct token_list {
	json_t *array;
	int64_t now;
};

static int add_token(void *ctx, const struct cp_token *t)
{
	struct token_list *l = ctx;

	return append(l->array, cp_token_to_json(t, l->now));
}

static int list_tokens(struct call *c, json_t *array, struct cp_error *err)
{
	struct token_list l = { array, c->ctx->now(c->ctx->now_ctx) };

	return cp_token_list(c->ctx->store, add_token, &l, err);
}

static int token_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "tokens", list_tokens, res, err);
}

static int token_create(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	char secret[CP_TOKEN_STR_LEN];
	struct cp_token t;
	int64_t ttl, now = c->ctx->now(c->ctx->now_ctx);
	json_t *obj;
	int rc = cp_request_parse_token(c->req->body, c->req->body_len, &ttl, err);

	if (rc == 0)
		rc = cp_token_create(c->ctx->store, &c->ctx->rng, now, ttl, secret, &t, err);
	if (rc < 0)
		return rc;
	obj = cp_token_to_json(&t, now);
	if (obj && json_object_set_new(obj, "token", json_string(secret)) < 0) {
		json_decref(obj);
		obj = NULL;
	}
	sodium_memzero(secret, sizeof(secret));
	return reply_created(res, obj);
}

static int token_delete(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	int64_t id, rev;
	int rc = parse_int_param("token id", c->seg[2], &id, err);

	if (rc == 0)
		rc = cp_token_delete(c->ctx->store, id, &rev, err);
	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

/* ---- revision log ----------------------------------------------------- */

static int revision_get(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	int64_t rev;
	int rc = cp_store_revision(c->ctx->store, &rev, err);

	return rc < 0 ? rc : reply_revision(res, 200, rev);
}

static int add_change(void *array, const struct cp_change *ch)
{
	return append(array, json_pack("{s:I, s:s, s:s, s:s?, s:s}", "revision",
				       (json_int_t)ch->revision, "kind", cp_kind_name(ch->kind),
				       "op", cp_op_name(ch->op), "tenant",
				       ch->tenant[0] ? ch->tenant : NULL, "key", ch->key));
}

/* Without since: the log as kept, from its oldest revision. With since
 * older than that: -ESTALE (410) naming the oldest, never a list with a
 * hole; the client re-reads the lists and follows from their revision. */
static int list_changes(struct call *c, json_t *array, struct cp_error *err)
{
	int64_t limit = c->q.has_limit ? c->q.limit : CHANGES_LIMIT_DEFAULT;
	int64_t since = c->q.since, oldest;
	int rc;

	if (limit > CHANGES_LIMIT_MAX)
		limit = CHANGES_LIMIT_MAX;
	if (!c->q.has_since) {
		rc = cp_store_oldest_change(c->ctx->store, &oldest, err);
		if (rc < 0)
			return rc;
		since = oldest > 0 ? oldest - 1 : 0;
	}
	rc = cp_store_changes_since(c->ctx->store, since, (size_t)limit, add_change, array, err);
	if (rc == -ESTALE) {
		size_t n = strlen(err->message);

		snprintf(err->message + n, sizeof(err->message) - n,
			 "; re-read the state and follow from its revision");
	}
	return rc;
}

static int changes_list(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	return reply_list(c, "changes", list_changes, res, err);
}

/* ---- dispatch --------------------------------------------------------- */

static const struct route routes[] = {
	{ CP_METHOD_GET, "v1/hosts", 0, host_list },
	{ CP_METHOD_POST, "v1/hosts", 0, host_create },
	{ CP_METHOD_GET, "v1/hosts/*", 0, host_get },
	{ CP_METHOD_DELETE, "v1/hosts/*", 0, host_delete },
	{ CP_METHOD_GET, "v1/hosts/*/view", 0, host_view },
	{ CP_METHOD_GET, "v1/tenants", 0, tenant_list },
	{ CP_METHOD_POST, "v1/tenants", 0, tenant_create },
	{ CP_METHOD_GET, "v1/tenants/*", 0, tenant_get },
	{ CP_METHOD_DELETE, "v1/tenants/*", 0, tenant_delete },
	{ CP_METHOD_GET, "v1/subnets", Q_TENANT, subnet_list },
	{ CP_METHOD_POST, "v1/subnets", 0, subnet_create },
	{ CP_METHOD_GET, "v1/subnets/*/*", 0, subnet_get },
	{ CP_METHOD_DELETE, "v1/subnets/*/*", 0, subnet_delete },
	{ CP_METHOD_GET, "v1/ports", Q_TENANT | Q_HOST, port_list },
	{ CP_METHOD_POST, "v1/ports", 0, port_create },
	{ CP_METHOD_GET, "v1/ports/*/*", 0, port_get },
	{ CP_METHOD_DELETE, "v1/ports/*/*", 0, port_delete },
	{ CP_METHOD_GET, "v1/routes", Q_TENANT, route_list },
	{ CP_METHOD_POST, "v1/routes", 0, route_create },
	{ CP_METHOD_GET, "v1/routes/*/*/*", 0, route_get },
	{ CP_METHOD_DELETE, "v1/routes/*/*/*", 0, route_delete },
	{ CP_METHOD_GET, "v1/tokens", 0, token_list },
	{ CP_METHOD_POST, "v1/tokens", 0, token_create },
	{ CP_METHOD_DELETE, "v1/tokens/*", 0, token_delete },
	{ CP_METHOD_GET, "v1/revision", 0, revision_get },
	{ CP_METHOD_GET, "v1/changes", Q_SINCE | Q_LIMIT, changes_list },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static int dispatch(struct call *c, struct cp_api_response *res, struct cp_error *err)
{
	bool path_known = false;
	size_t i;
	int rc = split_path(c, err);

	if (rc < 0)
		return rc;
	for (i = 0; i < N_ROUTES; i++) {
		if (!matches(c, routes[i].pattern))
			continue;
		path_known = true;
		if (routes[i].method != c->req->method)
			continue;
		rc = parse_query(c, routes[i].params, err);
		if (rc == 0 && (c->req->method != CP_METHOD_POST && c->req->body_len))
			rc = cp_fail(err, EINVAL, "this request takes no body");
		return rc < 0 ? rc : routes[i].fn(c, res, err);
	}
	if (path_known)
		return cp_fail(err, EOPNOTSUPP, "method not allowed on %.64s", c->req->path);
	return cp_fail(err, ENOENT, "no such path %.64s", c->req->path);
}

/* Messages may echo request bytes (a path, a query key); JSON strings must
 * be UTF-8, and a log line must stay one line: keep printable ASCII only. */
static void make_printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

void cp_api_handle(const struct cp_api_ctx *ctx, const struct cp_api_request *req,
		   struct cp_api_response *res)
{
	struct cp_error err = { "internal error" };
	struct call *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;

	res->status = 500;
	res->body = NULL;
	if (c) {
		c->ctx = ctx;
		c->req = req;
		rc = dispatch(c, res, &err);
		free(c);
	}
	if (rc == 0)
		return;
	if (rc == -ENOMEM)
		cp_fail(&err, ENOMEM, "out of memory");
	/* 405 and 410 (the changes asked for were pruned) only arise here */
	res->status = rc == -EOPNOTSUPP ? 405 : rc == -ESTALE ? 410 : cp_error_http_status(rc);
	make_printable(err.message);
	res->body = json_pack("{s:s}", "error", err.message);
}
