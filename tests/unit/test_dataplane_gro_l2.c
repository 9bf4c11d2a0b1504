/* Receive coalescing of Ethernet frames (gro_coalesce_l2, for a TAP with
 * IFF_VNET_HDR). The reference is segmentation: the merged frame, cut again
 * with tso_parse_l2 and the group's header, gives back the frames that went
 * in. The Ethernet header must be equal for frames to merge, and name the IP
 * version; the header's offsets count it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dataplane/gro.h"
#include "dataplane/tso.h"
#include "test_dataplane_tcp_util.h"

#define ETH 14
#define STRIDE 1500
#define MSS 1360
#define N 40

static uint8_t frames[N * STRIDE], orig[N * STRIDE];
static struct gro_pkt pkts[N];
static struct gro_group groups[N];
static uint8_t payload[N * MSS];

static const uint8_t eth_v4[ETH] = { 2, 0, 0, 0, 0, 12, 2, 0, 0, 0, 0, 11, 0x08, 0x00 };
static const uint8_t eth_v6[ETH] = { 2, 0, 0, 0, 0, 12, 2, 0, 0, 0, 0, 11, 0x86, 0xdd };

/* n frames of one flow behind `eth`, the last one `last` payload bytes. */
static void make_flow(int family, const uint8_t eth[ETH], size_t n, size_t last)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + i / 509);
	for (size_t i = 0; i < n; i++) {
		struct tcp_spec s = { .family = family, .seq = 0xffffe000u + (uint32_t)(i * MSS),
				      .ack = 3, .flags = T_ACK, .window = (uint16_t)(400 + i),
				      .ip_id = (uint16_t)(7 + i), .optlen = 12, .tsval = 8 };

		pkts[i].data = frames + i * STRIDE;
		memcpy(pkts[i].data, eth, ETH);
		pkts[i].len = ETH + t_build(pkts[i].data + ETH, &s, payload + i * MSS,
					    i + 1 == n ? last : MSS);
	}
	memcpy(orig, frames, n * STRIDE);
}

static void check_resegments(const struct gro_group *g, size_t thoff)
{
	static uint8_t merged[65600], cut[N * STRIDE];
	size_t len, lens[N];
	struct tso_info ti;

	assert_int_equal(g->vh.csum_start, ETH + thoff);
	assert_int_equal(g->vh.csum_offset, 16);
	assert_int_equal(g->vh.hdr_len, ETH + thoff + 32);
	assert_int_equal(g->vh.gso_size, MSS);
	assert_int_equal(g->vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	memcpy(merged, pkts[g->first].data, pkts[g->first].len);
	len = pkts[g->first].len;
	for (size_t k = 1; k < g->count; k++) {
		memcpy(merged + len, pkts[g->first + k].data + g->hdr_len,
		       pkts[g->first + k].len - g->hdr_len);
		len += pkts[g->first + k].len - g->hdr_len;
	}
	/* the merged IP length is the frame's less the Ethernet header */
	if (thoff == 20)
		assert_int_equal(t_get16(merged + ETH + 2), len - ETH);
	else
		assert_int_equal(t_get16(merged + ETH + 4), len - ETH - 40);
	assert_int_equal(tso_parse_l2(&g->vh, merged, len, ETH, &ti), 0);
	assert_int_equal(ti.nsegs, g->count);
	tso_segment(&ti, merged, len, 0, ti.nsegs, cut, STRIDE, lens);
	for (size_t k = 0; k < g->count; k++) {
		size_t i = g->first + k;
		uint8_t *want = orig + i * STRIDE, *th = cut + k * STRIDE + ti.thoff;

		assert_int_equal(lens[k], pkts[i].len);
		memcpy(th + 14, want + ti.thoff + 14, 2); /* the merged frame has the last window */
		th[16] = th[17] = 0;
		want[ti.thoff + 16] = want[ti.thoff + 17] = 0;
		assert_memory_equal(cut + k * STRIDE, want, lens[k]);
	}
}

static void flow_merges(int family, const uint8_t eth[ETH])
{
	size_t ng;

	make_flow(family, eth, N, 500);
	ng = gro_coalesce_l2(pkts, N, ETH, groups);
	assert_int_equal(ng, 1);
	assert_int_equal(groups[0].count, N);
	assert_int_equal(groups[0].vh.gso_type,
			 family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
	check_resegments(&groups[0], family == AF_INET ? 20 : 40);
}

static void ipv4_frames_merge(void **state)
{
	(void)state;
	flow_merges(AF_INET, eth_v4);
}

static void ipv6_frames_merge(void **state)
{
	(void)state;
	flow_merges(AF_INET6, eth_v6);
}

/* A different MAC in the middle splits the run there; both halves merge. */
static void ethernet_header_must_match(void **state)
{
	size_t ng;

	(void)state;
	make_flow(AF_INET, eth_v4, 10, MSS);
	pkts[5].data[0] = 4; /* another destination */
	for (size_t i = 6; i < 10; i++)
		pkts[i].data[0] = 4;
	memcpy(orig, frames, 10 * STRIDE);
	ng = gro_coalesce_l2(pkts, 10, ETH, groups);
	assert_int_equal(ng, 2);
	assert_int_equal(groups[0].count, 5);
	assert_int_equal(groups[1].first, 5);
	assert_int_equal(groups[1].count, 5);
	check_resegments(&groups[0], 20);
	check_resegments(&groups[1], 20);
}

/* What the EtherType does not call IP of the right version is left alone,
 * byte for byte. */
static void ethertype_must_name_ip(void **state)
{
	static const uint8_t eth_arp[ETH] = { 2, 0, 0, 0, 0, 12, 2, 0, 0, 0, 0, 11, 0x08, 0x06 };
	const uint8_t *eths[] = { eth_arp, eth_v6 };
	size_t ng;

	(void)state;
	for (size_t e = 0; e < 2; e++) {
		make_flow(AF_INET, eths[e], 6, MSS);
		ng = gro_coalesce_l2(pkts, 6, ETH, groups);
		assert_int_equal(ng, 6);
		for (size_t i = 0; i < 6; i++) {
			assert_int_equal(groups[i].count, 1);
			assert_int_equal(groups[i].vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		}
		assert_memory_equal(frames, orig, 6 * STRIDE);
	}
	/* the same frames are bare IP to gro_coalesce: their MACs are no IP */
	make_flow(AF_INET, eth_v4, 6, MSS);
	assert_int_equal(gro_coalesce(pkts, 6, groups), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_frames_merge),
		cmocka_unit_test(ipv6_frames_merge),
		cmocka_unit_test(ethernet_header_must_match),
		cmocka_unit_test(ethertype_must_name_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
