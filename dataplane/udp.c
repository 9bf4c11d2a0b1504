/* One dual-stack UDP socket and v4-mapped address conversion. */
#include "dataplane/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Large buffers absorb bursts between two event-loop turns. */
#define UDP_SOCKBUF_BYTES (4 << 20)

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void set_buffers(int fd)
{
	int size = UDP_SOCKBUF_BYTES;

	/* The FORCE variants ignore rmem_max/wmem_max but need CAP_NET_ADMIN;
	 * without it the plain ones give what the sysctl allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int bind_any(int fd, int family, uint16_t port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				    .sin6_addr = IN6ADDR_ANY_INIT };
	struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_ANY) };
	int off = 0, rc;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0)
			return -errno;
		rc = bind(fd, (struct sockaddr *)&in6, sizeof(in6));
	} else {
		rc = bind(fd, (struct sockaddr *)&in4, sizeof(in4));
	}
	return rc < 0 ? -errno : 0;
}

static int bound_port(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int udp_open(struct udp_sock *s, uint16_t port, uint32_t fwmark)
{
	int family = AF_INET6, fd, rc;

	s->fd = -1;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		family = AF_INET;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	}
	if (fd < 0)
		return -errno;
	rc = bind_any(fd, family, port);
	if (rc == 0 && fwmark && setsockopt(fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		rc = -errno;
	if (rc == 0)
		rc = bound_port(fd, &s->port);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	set_buffers(fd);
	s->fd = fd;
	s->family = family;
	s->gso = false;
	s->gro = false;
	return 0;
}

void udp_close(struct udp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int udp_set_fwmark(struct udp_sock *s, uint32_t fwmark)
{
	if (s->fd < 0)
		return 0;
	if (setsockopt(s->fd, SOL_SOCKET, SO_MARK, &fwmark, sizeof(fwmark)) < 0)
		return -errno;
	return 0;
}

int udp_sockaddr_from_endpoint(int sock_family, const struct wg_endpoint *ep,
			       struct sockaddr_storage *out, socklen_t *out_len)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	switch (ep->addr.sa.sa_family) {
	case AF_INET:
		if (sock_family == AF_INET) {
			memcpy(out, &ep->addr.in4, sizeof(ep->addr.in4));
			*out_len = sizeof(ep->addr.in4);
			return 0;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = ep->addr.in4.sin_port;
		memcpy(in6->sin6_addr.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix));
		memcpy(in6->sin6_addr.s6_addr + 12, &ep->addr.in4.sin_addr, 4);
		*out_len = sizeof(*in6);
		return 0;
	case AF_INET6:
		if (sock_family != AF_INET6)
			return -EAFNOSUPPORT;
		memcpy(out, &ep->addr.in6, sizeof(ep->addr.in6));
		*out_len = sizeof(ep->addr.in6);
		return 0;
	default:
		return -EDESTADDRREQ;
	}
}

void udp_endpoint_from_sockaddr(const struct sockaddr_storage *ss, socklen_t len,
				struct wg_endpoint *out)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

	memset(out, 0, sizeof(*out));
	if (ss->ss_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		memcpy(&out->addr.in4, ss, sizeof(out->addr.in4));
		return;
	}
	if (ss->ss_family != AF_INET6 || len < (socklen_t)sizeof(struct sockaddr_in6)) {
		out->addr.sa.sa_family = AF_UNSPEC;
		return;
	}
	if (!memcmp(in6->sin6_addr.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix))) {
		out->addr.in4.sin_family = AF_INET;
		out->addr.in4.sin_port = in6->sin6_port;
		memcpy(&out->addr.in4.sin_addr, in6->sin6_addr.s6_addr + 12, 4);
		return;
	}
	memcpy(&out->addr.in6, in6, sizeof(out->addr.in6));
}

int udp_send(const struct udp_sock *s, const struct wg_endpoint *ep, const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	if (s->fd < 0)
		return -EBADF;
	rc = udp_sockaddr_from_endpoint(s->family, ep, &ss, &sslen);
	if (rc < 0)
		return rc;
	if (sendto(s->fd, buf, len, 0, (struct sockaddr *)&ss, sslen) < 0)
		return -errno;
	return 0;
}

ssize_t udp_recv(const struct udp_sock *s, uint8_t *buf, size_t cap, struct wg_endpoint *src)
{
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (s->fd < 0)
		return -EBADF;
	n = recvmsg(s->fd, &msg, 0);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	udp_endpoint_from_sockaddr(&ss, msg.msg_namelen, src);
	return n;
}

void udp_enable_offloads(struct udp_sock *s)
{
	int on = 1;

	if (s->fd < 0)
		return;
	s->gso = true;
	s->gro = setsockopt(s->fd, IPPROTO_UDP, UDP_GRO, &on, sizeof(on)) == 0;
}

static int send_gso(const struct udp_sock *s, const struct sockaddr_storage *ss, socklen_t sslen,
		    const struct iovec *iov, size_t n, size_t seg)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_name = (void *)ss, .msg_namelen = sslen, .msg_iov = (struct iovec *)iov,
			      .msg_iovlen = n, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	uint16_t gso = (uint16_t)seg;

	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = IPPROTO_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
	return sendmsg(s->fd, &msg, 0) < 0 ? -errno : 0;
}

unsigned udp_send_segments(struct udp_sock *s, const struct wg_endpoint *ep, const uint8_t *buf,
			   size_t len, size_t seg)
{
	unsigned failed = 0, total = seg ? (unsigned)((len + seg - 1) / seg) : 0;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	if (s->fd < 0 || !seg || udp_sockaddr_from_endpoint(s->family, ep, &ss, &sslen) < 0)
		return total;
	if (s->gso && len > seg) {
		struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

		rc = send_gso(s, &ss, sslen, &iov, 1, seg);
		if (rc == 0)
			return 0;
		if (rc != -EIO && rc != -EINVAL)
			return total;
		/* The kernel (or the route's device) cannot segment: from now
		 * on, one datagram per call. */
		s->gso = false;
	}
	for (size_t off = 0; off < len; off += seg) {
		size_t n = len - off < seg ? len - off : seg;

		if (sendto(s->fd, buf + off, n, 0, (struct sockaddr *)&ss, sslen) < 0)
			failed++;
	}
	return failed;
}

/* UDP_SEGMENT cuts at one size: all but the last the same, the last no longer. */
static bool same_sizes(const struct iovec *iov, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++)
		if (iov[i].iov_len != iov[0].iov_len)
			return false;
	return n < 2 || iov[n - 1].iov_len <= iov[0].iov_len;
}

unsigned udp_send_iov(struct udp_sock *s, const struct wg_endpoint *ep, const struct iovec *iov,
		      size_t n)
{
	struct sockaddr_storage ss;
	unsigned failed = 0;
	socklen_t sslen;
	int rc;

	if (s->fd < 0 || udp_sockaddr_from_endpoint(s->family, ep, &ss, &sslen) < 0)
		return (unsigned)n;
	if (s->gso && n > 1 && same_sizes(iov, n)) {
		rc = send_gso(s, &ss, sslen, iov, n, iov[0].iov_len);
		if (rc == 0)
			return 0;
		if (rc != -EIO && rc != -EINVAL)
			return (unsigned)n;
		s->gso = false;
	}
	for (size_t i = 0; i < n; i++)
		if (sendto(s->fd, iov[i].iov_base, iov[i].iov_len, 0, (struct sockaddr *)&ss, sslen) < 0)
			failed++;
	return failed;
}

ssize_t udp_recv_gro(const struct udp_sock *s, uint8_t *buf, size_t cap, struct wg_endpoint *src,
		     size_t *seg)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr msg = { .msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t n;
	int gso = 0;

	if (s->fd < 0)
		return -EBADF;
	n = recvmsg(s->fd, &msg, 0);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == IPPROTO_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&gso, CMSG_DATA(cm), sizeof(gso));
	*seg = gso > 0 && (size_t)gso < (size_t)n ? (size_t)gso : (size_t)n;
	udp_endpoint_from_sockaddr(&ss, msg.msg_namelen, src);
	return n;
}
