/* HMAC-BLAKE2s against Python's hmac.new(key, msg, hashlib.blake2s), the KDF
 * chain against a Python HKDF written from the whitepaper, HASH and MAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vectors/hash_vectors.h"
#include "tunnel/blake2s.h"
#include "tunnel/kdf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t msg[1000], key[128];

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x40 + i * 3);
	return 0;
}

static void test_hmac_vectors(void **state)
{
	uint8_t out[32];

	(void)state;
	for (size_t v = 0; v < COUNT(hmac_vectors); v++) {
		const struct hmac_vector *t = &hmac_vectors[v];

		wg_hmac(out, key, t->keylen, msg, t->inlen);
		assert_memory_equal(out, t->out, 32);
	}
}

/* wg_hmac(out = key) and wg_hmac(out = in) as the handshake uses them. */
static void test_hmac_aliasing(void **state)
{
	uint8_t buf[64], want[32];

	(void)state;
	memcpy(buf, key, 32);
	wg_hmac(want, buf, 32, msg, 33);
	wg_hmac(buf, buf, 32, msg, 33);
	assert_memory_equal(buf, want, 32);

	memcpy(buf, msg, 33);
	wg_hmac(want, key, 32, buf, 33);
	wg_hmac(buf, key, 32, buf, 33);
	assert_memory_equal(buf, want, 32);
}

static void test_kdf_vectors(void **state)
{
	uint8_t t1[32], t2[32], t3[32];

	(void)state;
	for (size_t v = 0; v < COUNT(kdf_vectors); v++) {
		const struct kdf_vector *t = &kdf_vectors[v];

		/* KDF3 */
		wg_kdf(t1, t2, t3, key, msg, t->inlen);
		assert_memory_equal(t1, t->t1, 32);
		assert_memory_equal(t2, t->t2, 32);
		assert_memory_equal(t3, t->t3, 32);
		/* KDF2 and KDF1 are prefixes of the same chain. */
		memset(t2, 0, 32);
		wg_kdf(t1, t2, NULL, key, msg, t->inlen);
		assert_memory_equal(t1, t->t1, 32);
		assert_memory_equal(t2, t->t2, 32);
		memset(t1, 0, 32);
		wg_kdf(t1, NULL, NULL, key, msg, t->inlen);
		assert_memory_equal(t1, t->t1, 32);
	}
}

/* ck, k = KDF2(ck, dh): the chaining key is replaced in place. */
static void test_kdf_output_aliases_ck(void **state)
{
	uint8_t ck[32], k[32];

	(void)state;
	memcpy(ck, key, 32);
	wg_kdf(ck, k, NULL, ck, msg, 32);
	assert_memory_equal(ck, kdf_vectors[2].t1, 32);
	assert_memory_equal(k, kdf_vectors[2].t2, 32);
}

static void test_hash2(void **state)
{
	uint8_t out[32], want[32];

	(void)state;
	for (size_t split = 0; split <= 200; split += 37) {
		blake2s(want, 32, msg, 200, NULL, 0);
		wg_hash2(out, msg, split, msg + split, 200 - split);
		assert_memory_equal(out, want, 32);
	}
	/* h = HASH(h || x) in place. */
	memcpy(out, msg, 32);
	blake2s(want, 32, msg, 64, NULL, 0);
	wg_hash2(out, out, 32, msg + 32, 32);
	assert_memory_equal(out, want, 32);
}

static void test_mac_vectors(void **state)
{
	uint8_t out[16];

	(void)state;
	for (size_t v = 0; v < COUNT(mac_vectors); v++) {
		const struct mac_vector *t = &mac_vectors[v];

		wg_mac(out, key, t->keylen, msg, t->inlen);
		assert_memory_equal(out, t->out, 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_hmac_aliasing),
		cmocka_unit_test(test_kdf_vectors),
		cmocka_unit_test(test_kdf_output_aliases_ck),
		cmocka_unit_test(test_hash2),
		cmocka_unit_test(test_mac_vectors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
