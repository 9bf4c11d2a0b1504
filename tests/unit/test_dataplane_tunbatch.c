/* The offloaded TUN-mode front end (dataplane/tunbatch.h) between two agents
 * on loopback UDP, each with a datagram socketpair standing in for a TUN
 * with IFF_VNET_HDR (a struct virtio_net_hdr before every packet):
 *
 *   test --vh+super-packet--> A [tunbatch_on_tun_readable] --UDP GSO-->
 *        B [tunbatch_on_udp_readable] --vh+merged packet--> test
 *
 * Checked: a TCP super-packet crosses as one UDP_SEGMENT send and comes out
 * as one merged super-packet that cuts back into the original segments; a
 * kernel refusing UDP_SEGMENT (SO_NO_CHECK makes it answer EINVAL) drops the
 * sender to one datagram per packet with nothing lost; a TUN that refused
 * the offloads gets the segments one by one with an empty header; a partial
 * checksum from the TUN is completed before sending. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "dataplane/agent.h"
#include "dataplane/tso.h"
#include "dataplane/tunbatch.h"
#include "test_dataplane_tcp_util.h"
#include "tunnel/key.h"

#define PRIV1_HEX "d02e81ae065672c33d8c7752a6cfb4de5ed69a40be48fa6a4ffc8911b62a165e"
#define PUB1_HEX  "3e3d6f955a001c1e5dd920404d7106287e74bffa06212d1ac8caebedb4b0ec31"
#define PRIV2_HEX "9081d9e870e45dbfbd5cd58d628c2fdc7cd2a14c3d7d5eec4bdafeb8e40bae5d"
#define PUB2_HEX  "005a88fa2dbe0ade6c98497dfae8b420eba88fc0564be30d5a329ce148fb5b66"

#define MSS 1000
#define NSEGS 20
#define VH sizeof(struct virtio_net_hdr)

struct side {
	struct agent *a;
	struct wg_peer *peer;
	int tun; /* our end of the fake TUN */
};

struct pair {
	struct side A, B;
};

static uint8_t payload[NSEGS * MSS];
static uint8_t msg[VH + 65600];

static void side_init(struct side *s, const char *name, const char *priv_hex, const char *peer_hex,
		      uint8_t peer_last)
{
	uint8_t key[32], ip[4] = { 10, 0, 0, peer_last };
	int sv[2];

	assert_int_equal(agent_create(name, &s->a), 0);
	assert_true(wg_key_from_hex(key, priv_hex));
	agent_set_private_key(s->a, key);
	wg_device_set_mtu(s->a->dev, 1420);
	assert_int_equal(udp_open(&s->a->udp, 0, 0), 0);
	udp_enable_offloads(&s->a->udp);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	s->a->tun_fd = sv[0];
	s->tun = sv[1];
	s->a->tun_vnet = s->a->tun_tso = true;
	s->a->rx_buf = malloc(AGENT_BUF_LEN);
	s->a->tx_buf = malloc(AGENT_BUF_LEN);
	assert_non_null(s->a->rx_buf);
	assert_non_null(s->a->tx_buf);
	assert_int_equal(tunbatch_create(&s->a->batch), 0);
	assert_true(wg_key_from_hex(key, peer_hex));
	assert_int_equal(agent_peer_create(s->a, key, &s->peer), 0);
	assert_int_equal(agent_allowed_ip_add(s->a, s->peer, AF_INET, ip, 32), 0);
}

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct wg_endpoint ep;

	side_init(&p->A, "h11ba", PRIV1_HEX, PUB2_HEX, 2);
	side_init(&p->B, "h11bb", PRIV2_HEX, PUB1_HEX, 1);
	memset(&ep, 0, sizeof(ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons(p->B.a->udp.port);
	ep.addr.in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	wg_peer_set_endpoint(p->A.peer, &ep);
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + i / 977);
	*state = p;
	return 0;
}

static void side_free(struct side *s)
{
	udp_close(&s->a->udp);
	close(s->a->tun_fd);
	close(s->tun);
	tunbatch_destroy(s->a->batch);
	free(s->a->rx_buf);
	free(s->a->tx_buf);
	agent_destroy(s->a);
}

static int teardown(void **state)
{
	struct pair *p = *state;

	side_free(&p->A);
	side_free(&p->B);
	free(p);
	return 0;
}

/* Queues `len` bytes at msg + VH, after the header vh, in side s's TUN. */
static void tun_put(struct side *s, const struct virtio_net_hdr *vh, size_t len)
{
	memcpy(msg, vh, VH);
	assert_int_equal(send(s->tun, msg, VH + len, 0), (ssize_t)(VH + len));
}

/* ... and lets s read it. */
static void tun_in(struct side *s, const struct virtio_net_hdr *vh, size_t len)
{
	tun_put(s, vh, len);
	tunbatch_on_tun_readable(s->a->tun_fd, 0, s->a);
}

/* Waits (2 s at most) for datagrams on s's socket and runs its receive path. */
static bool udp_in(struct side *s)
{
	struct pollfd pfd = { .fd = s->a->udp.fd, .events = POLLIN };

	if (poll(&pfd, 1, 2000) != 1)
		return false;
	tunbatch_on_udp_readable(s->a->udp.fd, 0, s->a);
	return true;
}

static ssize_t tun_out(struct side *s, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(s->tun, buf, cap, 0);

	return n < 0 ? -1 : n;
}

static uint64_t total_drops(const struct agent *a)
{
	uint64_t n = 0;

	for (int i = 0; i < AGENT_DROP__COUNT; i++)
		n += a->drops[i];
	return n;
}

static struct tcp_spec flow(uint32_t seq, uint8_t flags)
{
	return (struct tcp_spec){ .family = AF_INET, .seq = seq, .ack = 9, .flags = flags,
				  .window = 100, .ip_id = 1, .optlen = 12, .tsval = 5,
				  .partial = true };
}

/* A SYN from A (partial checksum, as a TUN with TUN_F_CSUM gives it) starts
 * the handshake and arrives at B complete and valid. */
static void connect_pair(struct pair *p)
{
	struct tcp_spec s = flow(1000, T_SYN);
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20,
				     .csum_offset = 16 };
	uint8_t buf[2048];
	size_t len = t_build(msg + VH, &s, NULL, 0);

	tun_in(&p->A, &vh, len);
	assert_true(udp_in(&p->B));  /* initiation */
	assert_true(udp_in(&p->A));  /* response; the SYN follows */
	assert_true(udp_in(&p->B));
	assert_int_equal(tun_out(&p->B, buf, sizeof(buf)), VH + len);
	assert_int_equal(((struct virtio_net_hdr *)buf)->gso_type, VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(((struct virtio_net_hdr *)buf)->flags, 0);
	assert_true(t_csum_ok(buf + VH, len));
}

/* Puts NSEGS * MSS bytes as one TSO super-packet in A's TUN; send_super
 * also lets A read it. */
static void put_super(struct pair *p)
{
	struct tcp_spec s = flow(2000, T_ACK | T_PSH);
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 52,
				     .gso_size = MSS, .csum_start = 20, .csum_offset = 16 };

	tun_put(&p->A, &vh, t_build(msg + VH, &s, payload, sizeof(payload)));
}

static void send_super(struct pair *p)
{
	put_super(p);
	tunbatch_on_tun_readable(p->A.a->tun_fd, 0, p->A.a);
}

/* Reads what B wrote to its TUN until NSEGS * MSS bytes of payload came:
 * every packet valid once cut (as the kernel would), in sequence. Returns
 * how many TUN writes carried them. */
static size_t collect(struct pair *p, bool expect_merged)
{
	static uint8_t buf[VH + 65600], cut[NSEGS * 1100];
	size_t got = 0, writes = 0, lens[NSEGS];
	struct tso_info ti;
	ssize_t n;

	while (got < sizeof(payload)) {
		n = tun_out(&p->B, buf, sizeof(buf));
		if (n < 0) {
			assert_true(udp_in(&p->B));
			continue;
		}
		const struct virtio_net_hdr *vh = (const struct virtio_net_hdr *)buf;

		writes++;
		if (vh->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
			assert_false(expect_merged);
			assert_true(t_csum_ok(buf + VH, (size_t)n - VH));
			assert_int_equal(t_get32(buf + VH + 24), 2000 + got);
			assert_memory_equal(buf + VH + 52, payload + got, (size_t)n - VH - 52);
			got += (size_t)n - VH - 52;
			continue;
		}
		assert_true(expect_merged);
		assert_int_equal(vh->gso_size, MSS);
		assert_int_equal(tso_parse(vh, buf + VH, (size_t)n - VH, &ti), 0);
		tso_segment(&ti, buf + VH, (size_t)n - VH, 0, ti.nsegs, cut, 1100, lens);
		for (size_t k = 0; k < ti.nsegs; k++) {
			assert_true(t_csum_ok(cut + k * 1100, lens[k]));
			assert_int_equal(t_get32(cut + k * 1100 + 24), 2000 + got);
			assert_memory_equal(cut + k * 1100 + 52, payload + got, lens[k] - 52);
			got += lens[k] - 52;
		}
	}
	assert_int_equal(got, sizeof(payload));
	return writes;
}

static void test_super_packet_crosses_whole(void **state)
{
	struct pair *p = *state;

	connect_pair(p);
	send_super(p);
	assert_true(p->A.a->udp.gso);
	/* one UDP_SEGMENT send, one GRO receive, one merged TUN write */
	assert_int_equal(collect(p, true), 1);
	assert_int_equal(total_drops(p->A.a), 0);
	assert_int_equal(total_drops(p->B.a), 0);
}

/* The kernel refuses UDP_SEGMENT: the same bytes go one datagram each. */
static void test_udp_gso_refused_falls_back(void **state)
{
	struct pair *p = *state;
	int one = 1;

	connect_pair(p);
	assert_int_equal(setsockopt(p->A.a->udp.fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);
	send_super(p);
	assert_false(p->A.a->udp.gso);
	assert_int_equal(collect(p, false), NSEGS);
	/* and it stays off, still delivering */
	send_super(p);
	assert_int_equal(collect(p, false), NSEGS);
	assert_int_equal(total_drops(p->A.a), 0);
	assert_int_equal(total_drops(p->B.a), 0);
}

/* B's TUN refused TUNSETOFFLOAD: no merging, an empty header each. */
static void test_tun_without_tso_gets_segments(void **state)
{
	struct pair *p = *state;

	p->B.a->tun_tso = false;
	connect_pair(p);
	send_super(p);
	assert_int_equal(collect(p, false), NSEGS);
	assert_int_equal(total_drops(p->B.a), 0);
}

/* No UDP offloads at all on either side (udp_enable_offloads never called,
 * as with --no-offload on a kernel that still gives a vnet TUN). */
static void test_without_udp_offloads(void **state)
{
	struct pair *p = *state;

	p->A.a->udp.gso = p->A.a->udp.gro = false;
	p->B.a->udp.gso = false;
	connect_pair(p);
	send_super(p);
	assert_int_equal(total_drops(p->A.a), 0);
	/* B still has GRO on: without GSO the datagrams come one by one */
	assert_int_equal(collect(p, false), NSEGS);
}

/* UDP datagrams of one size (the last shorter), then a super-packet, then
 * one more datagram, all in one TUN burst: sealed in their slots and sent
 * together (one UDP_SEGMENT run for the datagrams), they come out of B in
 * exactly the order they went in. */
static void test_small_packets_batched_in_order(void **state)
{
	static uint8_t pkts[12][200], buf[VH + 65600];
	static const struct virtio_net_hdr none;
	struct pair *p = *state;
	size_t lens[12];
	ssize_t n;

	connect_pair(p);
	for (int i = 0; i < 12; i++) {
		size_t len = i == 10 ? 100 : 160;
		uint8_t *q = pkts[i];

		memset(q, 0, 28);
		q[0] = 0x45;
		t_put16(q + 2, (uint32_t)len);
		q[8] = 64;
		q[9] = IPPROTO_UDP;
		q[12] = 10, q[15] = 1, q[16] = 10, q[19] = 2;
		t_put16(q + 10, (uint16_t)~t_fold(t_sum(0, q, 20)));
		memset(q + 28, 0x30 + i, len - 28);
		lens[i] = len;
		if (i == 11)
			put_super(p);
		memcpy(msg, &none, VH);
		memcpy(msg + VH, q, len);
		assert_int_equal(send(p->A.tun, msg, VH + len, 0), (ssize_t)(VH + len));
	}
	tunbatch_on_tun_readable(p->A.a->tun_fd, 0, p->A.a);
	assert_int_equal(total_drops(p->A.a), 0);
	for (int i = 0; i < 11; i++) {
		while ((n = tun_out(&p->B, buf, sizeof(buf))) < 0)
			assert_true(udp_in(&p->B));
		assert_int_equal(n, VH + lens[i]);
		assert_memory_equal(buf + VH, pkts[i], lens[i]);
	}
	collect(p, true);
	while ((n = tun_out(&p->B, buf, sizeof(buf))) < 0)
		assert_true(udp_in(&p->B));
	assert_int_equal(n, VH + lens[11]);
	assert_memory_equal(buf + VH, pkts[11], lens[11]);
	assert_int_equal(total_drops(p->B.a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_super_packet_crosses_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_gso_refused_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tun_without_tso_gets_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_udp_offloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_packets_batched_in_order, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
