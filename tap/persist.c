/* Persistent TUN/TAP devices. */
#include "tap/persist.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap/link.h"
#include "tap/nl_internal.h"

int tap_persist_create(enum tap_kind kind, const char *name, unsigned flags, char out_name[IFNAMSIZ])
{
	int fd, rc = 0;

	fd = tap_open_flags(kind, name, flags, out_name);
	if (fd < 0)
		return fd;
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int tap_persist_delete(struct tap_nl *nl, const char *name)
{
	struct tap_link_info info;
	int rc;

	rc = tap_link_get(nl, name, &info);
	if (rc < 0)
		return rc;
	if (strcmp(info.kind, "tun") != 0)
		return -EINVAL;
	return tap_nl_link_delete_index(nl, info.ifindex);
}
