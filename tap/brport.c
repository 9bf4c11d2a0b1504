/* Per-port bridge settings: IFLA_PROTINFO of family AF_BRIDGE, which the
 * bridge itself applies (its ndo_bridge_setlink), so it works in whatever
 * namespace the handle is in, unlike /sys/class/net/NAME/brport/ (which
 * shows the namespace sysfs was mounted for). */
#include "tap/bridge.h"

#include <errno.h>
#include <netlink/route/link/bridge.h>

#include "tap/nl_internal.h"

int tap_bridge_port_set_learning(struct tap_nl *nl, const char *ifname, int on)
{
	struct rtnl_link *orig = NULL, *port = NULL, *change = NULL;
	int rc;

	rc = tap_nl_link_get(nl, ifname, &orig);
	if (rc < 0)
		return rc;
	if (rtnl_link_get_master(orig) <= 0) {
		rc = -EINVAL;
		goto out;
	}
	/* libnl refuses to change a link's family, so both the link named and
	 * the change are AF_BRIDGE objects; only the ifindex of `port` is sent. */
	port = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!port || !change) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_family(port, AF_BRIDGE);
	rtnl_link_set_ifindex(port, rtnl_link_get_ifindex(orig));
	rtnl_link_set_family(change, AF_BRIDGE);
	rc = on ? rtnl_link_bridge_set_flags(change, RTNL_BRIDGE_LEARNING)
		: rtnl_link_bridge_unset_flags(change, RTNL_BRIDGE_LEARNING);
	if (rc < 0) {
		rc = -EINVAL;
		goto out;
	}
	rc = tap_nl_link_change(nl, port, change);
out:
	if (change)
		rtnl_link_put(change);
	if (port)
		rtnl_link_put(port);
	rtnl_link_put(orig);
	return rc;
}
