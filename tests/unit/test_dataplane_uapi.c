/* The UAPI: set-request parsing (every key, a numbered table of malformed
 * lines with their errno), the connection state machine, get formatting in
 * wireguard-go's exact order, and the semantics of set requests applied to a
 * memory-only agent (update_only, remove, replace_peers, replace_allowed_ips,
 * our own key, atomicity of a bad request).
 *
 * Keys are fixed literals made with wg genkey / wg pubkey, in hex. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <sodium.h>

#include "dataplane/agent.h"
#include "dataplane/uapi.h"
#include "dataplane/uapi_proto.h"
#include "tunnel/key.h"

#define PRIV1_HEX "d02e81ae065672c33d8c7752a6cfb4de5ed69a40be48fa6a4ffc8911b62a165e"
#define PUB1_HEX  "3e3d6f955a001c1e5dd920404d7106287e74bffa06212d1ac8caebedb4b0ec31"
#define PRIV2_HEX "9081d9e870e45dbfbd5cd58d628c2fdc7cd2a14c3d7d5eec4bdafeb8e40bae5d"
#define PUB2_HEX  "005a88fa2dbe0ade6c98497dfae8b420eba88fc0564be30d5a329ce148fb5b66"
#define PUB3_HEX  "e13ef23c8cdb11907b9fa4b5ee11b1001f3c6f65e3c8444d9669f9b8e725e81c"
#define PSK_HEX   "d462968ce7c212f43bc22d99e56d829abe9a42e5232671bd8371835e24ba3c23"
#define ZERO_HEX  "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- helpers ------------------------------------------------------------ */

static int parse_text(struct uapi_set *s, const char *text)
{
	const char *p = text, *nl;

	uapi_set_init(s);
	while ((nl = strchr(p, '\n'))) {
		uapi_set_add_line(s, p, (size_t)(nl - p));
		p = nl + 1;
	}
	return s->error;
}

struct conn_result {
	char *out;
	bool closed;
};

/* Feeds text to a fresh connection of agent a, as the server would. */
static struct conn_result converse(struct agent *a, const char *text)
{
	struct conn_result r = { NULL, false };
	struct uapi_session s;
	struct uapi_buf out;
	const char *p = text, *nl;

	uapi_session_init(&s);
	uapi_buf_init(&out);
	while (!r.closed && (nl = strchr(p, '\n'))) {
		r.closed = !uapi_handle_line(a, &s, p, (size_t)(nl - p), &out);
		p = nl + 1;
	}
	if (!r.closed)
		uapi_handle_eof(a, &s, &out);
	assert_false(out.failed);
	r.out = strndup(out.data ? out.data : "", out.len);
	uapi_buf_free(&out);
	uapi_session_free(&s);
	return r;
}

/* The response to one request; asserts the connection stayed open. */
static char *ask(struct agent *a, const char *text)
{
	struct conn_result r = converse(a, text);

	assert_false(r.closed);
	return r.out;
}

static void assert_answer(struct agent *a, const char *request, const char *expected)
{
	char *got = ask(a, request);

	assert_string_equal(got, expected);
	free(got);
}

static struct agent *new_agent(void)
{
	struct agent *a;

	assert_int_equal(agent_create("h4test0", &a), 0);
	return a;
}

static void key_from_hex(uint8_t key[32], const char *hex)
{
	assert_true(wg_key_from_hex(key, hex));
}

static struct wg_peer *lookup(struct agent *a, const char *pub_hex)
{
	uint8_t key[32];

	key_from_hex(key, pub_hex);
	return wg_peer_lookup(a->dev, key);
}

static size_t peer_count(struct agent *a)
{
	size_t n = 0;

	for (struct wg_peer *p = wg_device_first_peer(a->dev); p; p = wg_peer_next(p))
		n++;
	return n;
}

static struct wg_peer *route_of(struct agent *a, const char *addr)
{
	uint8_t buf[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, buf), 1);
	return lpm_lookup(a->allowed, family, buf);
}

/* ---- parsing ------------------------------------------------------------ */

static void test_parse_every_key(void **state)
{
	struct uapi_set s;
	const char *req =
		"private_key=" PRIV1_HEX "\n"
		"listen_port=51820\n"
		"fwmark=4294967295\n"
		"replace_peers=true\n"
		"public_key=" PUB2_HEX "\n"
		"update_only=true\n"
		"remove=true\n"
		"preshared_key=" PSK_HEX "\n"
		"endpoint=192.0.2.1:51821\n"
		"persistent_keepalive_interval=65535\n"
		"replace_allowed_ips=true\n"
		"allowed_ip=10.1.2.3/16\n"
		"protocol_version=1\n";
	uint8_t key[32];

	(void)state;
	assert_int_equal(parse_text(&s, req), 0);
	assert_int_equal(s.n_ops, 13);
	assert_int_equal(s.ops[0].kind, UAPI_OP_PRIVATE_KEY);
	key_from_hex(key, PRIV1_HEX);
	assert_memory_equal(s.ops[0].u.key, key, 32);
	assert_int_equal(s.ops[1].kind, UAPI_OP_LISTEN_PORT);
	assert_int_equal(s.ops[1].u.port, 51820);
	assert_int_equal(s.ops[2].u.fwmark, 4294967295u);
	assert_int_equal(s.ops[3].kind, UAPI_OP_REPLACE_PEERS);
	assert_int_equal(s.ops[4].kind, UAPI_OP_PUBLIC_KEY);
	assert_int_equal(s.ops[5].kind, UAPI_OP_UPDATE_ONLY);
	assert_int_equal(s.ops[6].kind, UAPI_OP_REMOVE);
	assert_int_equal(s.ops[7].kind, UAPI_OP_PRESHARED_KEY);
	assert_int_equal(s.ops[8].kind, UAPI_OP_ENDPOINT);
	assert_int_equal(s.ops[8].u.ep.ep.addr.sa.sa_family, AF_INET);
	assert_int_equal(ntohs(s.ops[8].u.ep.ep.addr.in4.sin_port), 51821);
	assert_int_equal(s.ops[9].u.keepalive, 65535);
	assert_int_equal(s.ops[10].kind, UAPI_OP_REPLACE_ALLOWED_IPS);
	assert_int_equal(s.ops[11].kind, UAPI_OP_ALLOWED_IP);
	assert_int_equal(s.ops[11].u.prefix.plen, 16);
	assert_int_equal(s.ops[12].kind, UAPI_OP_PROTOCOL_VERSION);
	uapi_set_clear(&s);
	assert_null(s.ops);
}

struct bad_case {
	const char *request;  /* whole body, newline-terminated lines */
	int err;
};

static const struct bad_case bad_cases[] = {
	/*  0 */ { "listen_port\n", -EPROTO },
	/*  1 */ { "no_such_key=1\n", -EINVAL },
	/*  2 */ { "listen_port=65536\n", -EINVAL },
	/*  3 */ { "listen_port=-1\n", -EINVAL },
	/*  4 */ { "listen_port=\n", -EINVAL },
	/*  5 */ { "listen_port= 1\n", -EINVAL },
	/*  6 */ { "listen_port=0x10\n", -EINVAL },
	/*  7 */ { "fwmark=4294967296\n", -EINVAL },
	/*  8 */ { "private_key=zz\n", -EINVAL },
	/*  9 */ { "private_key=" PRIV1_HEX "0\n", -EINVAL },
	/* 10 */ { "replace_peers=false\n", -EINVAL },
	/* 11 */ { "endpoint=192.0.2.1:1\n", -EINVAL },            /* peer key before public_key */
	/* 12 */ { "public_key=" PUB2_HEX "\nlisten_port=1\n", -EINVAL }, /* device key in a peer */
	/* 13 */ { "public_key=" PUB2_HEX "\nendpoint=192.0.2.1\n", -EINVAL },
	/* 14 */ { "public_key=" PUB2_HEX "\nendpoint=[2001:db8::1]\n", -EINVAL },
	/* 15 */ { "public_key=" PUB2_HEX "\nendpoint=2001:db8::1:80\n", -EINVAL },
	/* 16 */ { "public_key=" PUB2_HEX "\nendpoint=[192.0.2.1]:80\n", -EINVAL },
	/* 17 */ { "public_key=" PUB2_HEX "\nendpoint=192.0.2.1:65536\n", -EINVAL },
	/* 18 */ { "public_key=" PUB2_HEX "\nendpoint=example.com:80\n", -EINVAL },
	/* 19 */ { "public_key=" PUB2_HEX "\nendpoint=[fe80::1%a/b]:80\n", -EINVAL },
	/* 20 */ { "public_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/33\n", -EINVAL },
	/* 21 */ { "public_key=" PUB2_HEX "\nallowed_ip=10.0.0.0\n", -EINVAL },
	/* 22 */ { "public_key=" PUB2_HEX "\nallowed_ip=2001:db8::/129\n", -EINVAL },
	/* 23 */ { "public_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/\n", -EINVAL },
	/* 24 */ { "public_key=" PUB2_HEX "\nallowed_ip=fe80::1%1/64\n", -EINVAL },
	/* 25 */ { "public_key=" PUB2_HEX "\nprotocol_version=2\n", -EINVAL },
	/* 26 */ { "public_key=" PUB2_HEX "\npersistent_keepalive_interval=65536\n", -EINVAL },
	/* 27 */ { "public_key=" PUB2_HEX "\nremove=1\n", -EINVAL },
	/* 28 */ { "public_key=" PUB2_HEX "\npreshared_key=" PSK_HEX "x\n", -EINVAL },
	/* 29 */ { "public_key=\n", -EINVAL },
	/* 30 */ { "Listen_port=1\n", -EINVAL },
	/* 31 */ { "listen_port=1 \n", -EINVAL },
	/* 32 */ { "listen_port=1\r\n", -EINVAL },
};

static void test_parse_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct uapi_set s;
		int err = parse_text(&s, bad_cases[i].request);

		if (err != bad_cases[i].err)
			fail_msg("case %zu: got %d, want %d (%s)", i, err, bad_cases[i].err, s.why);
		assert_true(s.why[0] != '\0');
		uapi_set_clear(&s);
	}
}

static void test_parse_keeps_secrets_out_of_messages(void **state)
{
	struct uapi_set s;

	(void)state;
	parse_text(&s, "private_key=" PRIV1_HEX "00\n");
	assert_int_equal(s.error, -EINVAL);
	assert_null(strstr(s.why, "d02e81ae"));
	assert_non_null(strstr(s.why, "private_key"));
	uapi_set_clear(&s);
}

static void test_parse_nul_and_long_lines(void **state)
{
	char line[UAPI_LINE_MAX + 2];
	struct uapi_set s;

	(void)state;
	uapi_set_init(&s);
	assert_int_equal(uapi_set_add_line(&s, "fwmark=1\0", 9), -EPROTO);
	uapi_set_clear(&s);

	memset(line, '1', sizeof(line));
	memcpy(line, "fwmark=", 7);
	uapi_set_init(&s);
	assert_int_equal(uapi_set_add_line(&s, line, UAPI_LINE_MAX + 1), -EPROTO);
	uapi_set_clear(&s);
}

static void test_parse_first_error_wins(void **state)
{
	struct uapi_set s;

	(void)state;
	parse_text(&s, "listen_port=1\nbogus\nnope=1\nlisten_port=2\n");
	assert_int_equal(s.error, -EPROTO);
	assert_int_equal(s.n_ops, 1);
	uapi_set_clear(&s);
}

static void test_parse_request_size_limit(void **state)
{
	const char *line = "fwmark=1";
	struct uapi_set s;
	size_t lines = UAPI_REQUEST_MAX / (strlen(line) + 1);

	(void)state;
	uapi_set_init(&s);
	for (size_t i = 0; i < lines; i++)
		assert_int_equal(uapi_set_add_line(&s, line, strlen(line)), 0);
	assert_int_equal(uapi_set_add_line(&s, line, strlen(line)), -EPROTO);
	uapi_set_clear(&s);
}

static const struct uapi_op *one_peer_op(struct uapi_set *s, const char *line)
{
	char req[256];

	snprintf(req, sizeof(req), "public_key=%s\n%s\n", PUB2_HEX, line);
	if (parse_text(s, req))
		fail_msg("\"%s\" refused: %s", line, s->why);
	assert_int_equal(s->n_ops, 2);
	return &s->ops[1];
}

static void test_parse_endpoint_forms(void **state)
{
	struct uapi_set s;
	const struct uapi_op *op;
	uint8_t v6[16];

	(void)state;
	op = one_peer_op(&s, "endpoint=192.0.2.1:51820");
	assert_int_equal(op->u.ep.ep.addr.sa.sa_family, AF_INET);
	assert_int_equal(ntohl(op->u.ep.ep.addr.in4.sin_addr.s_addr), 0xc0000201);
	uapi_set_clear(&s);

	op = one_peer_op(&s, "endpoint=[2001:db8::1]:51820");
	assert_int_equal(op->u.ep.ep.addr.sa.sa_family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::1", v6);
	assert_memory_equal(op->u.ep.ep.addr.in6.sin6_addr.s6_addr, v6, 16);
	assert_int_equal(ntohs(op->u.ep.ep.addr.in6.sin6_port), 51820);
	uapi_set_clear(&s);

	/* v4-mapped becomes plain IPv4, as the socket layer reports it */
	op = one_peer_op(&s, "endpoint=[::ffff:192.0.2.7]:9");
	assert_int_equal(op->u.ep.ep.addr.sa.sa_family, AF_INET);
	assert_int_equal(ntohl(op->u.ep.ep.addr.in4.sin_addr.s_addr), 0xc0000207);
	assert_int_equal(ntohs(op->u.ep.ep.addr.in4.sin_port), 9);
	uapi_set_clear(&s);

	op = one_peer_op(&s, "endpoint=[fe80::1%7]:5");
	assert_int_equal(op->u.ep.ep.addr.in6.sin6_scope_id, 7);
	assert_string_equal(op->u.ep.zone, "");
	uapi_set_clear(&s);

	op = one_peer_op(&s, "endpoint=[fe80::1%eth0]:5");
	assert_string_equal(op->u.ep.zone, "eth0");
	uapi_set_clear(&s);
}

static void test_parse_prefix_clears_host_bits(void **state)
{
	struct uapi_set s;
	const struct uapi_op *op;
	uint8_t want[16];

	(void)state;
	op = one_peer_op(&s, "allowed_ip=10.1.2.3/8");
	assert_int_equal(op->u.prefix.family, AF_INET);
	inet_pton(AF_INET, "10.0.0.0", want);
	assert_memory_equal(op->u.prefix.addr, want, 4);
	uapi_set_clear(&s);

	op = one_peer_op(&s, "allowed_ip=2001:db8:ffff::1/33");
	assert_int_equal(op->u.prefix.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8:8000::", want);
	assert_memory_equal(op->u.prefix.addr, want, 16);
	assert_int_equal(op->u.prefix.plen, 33);
	uapi_set_clear(&s);

	op = one_peer_op(&s, "allowed_ip=255.255.255.255/0");
	memset(want, 0, sizeof(want));
	assert_memory_equal(op->u.prefix.addr, want, 4);
	uapi_set_clear(&s);
}

/* Formatting every parsed op and parsing it again gives the same ops. */
static void test_format_op_round_trip(void **state)
{
	const char *req =
		"private_key=" PRIV1_HEX "\nlisten_port=0\nfwmark=7\nreplace_peers=true\n"
		"public_key=" PUB2_HEX "\nupdate_only=true\npreshared_key=" ZERO_HEX "\n"
		"endpoint=[fe80::1%eth0]:1\nendpoint=[fe80::2%9]:2\nendpoint=203.0.113.9:65535\n"
		"persistent_keepalive_interval=0\nreplace_allowed_ips=true\nallowed_ip=::/0\n"
		"allowed_ip=192.0.2.0/24\nprotocol_version=1\nremove=true\n";
	struct uapi_set a, b;
	struct uapi_buf text;

	(void)state;
	assert_int_equal(parse_text(&a, req), 0);
	uapi_buf_init(&text);
	for (size_t i = 0; i < a.n_ops; i++)
		uapi_format_op(&text, &a.ops[i]);
	uapi_buf_printf(&text, "%s", "");
	assert_false(text.failed);
	assert_string_equal(text.data, req);
	assert_int_equal(parse_text(&b, text.data), 0);
	assert_int_equal(b.n_ops, a.n_ops);
	assert_memory_equal(b.ops, a.ops, a.n_ops * sizeof(*a.ops));
	uapi_buf_free(&text);
	uapi_set_clear(&a);
	uapi_set_clear(&b);
}

/* ---- connection state ---------------------------------------------------- */

static enum uapi_action feed(struct uapi_session *s, const char *line)
{
	return uapi_session_feed(s, line, strlen(line));
}

static void test_session_state_machine(void **state)
{
	struct uapi_session s;

	(void)state;
	uapi_session_init(&s);
	assert_int_equal(feed(&s, "get=1"), UAPI_ACT_NONE);
	assert_int_equal(feed(&s, ""), UAPI_ACT_GET);
	assert_int_equal(feed(&s, "stats=1"), UAPI_ACT_NONE);
	assert_int_equal(feed(&s, ""), UAPI_ACT_STATS);
	/* get=1 must be followed by the empty line (wireguard-go: -EINVAL) */
	assert_int_equal(feed(&s, "get=1"), UAPI_ACT_NONE);
	assert_int_equal(feed(&s, "x"), UAPI_ACT_ERRNO);
	assert_int_equal(s.reply_errno, -EINVAL);
	assert_int_equal(feed(&s, "set=1"), UAPI_ACT_NONE);
	assert_int_equal(feed(&s, "listen_port=5"), UAPI_ACT_NONE);
	assert_int_equal(feed(&s, ""), UAPI_ACT_SET);
	assert_int_equal(s.set.n_ops, 1);
	uapi_session_done(&s);
	assert_int_equal(s.set.n_ops, 0);
	/* an unterminated set at end of input is still applied */
	assert_int_equal(feed(&s, "set=1"), UAPI_ACT_NONE);
	assert_int_equal(uapi_session_eof(&s), UAPI_ACT_SET);
	uapi_session_done(&s);
	assert_int_equal(uapi_session_eof(&s), UAPI_ACT_CLOSE);
	/* anything else is not the protocol */
	assert_int_equal(feed(&s, "get=2"), UAPI_ACT_CLOSE);
	assert_int_equal(feed(&s, ""), UAPI_ACT_CLOSE);
	uapi_session_free(&s);
}

/* ---- formatting ---------------------------------------------------------- */

static void test_format_peer_exact(void **state)
{
	struct uapi_peer_view v;
	struct uapi_buf b;

	(void)state;
	memset(&v, 0, sizeof(v));
	key_from_hex(v.public_key, PUB2_HEX);
	v.endpoint.addr.in6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::9", &v.endpoint.addr.in6.sin6_addr);
	v.endpoint.addr.in6.sin6_port = htons(51820);
	v.last_handshake_ns = 1700000000123456789ULL;
	v.tx_bytes = 18446744073709551615ULL;
	v.rx_bytes = 92;
	v.persistent_keepalive = 25;
	uapi_buf_init(&b);
	uapi_format_interface(&b, NULL, 0, 0);
	assert_int_equal(b.len, 0);
	uapi_format_peer(&b, &v);
	uapi_format_allowed_ip(&b, AF_INET, (const uint8_t[]){ 10, 0, 0, 0 }, 8);
	uapi_format_errno(&b, 0);
	assert_string_equal(b.data,
			    "public_key=" PUB2_HEX "\n"
			    "preshared_key=" ZERO_HEX "\n"
			    "protocol_version=1\n"
			    "endpoint=[2001:db8::9]:51820\n"
			    "last_handshake_time_sec=1700000000\n"
			    "last_handshake_time_nsec=123456789\n"
			    "tx_bytes=18446744073709551615\n"
			    "rx_bytes=92\n"
			    "persistent_keepalive_interval=25\n"
			    "allowed_ip=10.0.0.0/8\n"
			    "errno=0\n\n");
	uapi_buf_free(&b);
}

static void test_format_endpoint(void **state)
{
	struct wg_endpoint ep;
	char out[64];

	(void)state;
	memset(&ep, 0, sizeof(ep));
	assert_false(uapi_format_endpoint(out, sizeof(out), &ep));
	ep.addr.in4.sin_family = AF_INET;
	ep.addr.in4.sin_port = htons(1);
	ep.addr.in4.sin_addr.s_addr = htonl(0x7f000001);
	assert_true(uapi_format_endpoint(out, sizeof(out), &ep));
	assert_string_equal(out, "127.0.0.1:1");
	assert_false(uapi_format_endpoint(out, 8, &ep));
	memset(&ep, 0, sizeof(ep));
	ep.addr.in6.sin6_family = AF_INET6;
	ep.addr.in6.sin6_port = htons(65535);
	inet_pton(AF_INET6, "fe80::1", &ep.addr.in6.sin6_addr);
	ep.addr.in6.sin6_scope_id = 3;
	assert_true(uapi_format_endpoint(out, sizeof(out), &ep));
	assert_string_equal(out, "[fe80::1%3]:65535");
}

/* ---- requests applied to an agent ---------------------------------------- */

static void test_set_then_get_exact(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	assert_answer(a, "get=1\n\n", "errno=0\n\n");
	assert_answer(a,
		      "set=1\n"
		      "private_key=" PRIV1_HEX "\n"
		      "listen_port=51820\n"
		      "fwmark=66\n"
		      "public_key=" PUB2_HEX "\n"
		      "preshared_key=" PSK_HEX "\n"
		      "endpoint=192.0.2.1:51821\n"
		      "persistent_keepalive_interval=25\n"
		      "allowed_ip=10.1.0.0/16\n"
		      "allowed_ip=2001:db8::/64\n"
		      "allowed_ip=10.2.3.4/32\n"
		      "\n",
		      "errno=0\n\n");
	assert_answer(a, "get=1\n\n",
		      "private_key=" PRIV1_HEX "\n"
		      "listen_port=51820\n"
		      "fwmark=66\n"
		      "public_key=" PUB2_HEX "\n"
		      "preshared_key=" PSK_HEX "\n"
		      "protocol_version=1\n"
		      "endpoint=192.0.2.1:51821\n"
		      "last_handshake_time_sec=0\n"
		      "last_handshake_time_nsec=0\n"
		      "tx_bytes=0\n"
		      "rx_bytes=0\n"
		      "persistent_keepalive_interval=25\n"
		      "allowed_ip=10.1.0.0/16\n"
		      "allowed_ip=10.2.3.4/32\n"
		      "allowed_ip=2001:db8::/64\n"
		      "errno=0\n\n");
	/* a zero preshared key clears it; fwmark 0 is not reported */
	assert_answer(a, "set=1\nfwmark=0\npublic_key=" PUB2_HEX "\npreshared_key=" ZERO_HEX "\n\n",
		      "errno=0\n\n");
	{
		char *got = ask(a, "get=1\n\n");

		assert_non_null(strstr(got, "preshared_key=" ZERO_HEX "\n"));
		assert_null(strstr(got, "fwmark"));
		free(got);
	}
	agent_destroy(a);
}

static void test_update_only(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	/* update_only on an unknown peer creates nothing */
	assert_answer(a, "set=1\npublic_key=" PUB2_HEX "\nupdate_only=true\nallowed_ip=10.0.0.0/8\n\n",
		      "errno=0\n\n");
	assert_int_equal(peer_count(a), 0);
	assert_int_equal(lpm_count(a->allowed), 0);
	/* ...and updates a known one */
	assert_answer(a, "set=1\npublic_key=" PUB2_HEX "\n\n", "errno=0\n\n");
	assert_answer(a, "set=1\npublic_key=" PUB2_HEX "\nupdate_only=true\nallowed_ip=10.0.0.0/8\n\n",
		      "errno=0\n\n");
	assert_int_equal(peer_count(a), 1);
	assert_ptr_equal(route_of(a, "10.9.9.9"), lookup(a, PUB2_HEX));
	agent_destroy(a);
}

static void test_remove_takes_allowed_ips(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	assert_answer(a,
		      "set=1\npublic_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/8\n"
		      "public_key=" PUB3_HEX "\nallowed_ip=192.168.0.0/16\n\n",
		      "errno=0\n\n");
	assert_int_equal(peer_count(a), 2);
	/* lines after remove in the same section are ignored */
	assert_answer(a, "set=1\npublic_key=" PUB2_HEX "\nremove=true\nallowed_ip=172.16.0.0/12\n\n",
		      "errno=0\n\n");
	assert_int_equal(peer_count(a), 1);
	assert_null(lookup(a, PUB2_HEX));
	assert_null(route_of(a, "10.1.1.1"));
	assert_null(route_of(a, "172.16.0.1"));
	assert_non_null(route_of(a, "192.168.1.1"));
	/* removing an unknown peer is not an error */
	assert_answer(a, "set=1\npublic_key=" PUB2_HEX "\nremove=true\n\n", "errno=0\n\n");
	assert_int_equal(peer_count(a), 1);
	agent_destroy(a);
}

static void test_replace_peers_and_allowed_ips(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	assert_answer(a,
		      "set=1\npublic_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/8\nallowed_ip=10.5.0.0/16\n"
		      "public_key=" PUB3_HEX "\nallowed_ip=192.168.0.0/16\n\n",
		      "errno=0\n\n");
	assert_answer(a, "set=1\npublic_key=" PUB2_HEX "\nreplace_allowed_ips=true\nallowed_ip=10.7.0.0/16\n\n",
		      "errno=0\n\n");
	assert_null(route_of(a, "10.5.1.1"));
	assert_ptr_equal(route_of(a, "10.7.1.1"), lookup(a, PUB2_HEX));
	assert_int_equal(lpm_count(a->allowed), 2);

	assert_answer(a, "set=1\nreplace_peers=true\npublic_key=" PUB3_HEX "\nallowed_ip=::/0\n\n",
		      "errno=0\n\n");
	assert_int_equal(peer_count(a), 1);
	assert_null(lookup(a, PUB2_HEX));
	/* PUB3's earlier allowed IPs went with the old peer object */
	assert_null(route_of(a, "192.168.1.1"));
	assert_ptr_equal(route_of(a, "2001:db8::1"), lookup(a, PUB3_HEX));
	assert_int_equal(lpm_count(a->allowed), 1);
	agent_destroy(a);
}

static void test_allowed_ip_moves_to_latest_peer(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	assert_answer(a,
		      "set=1\npublic_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/24\n"
		      "public_key=" PUB3_HEX "\nallowed_ip=10.0.0.0/24\n\n",
		      "errno=0\n\n");
	assert_ptr_equal(route_of(a, "10.0.0.1"), lookup(a, PUB3_HEX));
	assert_int_equal(lpm_count(a->allowed), 1);
	agent_destroy(a);
}

static void test_own_key_is_ignored(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	assert_answer(a, "set=1\nprivate_key=" PRIV1_HEX "\npublic_key=" PUB1_HEX "\nallowed_ip=10.0.0.0/8\n"
		      "public_key=" PUB2_HEX "\nallowed_ip=192.168.0.0/16\n\n",
		      "errno=0\n\n");
	assert_int_equal(peer_count(a), 1);
	assert_null(lookup(a, PUB1_HEX));
	assert_null(route_of(a, "10.1.1.1"));
	assert_non_null(route_of(a, "192.168.1.1"));
	agent_destroy(a);
}

/* A peer whose key becomes our own public key is removed with its routes. */
static void test_new_identity_removes_that_peer(void **state)
{
	struct agent *a = new_agent();

	(void)state;
	assert_answer(a, "set=1\nprivate_key=" PRIV1_HEX "\npublic_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/8\n\n",
		      "errno=0\n\n");
	assert_answer(a, "set=1\nprivate_key=" PRIV2_HEX "\n\n", "errno=0\n\n");
	assert_int_equal(peer_count(a), 0);
	assert_int_equal(lpm_count(a->allowed), 0);
	/* an all-zero private key removes the identity */
	assert_answer(a, "set=1\nprivate_key=" ZERO_HEX "\n\n", "errno=0\n\n");
	assert_answer(a, "get=1\n\n", "errno=0\n\n");
	agent_destroy(a);
}

/* A bad line anywhere rejects the whole request: nothing before it applies. */
static void test_bad_request_changes_nothing(void **state)
{
	struct agent *a = new_agent();
	char *before, *after;

	(void)state;
	assert_answer(a, "set=1\nprivate_key=" PRIV1_HEX "\nlisten_port=1000\n"
		      "public_key=" PUB2_HEX "\nallowed_ip=10.0.0.0/8\n\n",
		      "errno=0\n\n");
	before = ask(a, "get=1\n\n");
	assert_answer(a, "set=1\nprivate_key=" ZERO_HEX "\nlisten_port=2000\nreplace_peers=true\n"
		      "public_key=" PUB3_HEX "\nallowed_ip=10.0.0.0/8\nallowed_ip=10.0.0.0/99\n\n",
		      "errno=-22\n\n");
	assert_answer(a, "set=1\nreplace_peers=true\nendpoint=192.0.2.1:1\n\n", "errno=-22\n\n");
	assert_answer(a, "set=1\nreplace_peers=true\nbroken line\n\n", "errno=-71\n\n");
	/* an interface zone that does not exist is found before applying */
	assert_answer(a, "set=1\nreplace_peers=true\npublic_key=" PUB2_HEX
		      "\nendpoint=[fe80::1%h4nosuchif9]:5\n\n", "errno=-22\n\n");
	after = ask(a, "get=1\n\n");
	assert_string_equal(before, after);
	free(before);
	free(after);
	agent_destroy(a);
}

static void test_several_requests_per_connection(void **state)
{
	struct agent *a = new_agent();
	struct conn_result r;

	(void)state;
	r = converse(a, "set=1\nlisten_port=7\n\nget=1\n\nset=1\nbad\n\nget=1\nx\nget=1\n\n");
	assert_false(r.closed);
	assert_string_equal(r.out, "errno=0\n\nlisten_port=7\nerrno=0\n\nerrno=-71\n\nerrno=-22\n\n"
			    "listen_port=7\nerrno=0\n\n");
	free(r.out);
	r = converse(a, "get=1\n\nflush=1\nget=1\n\n");
	assert_true(r.closed);
	assert_string_equal(r.out, "listen_port=7\nerrno=0\n\n");
	free(r.out);
	/* end of input finishes a set request without its empty line */
	r = converse(a, "set=1\nlisten_port=9\n");
	assert_string_equal(r.out, "errno=0\n\n");
	free(r.out);
	assert_int_equal(a->listen_port, 9);
	agent_destroy(a);
}

static void test_stats_lists_every_counter(void **state)
{
	struct agent *a = new_agent();
	char *out, name[64];

	(void)state;
	a->drops[AGENT_DROP_ALLOWED_IPS] = 3;
	out = ask(a, "stats=1\n\n");
	for (int r = WG_DROP_NONE + 1; r < WG_DROP__COUNT; r++) {
		snprintf(name, sizeof(name), "\ndrop_%s=0\n", wg_drop_reason_name((enum wg_drop_reason)r));
		if (!strstr(out, name) && strncmp(out, name + 1, strlen(name) - 1))
			fail_msg("missing %s", name + 1);
	}
	assert_non_null(strstr(out, "\ndrop_allowed_ips=3\n"));
	assert_non_null(strstr(out, "\ndrop_no_route=0\n"));
	assert_non_null(strstr(out, "\ndrop_bad_inner_packet=0\n"));
	assert_int_equal(strcmp(out + strlen(out) - 9, "errno=0\n\n"), 0);
	free(out);
	agent_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_key),
		cmocka_unit_test(test_parse_bad_lines),
		cmocka_unit_test(test_parse_keeps_secrets_out_of_messages),
		cmocka_unit_test(test_parse_nul_and_long_lines),
		cmocka_unit_test(test_parse_first_error_wins),
		cmocka_unit_test(test_parse_request_size_limit),
		cmocka_unit_test(test_parse_endpoint_forms),
		cmocka_unit_test(test_parse_prefix_clears_host_bits),
		cmocka_unit_test(test_format_op_round_trip),
		cmocka_unit_test(test_session_state_machine),
		cmocka_unit_test(test_format_peer_exact),
		cmocka_unit_test(test_format_endpoint),
		cmocka_unit_test(test_set_then_get_exact),
		cmocka_unit_test(test_update_only),
		cmocka_unit_test(test_remove_takes_allowed_ips),
		cmocka_unit_test(test_replace_peers_and_allowed_ips),
		cmocka_unit_test(test_allowed_ip_moves_to_latest_peer),
		cmocka_unit_test(test_own_key_is_ignored),
		cmocka_unit_test(test_new_identity_removes_that_peer),
		cmocka_unit_test(test_bad_request_changes_nothing),
		cmocka_unit_test(test_several_requests_per_connection),
		cmocka_unit_test(test_stats_lists_every_counter),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
