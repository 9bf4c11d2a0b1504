/* Interface addresses (tap_addr_add / tap_addr_del from netlink.h). */
#include "tap/nl_internal.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <netlink/route/addr.h>
#include <sys/socket.h>

/* An rtnl_addr for addr/plen on ifname, ready to send. */
static int addr_build(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr,
		      uint8_t plen, struct rtnl_addr **out)
{
	struct rtnl_addr *a = NULL;
	struct nl_addr *local = NULL;
	int len, ifindex, rc;

	*out = NULL;
	len = tap_nl_addr_len(family, plen);
	if (len < 0 || !addr)
		return -EINVAL;
	ifindex = tap_link_index(nl, ifname);
	if (ifindex < 0)
		return ifindex;
	rc = -ENOMEM;
	a = rtnl_addr_alloc();
	local = nl_addr_build(family, addr, (size_t)len);
	if (!a || !local)
		goto out;
	nl_addr_set_prefixlen(local, plen);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, family);
	rc = tap_nl_errno(nl, rtnl_addr_set_local(a, local));
	if (rc < 0)
		goto out;
	rtnl_addr_set_prefixlen(a, plen);
	/* Duplicate address detection would leave the address tentative (not
	 * usable as a source) for a second or more; tenet assigns addresses
	 * from one authority, so there is nothing to detect. */
	if (family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	*out = a;
	a = NULL;
out:
	if (local)
		nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	return rc;
}

int tap_addr_add(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr, uint8_t plen)
{
	struct rtnl_addr *a;
	int rc;

	rc = addr_build(nl, ifname, family, addr, plen, &a);
	if (rc < 0)
		return rc;
	rc = tap_nl_errno(nl, rtnl_addr_add(nl->sk, a, 0));
	rtnl_addr_put(a);
	return rc == -EEXIST ? 0 : rc;
}

int tap_addr_del(struct tap_nl *nl, const char *ifname, int family, const uint8_t *addr, uint8_t plen)
{
	struct rtnl_addr *a;
	int rc;

	rc = addr_build(nl, ifname, family, addr, plen, &a);
	if (rc < 0)
		return rc;
	rc = tap_nl_errno(nl, rtnl_addr_delete(nl->sk, a, 0));
	rtnl_addr_put(a);
	return rc;
}
