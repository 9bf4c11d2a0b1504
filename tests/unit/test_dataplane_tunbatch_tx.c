/* Batched sends for callers with their own reader (tunbatch_tx_slot /
 * tunbatch_queue_tx / tunbatch_flush_tx, used by fabric mode) between two
 * TUN-less agents on loopback UDP; B hands every payload to on_data, as a
 * fabric agent does:
 *
 *   test -> slot -> A [tunbatch_queue_tx ... tunbatch_flush_tx] --UDP GSO-->
 *        B [tunbatch_on_udp_readable] -> on_data -> recorded
 *
 * Checked: a payload without a session is staged behind a handshake and
 * arrives once it completes; queued payloads stay in their slots until the
 * flush (nothing on the wire before), then arrive byte for byte, in order,
 * across several runs (equal sizes, a shorter one that ends a run, one longer
 * that starts the next); more payloads than slots are flushed on the way. */
#include <arpa/inet.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "dataplane/agent.h"
#include "dataplane/tunbatch.h"
#include "tunnel/key.h"

#define PRIV1_HEX "d02e81ae065672c33d8c7752a6cfb4de5ed69a40be48fa6a4ffc8911b62a165e"
#define PUB1_HEX  "3e3d6f955a001c1e5dd920404d7106287e74bffa06212d1ac8caebedb4b0ec31"
#define PRIV2_HEX "9081d9e870e45dbfbd5cd58d628c2fdc7cd2a14c3d7d5eec4bdafeb8e40bae5d"
#define PUB2_HEX  "005a88fa2dbe0ade6c98497dfae8b420eba88fc0564be30d5a329ce148fb5b66"

#define MAX_GOT 128

struct side {
	struct agent *a;
	struct wg_peer *peer;
};

struct pair {
	struct side A, B;
};

/* What B's on_data saw, in order. */
static uint8_t got[MAX_GOT][1500];
static size_t got_len[MAX_GOT], n_got;

static void record(struct agent *a, struct wg_peer *peer, uint8_t *data, size_t len)
{
	(void)a;
	(void)peer;
	if (len == 0 || n_got == MAX_GOT || len > sizeof(got[0]))
		return; /* keepalives, overflow: the asserts on n_got catch it */
	memcpy(got[n_got], data, len);
	got_len[n_got++] = len;
}

static void side_init(struct side *s, const char *name, const char *priv_hex, const char *peer_hex)
{
	uint8_t key[32];

	assert_int_equal(agent_create(name, &s->a), 0);
	assert_true(wg_key_from_hex(key, priv_hex));
	agent_set_private_key(s->a, key);
	wg_device_set_mtu(s->a->dev, 1420);
	assert_int_equal(udp_open(&s->a->udp, 0, 0), 0);
	udp_enable_offloads(&s->a->udp);
	s->a->no_tun = true;
	s->a->on_data = record;
	s->a->rx_buf = malloc(AGENT_BUF_LEN);
	s->a->tx_buf = malloc(AGENT_BUF_LEN);
	assert_non_null(s->a->rx_buf);
	assert_non_null(s->a->tx_buf);
	assert_int_equal(tunbatch_create(&s->a->batch), 0);
	assert_true(wg_key_from_hex(key, peer_hex));
	assert_int_equal(agent_peer_create(s->a, key, &s->peer), 0);
}

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct wg_endpoint ep;

	assert_non_null(p);
	side_init(&p->A, "h19ta", PRIV1_HEX, PUB2_HEX);
	side_init(&p->B, "h19tb", PRIV2_HEX, PUB1_HEX);
	memset(&ep, 0, sizeof(ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons(p->B.a->udp.port);
	ep.addr.in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	wg_peer_set_endpoint(p->A.peer, &ep);
	n_got = 0;
	*state = p;
	return 0;
}

static void side_free(struct side *s)
{
	udp_close(&s->a->udp);
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

/* Waits (ms at most) for datagrams on s's socket and runs its receive path. */
static bool udp_in(struct side *s, int ms)
{
	struct pollfd pfd = { .fd = s->a->udp.fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return false;
	tunbatch_on_udp_readable(s->a->udp.fd, 0, s->a);
	return true;
}

/* Payload i: a fabric-like first byte, then a pattern of its own. Lengths
 * are multiples of 16, as fabric frames are, so no padding comes back. */
static size_t fill(uint8_t *p, int i, size_t len)
{
	p[0] = 0x10;
	for (size_t k = 1; k < len; k++)
		p[k] = (uint8_t)(i * 31 + k);
	return len;
}

static void queue(struct pair *p, int i, size_t len)
{
	struct wg_env env;
	size_t cap;
	uint8_t *slot = tunbatch_tx_slot(p->A.a, &cap);

	assert_true(cap >= wg_encrypted_len(len));
	agent_env(&env);
	tunbatch_queue_tx(p->A.a, &env, p->A.peer, slot, fill(slot + WG_DATA_HEADER_LEN, i, len));
}

static void flush(struct pair *p)
{
	struct wg_env env;

	agent_env(&env);
	tunbatch_flush_tx(p->A.a, &env);
}

static uint64_t total_drops(const struct agent *a)
{
	uint64_t n = 0;

	for (int i = 0; i < AGENT_DROP__COUNT; i++)
		n += a->drops[i];
	return n;
}

/* The first payload has no session: staged, initiation, response, sent. */
static void connect_pair(struct pair *p)
{
	uint8_t want[200];

	queue(p, 0, 160);
	flush(p);
	assert_true(udp_in(&p->B, 2000)); /* initiation */
	assert_true(udp_in(&p->A, 2000)); /* response; the staged payload follows */
	assert_true(udp_in(&p->B, 2000));
	assert_int_equal(n_got, 1);
	assert_int_equal(got_len[0], fill(want, 0, 160));
	assert_memory_equal(got[0], want, 160);
	n_got = 0;
}

static void expect(struct pair *p, const size_t *lens, int count)
{
	uint8_t want[1500];

	while ((int)n_got < count)
		assert_true(udp_in(&p->B, 2000));
	assert_int_equal(n_got, count);
	for (int i = 0; i < count; i++) {
		assert_int_equal(got_len[i], fill(want, i + 1, lens[i]));
		assert_memory_equal(got[i], want, lens[i]);
	}
	assert_int_equal(total_drops(p->A.a), 0);
	assert_int_equal(total_drops(p->B.a), 0);
}

static void test_kept_until_flush_then_in_order(void **state)
{
	static const size_t lens[] = { 1440, 1440, 1440, 1440, 1008, 1440, 1440, 64, 64, 64, 1440 };
	const int count = (int)(sizeof(lens) / sizeof(lens[0]));
	struct pair *p = *state;

	connect_pair(p);
	for (int i = 0; i < count; i++)
		queue(p, i + 1, lens[i]);
	assert_false(udp_in(&p->B, 50)); /* all still in their slots */
	flush(p);
	expect(p, lens, count);
}

static void test_more_than_the_slots(void **state)
{
	static size_t lens[100];
	struct pair *p = *state;

	connect_pair(p);
	for (int i = 0; i < 100; i++) {
		lens[i] = 1440;
		queue(p, i + 1, lens[i]);
	}
	flush(p);
	expect(p, lens, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kept_until_flush_then_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_than_the_slots, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
