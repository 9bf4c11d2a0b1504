/* Shared inside tap/ only: the netlink handle and its helpers. Not part of
 * the module's interface. */
#ifndef TAP_NL_INTERNAL_H
#define TAP_NL_INTERNAL_H

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdbool.h>
#include <stdint.h>

#include "tap/netlink.h"

struct tap_nl {
	struct nl_sock *sk;
	int kernel_errno;  /* errno of the last NLMSG_ERROR, 0 if none since read */
};

/* 0 if nlerr >= 0, else the kernel's own errno when it sent one (libnl's
 * codes lose detail: ESRCH and ENOENT are one code there), else libnl's code
 * mapped to the nearest errno. Clears the recorded kernel errno. */
int tap_nl_errno(struct tap_nl *nl, int nlerr);

/* A valid interface name: non-empty and shorter than IFNAMSIZ. */
int tap_nl_check_name(const char *ifname);

/* The kernel's current view of a link; -ENODEV if absent. Release with
 * rtnl_link_put. */
int tap_nl_link_get(struct tap_nl *nl, const char *ifname, struct rtnl_link **out);

/* Sends `change` against the link `orig` (matched by its ifindex). */
int tap_nl_link_change(struct tap_nl *nl, struct rtnl_link *orig, struct rtnl_link *change);

int tap_nl_link_delete_index(struct tap_nl *nl, int ifindex);

/* Address length for AF_INET/AF_INET6 and a plen bound check; -EINVAL
 * otherwise. */
int tap_nl_addr_len(int family, uint8_t plen);

/* A unicast, non-zero Ethernet address. */
bool tap_nl_mac_usable(const uint8_t mac[6]);

#endif
