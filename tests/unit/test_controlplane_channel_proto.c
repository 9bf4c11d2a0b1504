/* The control channel's wire layer and view deltas, without sockets:
 * handshake over tunnel/'s Noise IK, frames (AEAD, counters, chunking),
 * message parsing, and delta computation/application checked against
 * whole views on random data. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <sodium.h>

#include "controlplane/channel_io.h"
#include "controlplane/channel_msg.h"
#include "controlplane/channel_proto.h"
#include "controlplane/channel_view.h"
#include "tunnel/key.h"

/* ---- fixtures ---------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static void fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(next_rand() >> 56);
}

static struct wg_env env_at(uint64_t now, uint64_t wall)
{
	struct wg_env e = { now, wall, { fill, NULL } };

	return e;
}

static void make_key(uint8_t priv[32], uint8_t pub[32])
{
	uint8_t r[32];

	fill(NULL, r, sizeof(r));
	wg_key_private_from_random(priv, r);
	assert_true(wg_key_public_from_private(pub, priv));
}

struct pair {
	uint8_t srv_priv[32], srv_pub[32], cli_priv[32], cli_pub[32];
	struct cp_chan_keys cli, srv;
};

static const uint8_t *stored_ts;

static void ts_lookup(void *ctx, const uint8_t key[32], uint8_t latest[WG_TIMESTAMP_LEN])
{
	(void)ctx;
	(void)key;
	if (stored_ts)
		memcpy(latest, stored_ts, WG_TIMESTAMP_LEN);
}

/* A full handshake between fresh keys; both sides' transport keys. */
static void handshake(struct pair *p)
{
	uint8_t init[CP_CHAN_INIT_LEN], resp[CP_CHAN_RESP_LEN], peer[32], ts[12];
	struct cp_chan_initiator in;
	struct cp_chan_responder r;
	struct wg_env e = env_at(1000, 1700000000ull * 1000000000ull);

	make_key(p->srv_priv, p->srv_pub);
	make_key(p->cli_priv, p->cli_pub);
	assert_true(cp_chan_responder_init(&r, p->srv_priv));
	assert_int_equal(cp_chan_initiate(&in, p->cli_priv, p->srv_pub, &e, init), 0);
	assert_int_equal(cp_chan_respond(&r, init, &e, NULL, NULL, peer, ts, resp, &p->srv),
			 WG_DROP_NONE);
	assert_memory_equal(peer, p->cli_pub, 32);
	assert_int_equal(cp_chan_initiator_finish(&in, resp, &p->cli), 0);
	cp_chan_responder_wipe(&r);
}

/* ---- handshake --------------------------------------------------------- */

static void test_handshake_agrees_on_keys(void **state)
{
	struct pair p;

	(void)state;
	handshake(&p);
	assert_memory_equal(p.cli.send_key, p.srv.recv_key, 32);
	assert_memory_equal(p.cli.recv_key, p.srv.send_key, 32);
	assert_memory_not_equal(p.cli.send_key, p.cli.recv_key, 32);
	assert_int_equal(p.cli.send_n, 0);
}

static void test_handshake_wrong_controller_key_refused(void **state)
{
	uint8_t init[CP_CHAN_INIT_LEN], resp[CP_CHAN_RESP_LEN], peer[32], ts[12];
	uint8_t srv_priv[32], srv_pub[32], other_priv[32], other_pub[32], cli_priv[32], cli_pub[32];
	struct cp_chan_initiator in;
	struct cp_chan_responder r;
	struct cp_chan_keys k;
	struct wg_env e = env_at(1, 2);

	(void)state;
	make_key(srv_priv, srv_pub);
	make_key(other_priv, other_pub);
	make_key(cli_priv, cli_pub);
	assert_true(cp_chan_responder_init(&r, srv_priv));
	/* the agent believes the controller's key is other_pub */
	assert_int_equal(cp_chan_initiate(&in, cli_priv, other_pub, &e, init), 0);
	assert_int_equal(cp_chan_respond(&r, init, &e, NULL, NULL, peer, ts, resp, &k),
			 WG_DROP_BAD_MAC1);
	cp_chan_initiator_wipe(&in);
}

/* Every byte of the initiation is authenticated (mac1 covers all but the
 * macs; the macs themselves are checked). */
static void test_handshake_flipped_initiation_refused(void **state)
{
	uint8_t init[CP_CHAN_INIT_LEN], bad[CP_CHAN_INIT_LEN], resp[CP_CHAN_RESP_LEN], peer[32];
	uint8_t ts[12], srv_priv[32], srv_pub[32], cli_priv[32], cli_pub[32];
	struct cp_chan_initiator in;
	struct cp_chan_responder r;
	struct cp_chan_keys k;
	struct wg_env e = env_at(1, 2);
	size_t i;

	(void)state;
	make_key(srv_priv, srv_pub);
	make_key(cli_priv, cli_pub);
	assert_true(cp_chan_responder_init(&r, srv_priv));
	assert_int_equal(cp_chan_initiate(&in, cli_priv, srv_pub, &e, init), 0);
	/* the last 16 bytes are mac2, zero and unchecked without a cookie */
	for (i = 0; i < CP_CHAN_INIT_LEN - 16; i++) {
		memcpy(bad, init, sizeof(bad));
		bad[i] ^= 0x01;
		assert_int_not_equal(cp_chan_respond(&r, bad, &e, NULL, NULL, peer, ts, resp, &k),
				     WG_DROP_NONE);
	}
	assert_int_equal(cp_chan_respond(&r, init, &e, NULL, NULL, peer, ts, resp, &k),
			 WG_DROP_NONE);
	cp_chan_initiator_wipe(&in);
}

static void test_handshake_flipped_response_refused(void **state)
{
	uint8_t init[CP_CHAN_INIT_LEN], resp[CP_CHAN_RESP_LEN], bad[CP_CHAN_RESP_LEN];
	uint8_t peer[32], ts[12], srv_priv[32], srv_pub[32], cli_priv[32], cli_pub[32];
	struct cp_chan_initiator in, copy;
	struct cp_chan_responder r;
	struct cp_chan_keys k, kc;
	struct wg_env e = env_at(1, 2);
	size_t i;

	(void)state;
	make_key(srv_priv, srv_pub);
	make_key(cli_priv, cli_pub);
	assert_true(cp_chan_responder_init(&r, srv_priv));
	assert_int_equal(cp_chan_initiate(&in, cli_priv, srv_pub, &e, init), 0);
	assert_int_equal(cp_chan_respond(&r, init, &e, NULL, NULL, peer, ts, resp, &k),
			 WG_DROP_NONE);
	for (i = 0; i < CP_CHAN_RESP_LEN - 16; i++) {
		memcpy(bad, resp, sizeof(bad));
		bad[i] ^= 0x80;
		copy = in;
		assert_int_equal(cp_chan_initiator_finish(&copy, bad, &kc), -EBADMSG);
	}
	assert_int_equal(cp_chan_initiator_finish(&in, resp, &kc), 0);
	assert_memory_equal(kc.send_key, k.recv_key, 32);
}

/* An initiation is accepted once: the server remembers the newest
 * timestamp per host and refuses anything not newer. */
static void test_handshake_replay_refused(void **state)
{
	uint8_t init[CP_CHAN_INIT_LEN], resp[CP_CHAN_RESP_LEN], peer[32], ts[12];
	uint8_t srv_priv[32], srv_pub[32], cli_priv[32], cli_pub[32];
	struct cp_chan_initiator in;
	struct cp_chan_responder r;
	struct cp_chan_keys k;
	struct wg_env e = env_at(1, 1700000000ull * 1000000000ull);

	(void)state;
	make_key(srv_priv, srv_pub);
	make_key(cli_priv, cli_pub);
	assert_true(cp_chan_responder_init(&r, srv_priv));
	assert_int_equal(cp_chan_initiate(&in, cli_priv, srv_pub, &e, init), 0);
	stored_ts = NULL;
	assert_int_equal(cp_chan_respond(&r, init, &e, ts_lookup, NULL, peer, ts, resp, &k),
			 WG_DROP_NONE);
	stored_ts = ts;
	assert_int_equal(cp_chan_respond(&r, init, &e, ts_lookup, NULL, peer, ts, resp, &k),
			 WG_DROP_STALE_TIMESTAMP);
	/* a later initiation from the same agent is fine */
	e.wall_ns += 1000000000ull;
	assert_int_equal(cp_chan_initiate(&in, cli_priv, srv_pub, &e, init), 0);
	assert_int_equal(cp_chan_respond(&r, init, &e, ts_lookup, NULL, peer, ts, resp, &k),
			 WG_DROP_NONE);
	stored_ts = NULL;
	cp_chan_initiator_wipe(&in);
}

/* ---- frames ------------------------------------------------------------ */

static size_t seal(struct cp_chan_keys *k, uint8_t flags, const char *text, uint8_t *out)
{
	size_t len = strlen(text);

	assert_int_equal(cp_chan_seal_frame(k, flags, (const uint8_t *)text, len, out), 0);
	return CP_CHAN_FRAME_BYTES(len);
}

/* Opens a copy: decryption is in place, and libsodium zeroes the buffer
 * of a frame that fails, so each attempt needs the original bytes. */
static int open_wire(struct cp_chan_keys *k, const uint8_t *wire, size_t n,
		     struct cp_chan_rx *rx)
{
	uint8_t copy[256];

	assert_true(n <= sizeof(copy));
	memcpy(copy, wire, n);
	return cp_chan_open_frame(k, copy, copy + CP_CHAN_HDR_LEN, n - CP_CHAN_HDR_LEN, rx);
}

static void test_frame_roundtrip(void **state)
{
	uint8_t wire[256];
	struct cp_chan_rx rx;
	struct pair p;
	size_t n;

	(void)state;
	handshake(&p);
	cp_chan_rx_init(&rx, 1024);
	n = seal(&p.cli, CP_CHAN_FLAG_MORE, "\x01hello ", wire);
	assert_int_equal(open_wire(&p.srv, wire, n, &rx), 0);
	assert_false(rx.done);
	n = seal(&p.cli, 0, "world", wire);
	assert_int_equal(open_wire(&p.srv, wire, n, &rx), 0);
	assert_true(rx.done);
	assert_int_equal(rx.len, 12);
	assert_memory_equal(rx.buf, "\x01hello world", 12);
	assert_int_equal(p.srv.recv_n, 2);
	cp_chan_rx_free(&rx);
}

/* Flipping any bit of header, ciphertext or tag makes the frame fail. */
static void test_frame_forged_refused(void **state)
{
	uint8_t wire[128], bad[128];
	struct cp_chan_keys k;
	struct cp_chan_rx rx;
	struct pair p;
	size_t n, i, bit;

	(void)state;
	handshake(&p);
	n = seal(&p.cli, 0, "\x06", wire);
	cp_chan_rx_init(&rx, 1024);
	for (i = 0; i < n; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, wire, n);
			bad[i] ^= (uint8_t)(1u << bit);
			k = p.srv;
			assert_int_equal(open_wire(&k, bad, n, &rx), -EBADMSG);
			assert_int_equal(rx.len, 0);
		}
	}
	k = p.srv;
	assert_int_equal(open_wire(&k, wire, n, &rx), 0);
	cp_chan_rx_free(&rx);
}

/* The counter is implicit: a replayed, dropped or reordered frame fails. */
static void test_frame_out_of_order_refused(void **state)
{
	uint8_t f0[64], f1[64], f2[64];
	struct cp_chan_keys k;
	struct cp_chan_rx rx;
	struct pair p;
	size_t n0, n1, n2;

	(void)state;
	handshake(&p);
	n0 = seal(&p.cli, 0, "\x06", f0);
	n1 = seal(&p.cli, 0, "\x06", f1);
	n2 = seal(&p.cli, 0, "\x06", f2);
	cp_chan_rx_init(&rx, 1024);
	k = p.srv;
	assert_int_equal(open_wire(&k, f1, n1, &rx), -EBADMSG);   /* f0 skipped */
	k = p.srv;
	assert_int_equal(open_wire(&k, f0, n0, &rx), 0);
	cp_chan_rx_reset(&rx);
	assert_int_equal(open_wire(&k, f0, n0, &rx), -EBADMSG);   /* replayed */
	assert_int_equal(open_wire(&k, f2, n2, &rx), -EBADMSG);   /* f1 dropped */
	assert_int_equal(open_wire(&k, f1, n1, &rx), 0);
	cp_chan_rx_reset(&rx);
	assert_int_equal(open_wire(&k, f2, n2, &rx), 0);
	/* the other direction's key does not open it either */
	k = p.srv;
	memcpy(k.recv_key, p.srv.send_key, 32);
	cp_chan_rx_reset(&rx);
	assert_int_equal(open_wire(&k, f0, n0, &rx), -EBADMSG);
	cp_chan_rx_free(&rx);
}

static void test_frame_length_bounds(void **state)
{
	uint8_t hdr[4];
	size_t len;

	(void)state;
	cp_chan_frame_header(hdr, CP_CHAN_FRAME_MAX);
	assert_int_equal(cp_chan_frame_length(hdr, CP_CHAN_FRAME_MIN, CP_CHAN_FRAME_MAX, &len), 0);
	assert_int_equal(len, CP_CHAN_FRAME_MAX);
	cp_chan_frame_header(hdr, CP_CHAN_FRAME_MAX + 1);
	assert_int_equal(cp_chan_frame_length(hdr, CP_CHAN_FRAME_MIN, CP_CHAN_FRAME_MAX, &len),
			 -EMSGSIZE);
	cp_chan_frame_header(hdr, CP_CHAN_FRAME_MIN - 1);
	assert_int_equal(cp_chan_frame_length(hdr, CP_CHAN_FRAME_MIN, CP_CHAN_FRAME_MAX, &len),
			 -EMSGSIZE);
	memcpy(hdr, "\xff\xff\xff\xff", 4);
	assert_int_equal(cp_chan_frame_length(hdr, CP_CHAN_FRAME_MIN, CP_CHAN_FRAME_MAX, &len),
			 -EMSGSIZE);
	/* "GET " (an HTTP client on the wrong port) is a 1.2 GB frame: refused */
	memcpy(hdr, "GET ", 4);
	assert_int_equal(cp_chan_frame_length(hdr, CP_CHAN_FRAME_MIN, CP_CHAN_FRAME_MAX, &len),
			 -EMSGSIZE);
}

static void test_frame_bad_flags_and_oversized_message(void **state)
{
	uint8_t wire[128];
	struct cp_chan_keys k;
	struct cp_chan_rx rx;
	struct pair p;
	size_t n;

	(void)state;
	handshake(&p);
	cp_chan_rx_init(&rx, 16);
	k = p.srv;
	n = seal(&p.cli, 0x02, "\x06", wire);
	assert_int_equal(open_wire(&k, wire, n, &rx), -EBADMSG);
	/* 10 + 10 bytes into a 16-byte limit */
	n = seal(&p.cli, CP_CHAN_FLAG_MORE, "0123456789", wire);
	assert_int_equal(open_wire(&k, wire, n, &rx), 0);
	n = seal(&p.cli, 0, "0123456789", wire);
	assert_int_equal(open_wire(&k, wire, n, &rx), -EMSGSIZE);
	/* an empty message (no type byte) */
	cp_chan_rx_reset(&rx);
	n = seal(&p.cli, 0, "", wire);
	assert_int_equal(open_wire(&k, wire, n, &rx), -EBADMSG);
	/* a spent counter */
	p.cli.send_n = UINT64_MAX;
	assert_int_equal(cp_chan_seal_frame(&p.cli, 0, (const uint8_t *)"x", 1, wire), -EOVERFLOW);
	cp_chan_rx_free(&rx);
}

/* A message of several chunks through evbuffers, fed one byte at a time. */
static void test_io_chunked_message_bytewise(void **state)
{
	struct evbuffer *wire = evbuffer_new(), *in = evbuffer_new();
	json_t *body = json_object(), *got;
	enum cp_msg_type type;
	struct cp_chan_rx rx;
	struct pair p;
	size_t wire_len, sent = 0, n = 0;
	char *big = malloc(3 * CP_CHAN_CHUNK_MAX);
	uint8_t byte;
	int rc = 0;

	(void)state;
	handshake(&p);
	memset(big, 'a', 3 * CP_CHAN_CHUNK_MAX - 1);
	big[3 * CP_CHAN_CHUNK_MAX - 1] = '\0';
	json_object_set_new(body, "big", json_string(big));
	assert_int_equal(cp_io_send(wire, &p.srv, CP_MSG_SNAPSHOT, body, &sent), 0);
	wire_len = evbuffer_get_length(wire);
	assert_int_equal(wire_len, sent);
	assert_int_equal(p.srv.send_n, 4); /* 3 full chunks and the rest */
	cp_chan_rx_init(&rx, CP_CHAN_DOWN_MSG_MAX);
	while (evbuffer_remove(wire, &byte, 1) == 1) {
		evbuffer_add(in, &byte, 1);
		rc = cp_io_receive(in, &p.cli, &rx);
		assert_true(rc >= 0);
		n++;
		if (rc == 1)
			break;
	}
	assert_int_equal(rc, 1);
	assert_int_equal(n, wire_len);
	assert_int_equal(cp_msg_parse(rx.buf, rx.len, &type, &got), 0);
	assert_int_equal(type, CP_MSG_SNAPSHOT);
	assert_true(json_equal(got, body));
	json_decref(got);
	json_decref(body);
	cp_chan_rx_free(&rx);
	evbuffer_free(wire);
	evbuffer_free(in);
	free(big);
}

static void test_io_handshake_length_checked(void **state)
{
	struct evbuffer *b = evbuffer_new();
	uint8_t msg[CP_CHAN_INIT_LEN] = { 1 }, got[CP_CHAN_INIT_LEN];

	(void)state;
	assert_int_equal(cp_io_write_handshake(b, msg, CP_CHAN_RESP_LEN), 0);
	assert_int_equal(cp_io_read_handshake(b, got, CP_CHAN_INIT_LEN), -EMSGSIZE);
	evbuffer_drain(b, evbuffer_get_length(b));
	assert_int_equal(cp_io_write_handshake(b, msg, CP_CHAN_INIT_LEN), 0);
	evbuffer_drain(b, 1); /* now the header is garbage: its length is wrong */
	assert_int_equal(cp_io_read_handshake(b, got, CP_CHAN_INIT_LEN), -EMSGSIZE);
	evbuffer_drain(b, evbuffer_get_length(b));
	assert_int_equal(cp_io_write_handshake(b, msg, CP_CHAN_INIT_LEN), 0);
	evbuffer_drain(b, 0);
	assert_int_equal(cp_io_read_handshake(b, got, CP_CHAN_INIT_LEN), 1);
	assert_memory_equal(got, msg, sizeof(msg));
	evbuffer_free(b);
}

/* ---- messages ---------------------------------------------------------- */

static void test_msg_parse_refusals(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "", 0 },
		{ "\x00{}", 3 },
		{ "\x07{}", 3 },
		{ "\x06{}", 3 },           /* PING has no body */
		{ "\x01[]", 3 },           /* not an object */
		{ "\x01{\"a\":1,\"a\":2}", 15 },
		{ "\x01{", 2 },
		{ "\x01{} {}", 6 },
	};
	enum cp_msg_type type;
	json_t *body;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(cp_msg_parse((const uint8_t *)bad[i].bytes, bad[i].len, &type,
					      &body), -EBADMSG);
		assert_null(body);
	}
	assert_int_equal(cp_msg_parse((const uint8_t *)"\x06", 1, &type, &body), 0);
	assert_int_equal(type, CP_MSG_PING);
	assert_null(body);
}

static void test_hello_roundtrip_and_refusals(void **state)
{
	static const char *const bad[] = {
		"{\"revision\": 0}",
		"{\"name\": \"h\"}",
		"{\"name\": \"h\", \"revision\": -1}",
		"{\"name\": 7, \"revision\": 0}",
		"{\"name\": \"h\", \"revision\": 0, \"digest\": \"00\"}",
		"{\"name\": \"h\", \"revision\": 0, \"digest\": \"zz00000000000000000000000000"
		"000000000000000000000000000000000000\"}",
		"{\"name\": \"h\\u0000x\", \"revision\": 0}",
		"{\"name\": \"h\", \"revision\": 0, \"token\": \"tj1_0123456789012345678901234567"
		"89012345678901234567890123456789\"}",
		"{\"name\": \"h\", \"revision\": 0, \"endpoint\": []}",
	};
	struct cp_hello h = { .name = "host-1", .revision = 42, .has_digest = true,
			      .token = "tj1_abc", .endpoint = "192.0.2.1:51820" }, back;
	json_t *j;
	size_t i;

	(void)state;
	memset(h.digest, 0xab, sizeof(h.digest));
	j = cp_hello_to_json(&h);
	assert_non_null(j);
	assert_int_equal(cp_hello_from_json(j, &back), 0);
	assert_memory_equal(&back, &h, sizeof(h));
	json_decref(j);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
		assert_non_null(j);
		assert_int_equal(cp_hello_from_json(j, &back), -EBADMSG);
		json_decref(j);
	}
}

static void test_error_and_sync_messages(void **state)
{
	char msg[CP_MSG_ERROR_LEN];
	json_t *j = cp_error_msg("bad\ntoken", true);
	int64_t rev;
	bool refused = false;

	(void)state;
	assert_int_equal(cp_error_msg_parse(j, msg, &refused), 0);
	assert_true(refused);
	assert_string_equal(msg, "bad?token"); /* no control characters reach a log */
	json_decref(j);
	j = json_pack("{s:s}", "error", "x");
	assert_int_equal(cp_error_msg_parse(j, msg, &refused), -EBADMSG);
	json_decref(j);
	j = cp_sync_msg(77);
	assert_int_equal(cp_sync_msg_parse(j, &rev), 0);
	assert_int_equal(rev, 77);
	json_decref(j);
}

/* ---- views and deltas -------------------------------------------------- */

static json_t *host_obj(const char *name, int rev)
{
	return json_pack("{s:s, s:i, s:s}", "name", name, "revision", rev, "endpoint",
			 "192.0.2.1:51820");
}

static json_t *tenant_obj(const char *name, int ports)
{
	json_t *t = json_pack("{s:s, s:i, s:[], s:[], s:[]}", "name", name, "vni", 1, "subnets",
			      "ports", "routes");

	for (int i = 0; i < ports; i++)
		json_array_append_new(json_object_get(t, "ports"),
				      json_pack("{s:i, s:s}", "id", i, "host", "h1"));
	return t;
}

/* A view with peers p0..p(n-1) and tenants t0..: chosen by bit masks so
 * random views share some entries and differ in others. */
static json_t *random_view(int64_t rev, uint32_t peer_mask, uint32_t tenant_mask,
			   uint32_t flavour)
{
	json_t *v = json_pack("{s:I, s:o, s:[], s:[]}", "revision", (json_int_t)rev, "host",
			      host_obj("self", (int)(flavour & 1)), "peers", "tenants");
	char name[16];

	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "p%02d", i);
		if (peer_mask & (1u << i))
			json_array_append_new(json_object_get(v, "peers"),
					      host_obj(name, (int)((flavour >> i) & 1)));
	}
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "t%02d", i);
		if (tenant_mask & (1u << i))
			json_array_append_new(json_object_get(v, "tenants"),
					      tenant_obj(name, (int)((flavour >> (12 + i)) & 3)));
	}
	return v;
}

static json_t *rand_view(int64_t rev)
{
	return random_view(rev, (uint32_t)next_rand() & 0xfff, (uint32_t)next_rand() & 0xfff,
			   (uint32_t)next_rand());
}

static void assert_views_equal(const json_t *a, const json_t *b)
{
	if (!json_equal(a, b)) {
		char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);

		fail_msg("views differ:\n%s\n%s", sa, sb);
	}
}

/* Differential: for random pairs of views, applying the delta computed
 * from old's summary to a copy of old yields exactly new. */
static void test_delta_apply_random(void **state)
{
	struct cp_view_summary so, sn;
	json_t *old, *now, *copy, *delta;
	int round, sent = 0;

	(void)state;
	for (round = 0; round < 500; round++) {
		old = rand_view(round);
		now = round % 7 ? rand_view(round + 1) : json_deep_copy(old);
		if (round % 7 == 0)
			json_object_set_new(now, "revision", json_integer(round + 1));
		assert_int_equal(cp_view_summarize(old, &so), 0);
		assert_int_equal(cp_view_summarize(now, &sn), 0);
		assert_int_equal(cp_view_delta(&so, now, &sn, &delta), 0);
		copy = json_deep_copy(old);
		if (delta) {
			sent++;
			assert_int_equal(cp_view_apply(copy, delta), 0);
		} else {
			/* no delta: only the revision may differ */
			json_object_set(copy, "revision", json_object_get(now, "revision"));
		}
		assert_views_equal(copy, now);
		assert_int_equal(cp_view_check(copy), 0);
		json_decref(delta);
		json_decref(copy);
		json_decref(old);
		json_decref(now);
		cp_view_summary_free(&so);
		cp_view_summary_free(&sn);
	}
	assert_true(sent > 300);
}

/* The delta carries only what changed. */
static void test_delta_is_minimal(void **state)
{
	json_t *old = random_view(1, 0x3, 0x3, 0), *now = random_view(2, 0x6, 0x3, 1u << 12);
	struct cp_view_summary so, sn;
	json_t *delta;

	(void)state;
	/* peers: p00 gone, p02 new, p01 same; tenants: t00 changed, t01 same;
	 * host: revision bit 0 of flavour -> unchanged (0 both) */
	json_object_set_new(json_object_get(now, "host"), "revision", json_integer(0));
	assert_int_equal(cp_view_summarize(old, &so), 0);
	assert_int_equal(cp_view_summarize(now, &sn), 0);
	assert_int_equal(cp_view_delta(&so, now, &sn, &delta), 0);
	assert_non_null(delta);
	assert_null(json_object_get(delta, "host"));
	assert_int_equal(json_integer_value(json_object_get(delta, "from")), 1);
	assert_int_equal(json_integer_value(json_object_get(delta, "revision")), 2);
	assert_int_equal(json_array_size(json_object_get(json_object_get(delta, "peers"), "set")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
		json_object_get(delta, "peers"), "set"), 0), "name")), "p02");
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(
		delta, "peers"), "removed"), 0)), "p00");
	assert_int_equal(json_array_size(json_object_get(json_object_get(delta, "tenants"), "set")),
			 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(delta, "tenants"),
							 "removed")), 0);
	assert_true(cp_view_summary_has_tenant(&so, "t01"));
	assert_false(cp_view_summary_has_tenant(&so, "t02"));
	assert_true(cp_view_summary_has_peer(&sn, "p02"));
	assert_false(cp_view_summary_has_peer(&sn, "p00"));
	json_decref(delta);
	json_decref(old);
	json_decref(now);
	cp_view_summary_free(&so);
	cp_view_summary_free(&sn);
}

/* A delta that does not fit the view is refused and leaves it untouched. */
static void test_delta_apply_refusals(void **state)
{
	static const char *const bad[] = {
		"{\"from\": 4, \"revision\": 6}",
		"{\"from\": 5, \"revision\": 4}",
		"{\"from\": 5}",
		"{\"from\": 5, \"revision\": 6, \"peers\": {\"set\": [], \"removed\": [\"nope\"]}}",
		"{\"from\": 5, \"revision\": 6, \"peers\": {\"set\": [{\"name\": \"p01\"}], "
		"\"removed\": [\"p01\"]}}",
		"{\"from\": 5, \"revision\": 6, \"peers\": {\"set\": [{\"name\": \"x\"}, "
		"{\"name\": \"x\"}], \"removed\": []}}",
		"{\"from\": 5, \"revision\": 6, \"peers\": {\"set\": [{\"nom\": \"x\"}], "
		"\"removed\": []}}",
		"{\"from\": 5, \"revision\": 6, \"peers\": {\"set\": []}}",
		"{\"from\": 5, \"revision\": 6, \"tenants\": {\"set\": [{\"name\": \"t09\"}], "
		"\"removed\": []}}",
		"{\"from\": 5, \"revision\": 6, \"tenants\": {\"set\": [], \"removed\": [3]}}",
		"{\"from\": 5, \"revision\": 6, \"host\": {\"id\": 1}}",
		"{\"from\": 5, \"revision\": 6, \"peers\": {\"set\": [{\"name\": \"\"}], "
		"\"removed\": []}}",
	};
	json_t *view = random_view(5, 0x3, 0x3, 0), *copy = json_deep_copy(view), *d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d = json_loads(bad[i], 0, NULL);
		assert_non_null(d);
		assert_int_equal(cp_view_apply(view, d), -EBADMSG);
		assert_views_equal(view, copy);
		json_decref(d);
	}
	d = json_loads("{\"from\": 5, \"revision\": 9, \"peers\": {\"set\": [{\"name\": \"p00a\"}],"
		       " \"removed\": [\"p00\"]}}", 0, NULL);
	assert_int_equal(cp_view_apply(view, d), 0);
	assert_int_equal(json_integer_value(json_object_get(view, "revision")), 9);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(view,
		"peers"), 0), "name")), "p00a");
	assert_int_equal(cp_view_check(view), 0);
	json_decref(d);
	json_decref(view);
	json_decref(copy);
}

static void test_view_check_and_digest(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"host\": {\"name\": \"h\"}, \"peers\": [], \"tenants\": []}",
		"{\"revision\": -1, \"host\": {\"name\": \"h\"}, \"peers\": [], \"tenants\": []}",
		"{\"revision\": 1, \"host\": {}, \"peers\": [], \"tenants\": []}",
		"{\"revision\": 1, \"host\": {\"name\": \"h\"}, \"peers\": [{\"name\": \"b\"}, "
		"{\"name\": \"a\"}], \"tenants\": []}",
		"{\"revision\": 1, \"host\": {\"name\": \"h\"}, \"peers\": [{\"name\": \"a\"}, "
		"{\"name\": \"a\"}], \"tenants\": []}",
		"{\"revision\": 1, \"host\": {\"name\": \"h\"}, \"peers\": [], \"tenants\": "
		"[{\"name\": \"t\", \"subnets\": [], \"ports\": []}]}",
		"{\"revision\": 1, \"host\": {\"name\": \"h\"}, \"peers\": {}, \"tenants\": []}",
	};
	uint8_t d1[CP_VIEW_DIGEST_LEN], d2[CP_VIEW_DIGEST_LEN];
	json_t *a = random_view(3, 0x5, 0x9, 7), *b = json_deep_copy(a), *j;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		assert_int_equal(cp_view_check(j), -EBADMSG);
		assert_int_equal(cp_view_digest(j, d1), -EBADMSG);
		json_decref(j);
	}
	assert_int_equal(cp_view_digest(a, d1), 0);
	json_object_set_new(b, "revision", json_integer(99));
	assert_int_equal(cp_view_digest(b, d2), 0);
	assert_memory_equal(d1, d2, sizeof(d1)); /* the revision is not content */
	json_object_set_new(json_object_get(b, "host"), "endpoint", json_string("192.0.2.9:1"));
	assert_int_equal(cp_view_digest(b, d2), 0);
	assert_memory_not_equal(d1, d2, sizeof(d1));
	json_decref(a);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_agrees_on_keys),
		cmocka_unit_test(test_handshake_wrong_controller_key_refused),
		cmocka_unit_test(test_handshake_flipped_initiation_refused),
		cmocka_unit_test(test_handshake_flipped_response_refused),
		cmocka_unit_test(test_handshake_replay_refused),
		cmocka_unit_test(test_frame_roundtrip),
		cmocka_unit_test(test_frame_forged_refused),
		cmocka_unit_test(test_frame_out_of_order_refused),
		cmocka_unit_test(test_frame_length_bounds),
		cmocka_unit_test(test_frame_bad_flags_and_oversized_message),
		cmocka_unit_test(test_io_chunked_message_bytewise),
		cmocka_unit_test(test_io_handshake_length_checked),
		cmocka_unit_test(test_msg_parse_refusals),
		cmocka_unit_test(test_hello_roundtrip_and_refusals),
		cmocka_unit_test(test_error_and_sync_messages),
		cmocka_unit_test(test_delta_apply_random),
		cmocka_unit_test(test_delta_is_minimal),
		cmocka_unit_test(test_delta_apply_refusals),
		cmocka_unit_test(test_view_check_and_digest),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
