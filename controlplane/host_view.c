/* The per-host share of the desired state. */
#include "controlplane/host_view.h"

#include <errno.h>
#include <string.h>

#include "controlplane/state.h"

struct view {
	const char *self;
	const char *const *only;  /* with n_only: build just these tenants */
	size_t n_only;
	bool filtered;
	json_t *tenant_names;     /* set: tenants with a port on self (and in only) */
	json_t *array;            /* the array the current list appends to */
};

static int append(json_t *array, json_t *item)
{
	if (!item || json_array_append_new(array, item) < 0)
		return -ENOMEM;
	return 0;
}

static bool wanted(const struct view *v, const char *tenant)
{
	size_t i;

	if (!v->filtered)
		return true;
	for (i = 0; i < v->n_only; i++)
		if (v->only[i] && !strcmp(v->only[i], tenant))
			return true;
	return false;
}

static int note_tenant(void *ctx, const struct cp_port *p)
{
	struct view *v = ctx;

	if (!wanted(v, p->tenant))
		return 0;
	return json_object_set_new(v->tenant_names, p->tenant, json_true()) < 0 ? -ENOMEM : 0;
}

static int add_port(void *ctx, const struct cp_port *p)
{
	return append(((struct view *)ctx)->array, cp_port_to_json(p));
}

static int add_subnet(void *ctx, const struct cp_subnet *s)
{
	return append(((struct view *)ctx)->array, cp_subnet_to_json(s));
}

static int add_route(void *ctx, const struct cp_route *r)
{
	return append(((struct view *)ctx)->array, cp_route_to_json(r));
}

static int add_peer(void *ctx, const struct cp_host *h)
{
	return append(((struct view *)ctx)->array, cp_host_to_json(h));
}

static int add_tenant(struct cp_store *st, struct view *v, const char *name, json_t *tenants,
		      struct cp_error *err)
{
	struct cp_tenant t;
	json_t *obj = NULL, *subnets = json_array(), *ports = json_array(), *routes = json_array();
	int rc = cp_tenant_get(st, name, &t, err);

	if (rc == 0 && (!subnets || !ports || !routes || !(obj = cp_tenant_to_json(&t))))
		rc = -ENOMEM;
	v->array = subnets;
	if (rc == 0)
		rc = cp_subnet_list(st, name, add_subnet, v, err);
	v->array = ports;
	if (rc == 0)
		rc = cp_port_list(st, name, NULL, add_port, v, err);
	v->array = routes;
	if (rc == 0)
		rc = cp_route_list(st, name, add_route, v, err);
	if (rc == 0 && (json_object_set(obj, "subnets", subnets) < 0 ||
			json_object_set(obj, "ports", ports) < 0 ||
			json_object_set(obj, "routes", routes) < 0 ||
			json_array_append(tenants, obj) < 0))
		rc = -ENOMEM;
	json_decref(subnets);
	json_decref(ports);
	json_decref(routes);
	json_decref(obj);
	return rc;
}

static int build(struct cp_store *st, struct view *v, json_t *root, struct cp_error *err)
{
	json_t *value;
	const char *name;
	struct cp_host self;
	int64_t rev;
	int rc = cp_host_get(st, v->self, &self, err);

	if (rc == 0)
		rc = cp_store_revision(st, &rev, err);
	if (rc == 0 && (json_object_set_new(root, "revision", json_integer(rev)) < 0 ||
			json_object_set_new(root, "host", cp_host_to_json(&self)) < 0 ||
			json_object_set_new(root, "peers", json_array()) < 0 ||
			json_object_set_new(root, "tenants", json_array()) < 0))
		rc = -ENOMEM;
	if (rc == 0)
		rc = cp_port_list(st, NULL, v->self, note_tenant, v, err);
	/* cp_port_list walks in tenant order, and the set keeps insertion order */
	json_object_foreach(v->tenant_names, name, value) {
		if (rc == 0)
			rc = add_tenant(st, v, name, json_object_get(root, "tenants"), err);
	}
	/* the peers are all the hosts of all self's tenants, even in a partial
	 * view: one indexed query, and whether a host is still a peer depends
	 * on every tenant, not only the ones asked for */
	v->array = json_object_get(root, "peers");
	if (rc == 0)
		rc = cp_host_list_peers(st, v->self, add_peer, v, err);
	return rc;
}

static int view_read(struct cp_store *st, struct view *v, json_t **out, struct cp_error *err)
{
	json_t *root = json_object();
	int rc = -ENOMEM;

	v->tenant_names = json_object();
	if (!root || !v->tenant_names)
		goto out;
	rc = cp_store_begin_read(st, err);
	if (rc < 0)
		goto out;
	rc = build(st, v, root, err);
	cp_store_rollback(st); /* read-only: nothing to keep */
out:
	if (rc == -ENOMEM)
		cp_fail(err, ENOMEM, "out of memory");
	json_decref(v->tenant_names);
	if (rc < 0) {
		json_decref(root);
		return rc;
	}
	*out = root;
	return 0;
}

int cp_host_view(struct cp_store *st, const char *host, json_t **out, struct cp_error *err)
{
	struct view v = { .self = host };

	return view_read(st, &v, out, err);
}

int cp_host_view_tenants(struct cp_store *st, const char *host, const char *const *tenants,
			 size_t n, json_t **out, struct cp_error *err)
{
	struct view v = { .self = host, .only = tenants, .n_only = n, .filtered = true };

	return view_read(st, &v, out, err);
}
