/* The host view parser: a well-formed view in the admin API's JSON form
 * becomes checked values; any bad field refuses the whole view and names it. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/fabric_view.h"

#define KEY_A "sD4BZKD5c2gVrXGBrsDNM/7YrLkoClzXJRgLgUOKTUg="
#define KEY_B "S+Gwuh3tUSppclMp4kqaR/PysT5vVEuqEpALoPe0x10="

static const char good[] =
	"{\"revision\": 7,"
	" \"host\": {\"id\": 1, \"revision\": 1, \"name\": \"h1\", \"public_key\": \"" KEY_A "\","
	"          \"endpoint\": \"192.168.77.1:51820\"},"
	" \"peers\": [{\"id\": 2, \"revision\": 1, \"name\": \"h2\", \"public_key\": \"" KEY_B "\","
	"            \"endpoint\": \"[fd00::2]:51821\"}],"
	" \"tenants\": [{\"id\": 1, \"revision\": 1, \"name\": \"acme\", \"vni\": 100,"
	"   \"subnets\": [{\"id\": 3, \"revision\": 1, \"tenant\": \"acme\", \"name\": \"s1\","
	"                \"cidr\": \"10.0.1.0/24\", \"gateway\": \"10.0.1.1\", \"mtu\": 1418, \"dhcp\": false}],"
	"   \"ports\": [{\"id\": 11, \"revision\": 1, \"tenant\": \"acme\", \"subnet\": \"s1\", \"name\": \"a1\","
	"              \"host\": \"h1\", \"kind\": \"container\", \"mac\": \"02:00:00:00:00:0b\","
	"              \"ip\": \"10.0.1.11\", \"netns\": \"ctr1\"},"
	"             {\"id\": 12, \"revision\": 1, \"tenant\": \"acme\", \"subnet\": \"s1\", \"name\": \"v2\","
	"              \"host\": \"h2\", \"kind\": \"vm\", \"mac\": \"02:00:00:00:00:0c\","
	"              \"ip\": \"10.0.1.12\", \"netns\": null}],"
	"   \"routes\": [{\"id\": 5, \"revision\": 1, \"tenant\": \"acme\", \"prefix\": \"192.168.0.0/16\","
	"               \"via\": \"10.0.1.12\"}]}]}";

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("fixture is not JSON: %s", e.text);
	return j;
}

static void test_good_view(void **state)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v;
	json_t *j = load(good);

	(void)state;
	assert_int_equal(fabric_view_parse(j, &v, err), 0);
	assert_int_equal(v->revision, 7);
	assert_string_equal(v->self.name, "h1");
	assert_int_equal(v->n_peers, 1);
	assert_string_equal(v->peers[0].name, "h2");
	assert_int_equal(v->peers[0].endpoint.addr.sa.sa_family, AF_INET6);
	assert_int_equal(ntohs(v->peers[0].endpoint.addr.in6.sin6_port), 51821);
	assert_int_equal(v->n_tenants, 1);
	assert_int_equal(v->tenants[0].vni, 100);
	assert_int_equal(v->n_subnets, 1);
	assert_int_equal(v->subnets[0].id, 3);
	assert_int_equal(v->subnets[0].network, 0x0a000100);
	assert_int_equal(v->subnets[0].plen, 24);
	assert_int_equal(v->subnets[0].mtu, 1418);
	assert_false(v->subnets[0].dhcp);
	assert_int_equal(v->n_ports, 2);
	assert_int_equal(v->ports[0].kind, FABRIC_PORT_CONTAINER);
	assert_string_equal(v->ports[0].netns, "ctr1");
	assert_int_equal(v->ports[0].subnet, 0);
	assert_int_equal(v->ports[0].ip, 0x0a00010b);
	assert_memory_equal(v->ports[0].mac, "\x02\x00\x00\x00\x00\x0b", 6);
	assert_true(fabric_port_is_local(&v->ports[0], "h1"));
	assert_false(fabric_port_is_local(&v->ports[1], "h1"));
	assert_int_equal(v->ports[1].kind, FABRIC_PORT_VM);
	assert_string_equal(v->ports[1].netns, "");
	assert_int_equal(v->n_routes, 1);
	assert_int_equal(v->routes[0].prefix, 0xc0a80000);
	assert_int_equal(v->routes[0].plen, 16);
	assert_int_equal(v->routes[0].via, 0x0a00010c);
	fabric_view_free(v);
	json_decref(j);
}

/* Each edit breaks one field; the error must name where. */
static void refused(const char *path_json, json_t *value, const char *expect)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v = NULL;
	json_t *j = load(good), *obj = j;
	char path[128], *tok, *save = NULL;
	char *last = NULL;

	snprintf(path, sizeof(path), "%s", path_json);
	for (tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (last)
			obj = json_is_array(obj) ? json_array_get(obj, (size_t)atoi(last)) : json_object_get(obj, last);
		last = tok;
	}
	if (value)
		json_object_set_new(obj, last, value);
	else
		json_object_del(obj, last);
	assert_int_equal(fabric_view_parse(j, &v, err), -EINVAL);
	assert_null(v);
	if (!strstr(err, expect))
		fail_msg("for %s: \"%s\" does not mention \"%s\"", path_json, err, expect);
	json_decref(j);
}

static void test_bad_fields(void **state)
{
	(void)state;
	refused("revision", json_string("7"), "revision");
	refused("host/public_key", json_string("nope"), "host");
	refused("host/name", NULL, "name");
	refused("peers/0/endpoint", json_string("10.0.0.1"), "peers[0]");
	refused("peers/0/endpoint", json_string("10.0.0.1:0"), "peers[0]");
	refused("tenants/0/vni", json_integer(0), "vni");
	refused("tenants/0/vni", json_integer(1 << 24), "vni");
	refused("tenants/0/subnets/0/id", json_integer(0), "subnets[0]");
	refused("tenants/0/subnets/0/id", json_integer(0x100000000LL), "id");
	refused("tenants/0/subnets/0/cidr", json_string("10.0.1.1/24"), "cidr");
	refused("tenants/0/subnets/0/mtu", json_integer(10000), "mtu");
	refused("tenants/0/ports/0/subnet", json_string("s9"), "unknown subnet");
	refused("tenants/0/ports/0/kind", json_string("pod"), "kind");
	refused("tenants/0/ports/0/mac", json_string("01:00:00:00:00:01"), "ports[0]");
	refused("tenants/0/ports/0/netns", json_string("../../etc"), "namespace");
	refused("tenants/0/ports/0/netns", NULL, "namespace");
	refused("tenants/0/ports/1/ip", json_string("10.0.1.300"), "ports[1]");
	refused("tenants/0/routes/0/via", json_integer(3), "via");
	refused("tenants/0/ports", json_object(), "ports");
}

static void test_duplicate_vni(void **state)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v = NULL;
	json_t *j = load(good), *tenants = json_object_get(j, "tenants");
	json_t *copy = json_deep_copy(json_array_get(tenants, 0));

	(void)state;
	json_object_set_new(copy, "name", json_string("other"));
	json_array_append_new(tenants, copy);
	assert_int_equal(fabric_view_parse(j, &v, err), -EINVAL);
	assert_non_null(strstr(err, "VNI 100"));
	json_decref(j);
}

/* A second tenant: a copy of the first with another name and VNI, its
 * subnet and ports renumbered unless `keep_ids`. */
static json_t *with_second_tenant(bool keep_ids)
{
	json_t *j = load(good), *tenants = json_object_get(j, "tenants");
	json_t *t2 = json_deep_copy(json_array_get(tenants, 0));
	json_t *ports = json_object_get(t2, "ports"), *port;
	size_t i;

	json_object_set_new(t2, "name", json_string("bravo"));
	json_object_set_new(t2, "vni", json_integer(200));
	if (!keep_ids) {
		json_object_set_new(json_array_get(json_object_get(t2, "subnets"), 0), "id",
				    json_integer(4));
		json_array_foreach(ports, i, port)
			json_object_set_new(port, "id", json_integer(21 + (json_int_t)i));
	}
	json_array_append_new(tenants, t2);
	return j;
}

static void expect_refused(json_t *j, const char *expect)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v = NULL;

	assert_int_equal(fabric_view_parse(j, &v, err), -EINVAL);
	assert_null(v);
	if (!strstr(err, expect))
		fail_msg("\"%s\" does not mention \"%s\"", err, expect);
	json_decref(j);
}

/* Two tenants may overlap in addresses and even MACs (separate bridges). */
static void test_second_tenant_same_macs(void **state)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v = NULL;
	json_t *j = with_second_tenant(false);

	(void)state;
	assert_int_equal(fabric_view_parse(j, &v, err), 0);
	assert_int_equal(v->n_subnets, 2);
	assert_int_equal(v->n_ports, 4);
	assert_int_equal(v->ports[2].subnet, 1);
	fabric_view_free(v);
	json_decref(j);
}

/* One subnet id in two tenants would be one bridge (tnb3) for both:
 * ports of two tenants in one broadcast domain. */
static void test_duplicate_subnet_id(void **state)
{
	json_t *j = with_second_tenant(false);

	(void)state;
	json_object_set_new(json_array_get(json_object_get(json_array_get(
		json_object_get(j, "tenants"), 1), "subnets"), 0), "id", json_integer(3));
	expect_refused(j, "subnet id 3 appears twice");
}

/* The fuzzer's first finding (fuzz_fabric_view): two ports with id 12 were
 * accepted, so both would have named one kernel link (tnvc). */
static void test_duplicate_port_id(void **state)
{
	json_t *j = load(good), *ports;

	(void)state;
	ports = json_object_get(json_array_get(json_object_get(j, "tenants"), 0), "ports");
	json_object_set_new(json_array_get(ports, 0), "id", json_integer(12));
	expect_refused(j, "port id 12 appears twice (ports \"a1\" and \"v2\")");

	j = with_second_tenant(false);
	ports = json_object_get(json_array_get(json_object_get(j, "tenants"), 1), "ports");
	json_object_set_new(json_array_get(ports, 1), "id", json_integer(11));
	expect_refused(j, "port id 11 appears twice");
}

static void test_duplicate_mac_in_subnet(void **state)
{
	json_t *j = load(good), *ports;

	(void)state;
	ports = json_object_get(json_array_get(json_object_get(j, "tenants"), 0), "ports");
	json_object_set_new(json_array_get(ports, 1), "mac", json_string("02:00:00:00:00:0b"));
	expect_refused(j, "ports \"a1\" and \"v2\" have one MAC in subnet \"s1\"");
}

static void test_empty_lists(void **state)
{
	char err[FABRIC_ERR_LEN];
	struct fabric_view *v = NULL;
	json_t *j = load("{\"revision\": 0, \"host\": {\"name\": \"h1\", \"public_key\": \"" KEY_A "\","
			 " \"endpoint\": \"\"}, \"peers\": [], \"tenants\": []}");

	(void)state;
	assert_int_equal(fabric_view_parse(j, &v, err), 0);
	assert_int_equal(v->n_peers + v->n_tenants + v->n_ports, 0);
	assert_int_equal(v->self.endpoint.addr.sa.sa_family, AF_UNSPEC);
	fabric_view_free(v);
	json_decref(j);
}

static void test_endpoints(void **state)
{
	struct wg_endpoint ep;

	(void)state;
	assert_true(fabric_parse_endpoint("1.2.3.4:5", &ep));
	assert_int_equal(ep.addr.sa.sa_family, AF_INET);
	assert_true(fabric_parse_endpoint("[::1]:65535", &ep));
	assert_int_equal(ep.addr.sa.sa_family, AF_INET6);
	assert_false(fabric_parse_endpoint("[::1]:65536", &ep));
	assert_false(fabric_parse_endpoint("::1:5", &ep));
	assert_false(fabric_parse_endpoint("1.2.3.4:", &ep));
	assert_false(fabric_parse_endpoint(":5", &ep));
	assert_false(fabric_parse_endpoint("[]:5", &ep));
	assert_false(fabric_parse_endpoint("host.example:5", &ep));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_view),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_duplicate_vni),
		cmocka_unit_test(test_second_tenant_same_macs),
		cmocka_unit_test(test_duplicate_subnet_id),
		cmocka_unit_test(test_duplicate_port_id),
		cmocka_unit_test(test_duplicate_mac_in_subnet),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
