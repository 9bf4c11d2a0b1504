/* TCP segmentation of TUN super-packets (dataplane/tso.h), checked against
 * the naive checksum reference and the rules a receiving TCP relies on:
 * contiguous sequence numbers, FIN/PSH only on the last segment, CWR only on
 * the first, consecutive IPv4 IDs, each segment a valid packet, and the
 * payloads adding up to the original. Also partial-checksum completion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dataplane/tso.h"
#include "test_dataplane_tcp_util.h"

#define PAYLOAD 5300
#define MSS 1000

static uint8_t payload[PAYLOAD];
static uint8_t super[65600];
static uint8_t out[64 * 1200];

static void fill_payload(void)
{
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 131 + 7);
}

static size_t build_super(int family, uint8_t flags, struct virtio_net_hdr *vh)
{
	struct tcp_spec s = { .family = family, .seq = 0xfffff000u, .ack = 77, .flags = flags,
			      .window = 512, .ip_id = 0xfffe, .optlen = 12, .tsval = 99, .partial = true };
	size_t len;

	fill_payload();
	len = t_build(super, &s, payload, sizeof(payload));
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = MSS;
	vh->csum_start = family == AF_INET ? 20 : 40;
	vh->csum_offset = 16;
	vh->hdr_len = (uint16_t)(vh->csum_start + 32);
	return len;
}

static void check_segments(int family, uint8_t flags)
{
	struct virtio_net_hdr vh;
	struct tso_info ti;
	size_t lens[64], len = build_super(family, flags, &vh), thoff = family == AF_INET ? 20 : 40;
	size_t stride = 1100, got = 0;

	assert_int_equal(tso_parse(&vh, super, len, &ti), 0);
	assert_int_equal(ti.nsegs, 6);
	assert_int_equal(ti.hdr_len, thoff + 32);
	tso_segment(&ti, super, len, 0, ti.nsegs, out, stride, lens);
	for (size_t i = 0; i < ti.nsegs; i++) {
		const uint8_t *seg = out + i * stride, *th = seg + thoff;
		size_t plen = i + 1 < ti.nsegs ? MSS : PAYLOAD % MSS;
		bool last = i + 1 == ti.nsegs;

		assert_int_equal(lens[i], thoff + 32 + plen);
		assert_true(t_csum_ok(seg, lens[i]));
		if (family == AF_INET) {
			assert_int_equal(t_get16(seg + 2), lens[i]);
			assert_int_equal(t_get16(seg + 4), (uint16_t)(0xfffe + i));
		} else {
			assert_int_equal(t_get16(seg + 4), lens[i] - 40);
		}
		assert_int_equal(t_get32(th + 4), (uint32_t)(0xfffff000u + i * MSS));
		assert_int_equal(t_get32(th + 8), 77);
		assert_int_equal(th[13] & (T_FIN | T_PSH), last ? flags & (T_FIN | T_PSH) : 0);
		assert_int_equal(th[13] & T_CWR, i == 0 ? flags & T_CWR : 0);
		assert_int_equal(th[13] & T_ACK, T_ACK);
		assert_memory_equal(th + 20, super + thoff + 20, 12); /* options copied */
		assert_memory_equal(seg + thoff + 32, payload + got, plen);
		got += plen;
	}
	assert_int_equal(got, PAYLOAD);
}

static void ipv4_segments(void **state)
{
	(void)state;
	check_segments(AF_INET, T_ACK | T_PSH | T_FIN);
}

static void ipv6_segments(void **state)
{
	(void)state;
	check_segments(AF_INET6, T_ACK | T_PSH);
}

static void cwr_on_first_only(void **state)
{
	(void)state;
	check_segments(AF_INET, T_ACK | T_CWR);
}

/* Cutting in chunks (first, count) gives the same bytes as all at once. */
static void chunks_equal_whole(void **state)
{
	static uint8_t whole[64 * 1200];
	struct virtio_net_hdr vh;
	struct tso_info ti;
	size_t lens[64], lens2[64], len = build_super(AF_INET, T_ACK, &vh);

	(void)state;
	assert_int_equal(tso_parse(&vh, super, len, &ti), 0);
	tso_segment(&ti, super, len, 0, ti.nsegs, whole, 1100, lens);
	tso_segment(&ti, super, len, 0, 4, out, 1100, lens2);
	tso_segment(&ti, super, len, 4, 2, out + 4 * 1100, 1100, lens2 + 4);
	assert_memory_equal(lens, lens2, ti.nsegs * sizeof(lens[0]));
	for (size_t i = 0; i < ti.nsegs; i++)
		assert_memory_equal(whole + i * 1100, out + i * 1100, lens[i]);
}

static void parse_refuses(void **state)
{
	struct virtio_net_hdr vh;
	struct tso_info ti;
	size_t len = build_super(AF_INET, T_ACK, &vh);

	(void)state;
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(tso_parse(&vh, super, len, &ti), -EOPNOTSUPP);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV6; /* but the packet is IPv4 */
	assert_int_equal(tso_parse(&vh, super, len, &ti), -EINVAL);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 0;
	assert_int_equal(tso_parse(&vh, super, len, &ti), -EINVAL);
	vh.gso_size = MSS;
	assert_int_equal(tso_parse(&vh, super, 20 + 31, &ti), -EINVAL); /* TCP header cut */
	super[9] = IPPROTO_UDP;
	assert_int_equal(tso_parse(&vh, super, len, &ti), -EINVAL);
	/* ECN flag in gso_type is fine */
	super[9] = IPPROTO_TCP;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(tso_parse(&vh, super, len, &ti), 0);
}

/* A UDP datagram with a partial checksum, as a TUN with TUN_F_CSUM hands it. */
static void complete_partial_udp(void **state)
{
	uint8_t p[20 + 8 + 33] = { 0x45, 0, 0, sizeof(p), 0, 0, 0x40, 0, 64, IPPROTO_UDP, 0, 0,
				   10, 0, 0, 1, 10, 0, 0, 2 };
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20,
				     .csum_offset = 6 };

	(void)state;
	t_put16(p + 20, 1234);
	t_put16(p + 22, 53);
	t_put16(p + 24, 8 + 33);
	for (size_t i = 28; i < sizeof(p); i++)
		p[i] = (uint8_t)i;
	t_put16(p + 26, t_fold(t_pseudo(p, 8 + 33, IPPROTO_UDP)));
	assert_int_equal(tso_complete_csum(&vh, p, sizeof(p)), 0);
	assert_int_equal(t_fold(t_sum(t_pseudo(p, 8 + 33, IPPROTO_UDP), p + 20, 8 + 33)), 0xffff);
	assert_int_not_equal(t_get16(p + 26), 0);
	vh.csum_offset = 40; /* field past the end */
	assert_int_equal(tso_complete_csum(&vh, p, sizeof(p)), -EINVAL);
	vh.flags = 0; /* nothing to do */
	assert_int_equal(tso_complete_csum(&vh, p, sizeof(p)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_segments),
		cmocka_unit_test(ipv6_segments),
		cmocka_unit_test(cwr_on_first_only),
		cmocka_unit_test(chunks_equal_whole),
		cmocka_unit_test(parse_refuses),
		cmocka_unit_test(complete_partial_udp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
