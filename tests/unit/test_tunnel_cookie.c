/* Cookies under load: the reply, the retry with mac2, expiry on both sides
 * and the two-minute secret rotation. */
#include "test_tunnel_util.h"

#include "tunnel/cookie.h"
#include "tunnel/device.h"

static const uint8_t zero16[16];

static struct wg_rx_result *send_initiation(struct tpair *p, bool under_load,
					    const struct wg_endpoint *from)
{
	assert_int_equal(tpair_initiation(p, p->a, p->a_peer), 0);
	return tpair_deliver(p, p->b, from, p->buf, p->len, under_load);
}

/* Delivers b's last reply (a cookie reply) to a. */
static struct wg_rx_result *return_reply(struct tpair *p)
{
	uint8_t reply[WG_MAX_REPLY_LEN];
	size_t n = p->res.reply_len;

	memcpy(reply, p->res.reply, n);
	return tpair_deliver(p, p->a, &p->b_ep, reply, n, false);
}

static const uint8_t *mac2_of(const struct tpair *p)
{
	return ((const struct wg_msg_initiation *)p->buf)->macs.mac2;
}

static void cookie_reply_then_retry_accepted(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint32_t sender;

	(void)state;
	tpair_init(&p, 50);
	res = send_initiation(&p, true, &p.a_ep);
	assert_int_equal(res->kind, WG_RX_REPLY);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	assert_null(res->peer); /* no DH was done: nobody is authenticated */
	assert_int_equal(res->reply_len, sizeof(struct wg_msg_cookie_reply));
	assert_int_equal(res->reply[0], WG_MSG_COOKIE_REPLY);
	memcpy(&sender, p.buf + 4, 4);
	assert_memory_equal(res->reply + 4, &sender, 4); /* addressed to a's index */
	assert_int_equal(drops(p.b, WG_DROP_BAD_MAC2), 1);
	assert_int_equal(p.b_peer->handshake.state, WG_HS_ZEROED);

	res = return_reply(&p);
	assert_int_equal(res->kind, WG_RX_COOKIE);
	assert_ptr_equal(res->peer, p.a_peer);

	/* a retries later (its own rate limit); now with mac2. */
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	res = send_initiation(&p, true, &p.a_ep);
	assert_memory_not_equal(mac2_of(&p), zero16, 16);
	assert_int_equal(res->kind, WG_RX_REPLY);
	assert_int_equal(res->drop, WG_DROP_NONE);
	assert_int_equal(res->reply_len, sizeof(struct wg_msg_response));
	tpair_free(&p);
}

static void no_mac2_when_not_under_load(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 51);
	res = send_initiation(&p, false, &p.a_ep);
	assert_memory_equal(mac2_of(&p), zero16, 16);
	assert_int_equal(res->kind, WG_RX_REPLY);
	assert_int_equal(res->reply_len, sizeof(struct wg_msg_response));
	tpair_free(&p);
}

static void bad_mac1_under_load_gets_no_cookie(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;

	(void)state;
	tpair_init(&p, 52);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	p.buf[116] ^= 1; /* inside mac1 */
	res = tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, true);
	assert_int_equal(res->kind, WG_RX_DROP);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC1);
	assert_int_equal(res->reply_len, 0);
	tpair_free(&p);
}

static void cookie_reply_tampered_or_replayed(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint8_t reply[64], pkt[64];
	size_t i;

	(void)state;
	tpair_init(&p, 53);
	res = send_initiation(&p, true, &p.a_ep);
	memcpy(reply, res->reply, 64);
	for (i = 0; i < 64; i++) {
		memcpy(pkt, reply, 64);
		pkt[i] ^= 0x10;
		res = tpair_deliver(&p, p.a, &p.b_ep, pkt, 64, false);
		assert_int_equal(res->kind, WG_RX_DROP);
	}
	assert_int_equal(drops(p.a, WG_DROP_BAD_TYPE), 4);
	assert_int_equal(drops(p.a, WG_DROP_UNKNOWN_INDEX), 4);
	assert_int_equal(drops(p.a, WG_DROP_COOKIE_DECRYPT), 56);
	memcpy(pkt, reply, 64);
	res = tpair_deliver(&p, p.a, &p.b_ep, pkt, 64, false);
	assert_int_equal(res->kind, WG_RX_COOKIE);
	/* One cookie per message sent: the same reply again is refused. */
	memcpy(pkt, reply, 64);
	res = tpair_deliver(&p, p.a, &p.b_ep, pkt, 64, false);
	assert_int_equal(res->drop, WG_DROP_COOKIE_DECRYPT);
	tpair_free(&p);
}

/* The cookie names the source address and port. */
static void cookie_bound_to_source(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	struct wg_endpoint other;

	(void)state;
	tpair_init(&p, 54);
	send_initiation(&p, true, &p.a_ep);
	assert_int_equal(return_reply(&p)->kind, WG_RX_COOKIE);
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	test_endpoint4(&other, "192.0.2.1", 51999); /* same IP, other port */
	res = send_initiation(&p, true, &other);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	tpair_free(&p);
}

static void sender_cookie_expires(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 55);
	send_initiation(&p, true, &p.a_ep);
	assert_int_equal(return_reply(&p)->kind, WG_RX_COOKIE);
	tpair_advance(&p, WG_COOKIE_SECRET_MAX_AGE - WG_COOKIE_SECRET_LATENCY - 1);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	assert_memory_not_equal(mac2_of(&p), zero16, 16);
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	assert_memory_equal(mac2_of(&p), zero16, 16);
	tpair_free(&p);
}

/* The responder's secret lives two minutes: a cookie made just before the
 * rotation stops working right after it, and a new one is handed out. */
static void secret_rotation(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint64_t draws;

	(void)state;
	tpair_init(&p, 56);
	send_initiation(&p, true, &p.a_ep); /* draws b's first secret */
	assert_true(p.b->checker.has_secret);
	tpair_advance(&p, WG_COOKIE_SECRET_MAX_AGE - SEC(10));
	res = send_initiation(&p, true, &p.a_ep);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	assert_int_equal(return_reply(&p)->kind, WG_RX_COOKIE); /* old secret's cookie */
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	res = send_initiation(&p, true, &p.a_ep);
	assert_int_equal(res->drop, WG_DROP_NONE); /* still valid */
	assert_int_equal(res->kind, WG_RX_REPLY);

	tpair_advance(&p, SEC(6)); /* past 120 s: the secret rotates */
	wg_peer_clear_sessions(p.a_peer);
	draws = p.rng.draws;
	res = send_initiation(&p, true, &p.a_ep);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	/* ephemeral 32 + index 4 + jitter 4 for a; new secret 32 + nonce 24 */
	assert_int_equal(p.rng.draws - draws, 32 + 4 + 4 + 32 + 24);
	assert_int_equal(return_reply(&p)->kind, WG_RX_COOKIE);
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	res = send_initiation(&p, true, &p.a_ep);
	assert_int_equal(res->drop, WG_DROP_NONE);
	tpair_free(&p);
}

/* Responses are checked the same way; the cookie reply then goes to the
 * responder's index, which by now belongs to its fresh keypair. */
static void response_under_load(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	uint8_t resp[sizeof(struct wg_msg_response)], reply[64];

	(void)state;
	tpair_init(&p, 57);
	res = send_initiation(&p, false, &p.a_ep);
	memcpy(resp, res->reply, sizeof(resp));
	res = tpair_deliver(&p, p.a, &p.b_ep, resp, sizeof(resp), true);
	assert_int_equal(res->kind, WG_RX_REPLY);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	memcpy(reply, res->reply, 64);
	res = tpair_deliver(&p, p.b, &p.a_ep, reply, 64, false);
	assert_int_equal(res->kind, WG_RX_COOKIE);
	assert_true(p.b_peer->cookie.is_valid);
	tpair_free(&p);
}

/* IPv6 sources work too, and v4/v6 cookies differ. */
static void ipv6_source(void **state)
{
	struct tpair p;
	struct wg_rx_result *res;
	struct wg_endpoint v6;

	(void)state;
	tpair_init(&p, 58);
	memset(&v6, 0, sizeof(v6));
	v6.addr.in6.sin6_family = AF_INET6;
	v6.addr.in6.sin6_port = htons(51820);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &v6.addr.in6.sin6_addr), 1);
	res = send_initiation(&p, true, &v6);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	assert_int_equal(return_reply(&p)->kind, WG_RX_COOKIE);
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	res = send_initiation(&p, true, &v6);
	assert_int_equal(res->drop, WG_DROP_NONE);
	tpair_advance(&p, WG_REKEY_TIMEOUT);
	wg_peer_clear_sessions(p.a_peer);
	res = send_initiation(&p, true, &p.a_ep);
	assert_int_equal(res->drop, WG_DROP_BAD_MAC2);
	tpair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cookie_reply_then_retry_accepted),
		cmocka_unit_test(no_mac2_when_not_under_load),
		cmocka_unit_test(bad_mac1_under_load_gets_no_cookie),
		cmocka_unit_test(cookie_reply_tampered_or_replayed),
		cmocka_unit_test(cookie_bound_to_source),
		cmocka_unit_test(sender_cookie_expires),
		cmocka_unit_test(secret_rotation),
		cmocka_unit_test(response_under_load),
		cmocka_unit_test(ipv6_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
