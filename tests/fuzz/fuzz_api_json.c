/* libFuzzer harness for the admin API's input: the first byte picks a
 * target, the rest is the input.
 *   0..5  a request body parser (host, tenant, subnet, port, route, token):
 *         on success every field must be what validate.h accepts
 *   6     cp_api_handle on a GET: "PATH[?QUERY]\nBODY" against a small store
 *         (reads only, so the store is the same for every input): the answer
 *         must be JSON with a status the API documents
 * Then everything is freed (ASan checks leaks). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controlplane/api.h"
#include "controlplane/request.h"
#include "controlplane/token.h"
#include "controlplane/validate.h"

static void check_name(const char *s)
{
	if (cp_parse_name(s, "name", NULL) != 0)
		abort();
}

static void check_host(const struct cp_host_req *r)
{
	char ep[CP_ENDPOINT_LEN];

	check_name(r->name);
	if (cp_parse_endpoint(r->endpoint, ep, NULL) != 0 || strcmp(ep, r->endpoint))
		abort();
}

static void check_subnet(const struct cp_subnet_req *r)
{
	check_name(r->tenant);
	check_name(r->name);
	if (cp_check_subnet_cidr(&r->cidr, NULL) != 0 || (r->has_mtu && cp_check_mtu(r->mtu, NULL)))
		abort();
}

static void check_port(const struct cp_port_req *r)
{
	check_name(r->tenant);
	check_name(r->subnet);
	check_name(r->name);
	check_name(r->host);
	if (r->kind != CP_PORT_CONTAINER && r->kind != CP_PORT_VM)
		abort();
	if (r->has_mac && (r->mac[0] & 1))
		abort();
}

static void parse_body(uint8_t which, const char *body, size_t len)
{
	struct cp_host_req host;
	struct cp_tenant_req tenant;
	struct cp_subnet_req subnet;
	struct cp_port_req port;
	struct cp_route_req route;
	struct cp_error err;
	int64_t ttl;

	switch (which) {
	case 0:
		if (cp_request_parse_host(body, len, &host, &err) == 0)
			check_host(&host);
		break;
	case 1:
		if (cp_request_parse_tenant(body, len, &tenant, &err) == 0) {
			check_name(tenant.name);
			if (tenant.has_vni && cp_check_vni(tenant.vni, NULL))
				abort();
		}
		break;
	case 2:
		if (cp_request_parse_subnet(body, len, &subnet, &err) == 0)
			check_subnet(&subnet);
		break;
	case 3:
		if (cp_request_parse_port(body, len, &port, &err) == 0)
			check_port(&port);
		break;
	case 4:
		if (cp_request_parse_route(body, len, &route, &err) == 0 &&
		    (route.prefix.len > 32 ||
		     (route.prefix.addr & ~cp_prefix_mask(route.prefix.len))))
			abort();
		break;
	default:
		if (cp_request_parse_token(body, len, &ttl, &err) == 0 &&
		    (ttl < CP_TOKEN_TTL_MIN || ttl > CP_TOKEN_TTL_MAX))
			abort();
		break;
	}
}

static void fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
}

static int64_t now(void *ctx)
{
	(void)ctx;
	return 1700000000;
}

static const char *const setup[][2] = {
	{ "/v1/tenants", "{\"name\":\"acme\"}" },
	{ "/v1/hosts", "{\"name\":\"h1\",\"public_key\":"
		       "\"9HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4=\","
		       "\"endpoint\":\"192.0.2.1:51820\"}" },
	{ "/v1/subnets", "{\"tenant\":\"acme\",\"name\":\"web\",\"cidr\":\"10.0.1.0/24\"}" },
	{ "/v1/ports", "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p1\",\"host\":\"h1\","
		       "\"kind\":\"vm\"}" },
	{ "/v1/routes", "{\"tenant\":\"acme\",\"prefix\":\"0.0.0.0/0\",\"via\":\"10.0.1.2\"}" },
};

static struct cp_api_ctx ctx;
static char path[64];

/* The store's files go when the run ends (a crash leaves them for study). */
static void remove_store(void)
{
	char name[80];

	cp_store_close(ctx.store);
	unlink(path);
	snprintf(name, sizeof(name), "%s-wal", path);
	unlink(name);
	snprintf(name, sizeof(name), "%s-shm", path);
	unlink(name);
}

/* One store for the whole run, populated once. */
static struct cp_api_ctx *api_ctx(void)
{
	struct cp_api_response res;
	struct cp_error err;
	size_t i;

	if (ctx.store)
		return &ctx;
	snprintf(path, sizeof(path), "/tmp/fuzz-api-json-%d.db", (int)getpid());
	if (cp_store_open(path, &ctx.store, &err) != 0)
		abort();
	atexit(remove_store);
	ctx.rng = (struct cp_rng){ fill, NULL };
	ctx.now = now;
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++) {
		struct cp_api_request req = { CP_METHOD_POST, setup[i][0], NULL, setup[i][1],
					      strlen(setup[i][1]) };

		cp_api_handle(&ctx, &req, &res);
		json_decref(res.body);
	}
	return &ctx;
}

static void handle_get(const char *data, size_t len)
{
	char *copy = malloc(len + 1), *nl, *q;
	struct cp_api_request req = { .method = CP_METHOD_GET };
	struct cp_api_response res;

	if (!copy)
		return;
	memcpy(copy, data, len);
	copy[len] = '\0';
	nl = memchr(copy, '\n', len);
	req.path = copy;
	req.body = "";
	if (nl) {
		*nl = '\0';
		req.body = nl + 1;
		req.body_len = len - (size_t)(nl + 1 - copy);
	}
	q = strchr(copy, '?');
	if (q) {
		*q = '\0';
		req.query = q + 1;
	}
	cp_api_handle(api_ctx(), &req, &res);
	if (!res.body || (res.status != 200 && res.status != 400 && res.status != 404 &&
			  res.status != 405))
		abort();
	if (res.status >= 400 && !json_is_string(json_object_get(res.body, "error")))
		abort();
	json_decref(res.body);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 7 == 6)
		handle_get((const char *)data + 1, size - 1);
	else
		parse_body(data[0] % 7, (const char *)data + 1, size - 1);
	return 0;
}
