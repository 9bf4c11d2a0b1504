/* Names of enumerations and the JSON views of objects. */
#include "controlplane/model.h"

#include <string.h>

#include "controlplane/validate.h"
#include "tunnel/key.h"

static const char *const kind_names[] = {
	[CP_KIND_HOST] = "host",
	[CP_KIND_TENANT] = "tenant",
	[CP_KIND_SUBNET] = "subnet",
	[CP_KIND_PORT] = "port",
	[CP_KIND_ROUTE] = "route",
	[CP_KIND_TOKEN] = "token",
};

static const char *const op_names[] = {
	[CP_OP_CREATE] = "create",
	[CP_OP_DELETE] = "delete",
};

static const char *const port_kind_names[] = {
	[CP_PORT_CONTAINER] = "container",
	[CP_PORT_VM] = "vm",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

static unsigned value_of(const char *const *names, size_t n, const char *name)
{
	unsigned v;

	for (v = 1; v < n; v++)
		if (names[v] && !strcmp(names[v], name))
			return v;
	return 0;
}

const char *cp_kind_name(enum cp_kind kind)
{
	return name_of(kind_names, N(kind_names), kind);
}

const char *cp_op_name(enum cp_op op)
{
	return name_of(op_names, N(op_names), op);
}

const char *cp_port_kind_name(enum cp_port_kind kind)
{
	return name_of(port_kind_names, N(port_kind_names), kind);
}

enum cp_kind cp_kind_from_name(const char *name)
{
	return (enum cp_kind)value_of(kind_names, N(kind_names), name);
}

enum cp_op cp_op_from_name(const char *name)
{
	return (enum cp_op)value_of(op_names, N(op_names), name);
}

enum cp_port_kind cp_port_kind_from_name(const char *name)
{
	return (enum cp_port_kind)value_of(port_kind_names, N(port_kind_names), name);
}

json_t *cp_host_to_json(const struct cp_host *h)
{
	char key[WG_KEY_B64_LEN];

	wg_key_to_base64(key, h->public_key);
	return json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)h->id,
			 "revision", (json_int_t)h->revision, "name", h->name,
			 "public_key", key, "endpoint", h->endpoint);
}

json_t *cp_tenant_to_json(const struct cp_tenant *t)
{
	return json_pack("{s:I, s:I, s:s, s:I}", "id", (json_int_t)t->id,
			 "revision", (json_int_t)t->revision, "name", t->name,
			 "vni", (json_int_t)t->vni);
}

json_t *cp_subnet_to_json(const struct cp_subnet *s)
{
	char cidr[CP_PREFIX_STR_LEN], gw[CP_IPV4_STR_LEN];

	cp_format_prefix(&s->cidr, cidr);
	cp_format_ipv4(s->gateway, gw);
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:b}", "id", (json_int_t)s->id,
			 "revision", (json_int_t)s->revision, "tenant", s->tenant,
			 "name", s->name, "cidr", cidr, "gateway", gw,
			 "mtu", (json_int_t)s->mtu, "dhcp", s->dhcp);
}

json_t *cp_port_to_json(const struct cp_port *p)
{
	char mac[CP_MAC_STR_LEN], ip[CP_IPV4_STR_LEN];

	cp_format_mac(p->mac, mac);
	cp_format_ipv4(p->ip, ip);
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?}",
			 "id", (json_int_t)p->id, "revision", (json_int_t)p->revision,
			 "tenant", p->tenant, "subnet", p->subnet, "name", p->name,
			 "host", p->host, "kind", cp_port_kind_name(p->kind), "mac", mac,
			 "ip", ip, "netns", p->netns[0] ? p->netns : NULL);
}

json_t *cp_route_to_json(const struct cp_route *r)
{
	char prefix[CP_PREFIX_STR_LEN], via[CP_IPV4_STR_LEN];

	cp_format_prefix(&r->prefix, prefix);
	cp_format_ipv4(r->via, via);
	return json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)r->id,
			 "revision", (json_int_t)r->revision, "tenant", r->tenant,
			 "prefix", prefix, "via", via);
}
