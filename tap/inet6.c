/* IPv6 per-link settings the kernel takes over netlink (IFLA_AF_SPEC,
 * AF_INET6). It takes only the token and the address generation mode:
 * disable_ipv6 and the other devconf knobs are sysctls only. */
#include "tap/link.h"

#include <errno.h>
#include <linux/if_link.h>

#include "tap/nl_internal.h"
/* after nl_internal.h: this libnl header lacks its own includes */
#include <netlink/route/link/inet6.h>

int tap_link_set_addr_gen_none(struct tap_nl *nl, const char *ifname)
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
	if (rtnl_link_inet6_set_addr_gen_mode(change, IN6_ADDR_GEN_MODE_NONE) < 0) {
		rc = -EAFNOSUPPORT;
		goto out;
	}
	rc = tap_nl_link_change(nl, orig, change);
out:
	if (change)
		rtnl_link_put(change);
	rtnl_link_put(orig);
	return rc;
}
