/* veth pairs through rtnl_link (IFLA_INFO_KIND "veth", VETH_INFO_PEER). */
#include "tap/veth.h"

#include <errno.h>
#include <netlink/route/link/veth.h>
#include <string.h>

#include "tap/nl_internal.h"

/* Name, MTU and MAC of one end. */
static int end_setup(struct rtnl_link *end, const char *name, unsigned mtu, const uint8_t mac[6])
{
	struct nl_addr *addr;

	rtnl_link_set_name(end, name);
	if (mtu)
		rtnl_link_set_mtu(end, mtu);
	if (!mac)
		return 0;
	addr = nl_addr_build(AF_LLC, mac, 6);
	if (!addr)
		return -ENOMEM;
	rtnl_link_set_addr(end, addr);
	nl_addr_put(addr);
	return 0;
}

int tap_veth_create(struct tap_nl *nl, const char *name, const char *peer, unsigned mtu,
		    const uint8_t mac[6], const uint8_t peer_mac[6])
{
	struct rtnl_link *link, *peer_link;
	int rc;

	if (!nl || tap_nl_check_name(name) < 0 || tap_nl_check_name(peer) < 0 || mtu > 65535)
		return -EINVAL;
	if ((mac && !tap_nl_mac_usable(mac)) || (peer_mac && !tap_nl_mac_usable(peer_mac)))
		return -EINVAL;
	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer_link = rtnl_link_veth_get_peer(link); /* a new reference */
	rc = end_setup(link, name, mtu, mac);
	if (rc == 0 && peer_link)
		rc = end_setup(peer_link, peer, mtu, peer_mac);
	if (rc == 0)
		rc = tap_nl_errno(nl, rtnl_link_add(nl->sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (peer_link)
		rtnl_link_put(peer_link);
	rtnl_link_put(link); /* frees the peer object too */
	return rc;
}
