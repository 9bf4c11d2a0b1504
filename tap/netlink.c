/* The NETLINK_ROUTE handle and basic link operations (index, up/down, MTU,
 * delete). Addresses live in addr.c, routes in route.c.
 *
 * libnl folds kernel errnos into its own codes, losing detail (ESRCH and
 * ENOENT become one code). An error callback on the socket records the
 * kernel's errno itself, so callers see exactly what the kernel said. */
#include "tap/nl_internal.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int on_kernel_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct tap_nl *nl = arg;

	(void)who;
	nl->kernel_errno = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

static int nle_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:          return ENOMEM;
	case NLE_INVAL:          return EINVAL;
	case NLE_RANGE:          return ERANGE;
	case NLE_NODEV:          return ENODEV;
	case NLE_OBJ_NOTFOUND:   return ENOENT;
	case NLE_EXIST:          return EEXIST;
	case NLE_NOADDR:         return EADDRNOTAVAIL;
	case NLE_PERM:           return EPERM;
	case NLE_NOACCESS:       return EACCES;
	case NLE_BUSY:           return EBUSY;
	case NLE_OPNOTSUPP:      return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:   return EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_AGAIN:          return EAGAIN;
	case NLE_INTR:           return EINTR;
	case NLE_BAD_SOCK:       return EBADF;
	case NLE_MSGSIZE:        return EMSGSIZE;
	case NLE_MSG_TRUNC:      return EMSGSIZE;
	default:                 return EIO;
	}
}

int tap_nl_errno(struct tap_nl *nl, int nlerr)
{
	int kerr = nl->kernel_errno;

	nl->kernel_errno = 0;
	if (nlerr >= 0)
		return 0;
	return -(kerr ? kerr : nle_to_errno(nlerr));
}

int tap_nl_check_name(const char *ifname)
{
	if (!ifname || !ifname[0] || strnlen(ifname, IFNAMSIZ) == IFNAMSIZ)
		return -EINVAL;
	return 0;
}

int tap_nl_addr_len(int family, uint8_t plen)
{
	if (family == AF_INET && plen <= 32)
		return 4;
	if (family == AF_INET6 && plen <= 128)
		return 16;
	return -EINVAL;
}

int tap_nl_open(struct tap_nl **out)
{
	struct tap_nl *nl;
	struct nl_cb *cb;
	int rc = -ENOMEM;

	if (!out)
		return -EINVAL;
	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		goto out;
	cb = nl_socket_get_cb(nl->sk);
	if (!cb)
		goto out;
	nl_cb_err(cb, NL_CB_CUSTOM, on_kernel_error, nl);
	nl_cb_put(cb);
	rc = tap_nl_errno(nl, nl_connect(nl->sk, NETLINK_ROUTE));
	if (rc < 0)
		goto out;
	*out = nl;
	nl = NULL;
out:
	tap_nl_close(nl);
	return rc;
}

void tap_nl_close(struct tap_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
}

int tap_nl_link_get(struct tap_nl *nl, const char *ifname, struct rtnl_link **out)
{
	int rc;

	*out = NULL;
	if (!nl)
		return -EINVAL;
	rc = tap_nl_check_name(ifname);
	if (rc < 0)
		return rc;
	rc = tap_nl_errno(nl, rtnl_link_get_kernel(nl->sk, 0, ifname, out));
	/* Older kernels answer a missing name with ENOENT rather than ENODEV. */
	return rc == -ENOENT ? -ENODEV : rc;
}

int tap_nl_link_change(struct tap_nl *nl, struct rtnl_link *orig, struct rtnl_link *change)
{
	return tap_nl_errno(nl, rtnl_link_change(nl->sk, orig, change, 0));
}

int tap_link_index(struct tap_nl *nl, const char *ifname)
{
	struct rtnl_link *link;
	int rc;

	rc = tap_nl_link_get(nl, ifname, &link);
	if (rc < 0)
		return rc;
	rc = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return rc > 0 ? rc : -ENODEV;
}

/* Fetches the link, lets `edit` fill a change object, sends it. */
static int link_modify(struct tap_nl *nl, const char *ifname,
		       int (*edit)(struct rtnl_link *change, const void *arg), const void *arg)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	int rc;

	rc = tap_nl_link_get(nl, ifname, &orig);
	if (rc < 0)
		goto out;
	change = rtnl_link_alloc();
	if (!change) {
		rc = -ENOMEM;
		goto out;
	}
	rc = edit(change, arg);
	if (rc < 0)
		goto out;
	rc = tap_nl_link_change(nl, orig, change);
out:
	if (change)
		rtnl_link_put(change);
	if (orig)
		rtnl_link_put(orig);
	return rc;
}

static int edit_up(struct rtnl_link *change, const void *arg)
{
	if (*(const int *)arg)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	return 0;
}

int tap_link_set_up(struct tap_nl *nl, const char *ifname, int up)
{
	return link_modify(nl, ifname, edit_up, &up);
}

static int edit_mtu(struct rtnl_link *change, const void *arg)
{
	rtnl_link_set_mtu(change, *(const unsigned *)arg);
	return 0;
}

int tap_link_set_mtu(struct tap_nl *nl, const char *ifname, unsigned mtu)
{
	/* The kernel checks each device's own bounds; this only keeps the
	 * value inside the attribute's range. */
	if (mtu == 0 || mtu > 65535)
		return -EINVAL;
	return link_modify(nl, ifname, edit_mtu, &mtu);
}

int tap_nl_link_delete_index(struct tap_nl *nl, int ifindex)
{
	struct rtnl_link *link;
	int rc;

	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	rc = tap_nl_errno(nl, rtnl_link_delete(nl->sk, link));
	rtnl_link_put(link);
	return rc;
}

int tap_link_delete(struct tap_nl *nl, const char *ifname)
{
	struct rtnl_link *link;
	int rc;

	if (!nl)
		return -EINVAL;
	rc = tap_nl_check_name(ifname);
	if (rc < 0)
		return rc;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	rc = tap_nl_errno(nl, rtnl_link_delete(nl->sk, link));
	rtnl_link_put(link);
	return rc == -ENOENT ? -ENODEV : rc;
}
