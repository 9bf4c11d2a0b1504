/* TUN interface bring-up and teardown through tap/. */
#include "dataplane/tunif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/log.h"
#include "tap/netlink.h"
#include "tap/tun.h"

size_t tunif_routes_for_prefix(int family, const uint8_t *addr, uint8_t plen,
			       struct agent_route out[2])
{
	size_t bytes = family == AF_INET ? 4 : 16;

	memset(out, 0, 2 * sizeof(*out));
	out[0].family = family;
	if (plen == 0) {
		/* the low half and the high half of the address space */
		out[0].plen = 1;
		out[1] = out[0];
		out[1].addr[0] = 0x80;
		return 2;
	}
	out[0].plen = plen;
	for (size_t i = 0; i < bytes; i++) {
		unsigned bits = i * 8 >= plen ? 0 : plen - i * 8;

		out[0].addr[i] = bits >= 8 ? addr[i] : (uint8_t)(addr[i] & (0xff00u >> bits));
	}
	return 1;
}

static const char *prefix_str(const struct agent_route *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(r->family, r->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, r->plen);
	return buf;
}

static int configure(struct agent *a, char *err, size_t errlen)
{
	char p[INET6_ADDRSTRLEN + 8];
	int rc;

	rc = tap_link_set_mtu(a->nl, a->ifname, a->mtu);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set MTU %u on %s: %s", a->mtu, a->ifname, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < a->n_addresses; i++) {
		const struct agent_route *r = &a->addresses[i];

		rc = tap_addr_add(a->nl, a->ifname, r->family, r->addr, r->plen);
		if (rc < 0) {
			snprintf(err, errlen, "cannot add address %s to %s: %s", prefix_str(r, p, sizeof(p)),
				 a->ifname, strerror(-rc));
			return rc;
		}
	}
	rc = tap_link_set_up(a->nl, a->ifname, 1);
	if (rc < 0) {
		snprintf(err, errlen, "cannot bring %s up: %s", a->ifname, strerror(-rc));
		return rc;
	}
	/* Routes last: the kernel refuses routes through a link that is down. */
	for (size_t i = 0; i < a->n_routes; i++) {
		const struct agent_route *r = &a->routes[i];

		rc = tap_route_add(a->nl, a->ifname, r->family, r->addr, r->plen);
		if (rc < 0) {
			snprintf(err, errlen, "cannot add route %s dev %s: %s", prefix_str(r, p, sizeof(p)),
				 a->ifname, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* With offloads: a vnet-header TUN that hands over partial checksums and TCP
 * super-packets. A kernel refusing the offloads keeps the header (packets
 * then come whole, one by one); one refusing the header gets a plain TUN. */
static int open_tun(struct agent *a, char name[IFNAMSIZ])
{
	struct tap_offload got;
	int fd = tap_open_offloaded(TAP_KIND_TUN, a->ifname, a->offload, name, &got);

	if (got.vnet_err)
		log_warn("tun", "%s: no virtio_net_hdr support (%s): offloads off", a->ifname,
			 strerror(-got.vnet_err));
	if (got.tso_err)
		log_warn("tun", "%s: TUNSETOFFLOAD refused (%s): one packet at a time", a->ifname,
			 strerror(-got.tso_err));
	a->tun_vnet = got.vnet;
	a->tun_tso = got.tso;
	if (fd >= 0)
		a->tun_fd = fd;
	return fd < 0 ? fd : 0;
}

int tunif_up(struct agent *a, char *err, size_t errlen)
{
	char name[IFNAMSIZ];
	int rc;

	rc = tap_nl_open(&a->nl);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open netlink: %s", strerror(-rc));
		return rc;
	}
	/* An existing link of that name is not ours: TUNSETIFF would attach to
	 * a free persistent TUN, and we must never delete someone else's. */
	if (tap_link_index(a->nl, a->ifname) > 0) {
		snprintf(err, errlen, "interface %s already exists", a->ifname);
		rc = -EEXIST;
		goto out;
	}
	rc = open_tun(a, name);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create TUN %s: %s", a->ifname, strerror(-rc));
		goto out;
	}
	a->link_created = true;
	rc = configure(a, err, errlen);
out:
	if (rc < 0)
		tunif_down(a);
	return rc < 0 ? rc : 0;
}

void tunif_down(struct agent *a)
{
	if (a->tun_fd >= 0)
		close(a->tun_fd);
	a->tun_fd = -1;
	a->tun_vnet = a->tun_tso = false;
	if (a->nl && a->link_created) {
		int rc = tap_link_delete(a->nl, a->ifname);

		if (rc < 0 && rc != -ENODEV)
			log_warn("tun", "cannot delete %s: %s", a->ifname, strerror(-rc));
	}
	a->link_created = false;
	if (a->nl)
		tap_nl_close(a->nl);
	a->nl = NULL;
}
