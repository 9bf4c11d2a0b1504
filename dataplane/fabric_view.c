/* Host-view JSON -> struct fabric_view, every field checked. */
#include "dataplane/fabric_view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/validate.h"
#include "tunnel/key.h"

/* Tenants, subnets, ports and routes a view may hold: far above any real
 * host, low enough that a hostile file cannot make us allocate gigabytes. */
#define VIEW_MAX_ITEMS 65536

struct parser {
	struct fabric_view *v;
	char *err;
	const char *where;   /* "tenants[2].ports[5]" style prefix for messages */
	char where_buf[96];
};

__attribute__((format(printf, 2, 3)))
static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[FABRIC_ERR_LEN - 100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, FABRIC_ERR_LEN, "%s%s%s", p->where, p->where[0] ? ": " : "", msg);
	return -EINVAL;
}

static int get_string(struct parser *p, const json_t *obj, const char *key, bool optional,
		      char *out, size_t cap)
{
	const json_t *j = json_object_get(obj, key);

	out[0] = '\0';
	if ((!j || json_is_null(j)) && optional)
		return 0;
	if (!json_is_string(j))
		return fail(p, "\"%s\" must be a string", key);
	if (json_string_length(j) >= cap)
		return fail(p, "\"%s\" is too long", key);
	memcpy(out, json_string_value(j), json_string_length(j) + 1);
	if (strlen(out) != json_string_length(j))
		return fail(p, "\"%s\" contains a NUL", key);
	return 0;
}

static int get_int(struct parser *p, const json_t *obj, const char *key, int64_t min, int64_t max,
		   int64_t *out)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j))
		return fail(p, "\"%s\" must be an integer", key);
	*out = json_integer_value(j);
	if (*out < min || *out > max)
		return fail(p, "\"%s\" %lld out of range %lld..%lld", key, (long long)*out,
			    (long long)min, (long long)max);
	return 0;
}

static int get_name(struct parser *p, const json_t *obj, const char *key, char out[FABRIC_NAME_LEN])
{
	struct cp_error e;
	int rc = get_string(p, obj, key, false, out, FABRIC_NAME_LEN);

	if (rc == 0 && cp_parse_name(out, key, &e) < 0)
		return fail(p, "%s", e.message);
	return rc;
}

static int get_ipv4(struct parser *p, const json_t *obj, const char *key, uint32_t *out)
{
	char s[32];
	struct cp_error e;
	int rc = get_string(p, obj, key, false, s, sizeof(s));

	if (rc == 0 && cp_parse_ipv4(s, key, out, &e) < 0)
		return fail(p, "%s", e.message);
	return rc;
}

static int get_prefix(struct parser *p, const json_t *obj, const char *key, uint32_t *addr, uint8_t *plen)
{
	char s[32];
	struct cp_error e;
	struct cp_prefix pfx;
	int rc = get_string(p, obj, key, false, s, sizeof(s));

	if (rc == 0 && cp_parse_prefix(s, key, &pfx, &e) < 0)
		return fail(p, "%s", e.message);
	if (rc == 0) {
		*addr = pfx.addr;
		*plen = pfx.len;
	}
	return rc;
}

bool fabric_parse_endpoint(const char *s, struct wg_endpoint *out)
{
	char host[64];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	out->addr.sa.sa_family = AF_UNSPEC;
	if (!s[0])
		return true;
	colon = strrchr(s, ':');
	if (!colon || colon == s)
		return false;
	port = strtoul(colon + 1, &end, 10);
	if (*end || !colon[1] || port == 0 || port > 65535)
		return false;
	hlen = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hlen < 3 || s[hlen - 1] != ']' || hlen - 2 >= sizeof(host))
			return false;
		memcpy(host, s + 1, hlen - 2);
		host[hlen - 2] = '\0';
		out->addr.in6.sin6_family = AF_INET6;
		out->addr.in6.sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &out->addr.in6.sin6_addr) == 1;
	}
	if (hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	out->addr.in4.sin_family = AF_INET;
	out->addr.in4.sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &out->addr.in4.sin_addr) == 1;
}

static int parse_host(struct parser *p, const json_t *obj, struct fabric_view_host *h)
{
	char key[64];
	struct cp_error e;
	int rc;

	if (!json_is_object(obj))
		return fail(p, "must be an object");
	rc = get_name(p, obj, "name", h->name);
	if (rc == 0)
		rc = get_string(p, obj, "public_key", false, key, sizeof(key));
	if (rc == 0 && cp_parse_public_key(key, h->public_key, &e) < 0)
		rc = fail(p, "%s", e.message);
	if (rc == 0)
		rc = get_string(p, obj, "endpoint", true, h->endpoint_text, sizeof(h->endpoint_text));
	if (rc == 0 && !fabric_parse_endpoint(h->endpoint_text, &h->endpoint))
		rc = fail(p, "bad endpoint \"%s\"", h->endpoint_text);
	return rc;
}

static int get_id(struct parser *p, const json_t *obj, uint32_t *id)
{
	int64_t v = 0;
	int rc = get_int(p, obj, "id", 1, FABRIC_ID_MAX, &v);

	*id = (uint32_t)v;
	return rc;
}

static int parse_subnet(struct parser *p, const json_t *obj, size_t tenant, struct fabric_view_subnet *s)
{
	const json_t *dhcp = json_object_get(obj, "dhcp");
	int64_t mtu = 0;
	int rc;

	if (!json_is_object(obj))
		return fail(p, "must be an object");
	s->tenant = tenant;
	rc = get_id(p, obj, &s->id);
	if (rc == 0)
		rc = get_name(p, obj, "name", s->name);
	if (rc == 0)
		rc = get_prefix(p, obj, "cidr", &s->network, &s->plen);
	if (rc == 0 && (s->plen < 1 || s->plen > 30))
		rc = fail(p, "prefix length /%u not in 1..30", s->plen);
	if (rc == 0)
		rc = get_ipv4(p, obj, "gateway", &s->gateway);
	if (rc == 0)
		rc = get_int(p, obj, "mtu", 68, 9000, &mtu);
	if (rc == 0 && dhcp && !json_is_boolean(dhcp))
		rc = fail(p, "\"dhcp\" must be true or false");
	s->mtu = (uint16_t)mtu;
	s->dhcp = dhcp ? json_is_true(dhcp) : true;
	return rc;
}

static int find_subnet(const struct fabric_view *v, size_t tenant, const char *name, size_t *out)
{
	for (size_t i = 0; i < v->n_subnets; i++) {
		if (v->subnets[i].tenant == tenant && !strcmp(v->subnets[i].name, name)) {
			*out = i;
			return 0;
		}
	}
	return -ENOENT;
}

static int parse_port(struct parser *p, const json_t *obj, size_t tenant, struct fabric_view_port *port)
{
	char subnet[FABRIC_NAME_LEN], kind[16], mac[32];
	struct cp_error e;
	int rc;

	if (!json_is_object(obj))
		return fail(p, "must be an object");
	port->tenant = tenant;
	rc = get_id(p, obj, &port->id);
	if (rc == 0)
		rc = get_name(p, obj, "name", port->name);
	if (rc == 0)
		rc = get_name(p, obj, "subnet", subnet);
	if (rc == 0 && find_subnet(p->v, tenant, subnet, &port->subnet) < 0)
		rc = fail(p, "unknown subnet \"%s\"", subnet);
	if (rc == 0)
		rc = get_name(p, obj, "host", port->host);
	if (rc == 0)
		rc = get_string(p, obj, "kind", false, kind, sizeof(kind));
	if (rc == 0) {
		if (!strcmp(kind, "container"))
			port->kind = FABRIC_PORT_CONTAINER;
		else if (!strcmp(kind, "vm"))
			port->kind = FABRIC_PORT_VM;
		else
			rc = fail(p, "unknown kind \"%s\"", kind);
	}
	if (rc == 0)
		rc = get_string(p, obj, "mac", false, mac, sizeof(mac));
	if (rc == 0 && cp_parse_mac(mac, port->mac, &e) < 0)
		rc = fail(p, "%s", e.message);
	if (rc == 0)
		rc = get_ipv4(p, obj, "ip", &port->ip);
	if (rc == 0)
		rc = get_string(p, obj, "netns", true, port->netns, sizeof(port->netns));
	if (rc == 0 && port->kind == FABRIC_PORT_CONTAINER &&
	    (!port->netns[0] || strchr(port->netns, '/') || !strcmp(port->netns, ".") ||
	     !strcmp(port->netns, "..")))
		rc = fail(p, "a container port needs a namespace name (no '/')");
	return rc;
}

static int parse_route(struct parser *p, const json_t *obj, size_t tenant, struct fabric_view_route *r)
{
	int rc;

	if (!json_is_object(obj))
		return fail(p, "must be an object");
	r->tenant = tenant;
	rc = get_prefix(p, obj, "prefix", &r->prefix, &r->plen);
	if (rc == 0)
		rc = get_ipv4(p, obj, "via", &r->via);
	return rc;
}

/* Grows one of the view's arrays by n elements; returns the first new one. */
static void *grow(void **array, size_t *count, size_t n, size_t elem)
{
	void *mem;

	if (n > VIEW_MAX_ITEMS || *count > VIEW_MAX_ITEMS - n)
		return NULL;
	mem = realloc(*array, (*count + n) * elem);
	if (!mem)
		return NULL;
	*array = mem;
	memset((char *)mem + *count * elem, 0, n * elem);
	*count += n;
	return (char *)mem + (*count - n) * elem;
}

static const json_t *get_array(struct parser *p, const json_t *obj, const char *key, int *rc)
{
	const json_t *j = json_object_get(obj, key);

	if (!j)
		return NULL;  /* an absent list is empty */
	if (!json_is_array(j))
		*rc = fail(p, "\"%s\" must be an array", key);
	else if (json_array_size(j) > VIEW_MAX_ITEMS)
		*rc = fail(p, "\"%s\" has too many entries", key);
	return *rc ? NULL : j;
}

#define GROW(p, field, nfield, n) grow((void **)&(p)->v->field, &(p)->v->nfield, (n), sizeof(*(p)->v->field))

/* One list of a tenant: subnets first (ports refer to them by name). */
static int parse_list(struct parser *p, const json_t *tobj, size_t t, const char *key)
{
	const json_t *arr, *item;
	size_t i;
	int rc = 0;

	arr = get_array(p, tobj, key, &rc);
	json_array_foreach(arr, i, item) {
		snprintf(p->where_buf, sizeof(p->where_buf), "tenants[%zu].%s[%zu]", t, key, i);
		p->where = p->where_buf;
		if (!strcmp(key, "subnets")) {
			struct fabric_view_subnet *s = GROW(p, subnets, n_subnets, 1);

			rc = s ? parse_subnet(p, item, t, s) : -ENOMEM;
		} else if (!strcmp(key, "ports")) {
			struct fabric_view_port *port = GROW(p, ports, n_ports, 1);

			rc = port ? parse_port(p, item, t, port) : -ENOMEM;
		} else {
			struct fabric_view_route *r = GROW(p, routes, n_routes, 1);

			rc = r ? parse_route(p, item, t, r) : -ENOMEM;
		}
		if (rc)
			return rc;
	}
	return rc;
}

static int parse_tenant(struct parser *p, const json_t *obj, size_t t)
{
	struct fabric_view_tenant *ten = &p->v->tenants[t];
	int64_t vni = 0;
	int rc;

	snprintf(p->where_buf, sizeof(p->where_buf), "tenants[%zu]", t);
	p->where = p->where_buf;
	if (!json_is_object(obj))
		return fail(p, "must be an object");
	rc = get_name(p, obj, "name", ten->name);
	if (rc == 0)
		rc = get_int(p, obj, "vni", 1, 0xffffff, &vni);
	ten->vni = (uint32_t)vni;
	if (rc == 0)
		rc = parse_list(p, obj, t, "subnets");
	if (rc == 0)
		rc = parse_list(p, obj, t, "ports");
	if (rc == 0)
		rc = parse_list(p, obj, t, "routes");
	return rc;
}

/* ---- what must be unique across the whole view ---------------------------
 * The agent names kernel links from ids (fabric_names.h): two subnets with
 * one id would be one bridge holding ports of two tenants, two ports with
 * one id one veth or tap. A MAC twice in a subnet would be two static
 * forwarding entries fighting over one address on one bridge. Sorting
 * (key, index) pairs keeps this O(n log n) at VIEW_MAX_ITEMS entries. */

struct key_at {
	uint64_t key;
	size_t at;
};

static int cmp_key_at(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* true if two entries share a key: *first and *second (first < second) are
 * their indices, the pair with the lowest key. */
static bool find_duplicate(struct key_at *k, size_t n, size_t *first, size_t *second)
{
	qsort(k, n, sizeof(*k), cmp_key_at);
	for (size_t i = 1; i < n; i++) {
		if (k[i].key == k[i - 1].key) {
			*first = k[i - 1].at;
			*second = k[i].at;
			return true;
		}
	}
	return false;
}

static uint64_t mac_key(size_t subnet, const uint8_t mac[6])
{
	uint64_t key = subnet; /* < VIEW_MAX_ITEMS, fits the top 16 bits */

	for (int i = 0; i < 6; i++)
		key = key << 8 | mac[i];
	return key;
}

static int check_unique(struct parser *p, struct key_at *k)
{
	const struct fabric_view *v = p->v;
	size_t i, a, b;

	for (i = 0; i < v->n_tenants; i++)
		k[i] = (struct key_at){ v->tenants[i].vni, i };
	if (find_duplicate(k, v->n_tenants, &a, &b)) {
		snprintf(p->where_buf, sizeof(p->where_buf), "tenants[%zu]", b);
		p->where = p->where_buf;
		return fail(p, "VNI %u appears twice", v->tenants[b].vni);
	}
	p->where = "";
	for (i = 0; i < v->n_subnets; i++)
		k[i] = (struct key_at){ v->subnets[i].id, i };
	if (find_duplicate(k, v->n_subnets, &a, &b))
		return fail(p, "subnet id %u appears twice (subnets \"%s\" and \"%s\")",
			    v->subnets[b].id, v->subnets[a].name, v->subnets[b].name);
	for (i = 0; i < v->n_ports; i++)
		k[i] = (struct key_at){ v->ports[i].id, i };
	if (find_duplicate(k, v->n_ports, &a, &b))
		return fail(p, "port id %u appears twice (ports \"%s\" and \"%s\")",
			    v->ports[b].id, v->ports[a].name, v->ports[b].name);
	for (i = 0; i < v->n_ports; i++)
		k[i] = (struct key_at){ mac_key(v->ports[i].subnet, v->ports[i].mac), i };
	if (find_duplicate(k, v->n_ports, &a, &b))
		return fail(p, "ports \"%s\" and \"%s\" have one MAC in subnet \"%s\"",
			    v->ports[a].name, v->ports[b].name, v->subnets[v->ports[b].subnet].name);
	return 0;
}

static int check_unique_all(struct parser *p)
{
	const struct fabric_view *v = p->v;
	size_t n = v->n_tenants;
	struct key_at *k;
	int rc;

	n = v->n_subnets > n ? v->n_subnets : n;
	n = v->n_ports > n ? v->n_ports : n;
	if (n < 2)
		return 0;
	k = malloc(n * sizeof(*k));
	if (!k)
		return -ENOMEM;
	rc = check_unique(p, k);
	free(k);
	return rc;
}

static int parse_root(struct parser *p, const json_t *root)
{
	const json_t *arr, *item;
	size_t i;
	int rc = 0;

	if (!json_is_object(root))
		return fail(p, "the view must be a JSON object");
	rc = get_int(p, root, "revision", 0, INT64_MAX, &p->v->revision);
	p->where = "host";
	if (rc == 0)
		rc = parse_host(p, json_object_get(root, "host"), &p->v->self);
	p->where = "";
	arr = rc ? NULL : get_array(p, root, "peers", &rc);
	if (arr && json_array_size(arr) && !GROW(p, peers, n_peers, json_array_size(arr)))
		return -ENOMEM;
	json_array_foreach(arr, i, item) {
		snprintf(p->where_buf, sizeof(p->where_buf), "peers[%zu]", i);
		p->where = p->where_buf;
		if (rc == 0)
			rc = parse_host(p, item, &p->v->peers[i]);
	}
	p->where = "";
	arr = rc ? NULL : get_array(p, root, "tenants", &rc);
	if (arr && json_array_size(arr) && !GROW(p, tenants, n_tenants, json_array_size(arr)))
		return -ENOMEM;
	json_array_foreach(arr, i, item) {
		if (rc == 0)
			rc = parse_tenant(p, item, i);
	}
	return rc ? rc : check_unique_all(p);
}

int fabric_view_parse(const json_t *root, struct fabric_view **out, char err[FABRIC_ERR_LEN])
{
	struct parser p = { .err = err, .where = "" };
	int rc;

	err[0] = '\0';
	p.v = calloc(1, sizeof(*p.v));
	if (!p.v)
		return -ENOMEM;
	rc = parse_root(&p, root);
	if (rc == -ENOMEM && !err[0])
		snprintf(err, FABRIC_ERR_LEN, "out of memory (or a list over %d entries)", VIEW_MAX_ITEMS);
	if (rc < 0) {
		fabric_view_free(p.v);
		return rc;
	}
	*out = p.v;
	return 0;
}

void fabric_view_free(struct fabric_view *v)
{
	if (!v)
		return;
	free(v->peers);
	free(v->tenants);
	free(v->subnets);
	free(v->ports);
	free(v->routes);
	free(v);
}

bool fabric_port_is_local(const struct fabric_view_port *p, const char *self)
{
	return !strcmp(p->host, self);
}
