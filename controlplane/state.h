/* The desired state: validated create, get, list and delete of hosts,
 * tenants, subnets, ports and routes, on top of the store.
 *
 * Each create or delete is one write transaction: every rule is checked
 * inside it, and on any refusal nothing changes and err says why (see
 * error.h for the errno classes). On success the change is on disk, the
 * revision moved by one and the revision log holds the change.
 *
 * get and list never open a transaction of their own, so a caller may wrap
 * several of them in cp_store_begin_read() for one consistent snapshot (as
 * host_view does). list calls fn for each object in a stable order; a
 * negative return from fn stops it and is returned.
 */
#ifndef CONTROLPLANE_STATE_H
#define CONTROLPLANE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "controlplane/error.h"
#include "controlplane/mac.h"
#include "controlplane/model.h"
#include "controlplane/store.h"

/* ---- requests: syntactically valid input (request.c builds them) ------ */

struct cp_host_req {
	char name[CP_NAME_LEN];
	uint8_t public_key[32];
	char endpoint[CP_ENDPOINT_LEN];
};

struct cp_tenant_req {
	char name[CP_NAME_LEN];
	bool has_vni;          /* false: allocate the lowest free VNI */
	int64_t vni;
};

struct cp_subnet_req {
	char tenant[CP_NAME_LEN];
	char name[CP_NAME_LEN];
	struct cp_prefix cidr;
	bool has_mtu;          /* false: CP_MTU_DEFAULT */
	int64_t mtu;
	bool dhcp;
};

struct cp_port_req {
	char tenant[CP_NAME_LEN];
	char subnet[CP_NAME_LEN];
	char name[CP_NAME_LEN];
	char host[CP_NAME_LEN];
	enum cp_port_kind kind;
	char netns[CP_NAME_LEN]; /* required for containers, refused for VMs */
	bool has_ip;             /* false: allocate the lowest free address */
	uint32_t ip;
	bool has_mac;            /* false: generate one */
	uint8_t mac[6];
};

struct cp_route_req {
	char tenant[CP_NAME_LEN];
	struct cp_prefix prefix;
	uint32_t via;
};

/* ---- hosts ------------------------------------------------------------ */

typedef int (*cp_host_fn)(void *ctx, const struct cp_host *h);

int cp_host_create(struct cp_store *st, const struct cp_host_req *req, struct cp_host *out,
		   struct cp_error *err);
/* The same checks and insert inside the caller's write transaction (token
 * redemption registers a host and spends the token atomically). */
int cp_host_create_in_tx(struct cp_store *st, const struct cp_host_req *req,
			 struct cp_host *out, struct cp_error *err);
int cp_host_get(struct cp_store *st, const char *name, struct cp_host *out,
		struct cp_error *err);
int cp_host_list(struct cp_store *st, cp_host_fn fn, void *ctx, struct cp_error *err);
/* The other hosts holding a port of a tenant that has a port on host (its
 * peers in host_view.h's sense), by name. -ENOENT for an unknown host. */
int cp_host_list_peers(struct cp_store *st, const char *host, cp_host_fn fn, void *ctx,
		       struct cp_error *err);
/* Refused (-EBUSY) while ports are placed on the host. */
int cp_host_delete(struct cp_store *st, const char *name, int64_t *rev, struct cp_error *err);

/* ---- tenants ---------------------------------------------------------- */

typedef int (*cp_tenant_fn)(void *ctx, const struct cp_tenant *t);

int cp_tenant_create(struct cp_store *st, const struct cp_tenant_req *req,
		     struct cp_tenant *out, struct cp_error *err);
int cp_tenant_get(struct cp_store *st, const char *name, struct cp_tenant *out,
		  struct cp_error *err);
int cp_tenant_list(struct cp_store *st, cp_tenant_fn fn, void *ctx, struct cp_error *err);
/* Refused (-EBUSY) while the tenant has subnets, ports or routes. */
int cp_tenant_delete(struct cp_store *st, const char *name, int64_t *rev,
		     struct cp_error *err);

/* ---- subnets ---------------------------------------------------------- */

typedef int (*cp_subnet_fn)(void *ctx, const struct cp_subnet *s);

/* Refused when it overlaps another subnet of the same tenant (other
 * tenants' subnets may overlap it freely). */
int cp_subnet_create(struct cp_store *st, const struct cp_subnet_req *req,
		     struct cp_subnet *out, struct cp_error *err);
int cp_subnet_get(struct cp_store *st, const char *tenant, const char *name,
		  struct cp_subnet *out, struct cp_error *err);
/* tenant NULL: every tenant's subnets. */
int cp_subnet_list(struct cp_store *st, const char *tenant, cp_subnet_fn fn, void *ctx,
		   struct cp_error *err);
/* Refused (-EBUSY) while ports are in the subnet. */
int cp_subnet_delete(struct cp_store *st, const char *tenant, const char *name, int64_t *rev,
		     struct cp_error *err);

/* ---- ports ------------------------------------------------------------ */

typedef int (*cp_port_fn)(void *ctx, const struct cp_port *p);

/* MACs are generated from rng (see mac.h) and unique across all tenants;
 * a given MAC must be unique within its tenant. */
int cp_port_create(struct cp_store *st, const struct cp_rng *rng, const struct cp_port_req *req,
		   struct cp_port *out, struct cp_error *err);
int cp_port_get(struct cp_store *st, const char *tenant, const char *name, struct cp_port *out,
		struct cp_error *err);
/* tenant and host filter when not NULL. */
int cp_port_list(struct cp_store *st, const char *tenant, const char *host, cp_port_fn fn,
		 void *ctx, struct cp_error *err);
/* Refused (-EBUSY) while a route of the tenant goes via the port's IP. */
int cp_port_delete(struct cp_store *st, const char *tenant, const char *name, int64_t *rev,
		   struct cp_error *err);

/* ---- routes ----------------------------------------------------------- */

typedef int (*cp_route_fn)(void *ctx, const struct cp_route *r);

/* via must be the IP of a port of the tenant (-ENOENT otherwise). */
int cp_route_create(struct cp_store *st, const struct cp_route_req *req, struct cp_route *out,
		    struct cp_error *err);
int cp_route_get(struct cp_store *st, const char *tenant, const struct cp_prefix *prefix,
		 struct cp_route *out, struct cp_error *err);
int cp_route_list(struct cp_store *st, const char *tenant, cp_route_fn fn, void *ctx,
		  struct cp_error *err);
int cp_route_delete(struct cp_store *st, const char *tenant, const struct cp_prefix *prefix,
		    int64_t *rev, struct cp_error *err);

#endif
