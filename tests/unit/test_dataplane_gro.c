/* Receive coalescing (dataplane/gro.h). The reference is segmentation:
 * cutting a merged packet again (tso_segment with the group's header, as the
 * kernel does) must give back exactly the segments that went in. And what
 * must not merge stays apart, in arrival order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dataplane/gro.h"
#include "dataplane/tso.h"
#include "test_dataplane_tcp_util.h"

#define STRIDE 1200
#define MSS 1000

static uint8_t segs[80 * STRIDE];
static uint8_t orig[80 * STRIDE];
static struct gro_pkt pkts[80];
static struct gro_group groups[80];
static uint8_t payload[80 * MSS];

/* n segments of one flow (MSS bytes each, the last `last` bytes), built one
 * by one as a sender's TCP would. */
static void make_flow(int family, size_t n, size_t last, uint8_t last_flags)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + i / 251);
	for (size_t i = 0; i < n; i++) {
		struct tcp_spec s = { .family = family, .seq = 0xfffffc00u + (uint32_t)(i * MSS),
				      .ack = 5, .flags = T_ACK, .window = (uint16_t)(300 + i),
				      .ip_id = (uint16_t)(100 + i), .optlen = 12, .tsval = 42 };

		if (i + 1 == n)
			s.flags = last_flags;
		pkts[i].data = segs + i * STRIDE;
		pkts[i].len = t_build(pkts[i].data, &s, payload + i * MSS, i + 1 == n ? last : MSS);
	}
	memcpy(orig, segs, n * STRIDE);
}

/* The group's merged packet, as gro_group_iov lays it out for one write
 * (with and without the virtio_net_hdr in front), cut again, equals the
 * original segments. */
static void check_resegments(const struct gro_group *g)
{
	static uint8_t merged[65600], cut[80 * STRIDE];
	struct iovec iov[GRO_MAX_SEGS + 1], plain[GRO_MAX_SEGS + 1];
	size_t len = 0, total, plain_total, n, lens[80];
	struct tso_info ti;

	n = gro_group_iov(g, &pkts[g->first], true, iov, &total);
	assert_int_equal(n, g->count + 1);
	assert_ptr_equal(iov[0].iov_base, &g->vh);
	assert_int_equal(iov[0].iov_len, sizeof(g->vh));
	assert_int_equal(gro_group_iov(g, &pkts[g->first], false, plain, &plain_total), g->count);
	assert_int_equal(plain_total + sizeof(g->vh), total);
	for (size_t k = 1; k < n; k++) {
		assert_ptr_equal(plain[k - 1].iov_base, iov[k].iov_base);
		memcpy(merged + len, iov[k].iov_base, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	assert_int_equal(len, plain_total);
	assert_int_equal(tso_parse(&g->vh, merged, len, &ti), 0);
	assert_int_equal(ti.nsegs, g->count);
	tso_segment(&ti, merged, len, 0, ti.nsegs, cut, STRIDE, lens);
	for (size_t k = 0; k < g->count; k++) {
		size_t i = g->first + k;
		uint8_t *want = orig + i * STRIDE, *th = cut + k * STRIDE + ti.thoff;

		assert_int_equal(lens[k], pkts[i].len);
		/* the merged header carries the last window: restore it */
		memcpy(th + 14, want + ti.thoff + 14, 2);
		th[16] = th[17] = 0;
		want[ti.thoff + 16] = want[ti.thoff + 17] = 0;
		assert_memory_equal(cut + k * STRIDE, want, lens[k]);
	}
}

static void one_flow_merges(int family)
{
	size_t ng;

	make_flow(family, 44, 300, T_ACK | T_PSH);
	ng = gro_coalesce(pkts, 44, groups);
	assert_int_equal(ng, 1);
	assert_int_equal(groups[0].count, 44);
	assert_int_equal(groups[0].vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(groups[0].vh.gso_type,
			 family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(groups[0].vh.gso_size, MSS);
	assert_int_equal(groups[0].vh.csum_offset, 16);
	/* PSH and the window of the last segment */
	assert_int_equal(pkts[0].data[groups[0].vh.csum_start + 13], T_ACK | T_PSH);
	assert_int_equal(t_get16(pkts[0].data + groups[0].vh.csum_start + 14), 300 + 43);
	check_resegments(&groups[0]);
}

static void ipv4_flow_merges(void **state)
{
	(void)state;
	one_flow_merges(AF_INET);
}

static void ipv6_flow_merges(void **state)
{
	(void)state;
	one_flow_merges(AF_INET6);
}

static void expect_groups(size_t n, const size_t *counts, size_t ng_want)
{
	size_t ng = gro_coalesce(pkts, n, groups), first = 0;

	assert_int_equal(ng, ng_want);
	for (size_t i = 0; i < ng; i++) {
		assert_int_equal(groups[i].first, first);
		assert_int_equal(groups[i].count, counts[i]);
		if (counts[i] == 1)
			assert_int_equal(groups[i].vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		else
			check_resegments(&groups[i]);
		first += counts[i];
	}
	assert_int_equal(first, n);
}

/* A short segment or a PSH ends a group; a sequence gap splits it. */
static void boundaries(void **state)
{
	static const size_t c1[] = { 3, 3 }, c2[] = { 2, 4 }, c3[] = { 4, 1, 1 };
	struct tcp_spec s = { .family = AF_INET, .flags = T_ACK, .optlen = 12 };

	(void)state;
	make_flow(AF_INET, 6, MSS, T_ACK);
	/* pkt 2 short (ends the first group), the rest following it */
	s.seq = 0xfffffc00u + 2 * MSS;
	s.ack = 5;
	s.tsval = 42;
	for (size_t i = 2; i < 6; i++) {
		s.window = (uint16_t)(300 + i);
		s.ip_id = (uint16_t)(100 + i);
		pkts[i].len = t_build(pkts[i].data, &s, payload, i == 2 ? MSS - 10 : MSS);
		s.seq += i == 2 ? MSS - 10 : MSS;
	}
	memcpy(orig, segs, sizeof(segs));
	expect_groups(6, c1, 2);

	make_flow(AF_INET, 6, MSS, T_ACK);
	pkts[1].data[20 + 13] |= T_PSH;
	memcpy(orig, segs, sizeof(segs));
	expect_groups(6, c2, 2);

	make_flow(AF_INET, 6, MSS, T_ACK);
	/* a gap before pkt 4 (so pkt 5 does not follow pkt 4 either) */
	t_put32(pkts[4].data + 20 + 4, t_get32(pkts[4].data + 20 + 4) + 1);
	memcpy(orig, segs, sizeof(segs));
	expect_groups(6, c3, 3);
}

/* Different flows, acks, options, SYN/FIN, and non-TCP never merge. */
static void never_merged(void **state)
{
	static const size_t ones[] = { 1, 1, 1, 1, 1, 1 }, two_then[] = { 2, 1, 1, 1, 1 };
	static const uint8_t udp[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_UDP };
	struct tcp_spec s = { .family = AF_INET, .seq = 1, .flags = T_ACK, .optlen = 12 };

	(void)state;
	/* two flows interleaved: nothing is reordered to merge them */
	for (size_t i = 0; i < 6; i++) {
		s.sport = (uint16_t)(40000 + i % 2);
		s.seq = 1 + (uint32_t)(i / 2) * MSS;
		pkts[i].data = segs + i * STRIDE;
		pkts[i].len = t_build(pkts[i].data, &s, payload, MSS);
	}
	expect_groups(6, ones, 6);

	make_flow(AF_INET, 6, MSS, T_ACK);
	t_put32(pkts[2].data + 20 + 8, 6);              /* ack moved */
	pkts[3].data[20 + 13] = T_ACK | T_FIN;         /* FIN */
	t_put32(pkts[4].data + 20 + 24, 43);            /* timestamp differs */
	memcpy(pkts[5].data, udp, sizeof(udp));         /* not TCP */
	pkts[5].len = sizeof(udp);
	memcpy(orig, segs, sizeof(segs));
	expect_groups(6, two_then, 5);
}

/* GRO_MAX_SEGS per group, and 64 KiB. */
static void limits(void **state)
{
	static const size_t c[] = { GRO_MAX_SEGS, 80 - GRO_MAX_SEGS };
	size_t ng;

	(void)state;
	make_flow(AF_INET, 80, MSS, T_ACK);
	/* 1000-byte segments: 64 fit in 64 KiB (64 * 1000 + 52) */
	expect_groups(80, c, 2);
	for (size_t i = 0; i < 80; i++)
		pkts[i].len = 0;
	make_flow(AF_INET, 2, MSS, T_ACK);
	ng = gro_coalesce(pkts, 1, groups);
	assert_int_equal(ng, 1);
	assert_int_equal(gro_coalesce(pkts, 0, groups), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_flow_merges),
		cmocka_unit_test(ipv6_flow_merges),
		cmocka_unit_test(boundaries),
		cmocka_unit_test(never_merged),
		cmocka_unit_test(limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
