/* Routes in the main table (tap_route_* from netlink.h). tenet's routes carry
 * protocol "static"; deletion matches on it, so a route the kernel made
 * itself (an address's prefix route, protocol "kernel") is never removed
 * here by accident. */
#include "tap/nl_internal.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/route/route.h>
#include <netlink/route/nexthop.h>
#include <sys/socket.h>

struct route_spec {
	const char *ifname;
	int family;
	const uint8_t *dst;
	uint8_t plen;
	const uint8_t *gw;  /* NULL: on-link */
};

static int nexthop_build(const struct route_spec *s, int ifindex, int len, struct rtnl_nexthop **out)
{
	struct rtnl_nexthop *nh;
	struct nl_addr *gw;

	*out = NULL;
	nh = rtnl_route_nh_alloc();
	if (!nh)
		return -ENOMEM;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (s->gw) {
		gw = nl_addr_build(s->family, s->gw, (size_t)len);
		if (!gw) {
			rtnl_route_nh_free(nh);
			return -ENOMEM;
		}
		rtnl_route_nh_set_gateway(nh, gw);
		nl_addr_put(gw); /* the nexthop holds its own reference */
	}
	*out = nh;
	return 0;
}

static int route_build(struct tap_nl *nl, const struct route_spec *s, struct rtnl_route **out)
{
	struct rtnl_route *r = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct nl_addr *dst = NULL;
	int len, ifindex, rc;

	*out = NULL;
	len = tap_nl_addr_len(s->family, s->plen);
	if (len < 0 || !s->dst)
		return -EINVAL;
	ifindex = tap_link_index(nl, s->ifname);
	if (ifindex < 0)
		return ifindex;
	rc = -ENOMEM;
	r = rtnl_route_alloc();
	dst = nl_addr_build(s->family, s->dst, (size_t)len);
	if (!r || !dst)
		goto out;
	nl_addr_set_prefixlen(dst, s->plen);
	rc = tap_nl_errno(nl, rtnl_route_set_family(r, (uint8_t)s->family));
	if (rc == 0)
		rc = tap_nl_errno(nl, rtnl_route_set_dst(r, dst));
	if (rc < 0)
		goto out;
	rtnl_route_set_table(r, RT_TABLE_MAIN);
	rtnl_route_set_protocol(r, RTPROT_STATIC);
	/* The kernel reports IPv6 routes with universe scope whatever it is
	 * told, and a route via a gateway is universe by definition. */
	rtnl_route_set_scope(r, s->gw || s->family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rc = nexthop_build(s, ifindex, len, &nh);
	if (rc < 0)
		goto out;
	rtnl_route_add_nexthop(r, nh); /* the route now owns nh */
	*out = r;
	r = NULL;
out:
	if (dst)
		nl_addr_put(dst);
	if (r)
		rtnl_route_put(r);
	return rc;
}

/* nlflags: 0 (create; an identical route is -EEXIST) or NLM_F_REPLACE. */
static int route_add(struct tap_nl *nl, const struct route_spec *s, int nlflags)
{
	struct rtnl_route *r;
	int rc;

	rc = route_build(nl, s, &r);
	if (rc < 0)
		return rc;
	rc = tap_nl_errno(nl, rtnl_route_add(nl->sk, r, nlflags));
	rtnl_route_put(r);
	return rc == -EEXIST ? 0 : rc;
}

static int route_del(struct tap_nl *nl, const struct route_spec *s)
{
	struct rtnl_route *r;
	int rc;

	rc = route_build(nl, s, &r);
	if (rc < 0)
		return rc;
	rc = tap_nl_errno(nl, rtnl_route_delete(nl->sk, r, 0));
	rtnl_route_put(r);
	/* IPv4 says ESRCH for a missing route, IPv6 ESRCH or ENOENT. */
	return rc == -ESRCH || rc == -ENOENT ? 0 : rc;
}

int tap_route_add(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst, uint8_t plen)
{
	const struct route_spec s = { ifname, family, dst, plen, NULL };

	return route_add(nl, &s, 0);
}

int tap_route_del(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst, uint8_t plen)
{
	const struct route_spec s = { ifname, family, dst, plen, NULL };

	return route_del(nl, &s);
}

int tap_route_replace_via(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst,
			  uint8_t plen, const uint8_t *gw)
{
	const struct route_spec s = { ifname, family, dst, plen, gw };

	if (!gw)
		return -EINVAL;
	return route_add(nl, &s, NLM_F_REPLACE);
}

int tap_route_del_via(struct tap_nl *nl, const char *ifname, int family, const uint8_t *dst,
		      uint8_t plen, const uint8_t *gw)
{
	const struct route_spec s = { ifname, family, dst, plen, gw };

	if (!gw)
		return -EINVAL;
	return route_del(nl, &s);
}
