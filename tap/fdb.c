/* Static entries in a bridge's forwarding database: RTM_NEWNEIGH/DELNEIGH of
 * family AF_BRIDGE with NTF_MASTER (the bridge, not the port's driver,
 * holds the entry). */
#include "tap/bridge.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>

#include "tap/nl_internal.h"

/* A bridge port's index; -EINVAL if ifname is on no bridge. */
static int port_index(struct tap_nl *nl, const char *ifname)
{
	struct rtnl_link *link;
	int rc;

	rc = tap_nl_link_get(nl, ifname, &link);
	if (rc < 0)
		return rc;
	rc = rtnl_link_get_master(link) > 0 ? rtnl_link_get_ifindex(link) : -EINVAL;
	rtnl_link_put(link);
	return rc;
}

/* The entry for mac on port ifindex. NUD_NOARP alone is "static" to the
 * bridge; NUD_PERMANENT would make it "local", i.e. frames to mac would be
 * delivered to the host's own stack instead of out of the port. */
static struct rtnl_neigh *fdb_entry(int ifindex, const uint8_t mac[6])
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *ll = nl_addr_build(AF_LLC, mac, 6);

	if (!n || !ll) {
		if (n)
			rtnl_neigh_put(n);
		if (ll)
			nl_addr_put(ll);
		return NULL;
	}
	rtnl_neigh_set_family(n, AF_BRIDGE);
	rtnl_neigh_set_ifindex(n, ifindex);
	rtnl_neigh_set_lladdr(n, ll);
	rtnl_neigh_set_state(n, NUD_NOARP);
	rtnl_neigh_set_flags(n, NTF_MASTER);
	nl_addr_put(ll);
	return n;
}

static int fdb_request(struct tap_nl *nl, const char *ifname, const uint8_t mac[6], bool add)
{
	struct rtnl_neigh *n;
	int ifindex, rc;

	if (!nl || !mac || !tap_nl_mac_usable(mac))
		return -EINVAL;
	ifindex = port_index(nl, ifname);
	if (ifindex < 0)
		return ifindex;
	n = fdb_entry(ifindex, mac);
	if (!n)
		return -ENOMEM;
	if (add)
		rc = tap_nl_errno(nl, rtnl_neigh_add(nl->sk, n, NLM_F_CREATE | NLM_F_REPLACE));
	else
		rc = tap_nl_errno(nl, rtnl_neigh_delete(nl->sk, n, 0));
	rtnl_neigh_put(n);
	return !add && rc == -ENOENT ? 0 : rc;
}

int tap_bridge_fdb_add(struct tap_nl *nl, const char *ifname, const uint8_t mac[6])
{
	return fdb_request(nl, ifname, mac, true);
}

int tap_bridge_fdb_del(struct tap_nl *nl, const char *ifname, const uint8_t mac[6])
{
	return fdb_request(nl, ifname, mac, false);
}
