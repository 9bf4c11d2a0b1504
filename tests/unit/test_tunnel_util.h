/* Shared fixtures for the tunnel/ unit tests: a deterministic RNG, a fake
 * clock, and two devices that know each other ("a" and "b") exchanging
 * packets in memory. Header-only (static inline) so that it is linked into no
 * other module's tests. */
#ifndef TEST_TUNNEL_UTIL_H
#define TEST_TUNNEL_UTIL_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tunnel/key.h"
#include "tunnel/tunnel.h"

#define SEC(x) ((uint64_t)(x) * WG_NSEC_PER_SEC)
#define MSEC(x) ((uint64_t)(x) * 1000000ULL)

/* splitmix64: reproducible bytes for keys, indices and jitter. */
struct test_rng {
	uint64_t state;
	uint64_t draws;   /* bytes handed out */
};

static inline void test_rng_fill(void *ctx, uint8_t *buf, size_t len)
{
	struct test_rng *r = ctx;
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		buf[i] = (uint8_t)(z ^ (z >> 31));
	}
	r->draws += len;
}

struct tpair {
	struct wg_device *a, *b;
	struct wg_peer *a_peer; /* b, as a knows it */
	struct wg_peer *b_peer; /* a, as b knows it */
	uint8_t a_priv[32], a_pub[32], b_priv[32], b_pub[32];
	struct test_rng rng;
	struct wg_env env;
	struct wg_endpoint a_ep, b_ep; /* where each one sends from */
	struct wg_rx_result res;
	uint8_t buf[2048];
	size_t len;
};

static inline void test_keypair(struct test_rng *rng, uint8_t priv[32], uint8_t pub[32])
{
	uint8_t rnd[32];

	test_rng_fill(rng, rnd, sizeof(rnd));
	wg_key_private_from_random(priv, rnd);
	assert_true(wg_key_public_from_private(pub, priv));
}

static inline void test_endpoint4(struct wg_endpoint *ep, const char *ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &ep->addr.in4.sin_addr), 1);
}

static inline void tpair_init(struct tpair *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->rng.state = seed;
	p->env.rng.fill = test_rng_fill;
	p->env.rng.ctx = &p->rng;
	p->env.now = SEC(1000);
	p->env.wall_ns = SEC(1700000000);
	test_keypair(&p->rng, p->a_priv, p->a_pub);
	test_keypair(&p->rng, p->b_priv, p->b_pub);
	p->a = wg_device_create(p->a_priv);
	p->b = wg_device_create(p->b_priv);
	assert_non_null(p->a);
	assert_non_null(p->b);
	assert_int_equal(wg_peer_create(p->a, p->b_pub, &p->a_peer), 0);
	assert_int_equal(wg_peer_create(p->b, p->a_pub, &p->b_peer), 0);
	test_endpoint4(&p->a_ep, "192.0.2.1", 51820);
	test_endpoint4(&p->b_ep, "192.0.2.2", 51821);
	wg_peer_set_endpoint(p->a_peer, &p->b_ep);
	wg_peer_set_endpoint(p->b_peer, &p->a_ep);
}

static inline void tpair_free(struct tpair *p)
{
	wg_device_destroy(p->a);
	wg_device_destroy(p->b);
}

/* Advances both clocks. */
static inline void tpair_advance(struct tpair *p, uint64_t ns)
{
	p->env.now += ns;
	p->env.wall_ns += ns;
}

/* Delivers pkt to `to` as if it came from `from`. */
static inline struct wg_rx_result *tpair_deliver(struct tpair *p, struct wg_device *to,
						  const struct wg_endpoint *from, uint8_t *pkt,
						  size_t len, bool under_load)
{
	wg_device_receive(to, &p->env, under_load, from, pkt, len, &p->res);
	return &p->res;
}

/* Builds an initiation from `from_peer` (on device `from`) into p->buf. */
static inline int tpair_initiation(struct tpair *p, struct wg_device *from,
				   struct wg_peer *from_peer)
{
	int ret = wg_peer_create_initiation(from, from_peer, &p->env, p->buf);

	p->len = ret ? 0 : sizeof(struct wg_msg_initiation);
	return ret;
}

/* a initiates, b responds, a consumes the response. After this a can send;
 * b can once it received a's first packet. */
static inline void tpair_handshake(struct tpair *p)
{
	struct wg_rx_result *res;
	uint8_t resp[WG_MAX_REPLY_LEN];
	size_t resp_len;

	assert_int_equal(tpair_initiation(p, p->a, p->a_peer), 0);
	res = tpair_deliver(p, p->b, &p->a_ep, p->buf, p->len, false);
	assert_int_equal(res->kind, WG_RX_REPLY);
	assert_ptr_equal(res->peer, p->b_peer);
	assert_int_equal(res->reply_len, sizeof(struct wg_msg_response));
	memcpy(resp, res->reply, res->reply_len);
	resp_len = res->reply_len;
	res = tpair_deliver(p, p->a, &p->b_ep, resp, resp_len, false);
	assert_int_equal(res->kind, WG_RX_HANDSHAKE);
	assert_ptr_equal(res->peer, p->a_peer);
	assert_true(res->session_ready);
}

/* Encrypts payload from `peer` into p->buf; returns wg_peer_encrypt's result. */
static inline int tpair_encrypt(struct tpair *p, struct wg_peer *peer, const void *payload,
				size_t len, bool *want_handshake)
{
	bool dummy;

	memcpy(p->buf + WG_DATA_HEADER_LEN, payload, len);
	return wg_peer_encrypt(peer, &p->env, p->buf, len, sizeof(p->buf), &p->len,
			       want_handshake ? want_handshake : &dummy);
}

/* Full handshake plus a's confirming keepalive, so both sides can send. */
static inline void tpair_connect(struct tpair *p)
{
	struct wg_rx_result *res;

	tpair_handshake(p);
	assert_int_equal(tpair_encrypt(p, p->a_peer, "", 0, NULL), 0);
	res = tpair_deliver(p, p->b, &p->a_ep, p->buf, p->len, false);
	assert_int_equal(res->kind, WG_RX_DATA);
	assert_true(res->session_ready);
	assert_int_equal(res->data_len, 0);
}

static inline uint64_t drops(const struct wg_device *dev, enum wg_drop_reason r)
{
	return wg_device_drop_counters(dev)[r];
}

#endif
