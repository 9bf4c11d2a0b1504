/* The transport AEAD: ChaCha20-Poly1305 (RFC 8439) with WireGuard's nonce,
 * 32 zero bits then the 64-bit little-endian counter, no associated data.
 *
 * Each direction of a keypair may hold a context with its key schedule,
 * made once when the session begins: OpenSSL's libcrypto implementation
 * when the build has it (TENET_HAVE_LIBCRYPTO), which on x86-64 is several
 * times faster than libsodium's (1.5 vs 0.3 GB/s for 1420-byte packets on
 * the 2-vCPU build machine). Without a context (no libcrypto, or it could
 * not be allocated) libsodium does the work from the raw key: the two give
 * the same bytes. Contexts are used by one thread at a time, like the rest
 * of the engine.
 *
 * Messages shorter than WG_AEAD_SMALL go to libsodium even with a context:
 * for them, re-initialising an EVP context costs more than libsodium's one
 * call (hot: 0.44 vs 0.33 us at 64 bytes, 0.57 vs 0.53 us at 256), and far
 * more for the first message after the agent slept, when libcrypto's longer
 * code path comes back from a cold cache (route, seal and queue of one echo
 * request: 20 us against 9 us, measured in the agent). */
#ifndef TUNNEL_AEAD_H
#define TUNNEL_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/messages.h"

struct wg_aead_ctx;

#define WG_AEAD_SMALL 256

/* A context for key, for sealing (encrypt true) or opening; NULL when the
 * fast implementation is absent or out of memory. */
struct wg_aead_ctx *wg_aead_ctx_create(const uint8_t key[WG_KEY_LEN], bool encrypt);
/* Wipes the key schedule and frees. NULL is a no-op. */
void wg_aead_ctx_destroy(struct wg_aead_ctx *ctx);

/* Encrypts buf[0..len) in place and writes the tag. */
void wg_aead_seal(struct wg_aead_ctx *ctx, const uint8_t key[WG_KEY_LEN], uint64_t counter,
		  uint8_t *buf, size_t len, uint8_t tag[WG_AEAD_TAG_LEN]);
/* Authenticates and decrypts buf[0..len) in place; false (buf may then hold
 * garbage) when the tag does not match. */
bool wg_aead_open(struct wg_aead_ctx *ctx, const uint8_t key[WG_KEY_LEN], uint64_t counter,
		  uint8_t *buf, size_t len, const uint8_t tag[WG_AEAD_TAG_LEN]);

#endif
