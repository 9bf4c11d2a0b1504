/* The Internet checksum against a naive 16-bit-at-a-time reference, on the
 * RFC 1071 example and on random buffers summed in chained pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dataplane/csum.h"

static uint16_t naive_fold(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void rfc1071_example(void **state)
{
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	assert_int_equal(csum_fold_partial(csum_add(0, b, sizeof(b))), 0xddf2);
	assert_int_equal(csum_fold(csum_add(0, b, sizeof(b))), (uint16_t)~0xddf2);
}

static void random_buffers_chained(void **state)
{
	uint8_t buf[3000];

	(void)state;
	srand(7);
	for (int round = 0; round < 300; round++) {
		size_t len = (size_t)rand() % sizeof(buf), cut = (size_t)rand() % (len + 1) & ~(size_t)1;
		uint64_t sum;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		/* all-0xff stretches push the carries */
		if (round % 3 == 0)
			for (size_t i = 0; i < len / 2; i++)
				buf[i] = 0xff;
		sum = csum_add(csum_add(0, buf, cut), buf + cut, len - cut);
		assert_int_equal(csum_fold_partial(sum), naive_fold(buf, len));
	}
}

/* A buffer with its own checksum stored in it sums to 0xffff. */
static void stored_checksum_verifies(void **state)
{
	uint8_t buf[41] = { 0x45, 0, 0, 41 };

	(void)state;
	for (size_t i = 4; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37);
	buf[10] = buf[11] = 0;
	csum_store(buf + 10, csum_fold(csum_add(0, buf, sizeof(buf))));
	assert_int_equal(naive_fold(buf, sizeof(buf)), 0xffff);
}

static void pseudo_header(void **state)
{
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	uint8_t ph[12] = { 10, 0, 0, 1, 10, 0, 0, 2, 0, 6, 0x12, 0x34 };

	(void)state;
	assert_int_equal(csum_fold_partial(csum_pseudo(src, dst, 4, 6, 0x1234)),
			 naive_fold(ph, sizeof(ph)));
	/* lengths above 16 bits (IPv6 jumbo-sized sums) still fold right */
	assert_int_equal(csum_fold_partial(csum_pseudo(src, dst, 4, 6, 0x10000)),
			 csum_fold_partial(csum_pseudo(src, dst, 4, 6, 1)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc1071_example),
		cmocka_unit_test(random_buffers_chained),
		cmocka_unit_test(stored_checksum_verifies),
		cmocka_unit_test(pseudo_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
