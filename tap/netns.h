/* Network namespaces: named ones (the /var/run/netns bind mounts that
 * `ip netns` uses), netlink handles that live inside a namespace, and moving
 * a link into one.
 *
 * Wherever a namespace is named below, `netns` is either a name (looked up as
 * /var/run/netns/NAME) or an absolute path to a namespace file, such as
 * /proc/PID/ns/net of a container's process. */
#ifndef TAP_NETNS_H
#define TAP_NETNS_H

#include "tap/netlink.h"

#define TAP_NETNS_DIR "/var/run/netns"

/* Creates an empty namespace pinned at /var/run/netns/NAME, as `ip netns add`
 * does (name only, no path). -EEXIST if the name is taken. */
int tap_netns_create(const char *name);

/* Unpins and removes /var/run/netns/NAME; the namespace itself goes away
 * once no process or fd holds it. -ENOENT if absent. */
int tap_netns_delete(const char *name);

/* An O_RDONLY|O_CLOEXEC fd for the namespace, or a negative errno. */
int tap_netns_open(const char *netns);

/* A netlink handle whose socket lives inside netns: every tap_link_*,
 * tap_addr_*, tap_route_* and tap_bridge_* call made with it acts inside
 * that namespace (set a container's MAC, address, default route). The
 * calling thread never changes namespace: a short-lived helper thread enters
 * it, opens the socket and exits; a socket stays in the namespace it was
 * created in. Close with tap_nl_close. */
int tap_nl_open_netns(const char *netns, struct tap_nl **out);

/* Moves ifname (a link in nl's namespace) into netns and, if new_name is
 * not NULL, renames it there ("eth0"), in one request. The link arrives
 * down, without addresses. -ENODEV if ifname is absent; -EEXIST if the
 * final name is taken in the target. */
int tap_link_move_netns(struct tap_nl *nl, const char *ifname, const char *netns, const char *new_name);

#endif
