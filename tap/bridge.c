/* Linux bridges through rtnl_link (IFLA_INFO_KIND "bridge", IFLA_MASTER). */
#include "tap/bridge.h"

#include <errno.h>
#include <netlink/route/link/bridge.h>
#include <string.h>

#include "tap/link.h"
#include "tap/nl_internal.h"

/* The ifindex of bridge `name`, -ENODEV if absent, -EINVAL if not a bridge. */
static int bridge_index(struct tap_nl *nl, const char *name)
{
	struct tap_link_info info;
	int rc;

	rc = tap_link_get(nl, name, &info);
	if (rc < 0)
		return rc;
	return strcmp(info.kind, "bridge") == 0 ? info.ifindex : -EINVAL;
}

int tap_bridge_create(struct tap_nl *nl, const char *name, const uint8_t mac[6])
{
	struct rtnl_link *link;
	int rc;

	if (!nl || (mac && !tap_nl_mac_usable(mac)))
		return -EINVAL;
	rc = tap_nl_check_name(name);
	if (rc < 0)
		return rc;
	link = rtnl_link_bridge_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, name);
	rc = tap_nl_errno(nl, rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(link);
	if (rc == -EEXIST) {
		rc = bridge_index(nl, name);
		if (rc == -EINVAL)
			return -EEXIST;
	}
	if (rc < 0)
		return rc;
	return mac ? tap_link_set_mac(nl, name, mac) : 0;
}

int tap_bridge_delete(struct tap_nl *nl, const char *name)
{
	int ifindex = bridge_index(nl, name);

	if (ifindex < 0)
		return ifindex;
	return tap_nl_link_delete_index(nl, ifindex);
}

static int set_master(struct tap_nl *nl, const char *ifname, int master)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	int rc;

	rc = tap_nl_link_get(nl, ifname, &orig);
	if (rc < 0)
		return rc;
	change = rtnl_link_alloc();
	if (!change) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_master(change, master);
	rc = tap_nl_link_change(nl, orig, change);
out:
	if (change)
		rtnl_link_put(change);
	rtnl_link_put(orig);
	return rc;
}

int tap_bridge_attach(struct tap_nl *nl, const char *bridge, const char *ifname)
{
	int master = bridge_index(nl, bridge);

	if (master < 0)
		return master;
	return set_master(nl, ifname, master);
}

int tap_bridge_detach(struct tap_nl *nl, const char *ifname)
{
	return set_master(nl, ifname, 0);
}
