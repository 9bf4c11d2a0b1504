/* Fabric mode's kernel links: desired (the view) against actual (the links
 * named tn<kind><hex id>, see fabric_names.h), through tap/ (libnl-3).
 *
 * Adopt before create: a link that exists with the right kind is kept and
 * only mended (attached to its bridge, set up), never recreated, because
 * recreating a container's veth would cut the container off. A container's
 * namespace side is configured once, when its veth is created. */
#include "dataplane/fabric.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/fabric_names.h"
#include "dataplane/log.h"
#include "tap/bridge.h"
#include "tap/link.h"
#include "tap/netlink.h"
#include "tap/netns.h"
#include "tap/persist.h"
#include "tap/tun.h"
#include "tap/veth.h"

#define CONTAINER_IFNAME "eth0"

struct reconcile {
	struct fabric *f;
	bool quiet;
	int failures;
};

/* Logs and counts; returns rc so callers can `return failed(...)`. */
static int failed(struct reconcile *r, const char *what, const char *name, int rc)
{
	r->failures++;
	r->f->kernel_errors++;
	log_msg(r->quiet ? LOG_DEBUG : LOG_WARN, "fabric", "%s %s: %s", what, name, strerror(-rc));
	return rc;
}

/* Links of ours carry no host IPv6: no link-local address (so no router
 * solicitation or DAD out of them into the switch), set over netlink before
 * the link is first up; and IPv6 off altogether, so a router advertisement
 * a container floods to the bridge cannot configure addresses or a default
 * route in the host's namespace. Netlink cannot set disable_ipv6 (it is a
 * sysctl only); /proc/sys/net always shows the namespace of the thread that
 * opens it, so this needs no particular /sys (FABRIC.md, "kernel
 * settings"). */
static int no_ipv6(struct tap_nl *nl, const char *name)
{
	char path[80];
	int fd, rc = tap_link_set_addr_gen_none(nl, name);

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0 && rc == 0)
			rc = -errno;
		close(fd);
	}
	return rc == -EAFNOSUPPORT ? 0 : rc; /* a kernel without IPv6 */
}

/* A port's bridge must not learn from it: a container that sends with
 * another port's MAC would otherwise move that MAC to its own bridge port
 * and receive the victim's traffic (the switch refuses the spoofed frames,
 * but the bridge learns before the uplink ever sees them). A static entry
 * for the port's own MAC sends frames to it through that port alone, where
 * without learning they would be flooded to every port of the bridge. */
static int port_forwarding(struct tap_nl *nl, const char *name, const uint8_t mac[6])
{
	int rc = tap_bridge_port_set_learning(nl, name, 0);

	return rc < 0 ? rc : tap_bridge_fdb_add(nl, name, mac);
}

/* ---- uplinks and bridges ------------------------------------------------ */

void fabric_kernel_close_uplink(struct fabric_uplink *up)
{
	if (up->ev)
		event_free(up->ev);
	up->ev = NULL;
	if (up->fd >= 0)
		close(up->fd);
	up->fd = -1;
}

/* With offloads (and the batch that sends what they hand over): a vnet TAP
 * that takes partial checksums and TCP super-frames from the bridge, with
 * tap_open_offloaded's fallbacks. IFF_VNET_HDR is the opener's choice, not
 * the creator's, so an adopted TAP takes either. */
static int open_tap(struct fabric *f, struct fabric_uplink *up)
{
	struct tap_offload got;
	int fd = tap_open_offloaded(TAP_KIND_TAP, up->name, f->a->offload && f->a->batch, NULL, &got);

	if (got.vnet_err)
		log_warn("fabric", "%s: no virtio_net_hdr support (%s): offloads off", up->name,
			 strerror(-got.vnet_err));
	if (got.tso_err)
		log_warn("fabric", "%s: TUNSETOFFLOAD refused (%s): one frame at a time", up->name,
			 strerror(-got.tso_err));
	up->vnet = got.vnet;
	up->tso = got.tso;
	if (fd >= 0)
		log_info("fabric", "uplink %s: offloads %s", up->name,
			 up->tso ? "tso" : up->vnet ? "vnet" : "off");
	return fd;
}

int fabric_kernel_open_uplink(struct fabric *f, struct fabric_uplink *up)
{
	int fd;

	if (up->fd >= 0)
		return 0;
	fd = open_tap(f, up);
	if (fd < 0)
		return fd;
	up->fd = fd;
	if (f->a->base) {
		up->ev = event_new(f->a->base, fd, EV_READ | EV_PERSIST, fabric_on_uplink_readable, up);
		if (!up->ev || event_add(up->ev, NULL) < 0) {
			fabric_kernel_close_uplink(up);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Attached to `bridge` and up, whatever state it was found in. */
static int attach_up(struct tap_nl *nl, const char *bridge, const char *name, unsigned mtu)
{
	struct tap_link_info br, link;
	int rc = tap_link_get(nl, bridge, &br);

	if (rc == 0)
		rc = tap_link_get(nl, name, &link);
	if (rc == 0 && mtu && link.mtu != mtu)
		rc = tap_link_set_mtu(nl, name, mtu);
	if (rc == 0 && link.master != br.ifindex)
		rc = tap_bridge_attach(nl, bridge, name);
	if (rc == 0 && !(link.flags & IFF_UP))
		rc = tap_link_set_up(nl, name, 1);
	return rc;
}

static int ensure_uplink(struct reconcile *r, struct fabric_uplink *up)
{
	struct tap_nl *nl = r->f->nl;
	struct tap_link_info br;
	int rc;

	rc = tap_bridge_create(nl, up->bridge, NULL);
	if (rc < 0)
		return failed(r, "bridge", up->bridge, rc);
	if ((rc = no_ipv6(nl, up->bridge)) < 0)
		(void)failed(r, "bridge ipv6 off", up->bridge, rc); /* not worth a dead subnet */
	if (tap_link_get(nl, up->bridge, &br) == 0 && !(br.flags & IFF_UP) &&
	    (rc = tap_link_set_up(nl, up->bridge, 1)) < 0)
		return failed(r, "bridge up", up->bridge, rc);
	/* Persistent, so the bridge keeps its uplink port across an agent
	 * restart; an existing one is taken over. */
	if (up->fd < 0 && tap_link_index(nl, up->name) < 0 &&
	    (rc = tap_persist_create(TAP_KIND_TAP, up->name, 0, NULL)) < 0)
		return failed(r, "uplink", up->name, rc);
	rc = fabric_kernel_open_uplink(r->f, up);
	if (rc < 0)
		return failed(r, "uplink open", up->name, rc);
	if ((rc = no_ipv6(nl, up->name)) < 0)
		(void)failed(r, "uplink ipv6 off", up->name, rc);
	rc = attach_up(nl, up->bridge, up->name, up->mtu);
	if (rc < 0)
		return failed(r, "uplink attach", up->name, rc);
	return 0;
}

/* ---- ports ------------------------------------------------------------- */

static const struct fabric_uplink *port_uplink(struct fabric *f, const struct fabric_view_port *p)
{
	const struct fabric_view *v = f->view;

	return fabric_uplink_find(f, v->tenants[p->tenant].vni, v->subnets[p->subnet].id);
}

/* Inside the container: eth0 with the port's address, up, and a default
 * route via the gateway (MAC and MTU came with the veth). */
static int configure_inside(const struct fabric_view_port *p, const struct fabric_view_subnet *s)
{
	uint32_t ip = htonl(p->ip), gw = htonl(s->gateway), any = 0;
	struct tap_nl *in;
	int rc = tap_nl_open_netns(p->netns, &in);

	if (rc < 0)
		return rc;
	rc = tap_addr_add(in, CONTAINER_IFNAME, AF_INET, (const uint8_t *)&ip, s->plen);
	if (rc == 0)
		rc = tap_link_set_up(in, CONTAINER_IFNAME, 1);
	if (rc == 0)
		rc = tap_link_set_up(in, "lo", 1);
	if (rc == 0)
		rc = tap_route_replace_via(in, CONTAINER_IFNAME, AF_INET, (const uint8_t *)&any, 0,
					   (const uint8_t *)&gw);
	tap_nl_close(in);
	return rc;
}

static int create_container(struct fabric *f, const struct fabric_view_port *p, const char *name)
{
	const struct fabric_view_subnet *s = &f->view->subnets[p->subnet];
	char peer[IFNAMSIZ];
	int fd, rc;

	fd = tap_netns_open(p->netns);
	if (fd < 0)
		return fd;
	close(fd);
	fabric_link_name(FABRIC_LINK_PEER, p->id, peer);
	(void)tap_link_delete(f->nl, peer); /* a leftover of an interrupted creation */
	rc = tap_veth_create(f->nl, name, peer, s->mtu, NULL, p->mac);
	if (rc < 0)
		return rc;
	rc = tap_link_move_netns(f->nl, peer, p->netns, CONTAINER_IFNAME);
	if (rc == 0)
		rc = configure_inside(p, s);
	if (rc < 0)
		(void)tap_link_delete(f->nl, name); /* takes its peer along, wherever it is */
	return rc;
}

static int ensure_port(struct reconcile *r, const struct fabric_view_port *p)
{
	const struct fabric_uplink *up = port_uplink(r->f, p);
	bool vm = p->kind == FABRIC_PORT_VM;
	struct tap_link_info info;
	char name[IFNAMSIZ];
	int rc;

	if (!up)
		return 0;
	fabric_link_name(vm ? FABRIC_LINK_VM : FABRIC_LINK_CONTAINER, p->id, name);
	rc = tap_link_get(r->f->nl, name, &info);
	if (rc == 0 && strcmp(info.kind, vm ? "tun" : "veth")) {
		log_warn("fabric", "%s is a %s, not a %s: replaced", name, info.kind, vm ? "tap" : "veth");
		(void)tap_link_delete(r->f->nl, name);
		rc = -ENODEV;
	}
	if (rc == -ENODEV) {
		rc = vm ? tap_persist_create(TAP_KIND_TAP, name, 0, NULL) : create_container(r->f, p, name);
		if (rc == 0)
			log_info("fabric", "port %s: %s created", p->name, name);
	}
	if (rc < 0)
		return failed(r, vm ? "vm tap" : "container veth", name, rc);
	rc = no_ipv6(r->f->nl, name);
	if (rc < 0)
		(void)failed(r, "ipv6 off", name, rc); /* counted and retried; the port still works */
	rc = attach_up(r->f->nl, up->bridge, name, up->mtu);
	if (rc < 0)
		return failed(r, "attach", name, rc);
	rc = port_forwarding(r->f->nl, name, p->mac);
	if (rc < 0)
		return failed(r, "learning off / static fdb", name, rc);
	return 0;
}

/* ---- removal ------------------------------------------------------------ */

struct owned {
	char name[IFNAMSIZ];
	enum fabric_link_kind kind;
	uint32_t id;
};

struct owned_list {
	struct owned *items;
	size_t n, cap;
};

static int collect(const struct tap_link_info *link, void *ctx)
{
	struct owned_list *l = ctx;
	struct owned o;

	if (!fabric_name_parse(link->name, &o.kind, &o.id))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct owned *items = realloc(l->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	memcpy(o.name, link->name, IFNAMSIZ);
	l->items[l->n++] = o;
	return 0;
}

static bool wanted(struct fabric *f, const struct owned *o)
{
	const struct fabric_view *v = f->view;

	switch (o->kind) {
	case FABRIC_LINK_BRIDGE:
	case FABRIC_LINK_UPLINK:
		for (size_t i = 0; i < f->n_uplinks; i++) {
			if (f->uplinks[i]->subnet_id == o->id)
				return true;
		}
		return false;
	case FABRIC_LINK_CONTAINER:
	case FABRIC_LINK_VM:
		for (size_t i = 0; v && i < v->n_ports; i++) {
			if (v->ports[i].id == o->id && fabric_port_is_local(&v->ports[i], f->self) &&
			    (v->ports[i].kind == FABRIC_PORT_VM) == (o->kind == FABRIC_LINK_VM))
				return true;
		}
		return false;
	default:
		return false; /* a veth end never moved: an interrupted creation */
	}
}

/* Ports before bridges, so a bridge is only deleted once nothing of ours
 * is on it. */
static void remove_unwanted(struct reconcile *r, struct owned_list *l)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < l->n; i++) {
			const struct owned *o = &l->items[i];
			bool bridge = o->kind == FABRIC_LINK_BRIDGE;
			int rc;

			if ((pass == 0) == bridge || wanted(r->f, o))
				continue;
			rc = bridge ? tap_bridge_delete(r->f->nl, o->name) : tap_link_delete(r->f->nl, o->name);
			if (rc < 0 && rc != -ENODEV)
				failed(r, "remove", o->name, rc);
			else
				log_info("fabric", "%s removed (no longer wanted)", o->name);
		}
	}
}

int fabric_kernel_reconcile(struct fabric *f, bool quiet)
{
	struct reconcile r = { .f = f, .quiet = quiet };
	struct owned_list l = { 0 };
	int rc;

	if (!f->nl || !f->view)
		return 0;
	for (size_t i = 0; i < f->n_uplinks; i++)
		(void)ensure_uplink(&r, f->uplinks[i]);
	for (size_t i = 0; i < f->view->n_ports; i++) {
		if (fabric_port_is_local(&f->view->ports[i], f->self))
			(void)ensure_port(&r, &f->view->ports[i]);
	}
	rc = tap_link_foreach(f->nl, FABRIC_NAME_PREFIX, collect, &l);
	if (rc < 0)
		failed(&r, "list", "links", rc);
	else
		remove_unwanted(&r, &l);
	free(l.items);
	return r.failures;
}
