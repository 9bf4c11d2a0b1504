/* WireGuard's hash constructions over BLAKE2s (whitepaper section 5.4):
 * HMAC per RFC 2104 with BLAKE2s's 64-byte block, and the HKDF chain in
 * which every output is an HMAC under T0 = HMAC(ck, input). */
#include "tunnel/kdf.h"

#include <string.h>

#include <sodium.h>

#include "tunnel/blake2s.h"

void wg_hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *in, size_t inlen)
{
	struct blake2s_state s;
	uint8_t pad[BLAKE2S_BLOCK_LEN];
	uint8_t inner[BLAKE2S_HASH_LEN];
	size_t i;

	memset(pad, 0, sizeof(pad));
	/* RFC 2104: keys longer than a block are hashed first. */
	if (keylen > BLAKE2S_BLOCK_LEN)
		blake2s(pad, BLAKE2S_HASH_LEN, key, keylen, NULL, 0);
	else if (keylen)
		memcpy(pad, key, keylen);

	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	blake2s_init(&s, BLAKE2S_HASH_LEN, NULL, 0);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, inner);

	/* 0x36 ^ 0x5c turns the inner pad into the outer pad. */
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&s, BLAKE2S_HASH_LEN, NULL, 0);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out);

	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

void wg_kdf(uint8_t t1[32], uint8_t *t2, uint8_t *t3, const uint8_t ck[32],
	    const uint8_t *input, size_t inputlen)
{
	uint8_t t0[BLAKE2S_HASH_LEN];
	uint8_t buf[BLAKE2S_HASH_LEN + 1];

	wg_hmac(t0, ck, BLAKE2S_HASH_LEN, input, inputlen);

	/* T1 = HMAC(T0, 0x1) */
	buf[0] = 0x1;
	wg_hmac(buf, t0, sizeof(t0), buf, 1);
	memcpy(t1, buf, BLAKE2S_HASH_LEN);
	if (!t2)
		goto out;

	/* T2 = HMAC(T0, T1 || 0x2) */
	buf[BLAKE2S_HASH_LEN] = 0x2;
	wg_hmac(buf, t0, sizeof(t0), buf, sizeof(buf));
	memcpy(t2, buf, BLAKE2S_HASH_LEN);
	if (!t3)
		goto out;

	/* T3 = HMAC(T0, T2 || 0x3) */
	buf[BLAKE2S_HASH_LEN] = 0x3;
	wg_hmac(buf, t0, sizeof(t0), buf, sizeof(buf));
	memcpy(t3, buf, BLAKE2S_HASH_LEN);
out:
	sodium_memzero(t0, sizeof(t0));
	sodium_memzero(buf, sizeof(buf));
}

void wg_hash2(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct blake2s_state s;

	blake2s_init(&s, BLAKE2S_HASH_LEN, NULL, 0);
	blake2s_update(&s, a, alen);
	blake2s_update(&s, b, blen);
	blake2s_final(&s, out);
}

void wg_mac(uint8_t out[16], const uint8_t *key, size_t keylen, const uint8_t *in, size_t inlen)
{
	blake2s(out, 16, in, inlen, key, keylen);
}
