/* The WireGuard hash family on top of BLAKE2s: HASH, MAC, HMAC and the HKDF
 * chain KDF1/KDF2/KDF3 (whitepaper section 5.4). */
#ifndef TUNNEL_KDF_H
#define TUNNEL_KDF_H

#include <stddef.h>
#include <stdint.h>

/* HMAC-BLAKE2s-256 (RFC 2104 with a 64-byte block). */
void wg_hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *in, size_t inlen);
/* HKDF over HMAC-BLAKE2s: derives 1, 2 or 3 32-byte outputs from the chaining
 * key ck and input. Outputs t2/t3 may be NULL for KDF1/KDF2. */
void wg_kdf(uint8_t t1[32], uint8_t *t2, uint8_t *t3, const uint8_t ck[32],
	    const uint8_t *input, size_t inputlen);
/* HASH(a || b), BLAKE2s-256. */
void wg_hash2(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* MAC(key, in): keyed BLAKE2s-128. */
void wg_mac(uint8_t out[16], const uint8_t *key, size_t keylen, const uint8_t *in, size_t inlen);

#endif
