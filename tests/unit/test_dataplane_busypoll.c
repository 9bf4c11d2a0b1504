/* The busy-poll budget policy: no spin without I/O or when off, the budget
 * bounds a fruitless spin, I/O found while polling restarts it, and the
 * operator's value is parsed and bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dataplane/busypoll.h"

#define US 1000ULL

static void test_off_never_spins(void **state)
{
	struct busypoll bp;

	(void)state;
	busypoll_init(&bp, 0);
	assert_false(busypoll_begin(&bp, true, 1000));
	assert_false(busypoll_next(&bp, true, 1000));
}

static void test_idle_pass_does_not_spin(void **state)
{
	struct busypoll bp;

	(void)state;
	busypoll_init(&bp, 100);
	/* A pass that only ran a timer or the UAPI: back to sleep at once. */
	assert_false(busypoll_begin(&bp, false, 5000));
}

static void test_fruitless_spin_ends_at_budget(void **state)
{
	struct busypoll bp;
	uint64_t t0 = 1000000;

	(void)state;
	busypoll_init(&bp, 100);
	assert_true(busypoll_begin(&bp, true, t0));
	assert_true(busypoll_next(&bp, false, t0 + 1 * US));
	assert_true(busypoll_next(&bp, false, t0 + 99 * US));
	assert_false(busypoll_next(&bp, false, t0 + 100 * US));
}

static void test_io_restarts_budget(void **state)
{
	struct busypoll bp;
	uint64_t t0 = 1000000;

	(void)state;
	busypoll_init(&bp, 100);
	assert_true(busypoll_begin(&bp, true, t0));
	/* The reply came in at 80 us: another full budget from there. */
	assert_true(busypoll_next(&bp, true, t0 + 80 * US));
	assert_true(busypoll_next(&bp, false, t0 + 170 * US));
	assert_false(busypoll_next(&bp, false, t0 + 180 * US));
	/* A new pass starts a new budget. */
	assert_true(busypoll_begin(&bp, true, t0 + 500 * US));
	assert_false(busypoll_next(&bp, false, t0 + 600 * US));
}

static void test_budget_capped(void **state)
{
	struct busypoll bp;

	(void)state;
	busypoll_init(&bp, 1000000);
	assert_true(bp.budget_ns == (uint64_t)BUSYPOLL_MAX_US * US);
	assert_true(busypoll_begin(&bp, true, 0));
	assert_false(busypoll_next(&bp, false, BUSYPOLL_MAX_US * US));
}

static void test_parse(void **state)
{
	unsigned us = 12345;

	(void)state;
	assert_int_equal(busypoll_parse("off", &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(busypoll_parse("ON", &us), 0);
	assert_int_equal(us, BUSYPOLL_DEFAULT_US);
	assert_int_equal(busypoll_parse("0", &us), 0);
	assert_int_equal(us, 0);
	assert_int_equal(busypoll_parse("250", &us), 0);
	assert_int_equal(us, 250);
	assert_int_equal(busypoll_parse("1000", &us), 0);
	assert_int_equal(us, 1000);
	us = 7;
	assert_int_equal(busypoll_parse("1001", &us), -EINVAL);
	assert_int_equal(busypoll_parse("-1", &us), -EINVAL);
	assert_int_equal(busypoll_parse("10us", &us), -EINVAL);
	assert_int_equal(busypoll_parse("", &us), -EINVAL);
	assert_int_equal(busypoll_parse(NULL, &us), -EINVAL);
	assert_int_equal(busypoll_parse("99999999999999999999", &us), -EINVAL);
	assert_int_equal(us, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_never_spins),
		cmocka_unit_test(test_idle_pass_does_not_spin),
		cmocka_unit_test(test_fruitless_spin_ends_at_budget),
		cmocka_unit_test(test_io_restarts_budget),
		cmocka_unit_test(test_budget_capped),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
