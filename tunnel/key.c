/* Curve25519 keys and their text encodings. The encoders and decoders touch
 * every character with the same sequence of operations whatever its value:
 * character classes are found with arithmetic masks instead of branches or
 * table lookups, so neither timing nor cache traffic depends on key bytes. */
#include "tunnel/key.h"

#include <string.h>

#include <sodium.h>

/* All-ones if a < b, else 0; a and b must be below 2^31. */
static inline uint32_t mask_lt(uint32_t a, uint32_t b)
{
	return 0U - ((a - b) >> 31);
}

static inline uint32_t mask_in(uint32_t c, uint32_t lo, uint32_t hi)
{
	return mask_lt(lo - 1, c) & mask_lt(c, hi + 1);
}

void wg_key_private_from_random(uint8_t key[32], const uint8_t random[32])
{
	memmove(key, random, 32);
	key[0] &= 248;
	key[31] = (uint8_t)((key[31] & 127) | 64);
}

bool wg_key_public_from_private(uint8_t pub[32], const uint8_t priv[32])
{
	if (crypto_scalarmult_curve25519_base(pub, priv) != 0)
		return false;
	return !wg_key_is_zero(pub);
}

bool wg_key_is_zero(const uint8_t key[32])
{
	return sodium_is_zero(key, 32) == 1;
}

/* 0..63 -> A-Z a-z 0-9 + / */
static char b64_char(uint32_t v)
{
	uint32_t c = v + 'A';

	c += mask_lt(25, v) & 6U;          /* 26.. -> 'a' */
	c -= mask_lt(51, v) & 75U;         /* 52.. -> '0' */
	c -= mask_lt(61, v) & 15U;         /* 62   -> '+' */
	c += mask_lt(62, v) & 3U;          /* 63   -> '/' */
	return (char)c;
}

/* The 6-bit value of c, or all bits set (as uint32) if c is not base64. */
static uint32_t b64_value(uint32_t c)
{
	uint32_t v = 0U - 1;

	v += mask_in(c, 'A', 'Z') & (c - 'A' + 1);
	v += mask_in(c, 'a', 'z') & (c - 'a' + 27);
	v += mask_in(c, '0', '9') & (c - '0' + 53);
	v += mask_in(c, '+', '+') & 63U;
	v += mask_in(c, '/', '/') & 64U;
	return v;
}

void wg_key_to_base64(char out[WG_KEY_B64_LEN], const uint8_t key[32])
{
	uint32_t w;
	int i;

	for (i = 0; i < 10; i++) {
		w = (uint32_t)key[3 * i] << 16 | (uint32_t)key[3 * i + 1] << 8 | key[3 * i + 2];
		out[4 * i + 0] = b64_char(w >> 18);
		out[4 * i + 1] = b64_char((w >> 12) & 63);
		out[4 * i + 2] = b64_char((w >> 6) & 63);
		out[4 * i + 3] = b64_char(w & 63);
	}
	w = (uint32_t)key[30] << 16 | (uint32_t)key[31] << 8;
	out[40] = b64_char(w >> 18);
	out[41] = b64_char((w >> 12) & 63);
	out[42] = b64_char((w >> 6) & 63);
	out[43] = '=';
	out[44] = '\0';
}

bool wg_key_from_base64(uint8_t key[32], const char *b64)
{
	const unsigned char *in = (const unsigned char *)b64;
	uint32_t w, err = 0;
	uint8_t tmp[32];
	int i, j;

	/* Length and the pad are public; only the key characters are secret. */
	if (!b64 || strnlen(b64, WG_KEY_B64_LEN) != WG_KEY_B64_LEN - 1 || b64[43] != '=')
		return false;
	for (i = 0; i < 11; i++) {
		w = 0;
		for (j = 0; j < 4; j++) {
			uint32_t v = (i == 10 && j == 3) ? 0 : b64_value(in[4 * i + j]);

			err |= v >> 31;
			w = (w << 6) | (v & 63);
		}
		tmp[3 * i] = (uint8_t)(w >> 16);
		tmp[3 * i + 1] = (uint8_t)(w >> 8);
		if (i < 10)
			tmp[3 * i + 2] = (uint8_t)w;
		else
			err |= w & 0xff; /* non-canonical: the 2 spare bits must be zero */
	}
	if (err) {
		sodium_memzero(tmp, sizeof(tmp));
		return false;
	}
	memcpy(key, tmp, 32);
	sodium_memzero(tmp, sizeof(tmp));
	return true;
}

static char hex_char(uint32_t n)
{
	return (char)(n + '0' + (mask_lt(9, n) & ('a' - '0' - 10)));
}

/* The value of hex digit c, or all bits set (as uint32) if c is not one. */
static uint32_t hex_value(uint32_t c)
{
	uint32_t v = 0U - 1;

	v += mask_in(c, '0', '9') & (c - '0' + 1);
	v += mask_in(c, 'a', 'f') & (c - 'a' + 11);
	v += mask_in(c, 'A', 'F') & (c - 'A' + 11);
	return v;
}

void wg_key_to_hex(char out[WG_KEY_HEX_LEN], const uint8_t key[32])
{
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex_char(key[i] >> 4);
		out[2 * i + 1] = hex_char(key[i] & 15);
	}
	out[64] = '\0';
}

bool wg_key_from_hex(uint8_t key[32], const char *hex)
{
	const unsigned char *in = (const unsigned char *)hex;
	uint32_t hi, lo, err = 0;
	uint8_t tmp[32];
	int i;

	if (!hex || strnlen(hex, WG_KEY_HEX_LEN) != WG_KEY_HEX_LEN - 1)
		return false;
	for (i = 0; i < 32; i++) {
		hi = hex_value(in[2 * i]);
		lo = hex_value(in[2 * i + 1]);
		err |= (hi | lo) >> 31;
		tmp[i] = (uint8_t)((hi << 4) | (lo & 15));
	}
	if (err) {
		sodium_memzero(tmp, sizeof(tmp));
		return false;
	}
	memcpy(key, tmp, 32);
	sodium_memzero(tmp, sizeof(tmp));
	return true;
}
