/* BLAKE2s against RFC 7693 (Appendix B "abc" and the Appendix E self-test)
 * and against Python's hashlib for lengths around the block boundary, keyed
 * and unkeyed, several output lengths, one-shot and split into pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/vectors/hash_vectors.h"
#include "tunnel/blake2s.h"

#define NVEC (sizeof(blake2s_vectors) / sizeof(blake2s_vectors[0]))

static void fill_msg(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + 7);
}

static void fill_key(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(0x40 + i * 3);
}

static void test_rfc7693_abc(void **state)
{
	static const uint8_t want[32] = {
		0x50, 0x8c, 0x5e, 0x8c, 0x32, 0x7c, 0x14, 0xe2, 0xe1, 0xa7, 0x2b, 0xa3,
		0x4e, 0xeb, 0x45, 0x2f, 0x37, 0x45, 0x8b, 0x20, 0x9e, 0xd6, 0x3a, 0x29,
		0x4d, 0x99, 0x9b, 0x4c, 0x86, 0x67, 0x59, 0x82,
	};
	uint8_t out[32];

	(void)state;
	blake2s(out, 32, (const uint8_t *)"abc", 3, NULL, 0);
	assert_memory_equal(out, want, 32);
}

/* RFC 7693 Appendix E: a deterministic sequence generator ... */
static void selftest_seq(uint8_t *out, size_t len, uint32_t seed)
{
	uint32_t a = 0xDEAD4BADU * seed, b = 1, t;

	for (size_t i = 0; i < len; i++) {
		t = a + b;
		a = b;
		b = t;
		out[i] = (uint8_t)(t >> 24);
	}
}

/* ... and the hash over 48 plain and keyed digests of its output. */
static void test_rfc7693_selftest(void **state)
{
	static const uint8_t want[32] = {
		0x6a, 0x41, 0x1f, 0x08, 0xce, 0x25, 0xad, 0xcd, 0xfb, 0x02, 0xab, 0xa6,
		0x41, 0x45, 0x1c, 0xec, 0x53, 0xc5, 0x98, 0xb2, 0x4f, 0x4f, 0xc7, 0x87,
		0xfb, 0xdc, 0x88, 0x79, 0x7f, 0x4c, 0x1d, 0xfe,
	};
	static const size_t md_len[] = { 16, 20, 28, 32 };
	static const size_t in_len[] = { 0, 3, 64, 65, 255, 1024 };
	uint8_t in[1024], md[32], key[32];
	struct blake2s_state ctx;

	(void)state;
	blake2s_init(&ctx, 32, NULL, 0);
	for (size_t i = 0; i < 4; i++) {
		size_t outlen = md_len[i];

		for (size_t j = 0; j < 6; j++) {
			size_t inlen = in_len[j];

			selftest_seq(in, inlen, (uint32_t)inlen);
			blake2s(md, outlen, in, inlen, NULL, 0);
			blake2s_update(&ctx, md, outlen);
			selftest_seq(key, outlen, (uint32_t)outlen);
			blake2s(md, outlen, in, inlen, key, outlen);
			blake2s_update(&ctx, md, outlen);
		}
	}
	blake2s_final(&ctx, md);
	assert_memory_equal(md, want, 32);
}

static void test_python_vectors_oneshot(void **state)
{
	uint8_t in[1000], key[32], out[32];

	(void)state;
	fill_msg(in, sizeof(in));
	fill_key(key, sizeof(key));
	for (size_t v = 0; v < NVEC; v++) {
		const struct blake2s_vector *t = &blake2s_vectors[v];

		memset(out, 0xaa, sizeof(out));
		blake2s(out, t->outlen, in, t->inlen, t->keylen ? key : NULL, t->keylen);
		assert_memory_equal(out, t->out, t->outlen);
		/* Nothing past outlen is written. */
		for (size_t i = t->outlen; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xaa);
	}
}

/* Feeds the input in pieces of the given sizes, cycling, with empty updates
 * in between, and expects the same digest as one-shot hashing. */
static void hash_split(uint8_t *out, const struct blake2s_vector *t, const uint8_t *in,
		       const uint8_t *key, const size_t *pieces, size_t npieces)
{
	struct blake2s_state s;
	size_t off = 0, k = 0;

	blake2s_init(&s, t->outlen, t->keylen ? key : NULL, t->keylen);
	while (off < t->inlen) {
		size_t n = pieces[k++ % npieces];

		if (n > t->inlen - off)
			n = t->inlen - off;
		blake2s_update(&s, in + off, n);
		blake2s_update(&s, in + off, 0);
		off += n;
	}
	blake2s_final(&s, out);
}

static void test_python_vectors_incremental(void **state)
{
	static const size_t splits[][4] = {
		{ 1, 1, 1, 1 }, { 3, 61, 1, 7 }, { 63, 2, 64, 1 }, { 64, 64, 64, 64 },
		{ 65, 13, 127, 5 }, { 129, 1, 64, 33 },
	};
	uint8_t in[1000], key[32], out[32];

	(void)state;
	fill_msg(in, sizeof(in));
	fill_key(key, sizeof(key));
	for (size_t v = 0; v < NVEC; v++) {
		for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
			hash_split(out, &blake2s_vectors[v], in, key, splits[s], 4);
			assert_memory_equal(out, blake2s_vectors[v].out, blake2s_vectors[v].outlen);
		}
	}
}

static void test_final_wipes_state(void **state)
{
	static const struct blake2s_state zero;
	struct blake2s_state s;
	uint8_t key[32], out[32];

	(void)state;
	fill_key(key, sizeof(key));
	blake2s_init(&s, 32, key, sizeof(key));
	blake2s_update(&s, (const uint8_t *)"secret", 6);
	blake2s_final(&s, out);
	assert_memory_equal(&s, &zero, sizeof(s));
}

/* The output may alias the input (h = HASH(h) patterns in the handshake). */
static void test_output_aliases_input(void **state)
{
	uint8_t buf[32], want[32];

	(void)state;
	fill_msg(buf, sizeof(buf));
	blake2s(want, 32, buf, sizeof(buf), NULL, 0);
	blake2s(buf, 32, buf, sizeof(buf), NULL, 0);
	assert_memory_equal(buf, want, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7693_abc),
		cmocka_unit_test(test_rfc7693_selftest),
		cmocka_unit_test(test_python_vectors_oneshot),
		cmocka_unit_test(test_python_vectors_incremental),
		cmocka_unit_test(test_final_wipes_state),
		cmocka_unit_test(test_output_aliases_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
