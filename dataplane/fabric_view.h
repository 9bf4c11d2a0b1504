/* The host view (controlplane/host_view.h) as checked C values: what fabric
 * mode reconciles against. Parsing is all-or-nothing: a view with one bad
 * field is refused whole (with the field named), and the agent keeps the
 * view it has, because half a view would tear down ports that are fine.
 *
 * Ids are the controller's (never reused); the agent derives kernel names
 * from them (fabric_names.h), so they are limited to 1..FABRIC_ID_MAX.
 * IPv4 addresses are host byte order. Pure: no I/O. */
#ifndef DATAPLANE_FABRIC_VIEW_H
#define DATAPLANE_FABRIC_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/tunnel.h"

#define FABRIC_NAME_LEN 64            /* controller names: 1..63 characters */
#define FABRIC_ID_MAX   0xffffffffu   /* 8 hex digits in a kernel name */
#define FABRIC_ERR_LEN  256

struct fabric_view_host {
	char name[FABRIC_NAME_LEN];
	uint8_t public_key[32];
	char endpoint_text[64];        /* as the controller sent it ("" if none) */
	struct wg_endpoint endpoint;   /* AF_UNSPEC when none */
};

struct fabric_view_subnet {
	uint32_t id;
	size_t tenant;                 /* index into view->tenants */
	char name[FABRIC_NAME_LEN];
	uint32_t network;
	uint8_t plen;
	uint32_t gateway;
	uint16_t mtu;
	bool dhcp;
};

enum fabric_port_kind { FABRIC_PORT_CONTAINER = 1, FABRIC_PORT_VM };

struct fabric_view_port {
	uint32_t id;
	size_t tenant;                 /* index into view->tenants */
	size_t subnet;                 /* index into view->subnets */
	char name[FABRIC_NAME_LEN];
	char host[FABRIC_NAME_LEN];
	enum fabric_port_kind kind;
	uint8_t mac[6];
	uint32_t ip;
	char netns[FABRIC_NAME_LEN];   /* container ports; "" for VMs */
};

struct fabric_view_route {
	size_t tenant;
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;
};

struct fabric_view_tenant {
	char name[FABRIC_NAME_LEN];
	uint32_t vni;
};

struct fabric_view {
	int64_t revision;
	struct fabric_view_host self;
	struct fabric_view_host *peers;
	size_t n_peers;
	struct fabric_view_tenant *tenants;
	size_t n_tenants;
	struct fabric_view_subnet *subnets;
	size_t n_subnets;
	struct fabric_view_port *ports;
	size_t n_ports;
	struct fabric_view_route *routes;
	size_t n_routes;
};

/* 0, or -EINVAL with err naming the offending field, or -ENOMEM. On success
 * *out is a new view (fabric_view_free). */
int fabric_view_parse(const json_t *root, struct fabric_view **out, char err[FABRIC_ERR_LEN]);
void fabric_view_free(struct fabric_view *v);

/* "IPv4:port" or "[IPv6]:port" to an endpoint; "" gives AF_UNSPEC. */
bool fabric_parse_endpoint(const char *s, struct wg_endpoint *out);

/* Is this port placed on the host named `self`? */
bool fabric_port_is_local(const struct fabric_view_port *p, const char *self);

#endif
