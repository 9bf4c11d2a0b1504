/* TCP receive coalescing for the TUN write path. */
#include "dataplane/gro.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/csum.h"

#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define GRO_MAX_LEN 65535
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

/* What a TCP segment must match to join its predecessor. */
struct seg {
	int family;
	size_t l2;       /* link-layer bytes before the IP header */
	size_t thoff;    /* TCP header offset: l2 + IP header length */
	size_t hdr_len;  /* + TCP header */
	size_t payload;
	uint32_t seq;
	uint8_t flags;
};

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* p, len: from the IP header on; ethertype -1 without a link layer. */
static bool parse_ip(const uint8_t *p, size_t len, int ethertype, struct seg *s)
{
	if (len >= 20 && p[0] == 0x45 && (ethertype < 0 || ethertype == ETHERTYPE_IPV4)) {
		/* no options; no fragment (MF clear, offset 0) */
		if (p[9] != IPPROTO_TCP || (p[6] & 0x3f) || p[7])
			return false;
		s->family = AF_INET;
		s->thoff = s->l2 + 20;
		return true;
	}
	if (len >= 40 && p[0] >> 4 == 6 && p[6] == IPPROTO_TCP &&
	    (ethertype < 0 || ethertype == ETHERTYPE_IPV6)) {
		s->family = AF_INET6;
		s->thoff = s->l2 + 40;
		return true;
	}
	return false;
}

static bool parse_seg(const struct gro_pkt *pk, size_t l2, struct seg *s)
{
	const uint8_t *th;
	size_t thl;
	int ethertype = l2 ? (pk->data[l2 - 2] << 8 | pk->data[l2 - 1]) : -1;

	s->l2 = l2;
	if (pk->len <= l2 || !parse_ip(pk->data + l2, pk->len - l2, ethertype, s) ||
	    s->thoff + 20 > pk->len)
		return false;
	th = pk->data + s->thoff;
	thl = (size_t)(th[12] >> 4) * 4;
	if (thl < 20 || s->thoff + thl > pk->len)
		return false;
	s->hdr_len = s->thoff + thl;
	s->payload = pk->len - s->hdr_len;
	s->seq = load32(th + 4);
	s->flags = th[13];
	return true;
}

/* Everything but lengths, IDs, checksums and the window must be equal; the
 * link-layer header too. */
static bool same_flow(const uint8_t *a, const uint8_t *b, const struct seg *s)
{
	const uint8_t *ta = a + s->thoff, *tb = b + s->thoff;

	if (memcmp(a, b, s->l2))
		return false;
	a += s->l2;
	b += s->l2;

	if (s->family == AF_INET) {
		/* TOS, DF, TTL, protocol, addresses */
		if (a[1] != b[1] || a[6] != b[6] || a[8] != b[8] || memcmp(a + 12, b + 12, 8))
			return false;
	} else if (memcmp(a, b, 4) || a[7] != b[7] || memcmp(a + 8, b + 8, 32)) {
		return false; /* traffic class, flow label, hop limit, addresses */
	}
	/* ports; acknowledgement number; header length; options */
	return !memcmp(ta, tb, 4) && !memcmp(ta + 8, tb + 8, 5) &&
	       !memcmp(ta + 20, tb + 20, s->hdr_len - s->thoff - 20);
}

struct run {
	struct seg head;     /* the group's first segment */
	size_t total;        /* bytes of the merged packet */
	uint32_t next_seq;
	bool closed;         /* a short or PSH segment ended it */
};

static bool can_join(const struct run *r, const struct gro_pkt *first, const struct gro_pkt *pk,
		     const struct seg *s, size_t count)
{
	if (r->closed || count >= GRO_MAX_SEGS)
		return false;
	if ((s->flags & ~TCP_FLAG_PSH) != TCP_FLAG_ACK || s->family != r->head.family ||
	    s->hdr_len != r->head.hdr_len || s->seq != r->next_seq)
		return false;
	if (s->payload == 0 || s->payload > r->head.payload ||
	    r->total + s->payload > GRO_MAX_LEN)
		return false;
	return same_flow(first->data, pk->data, s);
}

/* The merged packet's headers: lengths, last window and PSH, IPv4 header
 * checksum, and the TCP pseudo-header sum the kernel completes. */
static void finish(struct gro_pkt *pkts, struct gro_group *g, const struct run *r)
{
	uint8_t *th = pkts[g->first].data + r->head.thoff, *p = pkts[g->first].data + r->head.l2;
	const uint8_t *last = pkts[g->first + g->count - 1].data + r->head.thoff;
	size_t addr_len = r->head.family == AF_INET ? 4 : 16;
	const uint8_t *src = r->head.family == AF_INET ? p + 12 : p + 8;
	uint32_t tcp_len = (uint32_t)(r->total - r->head.thoff);
	size_t ip_len = r->total - r->head.l2;

	if (r->head.family == AF_INET) {
		csum_store(p + 2, (uint16_t)ip_len);
		p[10] = p[11] = 0;
		csum_store(p + 10, csum_fold(csum_add(0, p, 20)));
	} else {
		csum_store(p + 4, (uint16_t)(ip_len - 40));
	}
	th[13] |= last[13] & TCP_FLAG_PSH;
	memcpy(th + 14, last + 14, 2);
	csum_store(th + 16, csum_fold_partial(csum_pseudo(src, src + addr_len, addr_len,
							  IPPROTO_TCP, tcp_len)));
	g->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g->vh.gso_type = r->head.family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4
						    : VIRTIO_NET_HDR_GSO_TCPV6;
	g->vh.hdr_len = (uint16_t)r->head.hdr_len;
	g->vh.gso_size = (uint16_t)r->head.payload;
	g->vh.csum_start = (uint16_t)r->head.thoff;
	g->vh.csum_offset = 16;
}

static void close_group(struct gro_pkt *pkts, struct gro_group *g, const struct run *r)
{
	if (g->count > 1)
		finish(pkts, g, r);
}

static void start_group(struct gro_group *g, size_t i)
{
	memset(g, 0, sizeof(*g));
	g->first = i;
	g->count = 1;
}

size_t gro_coalesce(struct gro_pkt *pkts, size_t n, struct gro_group *groups)
{
	return gro_coalesce_l2(pkts, n, 0, groups);
}

size_t gro_coalesce_l2(struct gro_pkt *pkts, size_t n, size_t l2, struct gro_group *groups)
{
	struct run r = { .closed = true };
	size_t ng = 0;
	struct seg s;
	bool tcp;

	for (size_t i = 0; i < n; i++) {
		tcp = (l2 == 0 || l2 >= 2) && parse_seg(&pkts[i], l2, &s);
		if (ng && tcp && can_join(&r, &pkts[groups[ng - 1].first], &pkts[i], &s,
					  groups[ng - 1].count)) {
			groups[ng - 1].count++;
			r.total += s.payload;
			r.next_seq += (uint32_t)s.payload;
			r.closed = s.payload < r.head.payload || (s.flags & TCP_FLAG_PSH);
			continue;
		}
		if (ng)
			close_group(pkts, &groups[ng - 1], &r);
		start_group(&groups[ng++], i);
		r.closed = !tcp || s.flags != TCP_FLAG_ACK || s.payload == 0;
		if (tcp) {
			r.head = s;
			r.total = pkts[i].len;
			r.next_seq = s.seq + (uint32_t)s.payload;
			groups[ng - 1].hdr_len = s.hdr_len;
		}
	}
	if (ng)
		close_group(pkts, &groups[ng - 1], &r);
	return ng;
}

size_t gro_group_iov(const struct gro_group *g, const struct gro_pkt *p, bool vnet,
		     struct iovec *iov, size_t *len)
{
	size_t n = 0;

	if (vnet) /* all zero for a single packet: nothing to offload */
		iov[n++] = (struct iovec){ .iov_base = (void *)&g->vh, .iov_len = sizeof(g->vh) };
	iov[n++] = (struct iovec){ .iov_base = p[0].data, .iov_len = p[0].len };
	for (size_t k = 1; k < g->count; k++)
		iov[n++] = (struct iovec){ .iov_base = p[k].data + g->hdr_len,
					   .iov_len = p[k].len - g->hdr_len };
	*len = 0;
	for (size_t k = 0; k < n; k++)
		*len += iov[k].iov_len;
	return n;
}
