/* TCP segmentation of TUN super-packets and completion of partial checksums. */
#include "dataplane/tso.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/csum.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80
#define TCP_MIN_HEADER 20
#define TCP_CSUM_OFFSET 16
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

static uint16_t load16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int tso_complete_csum(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len)
{
	size_t start = vh->csum_start, field = start + vh->csum_offset;
	uint16_t v;

	if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || field + 2 > len)
		return -EINVAL;
	v = csum_fold(csum_add(0, pkt + start, len - start));
	csum_store(pkt + field, v ? v : 0xffff);
	return 0;
}

/* The IP header length, or 0 for anything but plain IPv4 / IPv6 carrying TCP
 * right after the fixed header (options allowed in IPv4). ethertype: the
 * link layer's word for the version, or -1 without a link layer. */
static size_t ip_header_len(const uint8_t *pkt, size_t len, int ethertype, int *family)
{
	size_t ihl;

	if (len < 1)
		return 0;
	if (pkt[0] >> 4 == 4 && len >= 20 && (ethertype < 0 || ethertype == ETHERTYPE_IPV4)) {
		ihl = (size_t)(pkt[0] & 0x0f) * 4;
		*family = AF_INET;
		return ihl >= 20 && pkt[9] == IPPROTO_TCP ? ihl : 0;
	}
	if (pkt[0] >> 4 == 6 && len >= 40 && (ethertype < 0 || ethertype == ETHERTYPE_IPV6)) {
		*family = AF_INET6;
		return pkt[6] == IPPROTO_TCP ? 40 : 0;
	}
	return 0;
}

int tso_parse(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len,
	      struct tso_info *out)
{
	return tso_parse_l2(vh, pkt, len, 0, out);
}

int tso_parse_l2(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len, size_t l2,
		 struct tso_info *out)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	size_t thoff, thl, payload;
	int family = 0;

	if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
		return -EOPNOTSUPP;
	if (l2 == 1 || l2 >= len)
		return -EINVAL;
	thoff = ip_header_len(pkt + l2, len - l2, l2 ? load16(pkt + l2 - 2) : -1, &family);
	if (!thoff || (family == AF_INET) != (type == VIRTIO_NET_HDR_GSO_TCPV4))
		return -EINVAL;
	thoff += l2;
	if (thoff + TCP_MIN_HEADER > len)
		return -EINVAL;
	thl = (size_t)(pkt[thoff + 12] >> 4) * 4;
	if (thl < TCP_MIN_HEADER || thoff + thl > len || vh->gso_size == 0)
		return -EINVAL;
	payload = len - thoff - thl;
	out->l2 = l2;
	out->thoff = thoff;
	out->hdr_len = thoff + thl;
	out->gso_size = vh->gso_size;
	out->nsegs = payload ? (payload + out->gso_size - 1) / out->gso_size : 1;
	out->family = family;
	return 0;
}

/* IP length fields and the IPv4 ID and header checksum of segment `i`. */
static void fix_ip(const struct tso_info *ti, uint8_t *seg, size_t seg_len, size_t i)
{
	uint8_t *ip = seg + ti->l2;
	size_t ip_len = seg_len - ti->l2;

	if (ti->family == AF_INET) {
		csum_store(ip + 2, (uint16_t)ip_len);
		csum_store(ip + 4, (uint16_t)(load16(ip + 4) + i));
		ip[10] = ip[11] = 0;
		csum_store(ip + 10, csum_fold(csum_add(0, ip, ti->thoff - ti->l2)));
	} else {
		csum_store(ip + 4, (uint16_t)(ip_len - 40));
	}
}

static void fix_tcp(const struct tso_info *ti, uint8_t *seg, size_t seg_len, size_t i)
{
	uint8_t *th = seg + ti->thoff;
	size_t addr_len = ti->family == AF_INET ? 4 : 16;
	const uint8_t *src = seg + ti->l2 + (ti->family == AF_INET ? 12 : 8);
	uint64_t sum;

	store32(th + 4, load32(th + 4) + (uint32_t)(i * ti->gso_size));
	if (i + 1 < ti->nsegs)
		th[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	if (i > 0)
		th[13] &= (uint8_t)~TCP_FLAG_CWR;
	th[TCP_CSUM_OFFSET] = th[TCP_CSUM_OFFSET + 1] = 0;
	sum = csum_pseudo(src, src + addr_len, addr_len, IPPROTO_TCP, (uint32_t)(seg_len - ti->thoff));
	csum_store(th + TCP_CSUM_OFFSET, csum_fold(csum_add(sum, th, seg_len - ti->thoff)));
}

void tso_segment(const struct tso_info *ti, const uint8_t *pkt, size_t len, size_t first,
		 size_t count, uint8_t *out, size_t stride, size_t *lens)
{
	size_t payload = len - ti->hdr_len;

	for (size_t k = 0; k < count; k++) {
		size_t i = first + k, off = i * ti->gso_size;
		size_t plen = payload - off < ti->gso_size ? payload - off : ti->gso_size;
		uint8_t *seg = out + k * stride;

		memcpy(seg, pkt, ti->hdr_len);
		memcpy(seg + ti->hdr_len, pkt + ti->hdr_len + off, plen);
		lens[k] = ti->hdr_len + plen;
		fix_ip(ti, seg, lens[k], i);
		fix_tcp(ti, seg, lens[k], i);
	}
}
