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
#include <stdbool.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_tunnel_fixture.h"

/* Each knows where the other is, so handshake replies have somewhere to go. */
static int setup(struct fuzz_pair *c)
{
	if (fuzz_pair_setup(c, 1) != 0)
		return -1;
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

static void step_handshake(struct fuzz_pair *c, const uint8_t *m, size_t n, bool load,
			   bool reply)
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
	struct fuzz_pair c;

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
	fuzz_pair_destroy(&c);
	return 0;
}
