/* libFuzzer harness for fabric_view_parse: the input is a host view as the
 * agent reads it (controller snapshot, stored view, --state file), loaded
 * with the same jansson flags. A view that parses must hold only what the
 * reconciler relies on (indices in range, ids usable in kernel names,
 * strings terminated, container namespaces plain names); a refused one
 * must say why. Then everything is freed (ASan checks leaks). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/fabric_names.h"
#include "dataplane/fabric_view.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void check_name(const char *s)
{
	size_t n = strnlen(s, FABRIC_NAME_LEN);

	CHECK(n > 0 && n < FABRIC_NAME_LEN);
}

/* The agent names links from ids: the name must parse back to the id. */
static void check_id(uint32_t id, enum fabric_link_kind kind)
{
	enum fabric_link_kind k;
	char name[IFNAMSIZ];
	uint32_t back;

	CHECK(id >= 1);
	fabric_link_name(kind, id, name);
	CHECK(fabric_name_parse(name, &k, &back) && k == kind && back == id);
}

static void check_host(const struct fabric_view_host *h)
{
	int family = h->endpoint.addr.sa.sa_family;

	check_name(h->name);
	CHECK(strnlen(h->endpoint_text, sizeof(h->endpoint_text)) < sizeof(h->endpoint_text));
	CHECK(family == AF_UNSPEC || family == AF_INET || family == AF_INET6);
	CHECK((family == AF_UNSPEC) == !h->endpoint_text[0]);
}

static void check_port(const struct fabric_view *v, const struct fabric_view_port *p)
{
	CHECK(p->tenant < v->n_tenants && p->subnet < v->n_subnets);
	CHECK(v->subnets[p->subnet].tenant == p->tenant);
	check_id(p->id, p->kind == FABRIC_PORT_VM ? FABRIC_LINK_VM : FABRIC_LINK_CONTAINER);
	check_name(p->name);
	check_name(p->host);
	CHECK(strnlen(p->netns, FABRIC_NAME_LEN) < FABRIC_NAME_LEN);
	CHECK(p->kind == FABRIC_PORT_CONTAINER || p->kind == FABRIC_PORT_VM);
	if (p->kind == FABRIC_PORT_CONTAINER)
		CHECK(p->netns[0] && !strchr(p->netns, '/') && strcmp(p->netns, ".") &&
		      strcmp(p->netns, ".."));
}

/* Two subnets (or two ports) with one id would share one kernel link:
 * ports of two tenants on one bridge. */
static void check_ids_unique(const struct fabric_view *v)
{
	size_t i, j;

	for (i = 0; i < v->n_subnets; i++)
		for (j = 0; j < i; j++)
			CHECK(v->subnets[i].id != v->subnets[j].id);
	for (i = 0; i < v->n_ports; i++)
		for (j = 0; j < i; j++)
			CHECK(v->ports[i].id != v->ports[j].id);
}

static void check_view(const struct fabric_view *v)
{
	size_t i, j;

	CHECK(v->revision >= 0);
	check_host(&v->self);
	for (i = 0; i < v->n_peers; i++)
		check_host(&v->peers[i]);
	for (i = 0; i < v->n_tenants; i++) {
		check_name(v->tenants[i].name);
		CHECK(v->tenants[i].vni >= 1 && v->tenants[i].vni <= 0xffffff);
		for (j = 0; j < i; j++)
			CHECK(v->tenants[j].vni != v->tenants[i].vni);
	}
	for (i = 0; i < v->n_subnets; i++) {
		const struct fabric_view_subnet *s = &v->subnets[i];

		CHECK(s->tenant < v->n_tenants);
		check_id(s->id, FABRIC_LINK_BRIDGE);
		check_name(s->name);
		CHECK(s->plen >= 1 && s->plen <= 30 && s->mtu >= 68 && s->mtu <= 9000);
	}
	for (i = 0; i < v->n_ports; i++)
		check_port(v, &v->ports[i]);
	for (i = 0; i < v->n_routes; i++)
		CHECK(v->routes[i].tenant < v->n_tenants && v->routes[i].plen <= 32);
	check_ids_unique(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v = NULL;
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	int rc;

	if (!root)
		return 0;
	memset(err, 0x55, sizeof(err));
	rc = fabric_view_parse(root, &v, err);
	CHECK(strnlen(err, sizeof(err)) < sizeof(err));
	if (rc == 0) {
		check_view(v);
		fabric_view_free(v);
	} else {
		CHECK((rc == -EINVAL || rc == -ENOMEM) && err[0]);
	}
	json_decref(root);
	return 0;
}
