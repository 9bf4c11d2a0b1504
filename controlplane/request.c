/* Strict JSON request parsing: a field table per resource, checked before
 * any value is looked at. */
#include "controlplane/request.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "controlplane/token.h"
#include "controlplane/validate.h"

enum field_type { F_STRING, F_INT, F_BOOL };

struct field {
	const char *name;
	enum field_type type;
	bool required;
};

static const char *type_name(enum field_type t)
{
	return t == F_STRING ? "a string" : t == F_INT ? "an integer" : "true or false";
}

static bool type_ok(const json_t *v, enum field_type t)
{
	return t == F_STRING ? json_is_string(v) : t == F_INT ? json_is_integer(v)
								: json_is_boolean(v);
}

/* jansson's message may quote the input: keep it printable. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static int load_object(const char *body, size_t len, json_t **out, struct cp_error *err)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);

	if (!root) {
		clean(je.text);
		return cp_fail(err, EINVAL, "malformed JSON at line %d, column %d: %s", je.line,
			       je.column, je.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return cp_fail(err, EINVAL, "the request body must be a JSON object");
	}
	*out = root;
	return 0;
}

static const struct field *find_field(const struct field *spec, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(spec[i].name, key))
			return &spec[i];
	return NULL;
}

static int check_fields(json_t *obj, const struct field *spec, size_t n, struct cp_error *err)
{
	char key[CP_NAME_LEN];
	const char *k;
	const struct field *f;
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v) {
		f = find_field(spec, n, k);
		if (!f) {
			snprintf(key, sizeof(key), "%s", k);
			clean(key);
			return cp_fail(err, EINVAL, "unknown field \"%s\"", key);
		}
		if (!json_is_null(v) && !type_ok(v, f->type))
			return cp_fail(err, EINVAL, "field \"%s\" must be %s", f->name,
				       type_name(f->type));
		if (json_is_null(v) && f->required)
			return cp_fail(err, EINVAL, "field \"%s\" must not be null", f->name);
	}
	for (i = 0; i < n; i++)
		if (spec[i].required && !json_object_get(obj, spec[i].name))
			return cp_fail(err, EINVAL, "missing field \"%s\"", spec[i].name);
	return 0;
}

/* NULL when absent or null; type already checked. */
static const char *get_str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int get_name(json_t *obj, const char *key, const char *what, char out[CP_NAME_LEN],
		    struct cp_error *err)
{
	const char *s = get_str(obj, key);
	int rc;

	if (!s) {
		out[0] = '\0';
		return 0;
	}
	rc = cp_parse_name(s, what, err);
	if (rc == 0)
		memcpy(out, s, strlen(s) + 1);
	return rc;
}

static bool get_int(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Reads one checked request object into a zeroed *out; rc as parse returns. */
typedef int (*fill_fn)(json_t *obj, void *out, struct cp_error *err);

/* Loads and checks a body against spec, then zeroes out (size bytes) and
 * lets fill read the values; the JSON is released here whatever fill does.
 * *out is untouched when the body itself is refused. */
static int parse(const char *body, size_t len, const struct field *spec, size_t n, fill_fn fill,
		 void *out, size_t size, struct cp_error *err)
{
	json_t *root;
	int rc = load_object(body, len, &root, err);

	if (rc < 0)
		return rc;
	rc = check_fields(root, spec, n, err);
	if (rc == 0) {
		memset(out, 0, size);
		rc = fill(root, out, err);
	}
	json_decref(root);
	return rc;
}

static int fill_host(json_t *o, void *arg, struct cp_error *err)
{
	struct cp_host_req *out = arg;
	int rc = get_name(o, "name", "host name", out->name, err);

	if (rc == 0)
		rc = cp_parse_public_key(get_str(o, "public_key"), out->public_key, err);
	if (rc == 0)
		rc = cp_parse_endpoint(get_str(o, "endpoint"), out->endpoint, err);
	return rc;
}

int cp_request_parse_host(const char *body, size_t len, struct cp_host_req *out,
			  struct cp_error *err)
{
	static const struct field spec[] = {
		{ "name", F_STRING, true },
		{ "public_key", F_STRING, true },
		{ "endpoint", F_STRING, true },
	};

	return parse(body, len, spec, N(spec), fill_host, out, sizeof(*out), err);
}

static int fill_tenant(json_t *o, void *arg, struct cp_error *err)
{
	struct cp_tenant_req *out = arg;
	int rc = get_name(o, "name", "tenant name", out->name, err);

	out->has_vni = get_int(o, "vni", &out->vni);
	if (rc == 0 && out->has_vni)
		rc = cp_check_vni(out->vni, err);
	return rc;
}

int cp_request_parse_tenant(const char *body, size_t len, struct cp_tenant_req *out,
			    struct cp_error *err)
{
	static const struct field spec[] = {
		{ "name", F_STRING, true },
		{ "vni", F_INT, false },
	};

	return parse(body, len, spec, N(spec), fill_tenant, out, sizeof(*out), err);
}

static int fill_subnet(json_t *o, void *arg, struct cp_error *err)
{
	struct cp_subnet_req *out = arg;
	int rc = get_name(o, "tenant", "tenant name", out->tenant, err);

	if (rc == 0)
		rc = get_name(o, "name", "subnet name", out->name, err);
	if (rc == 0)
		rc = cp_parse_prefix(get_str(o, "cidr"), "cidr", &out->cidr, err);
	if (rc == 0)
		rc = cp_check_subnet_cidr(&out->cidr, err);
	out->has_mtu = get_int(o, "mtu", &out->mtu);
	if (rc == 0 && out->has_mtu)
		rc = cp_check_mtu(out->mtu, err);
	out->dhcp = !json_is_false(json_object_get(o, "dhcp"));
	return rc;
}

int cp_request_parse_subnet(const char *body, size_t len, struct cp_subnet_req *out,
			    struct cp_error *err)
{
	static const struct field spec[] = {
		{ "tenant", F_STRING, true },
		{ "name", F_STRING, true },
		{ "cidr", F_STRING, true },
		{ "mtu", F_INT, false },
		{ "dhcp", F_BOOL, false },
	};

	return parse(body, len, spec, N(spec), fill_subnet, out, sizeof(*out), err);
}

static int parse_port_kind(json_t *o, struct cp_port_req *out, struct cp_error *err)
{
	char kind[16];

	out->kind = cp_port_kind_from_name(get_str(o, "kind"));
	if (out->kind)
		return 0;
	snprintf(kind, sizeof(kind), "%s", get_str(o, "kind"));
	clean(kind);
	return cp_fail(err, EINVAL, "kind \"%s\" is not \"container\" or \"vm\"", kind);
}

static int fill_port(json_t *o, void *arg, struct cp_error *err)
{
	struct cp_port_req *out = arg;
	int rc = get_name(o, "tenant", "tenant name", out->tenant, err);

	if (rc == 0)
		rc = get_name(o, "subnet", "subnet name", out->subnet, err);
	if (rc == 0)
		rc = get_name(o, "name", "port name", out->name, err);
	if (rc == 0)
		rc = get_name(o, "host", "host name", out->host, err);
	if (rc == 0)
		rc = parse_port_kind(o, out, err);
	if (rc == 0)
		rc = get_name(o, "netns", "netns", out->netns, err);
	out->has_ip = get_str(o, "ip") != NULL;
	if (rc == 0 && out->has_ip)
		rc = cp_parse_ipv4(get_str(o, "ip"), "ip", &out->ip, err);
	out->has_mac = get_str(o, "mac") != NULL;
	if (rc == 0 && out->has_mac)
		rc = cp_parse_mac(get_str(o, "mac"), out->mac, err);
	return rc;
}

int cp_request_parse_port(const char *body, size_t len, struct cp_port_req *out,
			  struct cp_error *err)
{
	static const struct field spec[] = {
		{ "tenant", F_STRING, true }, { "subnet", F_STRING, true },
		{ "name", F_STRING, true },   { "host", F_STRING, true },
		{ "kind", F_STRING, true },   { "netns", F_STRING, false },
		{ "ip", F_STRING, false },    { "mac", F_STRING, false },
	};

	return parse(body, len, spec, N(spec), fill_port, out, sizeof(*out), err);
}

static int fill_route(json_t *o, void *arg, struct cp_error *err)
{
	struct cp_route_req *out = arg;
	int rc = get_name(o, "tenant", "tenant name", out->tenant, err);

	if (rc == 0)
		rc = cp_parse_prefix(get_str(o, "prefix"), "prefix", &out->prefix, err);
	if (rc == 0)
		rc = cp_parse_ipv4(get_str(o, "via"), "via", &out->via, err);
	return rc;
}

int cp_request_parse_route(const char *body, size_t len, struct cp_route_req *out,
			   struct cp_error *err)
{
	static const struct field spec[] = {
		{ "tenant", F_STRING, true },
		{ "prefix", F_STRING, true },
		{ "via", F_STRING, true },
	};

	return parse(body, len, spec, N(spec), fill_route, out, sizeof(*out), err);
}

static int fill_token(json_t *o, void *arg, struct cp_error *err)
{
	int64_t *ttl_seconds = arg;

	*ttl_seconds = CP_TOKEN_TTL_DEFAULT;
	get_int(o, "ttl_seconds", ttl_seconds);
	if (*ttl_seconds < CP_TOKEN_TTL_MIN || *ttl_seconds > CP_TOKEN_TTL_MAX)
		return cp_fail(err, EINVAL, "ttl_seconds %lld is out of range %d..%d",
			       (long long)*ttl_seconds, CP_TOKEN_TTL_MIN, CP_TOKEN_TTL_MAX);
	return 0;
}

/* An empty body is allowed here: every field has a default. */
int cp_request_parse_token(const char *body, size_t len, int64_t *ttl_seconds,
			   struct cp_error *err)
{
	static const struct field spec[] = {
		{ "ttl_seconds", F_INT, false },
	};

	*ttl_seconds = CP_TOKEN_TTL_DEFAULT;
	if (len == 0)
		return 0;
	return parse(body, len, spec, N(spec), fill_token, ttl_seconds, sizeof(*ttl_seconds), err);
}
