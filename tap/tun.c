/* TUN/TAP devices through /dev/net/tun. The returned fd is non-blocking and
 * close-on-exec; closing the last fd of a non-persistent device removes it. */
#include "tap/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TUN_CLONE_PATH "/dev/net/tun"

static int tun_flags(enum tap_kind kind, unsigned flags, short *out)
{
	short f = IFF_NO_PI;

	if (flags & ~TAP_F_ALL)
		return -EINVAL;
	if (kind == TAP_KIND_TUN)
		f |= IFF_TUN;
	else if (kind == TAP_KIND_TAP)
		f |= IFF_TAP;
	else
		return -EINVAL;
	if (flags & TAP_F_VNET_HDR)
		f |= IFF_VNET_HDR;
	if (flags & TAP_F_MULTI_QUEUE)
		f |= IFF_MULTI_QUEUE;
	*out = f;
	return 0;
}

int tap_open_flags(enum tap_kind kind, const char *name, unsigned flags, char out_name[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd, rc;

	memset(&ifr, 0, sizeof(ifr));
	rc = tun_flags(kind, flags, &ifr.ifr_flags);
	if (rc < 0)
		return rc;
	if (name) {
		size_t len = strnlen(name, IFNAMSIZ);
		if (len == IFNAMSIZ)
			return -EINVAL;
		memcpy(ifr.ifr_name, name, len);
	}
	fd = open(TUN_CLONE_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (out_name) {
		memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
		out_name[IFNAMSIZ - 1] = '\0';
	}
	return fd;
}

int tap_open(enum tap_kind kind, const char *name, char out_name[IFNAMSIZ])
{
	return tap_open_flags(kind, name, 0, out_name);
}

int tap_tun_set_offload(int fd, unsigned tun_f_flags)
{
	int hdr = sizeof(struct virtio_net_hdr);

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return -errno;
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tun_f_flags) < 0)
		return -errno;
	return 0;
}

int tap_open_offloaded(enum tap_kind kind, const char *name, bool want, char out_name[IFNAMSIZ],
		       struct tap_offload *got)
{
	int fd = -1;

	*got = (struct tap_offload){ 0 };
	if (want) {
		fd = tap_open_flags(kind, name, TAP_F_VNET_HDR, out_name);
		if (fd < 0)
			got->vnet_err = fd;
	}
	if (fd >= 0) {
		got->vnet = true;
		got->tso_err = tap_tun_set_offload(fd, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
		got->tso = got->tso_err == 0;
		return fd;
	}
	fd = tap_open(kind, name, out_name);
	if (fd >= 0)
		(void)tap_tun_set_offload(fd, 0); /* best effort: a fresh device has none */
	return fd;
}
