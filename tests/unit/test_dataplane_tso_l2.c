/* TCP segmentation of Ethernet super-frames (tso_parse_l2, as a TAP with
 * IFF_VNET_HDR hands them over): the reference is the IP-level path. Every
 * segment must be the Ethernet header, unchanged, in front of exactly what
 * tso_segment makes of the bare IP packet; offsets in the virtio_net_hdr
 * count from the frame's start; an EtherType that does not name the IP
 * version is refused. Also partial-checksum completion on a frame. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dataplane/tso.h"
#include "test_dataplane_tcp_util.h"

#define ETH 14
#define PAYLOAD 9100
#define MSS 1360

static uint8_t payload[PAYLOAD];
static uint8_t frame[65600], pkt[65600];
static uint8_t out_l2[16 * 1500], out_l3[16 * 1500];

static const uint8_t eth_v4[ETH] = { 2, 0, 0, 0, 0, 12, 2, 0, 0, 0, 0, 11, 0x08, 0x00 };
static const uint8_t eth_v6[ETH] = { 2, 0, 0, 0, 0, 12, 2, 0, 0, 0, 0, 11, 0x86, 0xdd };

/* The same super-packet twice: bare in pkt, behind `eth` in frame. */
static size_t build(int family, const uint8_t eth[ETH], uint8_t flags, struct virtio_net_hdr *vh)
{
	struct tcp_spec s = { .family = family, .seq = 0xffffff00u, .ack = 9, .flags = flags,
			      .window = 700, .ip_id = 0xfffd, .optlen = 12, .tsval = 5, .partial = true };
	size_t len, thoff = family == AF_INET ? 20 : 40;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 29 + i / 7);
	len = t_build(pkt, &s, payload, sizeof(payload));
	memcpy(frame, eth, ETH);
	memcpy(frame + ETH, pkt, len);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = MSS;
	vh->csum_start = (uint16_t)(ETH + thoff);
	vh->csum_offset = 16;
	vh->hdr_len = (uint16_t)(ETH + thoff + 32);
	return len;
}

static void segments_match_ip_path(int family, const uint8_t eth[ETH])
{
	struct virtio_net_hdr vh, vh3;
	struct tso_info ti, ti3;
	size_t len = build(family, eth, T_ACK | T_PSH | T_FIN, &vh), l2[16], l3[16];
	size_t thoff = family == AF_INET ? 20 : 40;

	vh3 = vh;
	vh3.csum_start = (uint16_t)(vh.csum_start - ETH);
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, ETH, &ti), 0);
	assert_int_equal(tso_parse(&vh3, pkt, len, &ti3), 0);
	assert_int_equal(ti.l2, ETH);
	assert_int_equal(ti.thoff, ETH + thoff);
	assert_int_equal(ti.hdr_len, ETH + thoff + 32);
	assert_int_equal(ti.nsegs, (PAYLOAD + MSS - 1) / MSS);
	assert_int_equal(ti.nsegs, ti3.nsegs);
	/* in two chunks, as the fabric cuts one segment at a time */
	tso_segment(&ti, frame, len + ETH, 0, 3, out_l2, 1500, l2);
	tso_segment(&ti, frame, len + ETH, 3, ti.nsegs - 3, out_l2 + 3 * 1500, 1500, l2 + 3);
	tso_segment(&ti3, pkt, len, 0, ti3.nsegs, out_l3, 1500, l3);
	for (size_t i = 0; i < ti.nsegs; i++) {
		const uint8_t *seg = out_l2 + i * 1500;

		assert_int_equal(l2[i], l3[i] + ETH);
		assert_memory_equal(seg, eth, ETH);
		assert_memory_equal(seg + ETH, out_l3 + i * 1500, l3[i]);
		assert_true(t_csum_ok(seg + ETH, l3[i]));
	}
}

static void ipv4_frame(void **state)
{
	(void)state;
	segments_match_ip_path(AF_INET, eth_v4);
}

static void ipv6_frame(void **state)
{
	(void)state;
	segments_match_ip_path(AF_INET6, eth_v6);
}

static void ethertype_must_match(void **state)
{
	static const uint8_t eth_arp[ETH] = { 2, 0, 0, 0, 0, 12, 2, 0, 0, 0, 0, 11, 0x08, 0x06 };
	struct virtio_net_hdr vh;
	struct tso_info ti;
	size_t len;

	(void)state;
	len = build(AF_INET, eth_v6, T_ACK, &vh);
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, ETH, &ti), -EINVAL);
	len = build(AF_INET6, eth_v4, T_ACK, &vh);
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, ETH, &ti), -EINVAL);
	len = build(AF_INET, eth_arp, T_ACK, &vh);
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, ETH, &ti), -EINVAL);
	len = build(AF_INET, eth_v4, T_ACK, &vh);
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, ETH, &ti), 0);
	/* the IP header is not at 0, nor at an offset without an EtherType */
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, 0, &ti), -EINVAL);
	assert_int_equal(tso_parse_l2(&vh, frame, len + ETH, 1, &ti), -EINVAL);
	/* nothing after the link layer; a header cut short */
	assert_int_equal(tso_parse_l2(&vh, frame, ETH, ETH, &ti), -EINVAL);
	assert_int_equal(tso_parse_l2(&vh, frame, ETH + 30, ETH, &ti), -EINVAL);
}

static void complete_csum_on_frame(void **state)
{
	struct virtio_net_hdr vh;
	size_t len;

	(void)state;
	len = build(AF_INET, eth_v4, T_ACK, &vh);
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	len = 20 + 32 + 700; /* one frame's worth, its lengths fixed up */
	t_put16(frame + ETH + 2, (uint32_t)len);
	frame[ETH + 10] = frame[ETH + 11] = 0;
	t_put16(frame + ETH + 10, (uint16_t)~t_fold(t_sum(0, frame + ETH, 20)));
	t_put16(frame + ETH + 36, t_fold(t_pseudo(frame + ETH, len - 20, IPPROTO_TCP)));
	assert_false(t_csum_ok(frame + ETH, len));
	assert_int_equal(tso_complete_csum(&vh, frame, len + ETH), 0);
	assert_true(t_csum_ok(frame + ETH, len));
	assert_memory_equal(frame, eth_v4, ETH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_frame),
		cmocka_unit_test(ipv6_frame),
		cmocka_unit_test(ethertype_must_match),
		cmocka_unit_test(complete_csum_on_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
