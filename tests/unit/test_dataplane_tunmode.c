/* The TUN-mode packet paths between two agents on loopback UDP, each with a
 * socketpair standing in for its TUN (no root, no kernel interfaces):
 *
 *   test  --ip-->  A [tunmode_handle_tun_packet] --udp--> B [tunmode_handle_udp_packet] --> B's "tun"
 *
 * Checked: a packet sent before any session is staged, triggers exactly one
 * initiation, and arrives (padding trimmed, byte for byte) once the handshake
 * completes; the responder learns the initiator's endpoint; a keepalive
 * confirms a session nobody had data for; the staged queue drops its oldest;
 * and every dataplane drop reason on the send and receive paths is counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "dataplane/agent.h"
#include "dataplane/tunmode.h"
#include "tunnel/key.h"

#define PRIV1_HEX "d02e81ae065672c33d8c7752a6cfb4de5ed69a40be48fa6a4ffc8911b62a165e"
#define PUB1_HEX  "3e3d6f955a001c1e5dd920404d7106287e74bffa06212d1ac8caebedb4b0ec31"
#define PRIV2_HEX "9081d9e870e45dbfbd5cd58d628c2fdc7cd2a14c3d7d5eec4bdafeb8e40bae5d"
#define PUB2_HEX  "005a88fa2dbe0ade6c98497dfae8b420eba88fc0564be30d5a329ce148fb5b66"

struct side {
	struct agent *a;
	struct wg_peer *peer;  /* the other side, as this side's peer */
	int tun;               /* our end of the fake TUN */
};

struct pair {
	struct side A;  /* 10.0.0.1, knows B's endpoint */
	struct side B;  /* 10.0.0.2, learns A's endpoint from the handshake */
};

static const uint8_t ip_a[4] = { 10, 0, 0, 1 };
static const uint8_t ip_b[4] = { 10, 0, 0, 2 };

static void side_init(struct side *s, const char *name, const char *priv_hex)
{
	uint8_t key[32];
	int sv[2];

	assert_int_equal(agent_create(name, &s->a), 0);
	assert_true(wg_key_from_hex(key, priv_hex));
	agent_set_private_key(s->a, key);
	assert_int_equal(udp_open(&s->a->udp, 0, 0), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	s->a->tun_fd = sv[0];
	s->tun = sv[1];
}

static void add_peer(struct side *s, const char *pub_hex, const uint8_t allowed[4])
{
	uint8_t key[32];

	assert_true(wg_key_from_hex(key, pub_hex));
	assert_int_equal(agent_peer_create(s->a, key, &s->peer), 0);
	assert_int_equal(agent_allowed_ip_add(s->a, s->peer, AF_INET, allowed, 32), 0);
}

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct wg_endpoint ep;

	side_init(&p->A, "h4ta", PRIV1_HEX);
	side_init(&p->B, "h4tb", PRIV2_HEX);
	add_peer(&p->A, PUB2_HEX, ip_b);
	add_peer(&p->B, PUB1_HEX, ip_a);
	memset(&ep, 0, sizeof(ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons(p->B.a->udp.port);
	ep.addr.in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	wg_peer_set_endpoint(p->A.peer, &ep);
	*state = p;
	return 0;
}

static void side_free(struct side *s)
{
	udp_close(&s->a->udp);
	close(s->a->tun_fd);
	close(s->tun);
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

/* An IPv4 packet of `len` bytes from src to dst, its payload filled with
 * `fill`, behind WG_DATA_HEADER_LEN bytes of headroom in buf. */
static void make_ip(uint8_t *buf, size_t len, const uint8_t src[4], const uint8_t dst[4], uint8_t fill)
{
	uint8_t *ip = buf + WG_DATA_HEADER_LEN;

	memset(ip, fill, len);
	ip[0] = 0x45;
	ip[1] = 0;
	ip[2] = (uint8_t)(len >> 8);
	ip[3] = (uint8_t)len;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
}

static void send_ip(struct side *s, size_t len, const uint8_t src[4], const uint8_t dst[4], uint8_t fill)
{
	static uint8_t buf[AGENT_BUF_LEN];
	struct wg_env env;

	make_ip(buf, len, src, dst, fill);
	agent_env(&env);
	tunmode_handle_tun_packet(s->a, &env, buf, len, sizeof(buf));
}

/* Receives one datagram on s's socket (waiting up to 2 s) and hands it to
 * the receive path. Returns its length, or -1 when none came. */
static ssize_t pump(struct side *s)
{
	static uint8_t buf[AGENT_BUF_LEN];
	struct pollfd pfd = { .fd = s->a->udp.fd, .events = POLLIN };
	struct wg_endpoint src;
	struct wg_env env;
	ssize_t n;

	if (poll(&pfd, 1, 2000) != 1)
		return -1;
	n = udp_recv(&s->a->udp, buf, sizeof(buf), &src);
	assert_true(n > 0);
	agent_env(&env);
	tunmode_handle_udp_packet(s->a, &env, &src, buf, (size_t)n);
	return n;
}

static bool nothing_pending(struct side *s)
{
	struct pollfd pfd = { .fd = s->a->udp.fd, .events = POLLIN };

	return poll(&pfd, 1, 50) == 0;
}

static ssize_t read_tun(struct side *s, uint8_t *buf, size_t cap)
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

/* A sends first: the handshake runs and the staged packet follows it. */
static void handshake_by_data(struct pair *p)
{
	send_ip(&p->A, 33, ip_a, ip_b, 0xab);
	assert_int_equal(pump(&p->B), sizeof(struct wg_msg_initiation));
	assert_int_equal(pump(&p->A), sizeof(struct wg_msg_response));
	assert_int_equal(pump(&p->B), wg_encrypted_len(33));
}

static void test_first_packet_waits_for_handshake(void **state)
{
	struct pair *p = *state;
	uint8_t buf[AGENT_BUF_LEN], want[AGENT_BUF_LEN];
	struct wg_peer_stats st;

	handshake_by_data(p);
	/* exactly the original packet: the 15 bytes of padding are gone */
	make_ip(want, 33, ip_a, ip_b, 0xab);
	assert_int_equal(read_tun(&p->B, buf, sizeof(buf)), 33);
	assert_memory_equal(buf, want + WG_DATA_HEADER_LEN, 33);
	assert_int_equal(read_tun(&p->B, buf, sizeof(buf)), -1);
	assert_true(nothing_pending(&p->A));
	assert_true(nothing_pending(&p->B));

	/* B learnt A's endpoint from the initiation and answers at once */
	assert_int_equal(wg_peer_endpoint(p->B.peer)->addr.sa.sa_family, AF_INET);
	send_ip(&p->B, 1400, ip_b, ip_a, 0x5c);
	assert_int_equal(pump(&p->A), wg_encrypted_len(1400));
	assert_int_equal(read_tun(&p->A, buf, sizeof(buf)), 1400);
	make_ip(want, 1400, ip_b, ip_a, 0x5c);
	assert_memory_equal(buf, want + WG_DATA_HEADER_LEN, 1400);

	wg_peer_stats(p->A.peer, &st);
	assert_int_equal(st.handshakes, 1);
	assert_true(st.rx_bytes >= wg_encrypted_len(1400));
	assert_int_equal(total_drops(p->A.a), 0);
	assert_int_equal(total_drops(p->B.a), 0);
}

/* With nothing staged, the initiator confirms the new session with a
 * keepalive, which the responder takes without writing to its TUN. */
static void test_keepalive_confirms_session(void **state)
{
	struct pair *p = *state;
	uint8_t msg[sizeof(struct wg_msg_initiation)], buf[64];
	struct wg_env env;

	agent_env(&env);
	assert_int_equal(wg_peer_create_initiation(p->A.a->dev, p->A.peer, &env, msg), 0);
	assert_int_equal(udp_send(&p->A.a->udp, wg_peer_endpoint(p->A.peer), msg, sizeof(msg)), 0);
	assert_int_equal(pump(&p->B), sizeof(msg));
	assert_int_equal(pump(&p->A), sizeof(struct wg_msg_response));
	assert_int_equal(pump(&p->B), wg_encrypted_len(0));
	assert_int_equal(read_tun(&p->B, buf, sizeof(buf)), -1);
	agent_env(&env);
	assert_true(wg_peer_has_session(p->B.peer, env.now));
	assert_true(nothing_pending(&p->A));
}

/* tunmode_send_keepalive without a session stages an empty packet behind a
 * handshake (how persistent keepalive brings a tunnel up). */
static void test_keepalive_without_session_starts_handshake(void **state)
{
	struct pair *p = *state;
	struct wg_env env;

	agent_env(&env);
	tunmode_send_keepalive(p->A.a, &env, p->A.peer);
	assert_int_equal(staged_count(&agent_peer_state(p->A.peer)->staged), 1);
	assert_int_equal(pump(&p->B), sizeof(struct wg_msg_initiation));
	assert_int_equal(pump(&p->A), sizeof(struct wg_msg_response));
	assert_int_equal(pump(&p->B), wg_encrypted_len(0));
	assert_int_equal(staged_count(&agent_peer_state(p->A.peer)->staged), 0);
	assert_true(nothing_pending(&p->A));
}

static void test_staged_queue_drops_oldest(void **state)
{
	struct pair *p = *state;
	uint8_t buf[256];

	for (unsigned i = 0; i < STAGED_MAX + 2; i++)
		send_ip(&p->A, 40, ip_a, ip_b, (uint8_t)i);
	assert_int_equal(p->A.a->drops[AGENT_DROP_STAGED_OVERFLOW], 2);
	/* one initiation only: the others were rate limited */
	assert_int_equal(pump(&p->B), sizeof(struct wg_msg_initiation));
	assert_true(nothing_pending(&p->B));
	assert_int_equal(pump(&p->A), sizeof(struct wg_msg_response));
	for (unsigned i = 2; i < STAGED_MAX + 2; i++) {
		assert_int_equal(pump(&p->B), wg_encrypted_len(40));
		assert_int_equal(read_tun(&p->B, buf, sizeof(buf)), 40);
		assert_int_equal(buf[39], (uint8_t)i); /* in order, oldest two gone */
	}
	assert_true(nothing_pending(&p->B));
}

static void test_receive_drops(void **state)
{
	struct pair *p = *state;
	const uint8_t spoofed[4] = { 10, 0, 0, 99 };
	uint8_t buf[AGENT_BUF_LEN];
	struct wg_env env;
	size_t out_len;
	bool want;

	handshake_by_data(p);
	read_tun(&p->B, buf, sizeof(buf));

	/* a source outside B's AllowedIPs at A */
	send_ip(&p->B, 60, spoofed, ip_a, 1);
	assert_true(pump(&p->A) > 0);
	assert_int_equal(p->A.a->drops[AGENT_DROP_ALLOWED_IPS], 1);
	assert_int_equal(read_tun(&p->A, buf, sizeof(buf)), -1);

	/* authenticated garbage: not an IP packet, and a length field that
	 * claims more than was sent, padding included (40 is padded to 48) */
	agent_env(&env);
	memset(buf, 0, sizeof(buf));
	buf[WG_DATA_HEADER_LEN] = 0x10;
	assert_int_equal(wg_peer_encrypt(p->B.peer, &env, buf, 24, sizeof(buf), &out_len, &want), 0);
	udp_send(&p->B.a->udp, wg_peer_endpoint(p->B.peer), buf, out_len);
	assert_true(pump(&p->A) > 0);
	make_ip(buf, 40, ip_b, ip_a, 2);
	buf[WG_DATA_HEADER_LEN + 3] = 49;
	assert_int_equal(wg_peer_encrypt(p->B.peer, &env, buf, 40, sizeof(buf), &out_len, &want), 0);
	udp_send(&p->B.a->udp, wg_peer_endpoint(p->B.peer), buf, out_len);
	assert_true(pump(&p->A) > 0);
	assert_int_equal(p->A.a->drops[AGENT_DROP_BAD_INNER_PACKET], 2);
	assert_int_equal(read_tun(&p->A, buf, sizeof(buf)), -1);

	/* a failed TUN write is counted, not fatal */
	close(p->A.tun);
	p->A.tun = -1;
	send_ip(&p->B, 60, ip_b, ip_a, 3);
	assert_true(pump(&p->A) > 0);
	assert_int_equal(p->A.a->drops[AGENT_DROP_TUN_WRITE], 1);
	p->A.tun = dup(0); /* something for teardown to close */
}

static void test_send_drops(void **state)
{
	struct pair *p = *state;
	const uint8_t elsewhere[4] = { 192, 0, 2, 1 };
	static uint8_t buf[AGENT_BUF_LEN];
	struct wg_env env;

	send_ip(&p->A, 40, ip_a, elsewhere, 0);
	assert_int_equal(p->A.a->drops[AGENT_DROP_NO_ROUTE], 1);
	memset(buf, 0, 64);
	buf[WG_DATA_HEADER_LEN] = 0x10;
	agent_env(&env);
	tunmode_handle_tun_packet(p->A.a, &env, buf, 40, sizeof(buf));
	assert_int_equal(p->A.a->drops[AGENT_DROP_BAD_TUN_PACKET], 1);
	/* B has no endpoint for A yet: staged, no initiation can be sent */
	send_ip(&p->B, 40, ip_b, ip_a, 0);
	assert_int_equal(staged_count(&agent_peer_state(p->B.peer)->staged), 1);
	assert_true(nothing_pending(&p->A));
	assert_true(nothing_pending(&p->B));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_packet_waits_for_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_confirms_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_without_session_starts_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_staged_queue_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_drops, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
