/* Link inspection, MAC, rename and listing by name prefix. */
#include "tap/link.h"

#include <errno.h>
#include <netlink/cache.h>
#include <string.h>

#include "tap/nl_internal.h"

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t len = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

static void info_fill(struct rtnl_link *link, struct tap_link_info *out)
{
	const char *name = rtnl_link_get_name(link), *kind = rtnl_link_get_type(link);
	struct nl_addr *mac = rtnl_link_get_addr(link);

	memset(out, 0, sizeof(*out));
	copy_str(out->name, sizeof(out->name), name);
	copy_str(out->kind, sizeof(out->kind), kind);
	out->ifindex = rtnl_link_get_ifindex(link);
	out->master = rtnl_link_get_master(link);
	out->mtu = rtnl_link_get_mtu(link);
	out->flags = rtnl_link_get_flags(link);
	if (mac && nl_addr_get_len(mac) == sizeof(out->mac)) {
		memcpy(out->mac, nl_addr_get_binary_addr(mac), sizeof(out->mac));
		out->has_mac = true;
	}
}

int tap_link_get(struct tap_nl *nl, const char *ifname, struct tap_link_info *out)
{
	struct rtnl_link *link;
	int rc;

	if (!out)
		return -EINVAL;
	rc = tap_nl_link_get(nl, ifname, &link);
	if (rc < 0)
		return rc;
	info_fill(link, out);
	rtnl_link_put(link);
	return 0;
}

int tap_link_foreach(struct tap_nl *nl, const char *prefix, tap_link_fn fn, void *ctx)
{
	struct nl_cache *cache = NULL;
	struct nl_object *obj;
	size_t plen = prefix ? strnlen(prefix, IFNAMSIZ) : 0;
	int rc;

	if (!nl || !fn || plen == IFNAMSIZ)
		return -EINVAL;
	rc = tap_nl_errno(nl, rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, &cache));
	if (rc < 0)
		return rc;
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_link *link = (struct rtnl_link *)obj;
		const char *name = rtnl_link_get_name(link);
		struct tap_link_info info;

		if (!name || strncmp(name, prefix ? prefix : "", plen) != 0)
			continue;
		info_fill(link, &info);
		rc = fn(&info, ctx);
		if (rc)
			break;
	}
	nl_cache_free(cache);
	return rc;
}

bool tap_nl_mac_usable(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

/* Sends `change` (only the attributes to alter are set) against the link's
 * current state. Takes the change's reference; NULL is -ENOMEM. */
static int change_link(struct tap_nl *nl, const char *ifname, struct rtnl_link *change)
{
	struct rtnl_link *orig;
	int rc;

	if (!change)
		return -ENOMEM;
	rc = tap_nl_link_get(nl, ifname, &orig);
	if (rc == 0) {
		rc = tap_nl_link_change(nl, orig, change);
		rtnl_link_put(orig);
	}
	rtnl_link_put(change);
	return rc;
}

int tap_link_set_mac(struct tap_nl *nl, const char *ifname, const uint8_t mac[6])
{
	struct rtnl_link *change;
	struct nl_addr *addr;

	if (!mac || !tap_nl_mac_usable(mac))
		return -EINVAL;
	addr = nl_addr_build(AF_LLC, mac, 6);
	if (!addr)
		return -ENOMEM;
	change = rtnl_link_alloc();
	if (change)
		rtnl_link_set_addr(change, addr); /* holds its own reference */
	nl_addr_put(addr);
	return change_link(nl, ifname, change);
}

int tap_link_rename(struct tap_nl *nl, const char *ifname, const char *new_name)
{
	struct rtnl_link *change;
	int rc;

	rc = tap_nl_check_name(new_name);
	if (rc < 0)
		return rc;
	change = rtnl_link_alloc();
	if (change)
		rtnl_link_set_name(change, new_name);
	return change_link(nl, ifname, change);
}
