/* The stored view: saved whole (no temporary file left, mode 0600, the
 * directory created), read back equal, replaced atomically; absent or
 * corrupt files give NULL, never a half view. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dataplane/fabric_store.h"

struct fx {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	snprintf(x->dir, sizeof(x->dir), "/tmp/tenet-store-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	snprintf(x->path, sizeof(x->path), "%s/sub/tenet0.view.json", x->dir);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char p[160];

	unlink(x->path);
	snprintf(p, sizeof(p), "%s/sub", x->dir);
	rmdir(p);
	rmdir(x->dir);
	free(x);
	return 0;
}

static void test_round_trip(void **state)
{
	struct fx *x = *state;
	json_t *v = json_pack("{s:i, s:[{s:s}]}", "revision", 9, "tenants", "name", "acme"), *back;
	char tmp[160];
	struct stat st;

	assert_int_equal(fabric_store_save(x->path, v), 0);
	assert_int_equal(stat(x->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", x->path);
	assert_int_equal(access(tmp, F_OK), -1);
	back = fabric_store_load(x->path);
	assert_non_null(back);
	assert_true(json_equal(v, back));
	json_decref(back);

	/* A newer view replaces it whole. */
	json_object_set_new(v, "revision", json_integer(10));
	assert_int_equal(fabric_store_save(x->path, v), 0);
	back = fabric_store_load(x->path);
	assert_int_equal(json_integer_value(json_object_get(back, "revision")), 10);
	json_decref(back);
	json_decref(v);
}

static void test_absent_or_corrupt(void **state)
{
	struct fx *x = *state;
	FILE *fp;
	char p[160];

	assert_null(fabric_store_load(x->path));
	snprintf(p, sizeof(p), "%s/sub", x->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	fp = fopen(x->path, "w");
	assert_non_null(fp);
	fputs("{\"revision\": 3, \"tenants\": [", fp); /* cut short */
	fclose(fp);
	assert_null(fabric_store_load(x->path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absent_or_corrupt, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
