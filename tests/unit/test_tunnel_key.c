/* Key generation, public keys (vs python3-cryptography X25519 and recorded
 * `wg pubkey` output), and base64/hex encodings: round trips, a differential
 * check against a naive table-driven encoder, and rejection of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "tests/vectors/key_vectors.h"
#include "tunnel/key.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char b64_table[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The obvious (table lookup, branchy) encoder, as a reference. */
static void naive_base64(char out[45], const uint8_t key[32])
{
	size_t o = 0;

	for (size_t i = 0; i < 32; i += 3) {
		uint32_t w = (uint32_t)key[i] << 16;

		if (i + 1 < 32)
			w |= (uint32_t)key[i + 1] << 8;
		if (i + 2 < 32)
			w |= key[i + 2];
		out[o++] = b64_table[(w >> 18) & 63];
		out[o++] = b64_table[(w >> 12) & 63];
		out[o++] = b64_table[(w >> 6) & 63];
		out[o++] = i + 2 < 32 ? b64_table[w & 63] : '=';
	}
	out[o] = '\0';
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void test_public_matches_python_x25519(void **state)
{
	uint8_t pub[32];
	char b64[WG_KEY_B64_LEN], hex[WG_KEY_HEX_LEN];

	(void)state;
	for (size_t v = 0; v < COUNT(key_vectors); v++) {
		const struct key_vector *t = &key_vectors[v];

		assert_true(wg_key_public_from_private(pub, t->priv));
		assert_memory_equal(pub, t->pub, 32);
		wg_key_to_base64(b64, pub);
		assert_string_equal(b64, t->pub_b64);
		wg_key_to_hex(hex, pub);
		assert_string_equal(hex, t->pub_hex);
	}
}

static void test_public_matches_wg_pubkey(void **state)
{
	uint8_t priv[32], pub[32];
	char b64[WG_KEY_B64_LEN];

	(void)state;
	for (size_t v = 0; v < COUNT(wg_pubkey_vectors); v++) {
		assert_true(wg_key_from_base64(priv, wg_pubkey_vectors[v].priv_b64));
		assert_true(wg_key_public_from_private(pub, priv));
		wg_key_to_base64(b64, pub);
		assert_string_equal(b64, wg_pubkey_vectors[v].pub_b64);
	}
}

static void test_private_is_clamped(void **state)
{
	uint8_t rnd[32], key[32], again[32];

	(void)state;
	memset(rnd, 0xff, sizeof(rnd));
	wg_key_private_from_random(key, rnd);
	assert_int_equal(key[0], 0xf8);
	assert_int_equal(key[31], 0x7f);
	memset(rnd, 0x00, sizeof(rnd));
	wg_key_private_from_random(key, rnd);
	assert_int_equal(key[0], 0x00);
	assert_int_equal(key[31], 0x40);
	for (int i = 0; i < 100; i++) {
		randombytes_buf(rnd, sizeof(rnd));
		wg_key_private_from_random(key, rnd);
		assert_int_equal(key[0] & 7, 0);
		assert_int_equal(key[31] & 0xc0, 0x40);
		assert_memory_equal(key + 1, rnd + 1, 30);
		/* Clamping is idempotent and works in place. */
		memcpy(again, key, 32);
		wg_key_private_from_random(again, again);
		assert_memory_equal(again, key, 32);
	}
}

static void test_is_zero(void **state)
{
	uint8_t key[32] = { 0 };

	(void)state;
	assert_true(wg_key_is_zero(key));
	for (int i = 0; i < 32; i++) {
		key[i] = 1;
		assert_false(wg_key_is_zero(key));
		key[i] = 0;
	}
}

static void test_base64_differential_and_round_trip(void **state)
{
	uint8_t key[32], back[32];
	char got[WG_KEY_B64_LEN], want[45];

	(void)state;
	/* Every byte value in every position modulo 3, then random keys. */
	for (int i = 0; i < 256 + 1000; i++) {
		if (i < 256)
			for (int j = 0; j < 32; j++)
				key[j] = (uint8_t)(i + j * 85);
		else
			randombytes_buf(key, sizeof(key));
		wg_key_to_base64(got, key);
		naive_base64(want, key);
		assert_string_equal(got, want);
		assert_int_equal(strlen(got), 44);
		assert_true(wg_key_from_base64(back, got));
		assert_memory_equal(back, key, 32);
	}
}

static void test_hex_round_trip(void **state)
{
	uint8_t key[32], back[32];
	char hex[WG_KEY_HEX_LEN], want[65];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		randombytes_buf(key, sizeof(key));
		wg_key_to_hex(hex, key);
		for (int j = 0; j < 32; j++)
			snprintf(want + 2 * j, 3, "%02x", key[j]);
		assert_string_equal(hex, want);
		assert_true(wg_key_from_hex(back, hex));
		assert_memory_equal(back, key, 32);
		for (int j = 0; j < 64; j++) /* upper case is accepted too */
			if (hex[j] >= 'a')
				hex[j] = (char)(hex[j] - 'a' + 'A');
		memset(back, 0, 32);
		assert_true(wg_key_from_hex(back, hex));
		assert_memory_equal(back, key, 32);
	}
}

/* A failed decode reports false and leaves the output untouched. */
static void expect_b64_reject(const char *s)
{
	uint8_t key[32];

	memset(key, 0x5a, sizeof(key));
	if (wg_key_from_base64(key, s))
		fail_msg("accepted base64 \"%s\"", s ? s : "(null)");
	for (int i = 0; i < 32; i++)
		assert_int_equal(key[i], 0x5a);
}

static void expect_hex_reject(const char *s)
{
	uint8_t key[32];

	memset(key, 0x5a, sizeof(key));
	if (wg_key_from_hex(key, s))
		fail_msg("accepted hex \"%s\"", s ? s : "(null)");
	for (int i = 0; i < 32; i++)
		assert_int_equal(key[i], 0x5a);
}

static void test_base64_rejects_malformed(void **state)
{
	static const char good[] = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
	static const char bad_chars[] = "!-_. \t\n=\x80\xff*";
	char s[64];
	uint8_t key[32];

	(void)state;
	assert_true(wg_key_from_base64(key, good));
	expect_b64_reject(NULL);
	expect_b64_reject("");
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8");   /* 43, no pad */
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8==");  /* 45 */
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n"); /* trailing */
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8A");   /* no '=' */
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj9=");   /* spare bits */
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj+=");
	expect_b64_reject("ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj==");
	/* A bad character in any position; a NUL shortens the string. */
	for (size_t pos = 0; pos < 43; pos++) {
		for (size_t c = 0; c < sizeof(bad_chars) - 1; c++) {
			memcpy(s, good, sizeof(good));
			s[pos] = bad_chars[c];
			expect_b64_reject(s);
		}
		memcpy(s, good, sizeof(good));
		s[pos] = '\0';
		expect_b64_reject(s);
	}
}

static void test_hex_rejects_malformed(void **state)
{
	static const char good[] =
		"358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254";
	static const char bad_chars[] = "gGzZ:/@` x-\x80\xff";
	char s[80];
	uint8_t key[32];

	(void)state;
	assert_true(wg_key_from_hex(key, good));
	expect_hex_reject(NULL);
	expect_hex_reject("");
	expect_hex_reject("358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd16625");
	expect_hex_reject("358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd1662540");
	expect_hex_reject("0x58072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254");
	for (size_t pos = 0; pos < 64; pos++) {
		for (size_t c = 0; c < sizeof(bad_chars) - 1; c++) {
			memcpy(s, good, sizeof(good));
			s[pos] = bad_chars[c];
			expect_hex_reject(s);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_public_matches_python_x25519),
		cmocka_unit_test(test_public_matches_wg_pubkey),
		cmocka_unit_test(test_private_is_clamped),
		cmocka_unit_test(test_is_zero),
		cmocka_unit_test(test_base64_differential_and_round_trip),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_base64_rejects_malformed),
		cmocka_unit_test(test_hex_rejects_malformed),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
