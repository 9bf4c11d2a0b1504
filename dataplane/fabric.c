/* Fabric mode: state and applying a view (peers, switch, then the kernel). */
#include "dataplane/fabric.h"

#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/fabric_names.h"
#include "dataplane/log.h"
#include "dataplane/tunmode.h"

/* When a new peer is greeted (greet_delay): the host with the lower key
 * first, after a pause longer than the peer's flood guard (an initiation
 * within 1/50 s of the previous one is dropped, and an agent restarted that
 * fast would otherwise lose its first one to its previous run's last); the
 * other host a second later, if no session came up meanwhile. */
#define FABRIC_GREET_FIRST_NS  (50 * 1000000ull)
#define FABRIC_GREET_SECOND_NS 1000000000ull

static const char *const drop_names[FABRIC_DROP__COUNT] = {
	[FABRIC_DROP_IP_PAYLOAD] = "ip_payload",
	[FABRIC_DROP_BAD_PAYLOAD] = "bad_payload",
	[FABRIC_DROP_NOT_A_HOST] = "not_a_host",
	[FABRIC_DROP_NO_PEER] = "no_peer",
	[FABRIC_DROP_ENCODE] = "encode",
	[FABRIC_DROP_TAP_WRITE] = "tap_write",
	[FABRIC_DROP_NO_UPLINK] = "no_uplink",
};

const char *fabric_drop_name(enum fabric_drop d)
{
	return (unsigned)d < FABRIC_DROP__COUNT ? drop_names[d] : "unknown";
}

int fabric_create(struct agent *a, const char *self, uint64_t hash_seed, struct fabric **out)
{
	struct fabric *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->a = a;
	snprintf(f->self, sizeof(f->self), "%s", self);
	f->hash_seed = hash_seed;
	f->next_host_id = 1;
	f->scratch = malloc(VSWITCH_OUT_MIN);
	f->vs = vswitch_create(hash_seed);
	if (!f->scratch || !f->vs) {
		vswitch_destroy(f->vs);
		free(f->scratch);
		free(f);
		return -ENOMEM;
	}
	vswitch_worker_init(&f->worker, f->scratch, VSWITCH_OUT_MIN);
	a->fabric = f;
	a->no_tun = true;
	a->on_data = fabric_on_data;
	a->extra_stats = fabric_format_stats;
	a->poll_local = fabric_poll_written;
	*out = f;
	return 0;
}

static void uplink_free(struct fabric_uplink *up)
{
	fabric_kernel_close_uplink(up);
	free(up);
}

void fabric_destroy(struct fabric *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_uplinks; i++)
		uplink_free(f->uplinks[i]);
	free(f->uplinks);
	free(f->hosts);
	vswitch_destroy(f->vs);
	if (f->scratch)
		sodium_memzero(f->scratch, VSWITCH_OUT_MIN);
	free(f->scratch);
	fabric_view_free(f->view);
	if (f->a->fabric == f) {
		f->a->fabric = NULL;
		f->a->on_data = NULL;
		f->a->extra_stats = NULL;
		f->a->poll_local = NULL;
	}
	free(f);
}

struct fabric_host *fabric_host_by_id(struct fabric *f, uint32_t id)
{
	for (size_t i = 0; i < f->n_hosts; i++) {
		if (f->hosts[i].id == id)
			return &f->hosts[i];
	}
	return NULL;
}

struct fabric_host *fabric_host_by_name(struct fabric *f, const char *name)
{
	for (size_t i = 0; i < f->n_hosts; i++) {
		if (!strcmp(f->hosts[i].name, name))
			return &f->hosts[i];
	}
	return NULL;
}

struct fabric_uplink *fabric_uplink_find(struct fabric *f, uint32_t vni, uint32_t subnet_id)
{
	for (size_t i = 0; i < f->n_uplinks; i++) {
		if (f->uplinks[i]->vni == vni && f->uplinks[i]->subnet_id == subnet_id)
			return f->uplinks[i];
	}
	return NULL;
}

/* ---- hosts: one tunnel peer per other host -------------------------------- */

static const struct fabric_view_host *view_peer(const struct fabric_view *v, const char *name)
{
	for (size_t i = 0; i < v->n_peers; i++) {
		if (!strcmp(v->peers[i].name, name))
			return &v->peers[i];
	}
	return NULL;
}

struct wg_peer *fabric_host_peer(struct fabric *f, struct fabric_host *h)
{
	h->peer = wg_peer_lookup(f->a->dev, h->public_key);
	return h->peer;
}

static void host_drop_peer(struct fabric *f, struct fabric_host *h)
{
	if (fabric_host_peer(f, h))
		agent_peer_remove(f->a, h->peer);
	h->peer = NULL;
}

/* A new peer is greeted with a handshake rather than left for traffic: one
 * still holding a session with our previous run would send into it until its
 * own timers give up (15 s). Two hosts that learn of each other at the same
 * moment must not both initiate, though: each would answer the other and drop
 * the answer to its own, and both would wait REKEY_TIMEOUT (5 s) to retry. So
 * the host with the lower public key greets first. */
static uint64_t greet_delay(const struct fabric *f, const uint8_t peer_key[32])
{
	uint8_t own[32];

	if (!wg_device_public_key(f->a->dev, own) || memcmp(own, peer_key, 32) < 0)
		return FABRIC_GREET_FIRST_NS;
	return FABRIC_GREET_SECOND_NS;
}

/* A host whose key changed is a new peer: its sessions belong to the old key. */
static void host_sync(struct fabric *f, struct fabric_host *h, const struct fabric_view_host *vh)
{
	struct agent_peer *ap;
	bool created = false;
	int rc;

	if (sodium_memcmp(h->public_key, vh->public_key, 32)) {
		host_drop_peer(f, h);
		memcpy(h->public_key, vh->public_key, 32);
	}
	/* A peer of that key made by wg set is taken over; one removed by
	 * wg set is made again. */
	if (!fabric_host_peer(f, h)) {
		if ((rc = agent_peer_create(f->a, vh->public_key, &h->peer)) < 0) {
			log_error("fabric", "host %s: cannot create its peer: %s", h->name, strerror(-rc));
			h->peer = NULL;
			return;
		}
		h->endpoint_text[0] = '\0';
		created = true;
		log_info("fabric", "host %s: peer added", h->name);
	}
	ap = agent_peer_state(h->peer);
	if (ap)
		ap->host_id = h->id;
	/* Only a changed endpoint is set: between changes the peer roams to
	 * where authenticated packets come from, as WireGuard does. */
	if (strcmp(h->endpoint_text, vh->endpoint_text)) {
		if (vh->endpoint.addr.sa.sa_family != AF_UNSPEC)
			wg_peer_set_endpoint(h->peer, &vh->endpoint);
		snprintf(h->endpoint_text, sizeof(h->endpoint_text), "%s", vh->endpoint_text);
	}
	if (created && f->a->base)
		tunmode_greet(f->a, h->peer, greet_delay(f, vh->public_key));
}

int fabric_sync_hosts(struct fabric *f, const struct fabric_view *v)
{
	struct fabric_host *h;
	size_t i = 0;

	while (i < f->n_hosts) {
		h = &f->hosts[i];
		if (view_peer(v, h->name)) {
			i++;
			continue;
		}
		log_info("fabric", "host %s: no longer a peer, removed", h->name);
		host_drop_peer(f, h);
		f->hosts[i] = f->hosts[--f->n_hosts];
	}
	for (size_t k = 0; k < v->n_peers; k++) {
		if (!strcmp(v->peers[k].name, f->self))
			continue;
		h = fabric_host_by_name(f, v->peers[k].name);
		if (!h) {
			h = realloc(f->hosts, (f->n_hosts + 1) * sizeof(*h));
			if (!h)
				return -ENOMEM;
			f->hosts = h;
			h = &f->hosts[f->n_hosts++];
			memset(h, 0, sizeof(*h));
			snprintf(h->name, sizeof(h->name), "%s", v->peers[k].name);
			h->id = f->next_host_id++;
		}
		host_sync(f, h, &v->peers[k]);
	}
	return 0;
}

/* ---- uplinks: one per subnet with a local port ----------------------------- */

static bool is_current(struct fabric *f, const struct fabric_uplink *up)
{
	for (size_t i = 0; i < f->n_uplinks; i++) {
		if (f->uplinks[i] == up)
			return true;
	}
	return false;
}

/* Frees the uplinks of arr that build_uplinks allocated, then arr. */
static void free_fresh(struct fabric *f, struct fabric_uplink **arr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_current(f, arr[i]))
			uplink_free(arr[i]);
	}
	free(arr);
}

static bool subnet_has_local_port(const struct fabric_view *v, size_t subnet, const char *self)
{
	for (size_t i = 0; i < v->n_ports; i++) {
		if (v->ports[i].subnet == subnet && fabric_port_is_local(&v->ports[i], self))
			return true;
	}
	return false;
}

/* The uplinks of view v: existing ones are shared with the current array,
 * new ones allocated; every one of them is stamped with generation `gen`, so
 * the current ones without the stamp are the unwanted ones. */
static int build_uplinks(struct fabric *f, const struct fabric_view *v, unsigned gen,
			 struct fabric_uplink ***out, size_t *n_out)
{
	struct fabric_uplink **arr = calloc(v->n_subnets ? v->n_subnets : 1, sizeof(*arr));
	struct fabric_uplink *up;
	size_t n = 0;

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < v->n_subnets; i++) {
		const struct fabric_view_subnet *s = &v->subnets[i];
		uint32_t vni = v->tenants[s->tenant].vni;

		if (!subnet_has_local_port(v, i, f->self))
			continue;
		up = fabric_uplink_find(f, vni, s->id);
		if (!up) {
			up = calloc(1, sizeof(*up));
			if (!up) {
				free_fresh(f, arr, n);
				return -ENOMEM;
			}
			up->f = f;
			up->fd = -1;
			up->vni = vni;
			up->subnet_id = s->id;
			fabric_link_name(FABRIC_LINK_UPLINK, s->id, up->name);
			fabric_link_name(FABRIC_LINK_BRIDGE, s->id, up->bridge);
		}
		up->gen = gen;
		up->mtu = s->mtu;
		arr[n++] = up;
	}
	*out = arr;
	*n_out = n;
	return 0;
}

/* ---- the switch: rebuilt whole from the view --------------------------------- */

static uint32_t port_host_id(struct fabric *f, const struct fabric_view_port *p)
{
	struct fabric_host *h;

	if (fabric_port_is_local(p, f->self))
		return VSWITCH_HOST_LOCAL;
	h = fabric_host_by_name(f, p->host);
	return h ? h->id : UINT32_MAX;
}

static void add_subnets(struct vswitch *vs, const struct fabric_view *v, struct fabric_uplink **ups,
			size_t n_ups)
{
	for (size_t i = 0; i < v->n_subnets; i++) {
		const struct fabric_view_subnet *s = &v->subnets[i];
		struct vswitch_subnet_cfg cfg = {
			.vni = v->tenants[s->tenant].vni, .id = s->id, .network = s->network,
			.plen = s->plen, .gateway = s->gateway, .mtu = s->mtu, .dhcp = s->dhcp,
		};
		int rc;

		for (size_t k = 0; k < n_ups; k++) {
			if (ups[k]->vni == cfg.vni && ups[k]->subnet_id == cfg.id)
				cfg.uplink = (uintptr_t)ups[k];
		}
		rc = vswitch_subnet_add(vs, &cfg);
		if (rc < 0)
			log_warn("fabric", "subnet %s (id %u): not switched: %s", s->name, s->id, strerror(-rc));
	}
}

static void add_ports(struct fabric *f, struct vswitch *vs, const struct fabric_view *v)
{
	for (size_t i = 0; i < v->n_ports; i++) {
		const struct fabric_view_port *p = &v->ports[i];
		struct vswitch_port_cfg cfg = {
			.vni = v->tenants[p->tenant].vni, .subnet_id = v->subnets[p->subnet].id,
			.ip = p->ip, .host = port_host_id(f, p),
		};
		int rc;

		if (cfg.host == UINT32_MAX) {
			log_warn("fabric", "port %s: host %s is not among the peers; ignored", p->name, p->host);
			continue;
		}
		memcpy(cfg.mac, p->mac, 6);
		rc = vswitch_port_add(vs, &cfg);
		if (rc < 0)
			log_warn("fabric", "port %s (id %u): not switched: %s", p->name, p->id, strerror(-rc));
	}
}

static int build_switch(struct fabric *f, const struct fabric_view *v, struct fabric_uplink **ups,
			size_t n_ups, struct vswitch **out)
{
	struct vswitch *vs = vswitch_create(f->hash_seed);
	int rc;

	if (!vs)
		return -ENOMEM;
	for (size_t i = 0; i < v->n_tenants; i++) {
		rc = vswitch_tenant_add(vs, v->tenants[i].vni);
		if (rc == -ENOMEM)
			goto fail;
	}
	add_subnets(vs, v, ups, n_ups);
	add_ports(f, vs, v);
	for (size_t i = 0; i < v->n_routes; i++) {
		const struct fabric_view_route *r = &v->routes[i];

		rc = vswitch_route_add(vs, v->tenants[r->tenant].vni, r->prefix, r->plen, r->via);
		if (rc < 0)
			log_warn("fabric", "route in tenant %s: not applied: %s", v->tenants[r->tenant].name,
				 strerror(-rc));
	}
	*out = vs;
	return 0;
fail:
	vswitch_destroy(vs);
	return -ENOMEM;
}

int fabric_apply_view(struct fabric *f, struct fabric_view *v)
{
	struct fabric_uplink **ups = NULL;
	struct vswitch *vs = NULL;
	unsigned gen = ++f->gen;
	size_t n_ups = 0;
	int rc;

	if (strcmp(v->self.name, f->self))
		log_warn("fabric", "the view is for host \"%s\", we are \"%s\"", v->self.name, f->self);
	rc = fabric_sync_hosts(f, v);
	if (rc == 0)
		rc = build_uplinks(f, v, gen, &ups, &n_ups);
	if (rc == 0 && (rc = build_switch(f, v, ups, n_ups, &vs)) < 0)
		free_fresh(f, ups, n_ups);
	if (rc < 0) {
		fabric_view_free(v);
		return rc;
	}
	/* Swap: the old switch refers to the old uplinks, so it goes first. */
	vswitch_destroy(f->vs);
	f->vs = vs;
	for (size_t i = 0; i < f->n_uplinks; i++) {
		if (f->uplinks[i]->gen != gen) {
			log_info("fabric", "subnet uplink %s: no local port left", f->uplinks[i]->name);
			uplink_free(f->uplinks[i]);
		}
	}
	free(f->uplinks);
	f->uplinks = ups;
	f->n_uplinks = n_ups;
	fabric_view_free(f->view);
	f->view = v;
	log_info("fabric", "view revision %lld applied: %zu peers, %zu tenants, %zu subnets (%zu local), "
		 "%zu ports", (long long)v->revision, f->n_hosts, v->n_tenants, v->n_subnets, n_ups,
		 v->n_ports);
	if (f->nl)
		fabric_kernel_reconcile(f, false);
	return 0;
}

void fabric_refresh(struct fabric *f)
{
	if (!f->view)
		return;
	(void)fabric_sync_hosts(f, f->view);
	fabric_kernel_reconcile(f, true);
}

int fabric_apply_json(struct fabric *f, const json_t *view, char err[FABRIC_ERR_LEN])
{
	struct fabric_view *v;
	int rc = fabric_view_parse(view, &v, err);

	if (rc < 0)
		return rc;
	return fabric_apply_view(f, v);
}
