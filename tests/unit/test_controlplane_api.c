/* controlplane/api (cp_api_handle, without HTTP): routing, methods, query
 * parameters, status codes and the JSON shapes of answers and errors. The
 * same API over a real unix socket is tests/net/test_controller_api.sh. */
#include "tests/unit/test_controlplane_fixture.h"

#include "controlplane/api.h"

static int64_t fake_now(void *ctx)
{
	return *(int64_t *)ctx;
}

static json_t *call(struct fx *f, enum cp_method m, const char *target, const char *body,
		    int want_status)
{
	static int64_t now = 1000000;
	struct cp_api_ctx ctx = { .store = f->st, .rng = f->rng, .now = fake_now, .now_ctx = &now };
	char path[256];
	char *q;
	struct cp_api_request req = { .method = m, .path = path, .body = body ? body : "",
				      .body_len = body ? strlen(body) : 0 };
	struct cp_api_response res;

	snprintf(path, sizeof(path), "%s", target);
	q = strchr(path, '?');
	if (q) {
		*q = '\0';
		req.query = q + 1;
	}
	cp_api_handle(&ctx, &req, &res);
	assert_non_null(res.body);
	if (res.status != want_status) {
		char *dump = json_dumps(res.body, 0);

		fail_msg("%s: status %d, wanted %d: %s", target, res.status, want_status, dump);
	}
	if (res.status >= 400)
		assert_true(json_is_string(json_object_get(res.body, "error")));
	return res.body;
}

#define GET(f, t, s) call(f, CP_METHOD_GET, t, NULL, s)
#define POST(f, t, b, s) call(f, CP_METHOD_POST, t, b, s)
#define DEL(f, t, s) call(f, CP_METHOD_DELETE, t, NULL, s)

static void populate(struct fx *f)
{
	json_decref(POST(f, "/v1/tenants", "{\"name\":\"acme\"}", 201));
	json_decref(POST(f, "/v1/hosts", "{\"name\":\"h1\",\"public_key\":"
			 "\"9HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4=\","
			 "\"endpoint\":\"192.0.2.1:51820\"}", 201));
	json_decref(POST(f, "/v1/subnets", "{\"tenant\":\"acme\",\"name\":\"web\","
			 "\"cidr\":\"10.0.1.0/24\"}", 201));
	json_decref(POST(f, "/v1/ports", "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p1\","
			 "\"host\":\"h1\",\"kind\":\"vm\"}", 201));
	json_decref(POST(f, "/v1/routes", "{\"tenant\":\"acme\",\"prefix\":\"192.168.0.0/16\","
			 "\"via\":\"10.0.1.2\"}", 201));
}

static void test_paths_and_methods(void **state)
{
	struct fx *f = *state;

	json_decref(GET(f, "/v1/nope", 404));
	json_decref(GET(f, "/v2/tenants", 404));
	json_decref(GET(f, "/", 404));
	json_decref(GET(f, "", 404));
	json_decref(GET(f, "/v1/tenants/a/b/c", 404));
	json_decref(GET(f, "/v1/a/b/c/d/e/f/g/h/i", 404));
	json_decref(call(f, CP_METHOD_OTHER, "/v1/tenants", NULL, 405));
	json_decref(DEL(f, "/v1/tenants", 405));
	json_decref(POST(f, "/v1/tenants/acme", "{}", 405));
	json_decref(GET(f, "//v1//tenants", 200)); /* empty segments collapse */
	/* bytes that are not UTF-8 still get a JSON error (found by fuzz_api_json) */
	json_decref(GET(f, "/v\xa0\xcf\xff\xff/x", 404));
	json_decref(GET(f, "/v1/ports?\xff\xfe=1", 400));
}

static void test_create_get_list_delete(void **state)
{
	struct fx *f = *state;
	json_t *j;

	populate(f);
	j = GET(f, "/v1/ports/acme/p1", 200);
	assert_string_equal(json_string_value(json_object_get(j, "ip")), "10.0.1.2");
	assert_true(json_is_null(json_object_get(j, "netns")));
	json_decref(j);
	j = GET(f, "/v1/ports?tenant=acme&host=h1", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "revision")), 5);
	assert_int_equal(json_array_size(json_object_get(j, "ports")), 1);
	json_decref(j);
	j = GET(f, "/v1/routes/acme/192.168.0.0/16", 200);
	assert_string_equal(json_string_value(json_object_get(j, "via")), "10.0.1.2");
	json_decref(j);
	json_decref(GET(f, "/v1/routes/acme/192.168.0.0/33", 400));
	json_decref(GET(f, "/v1/routes/acme/192.168.0.1/16", 400));
	j = DEL(f, "/v1/routes/acme/192.168.0.0/16", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "revision")), 6);
	json_decref(j);
	json_decref(DEL(f, "/v1/routes/acme/192.168.0.0/16", 404));
	json_decref(GET(f, "/v1/subnets/acme/web", 200));
	json_decref(GET(f, "/v1/tenants/acme", 200));
	json_decref(GET(f, "/v1/hosts/h1", 200));
	json_decref(GET(f, "/v1/hosts/h1/view", 200));
	json_decref(GET(f, "/v1/hosts/bad!name", 400));
	j = GET(f, "/v1/revision", 200);
	assert_int_equal(json_integer_value(json_object_get(j, "revision")), 6);
	json_decref(j);
}

static void test_query_parameters(void **state)
{
	struct fx *f = *state;
	json_t *j;

	populate(f);
	json_decref(GET(f, "/v1/subnets?tenant=nope", 404));
	json_decref(GET(f, "/v1/subnets?tenant=a%20b", 400));
	json_decref(GET(f, "/v1/subnets?color=red", 400));
	json_decref(GET(f, "/v1/subnets?tenant", 400));
	json_decref(GET(f, "/v1/hosts?tenant=acme", 400));
	json_decref(GET(f, "/v1/changes?since=-1", 400));
	json_decref(GET(f, "/v1/changes?since=1x", 400));
	j = GET(f, "/v1/changes?since=3&limit=1", 200);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "changes"), 0), "kind")), "port");
	json_decref(j);
}

/* Behind the revision log's window: 410 naming the oldest revision kept,
 * never a list with a hole; without since, the log as kept. */
static void test_changes_pruned_is_gone(void **state)
{
	struct fx *f = *state;
	json_t *j, *changes;
	const char *msg;

	assert_int_equal(cp_store_set_change_window(f->st, 3, 1), 0);
	populate(f); /* revisions 1..5: 3..5 kept */
	for (int since = 0; since <= 1; since++) {
		char path[64];

		snprintf(path, sizeof(path), "/v1/changes?since=%d", since);
		j = GET(f, path, 410);
		msg = json_string_value(json_object_get(j, "error"));
		assert_non_null(strstr(msg, "oldest revision kept is 3"));
		assert_null(json_object_get(j, "changes"));
		json_decref(j);
	}
	json_decref(GET(f, "/v1/changes?since=0&limit=1", 410));
	j = GET(f, "/v1/changes?since=2", 200);
	changes = json_object_get(j, "changes");
	assert_int_equal(json_array_size(changes), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(changes, 0),
							    "revision")), 3);
	json_decref(j);
	j = GET(f, "/v1/changes", 200);
	changes = json_object_get(j, "changes");
	assert_int_equal(json_integer_value(json_object_get(j, "revision")), 5);
	assert_int_equal(json_array_size(changes), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(changes, 0),
							    "revision")), 3);
	json_decref(j);
	j = GET(f, "/v1/changes?since=5", 200);
	assert_int_equal(json_array_size(json_object_get(j, "changes")), 0);
	json_decref(j);
}

static void test_errors_have_status(void **state)
{
	struct fx *f = *state;
	json_t *j;

	populate(f);
	j = POST(f, "/v1/tenants", "{\"name\":\"acme\"}", 409);
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "tenant \"acme\" already exists");
	json_decref(j);
	json_decref(POST(f, "/v1/tenants", "{\"name\":", 400));
	json_decref(POST(f, "/v1/tenants", "{\"name\":\"x\",\"extra\":1}", 400));
	json_decref(DEL(f, "/v1/hosts/h1", 409));
	json_decref(DEL(f, "/v1/ports/acme/p1", 409));
	json_decref(call(f, CP_METHOD_GET, "/v1/tenants", "{}", 400)); /* body on GET */
	json_decref(POST(f, "/v1/ports", "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p2\","
			 "\"host\":\"nope\",\"kind\":\"vm\"}", 404));
}

static void test_tokens(void **state)
{
	struct fx *f = *state;
	json_t *j;
	const char *token;

	j = POST(f, "/v1/tokens", NULL, 201);
	token = json_string_value(json_object_get(j, "token"));
	assert_non_null(token);
	assert_int_equal(strncmp(token, "tj1_", 4), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "expires_at")), 1000000 + 3600);
	json_decref(j);
	j = POST(f, "/v1/tokens", "{\"ttl_seconds\":120}", 201);
	json_decref(j);
	j = GET(f, "/v1/tokens", 200);
	assert_int_equal(json_array_size(json_object_get(j, "tokens")), 2);
	assert_null(json_object_get(json_array_get(json_object_get(j, "tokens"), 0), "token"));
	json_decref(j);
	json_decref(DEL(f, "/v1/tokens/1", 200));
	json_decref(DEL(f, "/v1/tokens/1", 404));
	json_decref(DEL(f, "/v1/tokens/x", 400));
	json_decref(POST(f, "/v1/tokens", "{\"ttl_seconds\":5}", 400));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_paths_and_methods),
		FX_TEST(test_create_get_list_delete),
		FX_TEST(test_query_parameters),
		FX_TEST(test_changes_pruned_is_gone),
		FX_TEST(test_errors_have_status),
		FX_TEST(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
