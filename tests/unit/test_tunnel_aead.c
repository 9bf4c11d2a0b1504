/* The transport AEAD (tunnel/aead.h): the fast context path and the
 * libsodium path give the same bytes for every length and counter (on both
 * sides of WG_AEAD_SMALL, below which the context is not used), each opens
 * what the other sealed, and a flipped bit anywhere is refused. When
 * the build has no libcrypto the context is NULL and both sides are
 * libsodium (the test then checks the fallback alone). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tunnel/aead.h"

static const size_t lens[] = {
	0, 1, 15, 16, 17, 63, 64, 65, WG_AEAD_SMALL - 1, WG_AEAD_SMALL, WG_AEAD_SMALL + 1,
	1419, 1420, 1424, 9000, 65535,
};
static uint8_t a[65536], b[65536], plain[65536];

static void same_bytes_both_ways(void **state)
{
	uint8_t key[WG_KEY_LEN], ta[WG_AEAD_TAG_LEN], tb[WG_AEAD_TAG_LEN];
	struct wg_aead_ctx *enc, *dec;
	uint64_t counters[] = { 0, 1, 0x0102030405060708ull, UINT64_MAX - 8192 };

	(void)state;
	randombytes_buf(key, sizeof(key));
	randombytes_buf(plain, sizeof(plain));
	enc = wg_aead_ctx_create(key, true);
	dec = wg_aead_ctx_create(key, false);
#ifdef TENET_HAVE_LIBCRYPTO
	assert_non_null(enc);
	assert_non_null(dec);
#endif
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t len = lens[i];

			memcpy(a, plain, len);
			memcpy(b, plain, len);
			wg_aead_seal(enc, key, counters[c], a, len, ta);
			wg_aead_seal(NULL, key, counters[c], b, len, tb);
			assert_memory_equal(a, b, len);
			assert_memory_equal(ta, tb, sizeof(ta));
			/* each opens the other's */
			assert_true(wg_aead_open(dec, key, counters[c], a, len, tb));
			assert_memory_equal(a, plain, len);
			assert_true(wg_aead_open(NULL, key, counters[c], b, len, ta));
			assert_memory_equal(b, plain, len);
		}
	}
	wg_aead_ctx_destroy(enc);
	wg_aead_ctx_destroy(dec);
}

static void tampering_refused(void **state)
{
	uint8_t key[WG_KEY_LEN], tag[WG_AEAD_TAG_LEN], bad[WG_AEAD_TAG_LEN];
	struct wg_aead_ctx *enc, *dec;
	const size_t len = 100;

	(void)state;
	randombytes_buf(key, sizeof(key));
	enc = wg_aead_ctx_create(key, true);
	dec = wg_aead_ctx_create(key, false);
	memset(plain, 0x42, len);
	memcpy(a, plain, len);
	wg_aead_seal(enc, key, 7, a, len, tag);
	for (size_t bit = 0; bit < (len + sizeof(tag)) * 8; bit += 7) {
		memcpy(b, a, len);
		memcpy(bad, tag, sizeof(tag));
		if (bit < len * 8)
			b[bit / 8] ^= (uint8_t)(1u << bit % 8);
		else
			bad[bit / 8 - len] ^= (uint8_t)(1u << bit % 8);
		assert_false(wg_aead_open(dec, key, 7, b, len, bad));
	}
	memcpy(b, a, len);
	assert_false(wg_aead_open(dec, key, 8, b, len, tag)); /* wrong counter */
	/* the context still works after refusals */
	memcpy(b, a, len);
	assert_true(wg_aead_open(dec, key, 7, b, len, tag));
	assert_memory_equal(b, plain, len);
	wg_aead_ctx_destroy(enc);
	wg_aead_ctx_destroy(dec);
	wg_aead_ctx_destroy(NULL);
}

/* RFC 8439 section 2.8.2's key and nonce shape with our nonce layout: the
 * 12-byte nonce is 4 zero bytes then the little-endian counter, checked
 * against libsodium given that nonce explicitly. */
static void nonce_layout(void **state)
{
	uint8_t key[WG_KEY_LEN], nonce[12] = { 0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1 };
	uint8_t ta[WG_AEAD_TAG_LEN], tb[WG_AEAD_TAG_LEN];
	struct wg_aead_ctx *enc;

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x80 + i);
	enc = wg_aead_ctx_create(key, true);
	memset(a, 0x11, 114);
	memset(b, 0x11, 114);
	wg_aead_seal(enc, key, 0x0102030405060708ull, a, 114, ta);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(b, tb, NULL, b, 114, NULL, 0, NULL, nonce, key);
	assert_memory_equal(a, b, 114);
	assert_memory_equal(ta, tb, sizeof(ta));
	wg_aead_ctx_destroy(enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_bytes_both_ways),
		cmocka_unit_test(tampering_refused),
		cmocka_unit_test(nonce_layout),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
