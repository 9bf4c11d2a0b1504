/* Feeds arbitrary datagrams to a device that has a peer: raw bytes, and
 * valid handshake messages with fuzzer-chosen mutations, so the fuzzer gets
 * past mac1 and into the Noise code. Every run starts from fresh devices
 * (no state carried between inputs).
 *
 * Input: a sequence of records. Each record is one op byte, a 2-byte
 * little-endian length n, then n bytes (shorter at the end of the input).
 *   op % 4 == 0: deliver the bytes as a datagram to b
 *   op % 4 == 1: a builds an initiation, bytes are XORed over it, b gets it
 *   op % 4 == 2: ...and b's reply (if any), XORed likewise, goes to a
 *   op % 4 == 3: advance the clock by n * 10 ms (bytes ignored)
 * op bit 2: under_load; op bit 3: deliver to a instead of b (op 0 only).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "tunnel/key.h"
#include "tunnel/tunnel.h"

struct ctx {
	struct wg_device *a, *b;
	struct wg_peer *pa, *pb;
	struct wg_env env;
	uint64_t rng_state;
	struct wg_endpoint ea, eb;
};

static void rng_fill(void *c, uint8_t *buf, size_t len)
{
	uint64_t *s = c;
	size_t i;

	for (i = 0; i < len; i++) {
		*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (uint8_t)(*s >> 56);
	}
}

static void endpoint(struct wg_endpoint *ep, uint32_t ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_addr.s_addr = htonl(ip);
	ep->addr.in4.sin_port = htons(port);
}

static int setup(struct ctx *c)
{
	uint8_t rnd[32], ska[32], skb[32], pka[32], pkb[32];

	memset(c, 0, sizeof(*c));
	c->rng_state = 1;
	c->env.rng.fill = rng_fill;
	c->env.rng.ctx = &c->rng_state;
	c->env.now = 1000ULL * WG_NSEC_PER_SEC;
	c->env.wall_ns = 1700000000ULL * WG_NSEC_PER_SEC;
	rng_fill(&c->rng_state, rnd, 32);
	wg_key_private_from_random(ska, rnd);
	rng_fill(&c->rng_state, rnd, 32);
	wg_key_private_from_random(skb, rnd);
	if (!wg_key_public_from_private(pka, ska) || !wg_key_public_from_private(pkb, skb))
		return -1;
	c->a = wg_device_create(ska);
	c->b = wg_device_create(skb);
	if (!c->a || !c->b || wg_peer_create(c->a, pkb, &c->pa) || wg_peer_create(c->b, pka, &c->pb))
		return -1;
	endpoint(&c->ea, 0xc0000201, 51820);
	endpoint(&c->eb, 0xc0000202, 51820);
	wg_peer_set_endpoint(c->pa, &c->eb);
	wg_peer_set_endpoint(c->pb, &c->ea);
	return 0;
}

static void xor_into(uint8_t *dst, size_t dlen, const uint8_t *src, size_t slen)
{
	size_t i;

	for (i = 0; i < dlen && i < slen; i++)
		dst[i] ^= src[i];
}

static void step_handshake(struct ctx *c, const uint8_t *m, size_t n, bool load, bool reply)
{
	uint8_t pkt[sizeof(struct wg_msg_initiation)];
	uint8_t resp[WG_MAX_REPLY_LEN];
	struct wg_rx_result res;
	size_t rlen;

	if (wg_peer_create_initiation(c->a, c->pa, &c->env, pkt) != 0)
		return;
	xor_into(pkt, sizeof(pkt), m, n);
	wg_device_receive(c->b, &c->env, load, &c->ea, pkt, sizeof(pkt), &res);
	if (!reply || res.reply_len == 0)
		return;
	rlen = res.reply_len;
	memcpy(resp, res.reply, rlen);
	if (n > sizeof(pkt))
		xor_into(resp, rlen, m + sizeof(pkt), n - sizeof(pkt));
	wg_device_receive(c->a, &c->env, load, &c->eb, resp, rlen, &res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_rx_result res;
	uint8_t buf[1500];
	struct ctx c;

	if (setup(&c) != 0)
		abort();
	while (size >= 3) {
		uint8_t op = data[0];
		size_t n = (size_t)data[1] | (size_t)data[2] << 8;
		bool load = op & 4;

		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		switch (op % 4) {
		case 0:
			if (n > sizeof(buf))
				n = sizeof(buf);
			memcpy(buf, data, n);
			wg_device_receive(op & 8 ? c.a : c.b, &c.env, load, op & 8 ? &c.eb : &c.ea,
					  buf, n, &res);
			if (res.kind == WG_RX_REPLY && res.reply_len > sizeof(res.reply))
				abort();
			break;
		case 1:
		case 2:
			step_handshake(&c, data, n, load, op % 4 == 2);
			break;
		default:
			c.env.now += (uint64_t)n * 10000000ULL;
			c.env.wall_ns += (uint64_t)n * 10000000ULL;
			wg_peer_timers_run(c.a, c.pa, &c.env);
			wg_peer_timers_run(c.b, c.pb, &c.env);
			n = 0;
			break;
		}
		data += n;
		size -= n;
	}
	wg_device_destroy(c.a);
	wg_device_destroy(c.b);
	return 0;
}
