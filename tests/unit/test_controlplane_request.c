/* controlplane/request: request bodies are one JSON object with no unknown,
 * duplicate, missing or mistyped fields, and every value is parsed; each
 * refusal says what is wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "controlplane/request.h"
#include "controlplane/token.h"

#define KEY "9HjKAeS9DjjVwBRBNr/VAzQp6Tee/04pOvX8xlL3VS4="

static int tenant(const char *body, struct cp_tenant_req *r, struct cp_error *err)
{
	return cp_request_parse_tenant(body, strlen(body), r, err);
}

/* Refused with -EINVAL and a message containing words. */
static void refused(int rc, const struct cp_error *err, const char *words)
{
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err->message, words))
		fail_msg("message \"%s\" lacks \"%s\"", err->message, words);
}

static void test_json_shape(void **state)
{
	struct cp_tenant_req r;
	struct cp_error err;

	(void)state;
	refused(tenant("", &r, &err), &err, "malformed JSON");
	refused(tenant("{", &r, &err), &err, "malformed JSON");
	refused(tenant("{\"name\":\"a\"} x", &r, &err), &err, "malformed JSON");
	refused(tenant("{\"name\":\"a\",}", &r, &err), &err, "malformed JSON");
	refused(tenant("[\"a\"]", &r, &err), &err, "must be a JSON object");
	refused(tenant("\"acme\"", &r, &err), &err, "must be a JSON object");
	refused(tenant("null", &r, &err), &err, "must be a JSON object");
	refused(tenant("{\"name\":\"a\",\"name\":\"b\"}", &r, &err), &err, "malformed JSON");
	refused(tenant("{\"name\":\"a\\u0000b\"}", &r, &err), &err, "malformed JSON");
	/* bytes after a NUL are part of the body and are refused too */
	refused(cp_request_parse_tenant("{\"name\":\"a\"}\0junk", 17, &r, &err), &err,
		"malformed JSON");
	assert_int_equal(cp_request_parse_tenant("{\"name\":\"a\"}junk", 12, &r, &err), 0);
}

static void test_fields(void **state)
{
	struct cp_tenant_req r;
	struct cp_error err;

	(void)state;
	refused(tenant("{}", &r, &err), &err, "missing field \"name\"");
	refused(tenant("{\"name\":\"a\",\"color\":1}", &r, &err), &err, "unknown field \"color\"");
	refused(tenant("{\"Name\":\"a\"}", &r, &err), &err, "unknown field \"Name\"");
	refused(tenant("{\"name\":7}", &r, &err), &err, "field \"name\" must be a string");
	refused(tenant("{\"name\":null}", &r, &err), &err, "must not be null");
	refused(tenant("{\"name\":\"a\",\"vni\":\"7\"}", &r, &err), &err,
		"field \"vni\" must be an integer");
	refused(tenant("{\"name\":\"a\",\"vni\":7.0}", &r, &err), &err, "must be an integer");
	refused(tenant("{\"name\":\"a\",\"vni\":true}", &r, &err), &err, "must be an integer");
	refused(tenant("{\"name\":\"a\",\"vni\":0}", &r, &err), &err, "out of range");
	refused(tenant("{\"name\":\"a\",\"vni\":99999999999999999999}", &r, &err), &err,
		"malformed JSON");
	refused(tenant("{\"name\":\"a b\"}", &r, &err), &err, "tenant name \"a b\" is malformed");
	assert_int_equal(tenant("{\"name\":\"acme\",\"vni\":null}", &r, &err), 0);
	assert_false(r.has_vni);
	assert_int_equal(tenant("{\"name\":\"acme\",\"vni\":4096}", &r, &err), 0);
	assert_true(r.has_vni);
	assert_int_equal(r.vni, 4096);
	assert_string_equal(r.name, "acme");
}

static void test_host(void **state)
{
	struct cp_host_req r;
	struct cp_error err;
	const char *ok = "{\"name\":\"h1\",\"public_key\":\"" KEY "\",\"endpoint\":\"192.0.2.1:51820\"}";
	const char *badkey = "{\"name\":\"h1\",\"public_key\":\"abc\",\"endpoint\":\"192.0.2.1:1\"}";
	const char *badep = "{\"name\":\"h1\",\"public_key\":\"" KEY "\",\"endpoint\":\"x:1\"}";

	(void)state;
	assert_int_equal(cp_request_parse_host(ok, strlen(ok), &r, &err), 0);
	assert_string_equal(r.name, "h1");
	assert_string_equal(r.endpoint, "192.0.2.1:51820");
	assert_int_equal(r.public_key[0], 0xf4);
	refused(cp_request_parse_host(badkey, strlen(badkey), &r, &err), &err, "public key");
	refused(cp_request_parse_host(badep, strlen(badep), &r, &err), &err, "endpoint");
}

static void test_subnet(void **state)
{
	struct cp_subnet_req r;
	struct cp_error err;
	const char *ok = "{\"tenant\":\"acme\",\"name\":\"web\",\"cidr\":\"10.0.1.0/24\","
			 "\"mtu\":1400,\"dhcp\":false}";
	const char *dflt = "{\"tenant\":\"acme\",\"name\":\"web\",\"cidr\":\"10.0.1.0/24\"}";
	const char *bits = "{\"tenant\":\"acme\",\"name\":\"web\",\"cidr\":\"10.0.1.1/24\"}";
	const char *mtu = "{\"tenant\":\"acme\",\"name\":\"web\",\"cidr\":\"10.0.1.0/24\",\"mtu\":70000}";
	const char *dhcp = "{\"tenant\":\"acme\",\"name\":\"web\",\"cidr\":\"10.0.1.0/24\",\"dhcp\":1}";

	(void)state;
	assert_int_equal(cp_request_parse_subnet(ok, strlen(ok), &r, &err), 0);
	assert_int_equal(r.cidr.addr, 0x0a000100u);
	assert_true(r.has_mtu);
	assert_int_equal(r.mtu, 1400);
	assert_false(r.dhcp);
	assert_int_equal(cp_request_parse_subnet(dflt, strlen(dflt), &r, &err), 0);
	assert_false(r.has_mtu);
	assert_true(r.dhcp);
	refused(cp_request_parse_subnet(bits, strlen(bits), &r, &err), &err, "host bits");
	refused(cp_request_parse_subnet(mtu, strlen(mtu), &r, &err), &err, "MTU");
	refused(cp_request_parse_subnet(dhcp, strlen(dhcp), &r, &err), &err, "true or false");
}

static void test_port(void **state)
{
	struct cp_port_req r;
	struct cp_error err;
	const char *ok = "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p\",\"host\":\"h1\","
			 "\"kind\":\"container\",\"netns\":\"c1\",\"ip\":\"10.0.1.9\","
			 "\"mac\":\"02:00:00:00:00:09\"}";
	const char *vm = "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p\",\"host\":\"h1\","
			 "\"kind\":\"vm\"}";
	const char *kind = "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p\",\"host\":\"h1\","
			   "\"kind\":\"lxc\"}";
	const char *ip = "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p\",\"host\":\"h1\","
			 "\"kind\":\"vm\",\"ip\":\"10.0.1\"}";
	const char *mac = "{\"tenant\":\"acme\",\"subnet\":\"web\",\"name\":\"p\",\"host\":\"h1\","
			  "\"kind\":\"vm\",\"mac\":\"zz:00:00:00:00:01\"}";

	(void)state;
	assert_int_equal(cp_request_parse_port(ok, strlen(ok), &r, &err), 0);
	assert_int_equal(r.kind, CP_PORT_CONTAINER);
	assert_string_equal(r.netns, "c1");
	assert_true(r.has_ip);
	assert_int_equal(r.ip, 0x0a000109u);
	assert_true(r.has_mac);
	assert_int_equal(r.mac[5], 9);
	assert_int_equal(cp_request_parse_port(vm, strlen(vm), &r, &err), 0);
	assert_int_equal(r.kind, CP_PORT_VM);
	assert_false(r.has_ip);
	assert_false(r.has_mac);
	assert_string_equal(r.netns, "");
	refused(cp_request_parse_port(kind, strlen(kind), &r, &err), &err,
		"kind \"lxc\" is not \"container\" or \"vm\"");
	refused(cp_request_parse_port(ip, strlen(ip), &r, &err), &err, "not an IPv4 address");
	refused(cp_request_parse_port(mac, strlen(mac), &r, &err), &err, "MAC");
}

static void test_route(void **state)
{
	struct cp_route_req r;
	struct cp_error err;
	const char *ok = "{\"tenant\":\"acme\",\"prefix\":\"0.0.0.0/0\",\"via\":\"10.0.1.2\"}";
	const char *bad = "{\"tenant\":\"acme\",\"prefix\":\"10.0.0.0\",\"via\":\"10.0.1.2\"}";

	(void)state;
	assert_int_equal(cp_request_parse_route(ok, strlen(ok), &r, &err), 0);
	assert_int_equal(r.prefix.len, 0);
	assert_int_equal(r.via, 0x0a000102u);
	refused(cp_request_parse_route(bad, strlen(bad), &r, &err), &err, "IPv4 prefix");
}

static void test_token(void **state)
{
	struct cp_error err;
	int64_t ttl;

	(void)state;
	assert_int_equal(cp_request_parse_token("", 0, &ttl, &err), 0);
	assert_int_equal(ttl, CP_TOKEN_TTL_DEFAULT);
	assert_int_equal(cp_request_parse_token("{}", 2, &ttl, &err), 0);
	assert_int_equal(ttl, CP_TOKEN_TTL_DEFAULT);
	assert_int_equal(cp_request_parse_token("{\"ttl_seconds\":600}", 19, &ttl, &err), 0);
	assert_int_equal(ttl, 600);
	refused(cp_request_parse_token("{\"ttl_seconds\":1}", 17, &ttl, &err), &err, "out of range");
	refused(cp_request_parse_token("{\"ttl\":600}", 11, &ttl, &err), &err, "unknown field");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_subnet),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
