/* Transport decryption with an established session: arbitrary and mutated
 * data messages go to the receiver, and real round trips must come back
 * intact. Fresh devices and session for every input.
 *
 * Input: records of one op byte, a 2-byte little-endian length n, n bytes.
 *   op % 4 == 0: the bytes, behind a header naming the receiver's live
 *                index and a fuzzer-chosen counter (op's high bits), go to b
 *   op % 4 == 1: a encrypts the bytes; b must decrypt them unchanged
 *   op % 4 == 2: a encrypts the bytes, the first bytes of the record are
 *                XORed over the message, b gets it (must not crash)
 *   op % 4 == 3: raw bytes to b, as they are
 */
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "tunnel/key.h"
#include "tunnel/tunnel.h"

#define BUF_LEN (WG_DATA_HEADER_LEN + 2048 + WG_AEAD_TAG_LEN)

struct ctx {
	struct wg_device *a, *b;
	struct wg_peer *pa, *pb;
	struct wg_env env;
	uint64_t rng_state;
	struct wg_endpoint ea, eb;
	uint32_t b_index; /* the index b receives on, from a's first message */
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

static int handshake(struct ctx *c)
{
	uint8_t init[sizeof(struct wg_msg_initiation)], resp[WG_MAX_REPLY_LEN], buf[64];
	struct wg_rx_result res;
	size_t len;
	bool want;

	if (wg_peer_create_initiation(c->a, c->pa, &c->env, init))
		return -1;
	wg_device_receive(c->b, &c->env, false, &c->ea, init, sizeof(init), &res);
	if (res.kind != WG_RX_REPLY)
		return -1;
	len = res.reply_len;
	memcpy(resp, res.reply, len);
	wg_device_receive(c->a, &c->env, false, &c->eb, resp, len, &res);
	if (res.kind != WG_RX_HANDSHAKE)
		return -1;
	if (wg_peer_encrypt(c->pa, &c->env, buf, 0, sizeof(buf), &len, &want))
		return -1;
	memcpy(&c->b_index, buf + 4, 4);
	wg_device_receive(c->b, &c->env, false, &c->ea, buf, len, &res);
	return res.kind == WG_RX_DATA && res.session_ready ? 0 : -1;
}

static int setup(struct ctx *c)
{
	uint8_t rnd[32], ska[32], skb[32], pka[32], pkb[32];

	memset(c, 0, sizeof(*c));
	c->rng_state = 2;
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
	c->ea.addr.in4.sin_family = AF_INET;
	c->ea.addr.in4.sin_addr.s_addr = htonl(0xc0000201);
	c->eb.addr.in4.sin_family = AF_INET;
	c->eb.addr.in4.sin_addr.s_addr = htonl(0xc0000202);
	return handshake(c);
}

static void round_trip(struct ctx *c, const uint8_t *m, size_t n, const uint8_t *mut, size_t mlen)
{
	static uint8_t buf[BUF_LEN];
	struct wg_rx_result res;
	size_t len, i;
	bool want;

	memcpy(buf + WG_DATA_HEADER_LEN, m, n);
	if (wg_peer_encrypt(c->pa, &c->env, buf, n, sizeof(buf), &len, &want))
		abort(); /* a live session with room must encrypt */
	if (len != wg_encrypted_len(n))
		abort();
	for (i = 0; mut && i < mlen && i < len; i++)
		buf[i] ^= mut[i];
	wg_device_receive(c->b, &c->env, false, &c->ea, buf, len, &res);
	if (mut)
		return;
	if (res.kind != WG_RX_DATA || res.data_len != ((n + 15) & ~(size_t)15) ||
	    memcmp(res.data, m, n) != 0)
		abort();
	for (i = n; i < res.data_len; i++)
		if (res.data[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BUF_LEN];
	struct wg_rx_result res;
	struct ctx c;

	if (setup(&c) != 0)
		abort();
	while (size >= 3) {
		uint8_t op = data[0];
		size_t n = (size_t)data[1] | (size_t)data[2] << 8;
		uint64_t counter;

		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		if (n > 2048)
			n = 2048;
		switch (op % 4) {
		case 0:
			buf[0] = WG_MSG_DATA;
			buf[1] = buf[2] = buf[3] = 0;
			memcpy(buf + 4, &c.b_index, 4);
			counter = htole64((uint64_t)(op >> 2) * 1000);
			memcpy(buf + 8, &counter, 8);
			memcpy(buf + WG_DATA_HEADER_LEN, data, n);
			wg_device_receive(c.b, &c.env, false, &c.ea, buf, WG_DATA_HEADER_LEN + n, &res);
			break;
		case 1:
			round_trip(&c, data, n, NULL, 0);
			break;
		case 2:
			round_trip(&c, data, n, data, n < 32 ? n : 32);
			break;
		default:
			memcpy(buf, data, n);
			wg_device_receive(c.b, &c.env, false, &c.ea, buf, n, &res);
			break;
		}
		data += n;
		size -= n;
	}
	wg_device_destroy(c.a);
	wg_device_destroy(c.b);
	return 0;
}
