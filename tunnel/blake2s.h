/* BLAKE2s (RFC 7693): libsodium ships only BLAKE2b, and WireGuard needs the
 * 32-bit variant. Plain and keyed hashing, incremental and one-shot. */
#ifndef TUNNEL_BLAKE2S_H
#define TUNNEL_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2S_BLOCK_LEN 64
#define BLAKE2S_HASH_LEN  32
#define BLAKE2S_KEY_LEN   32

struct blake2s_state {
	uint32_t h[8];
	uint32_t t[2];
	uint32_t f[2];
	uint8_t buf[BLAKE2S_BLOCK_LEN];
	size_t buflen;
	size_t outlen;
};

/* outlen 1..32; keylen 0..32 (key may be NULL when keylen is 0). */
void blake2s_init(struct blake2s_state *s, size_t outlen, const uint8_t *key, size_t keylen);
void blake2s_update(struct blake2s_state *s, const uint8_t *in, size_t inlen);
/* Writes outlen bytes and wipes the state. */
void blake2s_final(struct blake2s_state *s, uint8_t *out);
void blake2s(uint8_t *out, size_t outlen, const uint8_t *in, size_t inlen,
	     const uint8_t *key, size_t keylen);

#endif
