/* Kernel names of fabric mode: the documented spellings, 15 characters at
 * most, and only canonical names of ours parse back (so a restarted agent
 * never removes a link it did not make). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/fabric_names.h"

static void test_names_as_documented(void **state)
{
	char n[IFNAMSIZ];

	(void)state;
	fabric_link_name(FABRIC_LINK_BRIDGE, 1, n);
	assert_string_equal(n, "tnb1");
	fabric_link_name(FABRIC_LINK_UPLINK, 0x2a, n);
	assert_string_equal(n, "tnu2a");
	fabric_link_name(FABRIC_LINK_CONTAINER, 11, n);
	assert_string_equal(n, "tncb");
	fabric_link_name(FABRIC_LINK_VM, 0xffffffffu, n);
	assert_string_equal(n, "tnvffffffff");
	assert_true(strlen(n) <= 15);
	fabric_link_name(FABRIC_LINK_PEER, 0x100, n);
	assert_string_equal(n, "tnp100");
}

static void test_round_trip(void **state)
{
	static const enum fabric_link_kind kinds[] = { FABRIC_LINK_BRIDGE, FABRIC_LINK_UPLINK,
		FABRIC_LINK_CONTAINER, FABRIC_LINK_PEER, FABRIC_LINK_VM };
	static const uint32_t ids[] = { 1, 9, 10, 0xabc, 0x10000, 0xffffffffu };
	enum fabric_link_kind k;
	char n[IFNAMSIZ];
	uint32_t id;

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
			fabric_link_name(kinds[i], ids[j], n);
			assert_true(fabric_name_parse(n, &k, &id));
			assert_int_equal(k, kinds[i]);
			assert_int_equal(id, ids[j]);
		}
	}
}

static void test_foreign_names_refused(void **state)
{
	static const char *const names[] = {
		"tn", "tnb", "tnl0", "tnb0", "tnb01", "tnbA", "tnb1g", "tnx1", "tnb100000000",
		"tunb1", "eth0", "tenet0", "tnc-1", "Tnb1", "tnb 1", "",
	};
	enum fabric_link_kind k;
	uint32_t id;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (fabric_name_parse(names[i], &k, &id))
			fail_msg("\"%s\" taken for one of ours", names[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_as_documented),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_foreign_names_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
