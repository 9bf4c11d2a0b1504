/* Interface names: validity and wg-quick's name-from-file convention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/ifname.h"

static void test_valid_names(void **state)
{
	(void)state;
	assert_true(ifname_valid("wg0"));
	assert_true(ifname_valid("a"));
	assert_true(ifname_valid("h4-site_2.x=+"));
	assert_true(ifname_valid("123456789012345"));
	assert_false(ifname_valid(""));
	assert_false(ifname_valid("1234567890123456"));
	assert_false(ifname_valid("."));
	assert_false(ifname_valid(".."));
	assert_false(ifname_valid("a/b"));
	assert_false(ifname_valid("a b"));
	assert_false(ifname_valid("a\tb"));
	assert_false(ifname_valid("a:1"));
	assert_false(ifname_valid("a\nb"));
}

static void test_name_from_path(void **state)
{
	char name[IFNAMSIZ];

	(void)state;
	assert_true(ifname_from_config_path("/etc/wireguard/wg0.conf", name));
	assert_string_equal(name, "wg0");
	assert_true(ifname_from_config_path("site-a.conf", name));
	assert_string_equal(name, "site-a");
	assert_true(ifname_from_config_path("dir.conf/tun7", name));
	assert_string_equal(name, "tun7");
	assert_true(ifname_from_config_path("/x/123456789012345.conf", name));
	assert_string_equal(name, "123456789012345");
	memcpy(name, "untouched", 10);
	assert_false(ifname_from_config_path("/x/1234567890123456.conf", name));
	assert_false(ifname_from_config_path("/x/", name));
	assert_false(ifname_from_config_path("/x/a b.conf", name));
	assert_false(ifname_from_config_path("/x/a:b.conf", name));
	assert_string_equal(name, "untouched");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_name_from_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
