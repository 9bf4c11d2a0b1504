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
#include <stdbool.h>
#include <stdlib.h>

#include "tests/fuzz/fuzz_tunnel_fixture.h"

#define BUF_LEN (WG_DATA_HEADER_LEN + 2048 + WG_AEAD_TAG_LEN)

/* *b_index: the index b receives on, from a's first data message. */
static int handshake(struct fuzz_pair *c, uint32_t *b_index)
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
	memcpy(b_index, buf + 4, 4);
	wg_device_receive(c->b, &c->env, false, &c->ea, buf, len, &res);
	return res.kind == WG_RX_DATA && res.session_ready ? 0 : -1;
}

static int setup(struct fuzz_pair *c, uint32_t *b_index)
{
	return fuzz_pair_setup(c, 2) == 0 ? handshake(c, b_index) : -1;
}

static void round_trip(struct fuzz_pair *c, const uint8_t *m, size_t n, const uint8_t *mut,
		       size_t mlen)
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
	struct fuzz_pair c;
	uint32_t b_index;

	if (setup(&c, &b_index) != 0)
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
			memcpy(buf + 4, &b_index, 4);
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
	fuzz_pair_destroy(&c);
	return 0;
}
