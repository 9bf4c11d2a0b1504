/* The controller's default subnet MTU must be what the fabric can carry
 * without fragmenting on a 1500-byte IPv4 underlay; both sides compute it,
 * so a change to either must show up here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "controlplane/model.h"
#include "dataplane/fabric_frame.h"

static void test_default_mtu_fits_ipv4_underlay(void **state)
{
	(void)state;
	assert_int_equal(CP_MTU_DEFAULT, fabric_mtu_for_underlay(1500, false));
}

static void test_default_mtu_fills_one_datagram(void **state)
{
	/* 16-byte header + plaintext padded to 16 + 16-byte tag, in 1472 bytes of UDP. */
	unsigned plain = 8 + 14 + CP_MTU_DEFAULT;
	unsigned padded = (plain + 15) / 16 * 16;

	(void)state;
	assert_true(16 + padded + 16 <= 1500 - 20 - 8);
	plain += 1;
	padded = (plain + 15) / 16 * 16;
	assert_true(16 + padded + 16 > 1500 - 20 - 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_mtu_fits_ipv4_underlay),
		cmocka_unit_test(test_default_mtu_fills_one_datagram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
