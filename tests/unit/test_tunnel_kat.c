/* The engine against a complete WireGuard handshake computed independently
 * (tests/vectors/gen_handshake_kat.py: Python hashlib + python3-cryptography,
 * written from the whitepaper). A scripted rng hands out the fixed ephemeral
 * keys and sender indices in the order tunnel.h documents, a fixed wall clock
 * gives the fixed TAI64N, and every message must match byte for byte.
 *
 * Each test feeds the engine the vector's bytes, not the engine's own output
 * from the previous step, so a failure points at one step:
 *   initiation   initiator builds kat_initiation
 *   response     responder answers kat_initiation with kat_response
 *   initiator_data  initiator consumes kat_response, encrypts kat_initiator_data
 *   responder_data  responder decrypts it and encrypts kat_responder_data
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <sodium.h>

#include "tests/vectors/handshake_kat.h"
#include "tunnel/key.h"
#include "tunnel/tunnel.h"

#define NOW_NS (1000ULL * WG_NSEC_PER_SEC)

/* Hands out script[0..len) in order, then zeros (draws the KAT does not
 * cover, e.g. timer jitter, must not change the messages). */
struct script_rng {
	uint8_t script[64];
	size_t len;
	size_t pos;
};

static void script_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct script_rng *r = ctx;

	for (size_t i = 0; i < len; i++, r->pos++)
		buf[i] = r->pos < r->len ? r->script[r->pos] : 0;
}

struct side {
	struct wg_device *dev;
	struct wg_peer *peer;     /* the other side, as this side knows it */
	struct script_rng rng;
	struct wg_env env;
	struct wg_endpoint src;   /* where the other side's packets come from */
};

struct kat {
	struct side i;            /* initiator */
	struct side r;            /* responder */
};

static void side_init(struct side *s, const uint8_t priv[32], const uint8_t *other_priv,
		      const uint8_t eph[32], const uint8_t idx[4], uint16_t other_port)
{
	uint8_t other_pub[32];

	assert_true(wg_key_public_from_private(other_pub, other_priv));
	s->dev = wg_device_create(priv);
	assert_non_null(s->dev);
	assert_int_equal(wg_peer_create(s->dev, other_pub, &s->peer), 0);
	wg_peer_set_preshared_key(s->peer, kat_psk);

	memcpy(s->rng.script, eph, 32);
	memcpy(s->rng.script + 32, idx, 4);
	s->rng.len = 36;
	s->env.now = NOW_NS;
	s->env.wall_ns = KAT_WALL_NS;
	s->env.rng.fill = script_fill;
	s->env.rng.ctx = &s->rng;

	s->src.addr.in4.sin_family = AF_INET;
	s->src.addr.in4.sin_port = htons(other_port);
	s->src.addr.in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int setup(void **state)
{
	struct kat *k = calloc(1, sizeof(*k));

	if (!k || sodium_init() < 0)
		return -1;
	side_init(&k->i, kat_initiator_static, kat_responder_static, kat_initiator_ephemeral,
		  kat_initiator_index, 51821);
	side_init(&k->r, kat_responder_static, kat_initiator_static, kat_responder_ephemeral,
		  kat_responder_index, 51820);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct kat *k = *state;

	wg_device_destroy(k->i.dev);
	wg_device_destroy(k->r.dev);
	free(k);
	return 0;
}

struct field {
	const char *name;
	size_t end; /* offset one past the field */
};

static const struct field initiation_fields[] = {
	{ "type", 4 }, { "sender_index", 8 }, { "ephemeral", 40 },
	{ "encrypted_static", 88 }, { "encrypted_timestamp", 116 },
	{ "mac1", 132 }, { "mac2", 148 }, { NULL, 0 },
};
static const struct field response_fields[] = {
	{ "type", 4 }, { "sender_index", 8 }, { "receiver_index", 12 },
	{ "ephemeral", 44 }, { "encrypted_nothing", 60 }, { "mac1", 76 },
	{ "mac2", 92 }, { NULL, 0 },
};
static const struct field data_fields[] = {
	{ "type", 4 }, { "receiver_index", 8 }, { "counter", 16 },
	{ "encrypted_data", 16 + 16 }, { "tag", 16 + 32 }, { NULL, 0 },
};

/* Like assert_memory_equal, but names every field that differs first. */
static void expect_message(const char *what, const uint8_t *got, size_t got_len,
			   const uint8_t *want, size_t want_len, const struct field *fields)
{
	size_t start = 0;
	bool same = got_len == want_len && memcmp(got, want, want_len) == 0;

	if (same)
		return;
	print_error("%s: got %zu bytes, want %zu\n", what, got_len, want_len);
	for (const struct field *f = fields; f->name; start = f->end, f++) {
		if (f->end > got_len || f->end > want_len)
			break;
		if (memcmp(got + start, want + start, f->end - start) != 0)
			print_error("%s: field %s (bytes %zu..%zu) differs\n", what, f->name,
				    start, f->end - 1);
	}
	fail_msg("%s does not match the known answer", what);
}

/* The initiator's handshake initiation. */
static void step_initiation(struct kat *k, bool check)
{
	uint8_t out[sizeof(struct wg_msg_initiation)];

	assert_int_equal(wg_peer_create_initiation(k->i.dev, k->i.peer, &k->i.env, out), 0);
	assert_true(k->i.rng.pos >= 36);
	if (check)
		expect_message("initiation", out, sizeof(out), kat_initiation,
			       sizeof(kat_initiation), initiation_fields);
}

/* The responder consumes the vector's initiation and answers. */
static void step_response(struct kat *k, bool check)
{
	struct wg_rx_result res;
	uint8_t pkt[sizeof(kat_initiation)];

	memcpy(pkt, kat_initiation, sizeof(pkt));
	memset(&res, 0, sizeof(res));
	wg_device_receive(k->r.dev, &k->r.env, false, &k->r.src, pkt, sizeof(pkt), &res);
	if (res.kind != WG_RX_REPLY)
		fail_msg("responder refused the initiation: kind %d, drop %s", res.kind,
			 wg_drop_reason_name(res.drop));
	assert_ptr_equal(res.peer, k->r.peer);
	assert_true(k->r.rng.pos >= 36);
	if (check)
		expect_message("response", res.reply, res.reply_len, kat_response,
			       sizeof(kat_response), response_fields);
}

/* The initiator consumes the vector's response and sends its first packet. */
static void step_initiator_data(struct kat *k, bool check)
{
	struct wg_rx_result res;
	uint8_t pkt[sizeof(kat_response)], buf[128];
	size_t len = strlen(KAT_INITIATOR_PAYLOAD), out_len = 0;
	bool want_hs = false;

	memcpy(pkt, kat_response, sizeof(pkt));
	memset(&res, 0, sizeof(res));
	wg_device_receive(k->i.dev, &k->i.env, false, &k->i.src, pkt, sizeof(pkt), &res);
	if (res.kind != WG_RX_HANDSHAKE)
		fail_msg("initiator refused the response: kind %d, drop %s", res.kind,
			 wg_drop_reason_name(res.drop));
	assert_true(res.session_ready);
	assert_ptr_equal(res.peer, k->i.peer);
	assert_true(wg_peer_has_session(k->i.peer, k->i.env.now));

	memcpy(buf + WG_DATA_HEADER_LEN, KAT_INITIATOR_PAYLOAD, len);
	assert_int_equal(wg_encrypted_len(len), sizeof(kat_initiator_data));
	assert_int_equal(wg_peer_encrypt(k->i.peer, &k->i.env, buf, len, sizeof(buf), &out_len,
					 &want_hs), 0);
	assert_false(want_hs);
	if (check)
		expect_message("initiator data", buf, out_len, kat_initiator_data,
			       sizeof(kat_initiator_data), data_fields);
}

static void expect_plaintext(const struct wg_rx_result *res, const char *payload)
{
	size_t len = strlen(payload), padded = (len + 15) & ~(size_t)15;

	if (res->kind != WG_RX_DATA)
		fail_msg("data refused: kind %d, drop %s", res->kind,
			 wg_drop_reason_name(res->drop));
	assert_int_equal(res->data_len, padded);
	assert_memory_equal(res->data, payload, len);
	for (size_t i = len; i < padded; i++)
		assert_int_equal(res->data[i], 0);
}

static void test_initiation(void **state)
{
	step_initiation(*state, true);
}

static void test_response(void **state)
{
	step_response(*state, true);
}

static void test_initiator_data(void **state)
{
	struct kat *k = *state;

	step_initiation(k, false);
	step_initiator_data(k, true);
}

/* The responder decrypts the vector's first data message, which confirms its
 * session, and sends its own first packet. */
static void step_responder_data(struct kat *k)
{
	struct wg_rx_result res;
	uint8_t pkt[sizeof(kat_initiator_data)], buf[128];
	size_t len = strlen(KAT_RESPONDER_PAYLOAD), out_len = 0;
	bool want_hs = false;

	memcpy(pkt, kat_initiator_data, sizeof(pkt));
	memset(&res, 0, sizeof(res));
	wg_device_receive(k->r.dev, &k->r.env, false, &k->r.src, pkt, sizeof(pkt), &res);
	expect_plaintext(&res, KAT_INITIATOR_PAYLOAD);
	assert_ptr_equal(res.peer, k->r.peer);
	assert_true(res.session_ready);

	memcpy(buf + WG_DATA_HEADER_LEN, KAT_RESPONDER_PAYLOAD, len);
	assert_int_equal(wg_peer_encrypt(k->r.peer, &k->r.env, buf, len, sizeof(buf), &out_len,
					 &want_hs), 0);
	expect_message("responder data", buf, out_len, kat_responder_data,
		       sizeof(kat_responder_data), data_fields);
}

static void test_responder_data(void **state)
{
	struct kat *k = *state;

	step_response(k, false);
	step_responder_data(k);
}

/* The whole exchange on the engine's own output, ending with the initiator
 * decrypting the responder's reply. */
static void test_full_exchange(void **state)
{
	struct kat *k = *state;
	struct wg_rx_result res;
	uint8_t pkt[sizeof(kat_responder_data)];

	step_initiation(k, true);
	step_response(k, true);
	step_initiator_data(k, true);
	step_responder_data(k);
	/* Both sides are now at counter 1; the vector's reply carries counter 0
	 * and is delivered once. */
	memcpy(pkt, kat_responder_data, sizeof(pkt));
	memset(&res, 0, sizeof(res));
	wg_device_receive(k->i.dev, &k->i.env, false, &k->i.src, pkt, sizeof(pkt), &res);
	expect_plaintext(&res, KAT_RESPONDER_PAYLOAD);
	/* A replay of the same message is refused. */
	memcpy(pkt, kat_responder_data, sizeof(pkt));
	memset(&res, 0, sizeof(res));
	wg_device_receive(k->i.dev, &k->i.env, false, &k->i.src, pkt, sizeof(pkt), &res);
	assert_int_equal(res.kind, WG_RX_DROP);
	assert_int_equal(res.drop, WG_DROP_REPLAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiator_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_responder_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_exchange, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
