/* WireGuard keys: generation, public-from-private, and the base64 and hex
 * encodings used by wg(8), wg-quick config files and the UAPI. Encoding and
 * decoding run in constant time with respect to the key bytes. */
#ifndef TUNNEL_KEY_H
#define TUNNEL_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_KEY_B64_LEN 45 /* 44 characters and a NUL */
#define WG_KEY_HEX_LEN 65 /* 64 characters and a NUL */

/* A Curve25519 private key from 32 random bytes (clamped, as wg genkey). */
void wg_key_private_from_random(uint8_t key[32], const uint8_t random[32]);
/* Returns false if the private key yields the all-zero point. */
bool wg_key_public_from_private(uint8_t pub[32], const uint8_t priv[32]);
bool wg_key_is_zero(const uint8_t key[32]);

void wg_key_to_base64(char out[WG_KEY_B64_LEN], const uint8_t key[32]);
/* Exactly 44 characters of base64 ending in '=', decoding to 32 bytes. */
bool wg_key_from_base64(uint8_t key[32], const char *b64);
void wg_key_to_hex(char out[WG_KEY_HEX_LEN], const uint8_t key[32]);
/* Exactly 64 hex digits (either case). */
bool wg_key_from_hex(uint8_t key[32], const char *hex);

#endif
