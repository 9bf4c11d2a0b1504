/* Handshake load detection with an injected clock: under load only above the
 * threshold within one window, held for a second after the flood. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dataplane/load.h"

#define SEC 1000000000ULL

static void test_below_threshold_never_loaded(void **state)
{
	struct load_meter m;
	uint64_t t = 5 * SEC;

	(void)state;
	load_init(&m, t);
	for (unsigned i = 0; i < LOAD_THRESHOLD; i++)
		load_hit(&m, t + i);
	assert_false(load_under(&m, t + LOAD_THRESHOLD));
	/* the same rate, spread over later windows, stays below too */
	for (unsigned w = 1; w < 5; w++) {
		for (unsigned i = 0; i < LOAD_THRESHOLD; i++)
			load_hit(&m, t + w * SEC + i);
		assert_false(load_under(&m, t + w * SEC + LOAD_THRESHOLD));
	}
}

static void test_flood_then_recovery(void **state)
{
	struct load_meter m;
	uint64_t t = 100 * SEC, last = 0;

	(void)state;
	load_init(&m, t);
	for (unsigned i = 0; i <= LOAD_THRESHOLD; i++) {
		last = t + i * 1000;
		load_hit(&m, last);
	}
	assert_true(load_under(&m, last));
	assert_true(load_under(&m, last + SEC - 1));
	assert_false(load_under(&m, last + SEC));
}

static void test_window_restarts(void **state)
{
	struct load_meter m;
	uint64_t t = SEC;

	(void)state;
	load_init(&m, t);
	/* threshold hits split across two windows: never more than the
	 * threshold within one */
	for (unsigned i = 0; i < LOAD_THRESHOLD; i++)
		load_hit(&m, t + SEC - 1);
	load_hit(&m, t + SEC);
	assert_false(load_under(&m, t + SEC));
	assert_int_equal(m.count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_threshold_never_loaded),
		cmocka_unit_test(test_flood_then_recovery),
		cmocka_unit_test(test_window_restarts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
