/* UAPI wire protocol: set-request parsing, connection state, get formatting. */
#include "dataplane/uapi_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tunnel/key.h"

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* ---- value parsers: bool + the value, never partial ------------------- */

/* Decimal digits only (no sign, no spaces), at most `max`. */
static bool parse_uint(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		if (n > (max - (uint64_t)(*v - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return true;
}

static bool parse_true(const char *v)
{
	return !strcmp(v, "true");
}

static bool valid_zone_name(const char *z)
{
	size_t n = strlen(z);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (; *z; z++) {
		if (*z == '/' || *z <= ' ' || *z == 0x7f || *z == '%' || *z == ']')
			return false;
	}
	return true;
}

static bool set_zone(struct uapi_endpoint *e, const char *zone)
{
	uint64_t id;

	if (parse_uint(zone, UINT32_MAX, &id)) {
		e->ep.addr.in6.sin6_scope_id = (uint32_t)id;
		return true;
	}
	if (!valid_zone_name(zone))
		return false;
	memcpy(e->zone, zone, strlen(zone) + 1);
	return true;
}

static bool parse_v6_host(struct uapi_endpoint *e, char *host)
{
	char *zone = strchr(host, '%');
	struct in6_addr a;

	if (zone)
		*zone++ = '\0';
	if (inet_pton(AF_INET6, host, &a) != 1)
		return false;
	if (!memcmp(a.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix))) {
		if (zone)
			return false;
		e->ep.addr.in4.sin_family = AF_INET;
		memcpy(&e->ep.addr.in4.sin_addr, a.s6_addr + 12, 4);
		return true;
	}
	e->ep.addr.in6.sin6_family = AF_INET6;
	e->ep.addr.in6.sin6_addr = a;
	return !zone || set_zone(e, zone);
}

/* "a.b.c.d:port" or "[v6[%zone]]:port": numeric only; wg(8) resolves names
 * before it writes the request. */
static bool parse_endpoint(struct uapi_endpoint *e, const char *v)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *port_s;
	bool bracketed = v[0] == '[';
	uint64_t port;
	size_t hlen;

	memset(e, 0, sizeof(*e));
	if (bracketed) {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':')
			return false;
		hlen = (size_t)(close - v - 1);
		port_s = close + 2;
		v++;
	} else {
		const char *colon = strrchr(v, ':');

		if (!colon)
			return false;
		hlen = (size_t)(colon - v);
		port_s = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host) || !parse_uint(port_s, 65535, &port))
		return false;
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (bracketed) {
		if (!parse_v6_host(e, host))
			return false;
	} else {
		e->ep.addr.in4.sin_family = AF_INET;
		if (inet_pton(AF_INET, host, &e->ep.addr.in4.sin_addr) != 1)
			return false;
	}
	/* sin_port and sin6_port share their offset in the union. */
	e->ep.addr.in4.sin_port = htons((uint16_t)port);
	return true;
}

static void mask_prefix(struct uapi_prefix *p)
{
	size_t bytes = p->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < bytes; i++) {
		unsigned bits = i * 8 >= p->plen ? 0 : p->plen - i * 8;

		if (bits < 8)
			p->addr[i] &= (uint8_t)(0xff00u >> bits);
	}
}

static bool parse_prefix(struct uapi_prefix *p, const char *v)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	uint64_t plen;
	size_t alen;

	memset(p, 0, sizeof(*p));
	if (!slash)
		return false;
	alen = (size_t)(slash - v);
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	p->family = memchr(addr, ':', alen) ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, addr, p->addr) != 1)
		return false;
	if (!parse_uint(slash + 1, p->family == AF_INET ? 32 : 128, &plen))
		return false;
	p->plen = (uint8_t)plen;
	mask_prefix(p);
	return true;
}

/* ---- set requests ------------------------------------------------------ */

void uapi_set_init(struct uapi_set *s)
{
	memset(s, 0, sizeof(*s));
}

void uapi_set_clear(struct uapi_set *s)
{
	if (s->ops) {
		sodium_memzero(s->ops, s->cap_ops * sizeof(*s->ops));
		free(s->ops);
	}
	uapi_set_init(s);
}

static int fail(struct uapi_set *s, int err, const char *what, const char *key)
{
	if (!s->error) {
		s->error = err;
		/* Only the key is quoted: values may be key material. */
		if (*key)
			snprintf(s->why, sizeof(s->why), "%s \"%.64s\"", what, key);
		else
			snprintf(s->why, sizeof(s->why), "%s", what);
	}
	return s->error;
}

static struct uapi_op *push_op(struct uapi_set *s, enum uapi_op_kind kind)
{
	if (s->n_ops == s->cap_ops) {
		size_t cap = s->cap_ops ? s->cap_ops * 2 : 16;
		struct uapi_op *ops = calloc(cap, sizeof(*ops));

		if (!ops)
			return NULL;
		if (s->ops) {
			memcpy(ops, s->ops, s->n_ops * sizeof(*ops));
			sodium_memzero(s->ops, s->cap_ops * sizeof(*s->ops));
			free(s->ops);
		}
		s->ops = ops;
		s->cap_ops = cap;
	}
	s->ops[s->n_ops].kind = kind;
	return &s->ops[s->n_ops++];
}

struct key_spec {
	const char *name;
	enum uapi_op_kind kind;
	bool peer;  /* valid in a peer section (else: device section only) */
};

static const struct key_spec key_specs[] = {
	{ "private_key", UAPI_OP_PRIVATE_KEY, false },
	{ "listen_port", UAPI_OP_LISTEN_PORT, false },
	{ "fwmark", UAPI_OP_FWMARK, false },
	{ "replace_peers", UAPI_OP_REPLACE_PEERS, false },
	{ "public_key", UAPI_OP_PUBLIC_KEY, true },
	{ "update_only", UAPI_OP_UPDATE_ONLY, true },
	{ "remove", UAPI_OP_REMOVE, true },
	{ "preshared_key", UAPI_OP_PRESHARED_KEY, true },
	{ "endpoint", UAPI_OP_ENDPOINT, true },
	{ "persistent_keepalive_interval", UAPI_OP_PERSISTENT_KEEPALIVE, true },
	{ "replace_allowed_ips", UAPI_OP_REPLACE_ALLOWED_IPS, true },
	{ "allowed_ip", UAPI_OP_ALLOWED_IP, true },
	{ "protocol_version", UAPI_OP_PROTOCOL_VERSION, true },
};

static const struct key_spec *find_key(const char *key)
{
	for (size_t i = 0; i < sizeof(key_specs) / sizeof(key_specs[0]); i++) {
		if (!strcmp(key, key_specs[i].name))
			return &key_specs[i];
	}
	return NULL;
}

/* Parses the value of one known key into op; false when it is malformed. */
static bool parse_value(struct uapi_op *op, const char *v)
{
	uint64_t n;

	switch (op->kind) {
	case UAPI_OP_PRIVATE_KEY:
	case UAPI_OP_PUBLIC_KEY:
	case UAPI_OP_PRESHARED_KEY:
		return wg_key_from_hex(op->u.key, v);
	case UAPI_OP_LISTEN_PORT:
		if (!parse_uint(v, UINT16_MAX, &n))
			return false;
		op->u.port = (uint16_t)n;
		return true;
	case UAPI_OP_FWMARK:
		if (!parse_uint(v, UINT32_MAX, &n))
			return false;
		op->u.fwmark = (uint32_t)n;
		return true;
	case UAPI_OP_PERSISTENT_KEEPALIVE:
		if (!parse_uint(v, UINT16_MAX, &n))
			return false;
		op->u.keepalive = (uint16_t)n;
		return true;
	case UAPI_OP_REPLACE_PEERS:
	case UAPI_OP_UPDATE_ONLY:
	case UAPI_OP_REMOVE:
	case UAPI_OP_REPLACE_ALLOWED_IPS:
		return parse_true(v);
	case UAPI_OP_ENDPOINT:
		return parse_endpoint(&op->u.ep, v);
	case UAPI_OP_ALLOWED_IP:
		return parse_prefix(&op->u.prefix, v);
	case UAPI_OP_PROTOCOL_VERSION:
		return !strcmp(v, "1");
	}
	return false;
}

int uapi_set_add_line(struct uapi_set *s, const char *line, size_t len)
{
	char buf[UAPI_LINE_MAX + 1];
	const struct key_spec *spec;
	struct uapi_op *op;
	char *eq;
	bool ok;

	s->bytes += len + 1;
	if (s->error)
		return s->error;
	if (s->bytes > UAPI_REQUEST_MAX)
		return fail(s, -EPROTO, "request larger than 4 MiB", "");
	if (len > UAPI_LINE_MAX || memchr(line, '\0', len))
		return fail(s, -EPROTO, "line too long or not text", "");
	memcpy(buf, line, len);
	buf[len] = '\0';
	eq = strchr(buf, '=');
	if (!eq)
		return fail(s, -EPROTO, "line without '='", "");
	*eq = '\0';
	spec = find_key(buf);
	if (!spec)
		return fail(s, -EINVAL, "unknown key", buf);
	/* Device keys after a public_key are not peer keys (wireguard-go: -EINVAL). */
	if (s->in_peer != spec->peer && spec->kind != UAPI_OP_PUBLIC_KEY)
		return fail(s, -EINVAL, s->in_peer ? "device key in a peer section:" : "peer key before public_key:", buf);
	op = push_op(s, spec->kind);
	if (!op)
		return fail(s, -ENOMEM, "out of memory at", buf);
	ok = parse_value(op, eq + 1);
	sodium_memzero(eq + 1, len - (size_t)(eq - buf));
	if (!ok) {
		s->n_ops--;
		sodium_memzero(op, sizeof(*op));
		return fail(s, -EINVAL, "invalid value for", buf);
	}
	if (spec->kind == UAPI_OP_PUBLIC_KEY)
		s->in_peer = true;
	return 0;
}

/* ---- connection state -------------------------------------------------- */

void uapi_session_init(struct uapi_session *s)
{
	memset(s, 0, sizeof(*s));
	s->state = UAPI_IDLE;
	uapi_set_init(&s->set);
}

static bool line_is(const char *line, size_t len, const char *word)
{
	return len == strlen(word) && !memcmp(line, word, len);
}

enum uapi_action uapi_session_feed(struct uapi_session *s, const char *line, size_t len)
{
	switch (s->state) {
	case UAPI_IDLE:
		if (line_is(line, len, "get=1"))
			s->state = UAPI_WANT_BLANK_GET;
		else if (line_is(line, len, "stats=1"))
			s->state = UAPI_WANT_BLANK_STATS;
		else if (line_is(line, len, "set=1")) {
			uapi_set_clear(&s->set);
			s->state = UAPI_IN_SET;
		} else
			return UAPI_ACT_CLOSE;
		return UAPI_ACT_NONE;
	case UAPI_WANT_BLANK_GET:
	case UAPI_WANT_BLANK_STATS: {
		enum uapi_action act = s->state == UAPI_WANT_BLANK_GET ? UAPI_ACT_GET : UAPI_ACT_STATS;

		s->state = UAPI_IDLE;
		if (len == 0)
			return act;
		s->reply_errno = -EINVAL; /* trailing data after get=1 */
		return UAPI_ACT_ERRNO;
	}
	case UAPI_IN_SET:
		if (len == 0)
			return UAPI_ACT_SET;
		uapi_set_add_line(&s->set, line, len);
		return UAPI_ACT_NONE;
	}
	return UAPI_ACT_CLOSE;
}

enum uapi_action uapi_session_eof(struct uapi_session *s)
{
	return s->state == UAPI_IN_SET ? UAPI_ACT_SET : UAPI_ACT_CLOSE;
}

void uapi_session_done(struct uapi_session *s)
{
	uapi_set_clear(&s->set);
	s->state = UAPI_IDLE;
}

void uapi_session_free(struct uapi_session *s)
{
	uapi_set_clear(&s->set);
}

/* ---- formatting -------------------------------------------------------- */

void uapi_buf_init(struct uapi_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void uapi_buf_reset(struct uapi_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	b->len = 0;
	b->failed = false;
}

void uapi_buf_free(struct uapi_buf *b)
{
	uapi_buf_reset(b);
	free(b->data);
	uapi_buf_init(b);
}

static bool buf_reserve(struct uapi_buf *b, size_t more)
{
	size_t cap;
	char *data;

	if (b->failed)
		return false;
	if (b->cap - b->len > more)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len <= more) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	/* Not realloc: the old copy may hold the private key and must be wiped. */
	data = malloc(cap);
	if (!data)
		goto fail;
	if (b->data) {
		memcpy(data, b->data, b->len);
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = data;
	b->cap = cap;
	return true;
fail:
	b->failed = true;
	return false;
}

void uapi_buf_printf(struct uapi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n + 1)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void format_key(struct uapi_buf *b, const char *name, const uint8_t key[32])
{
	char hex[WG_KEY_HEX_LEN];

	wg_key_to_hex(hex, key);
	uapi_buf_printf(b, "%s=%s\n", name, hex);
	sodium_memzero(hex, sizeof(hex));
}

void uapi_format_interface(struct uapi_buf *b, const uint8_t *private_key, uint16_t listen_port,
			   uint32_t fwmark)
{
	if (private_key)
		format_key(b, "private_key", private_key);
	if (listen_port)
		uapi_buf_printf(b, "listen_port=%u\n", listen_port);
	if (fwmark)
		uapi_buf_printf(b, "fwmark=%" PRIu32 "\n", fwmark);
}

bool uapi_format_endpoint(char *out, size_t cap, const struct wg_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (ep->addr.sa.sa_family == AF_INET) {
		if (!inet_ntop(AF_INET, &ep->addr.in4.sin_addr, addr, sizeof(addr)))
			return false;
		n = snprintf(out, cap, "%s:%u", addr, ntohs(ep->addr.in4.sin_port));
	} else if (ep->addr.sa.sa_family == AF_INET6) {
		if (!inet_ntop(AF_INET6, &ep->addr.in6.sin6_addr, addr, sizeof(addr)))
			return false;
		if (ep->addr.in6.sin6_scope_id)
			n = snprintf(out, cap, "[%s%%%" PRIu32 "]:%u", addr, ep->addr.in6.sin6_scope_id,
				     ntohs(ep->addr.in6.sin6_port));
		else
			n = snprintf(out, cap, "[%s]:%u", addr, ntohs(ep->addr.in6.sin6_port));
	} else {
		return false;
	}
	return n > 0 && (size_t)n < cap;
}

void uapi_format_peer(struct uapi_buf *b, const struct uapi_peer_view *p)
{
	char ep[INET6_ADDRSTRLEN + 32];

	format_key(b, "public_key", p->public_key);
	format_key(b, "preshared_key", p->preshared_key);
	uapi_buf_printf(b, "protocol_version=1\n");
	if (uapi_format_endpoint(ep, sizeof(ep), &p->endpoint))
		uapi_buf_printf(b, "endpoint=%s\n", ep);
	uapi_buf_printf(b, "last_handshake_time_sec=%" PRIu64 "\nlast_handshake_time_nsec=%" PRIu64 "\n",
			(uint64_t)(p->last_handshake_ns / 1000000000u), (uint64_t)(p->last_handshake_ns % 1000000000u));
	uapi_buf_printf(b, "tx_bytes=%" PRIu64 "\nrx_bytes=%" PRIu64 "\n", p->tx_bytes, p->rx_bytes);
	uapi_buf_printf(b, "persistent_keepalive_interval=%u\n", p->persistent_keepalive);
}

void uapi_format_allowed_ip(struct uapi_buf *b, int family, const uint8_t *addr, uint8_t plen)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, s, sizeof(s))) {
		b->failed = true;
		return;
	}
	uapi_buf_printf(b, "allowed_ip=%s/%u\n", s, plen);
}

void uapi_format_errno(struct uapi_buf *b, int err)
{
	uapi_buf_printf(b, "errno=%d\n\n", err);
}

void uapi_format_op(struct uapi_buf *b, const struct uapi_op *op)
{
	char ep[INET6_ADDRSTRLEN + IFNAMSIZ + 32];

	switch (op->kind) {
	case UAPI_OP_PRIVATE_KEY:
		format_key(b, "private_key", op->u.key);
		break;
	case UAPI_OP_LISTEN_PORT:
		uapi_buf_printf(b, "listen_port=%u\n", op->u.port);
		break;
	case UAPI_OP_FWMARK:
		uapi_buf_printf(b, "fwmark=%" PRIu32 "\n", op->u.fwmark);
		break;
	case UAPI_OP_REPLACE_PEERS:
		uapi_buf_printf(b, "replace_peers=true\n");
		break;
	case UAPI_OP_PUBLIC_KEY:
		format_key(b, "public_key", op->u.key);
		break;
	case UAPI_OP_UPDATE_ONLY:
		uapi_buf_printf(b, "update_only=true\n");
		break;
	case UAPI_OP_REMOVE:
		uapi_buf_printf(b, "remove=true\n");
		break;
	case UAPI_OP_PRESHARED_KEY:
		format_key(b, "preshared_key", op->u.key);
		break;
	case UAPI_OP_ENDPOINT:
		if (op->u.ep.zone[0] && op->u.ep.ep.addr.sa.sa_family == AF_INET6) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, &op->u.ep.ep.addr.in6.sin6_addr, a, sizeof(a));
			snprintf(ep, sizeof(ep), "[%s%%%s]:%u", a, op->u.ep.zone,
				 ntohs(op->u.ep.ep.addr.in6.sin6_port));
		} else if (!uapi_format_endpoint(ep, sizeof(ep), &op->u.ep.ep)) {
			b->failed = true;
			break;
		}
		uapi_buf_printf(b, "endpoint=%s\n", ep);
		break;
	case UAPI_OP_PERSISTENT_KEEPALIVE:
		uapi_buf_printf(b, "persistent_keepalive_interval=%u\n", op->u.keepalive);
		break;
	case UAPI_OP_REPLACE_ALLOWED_IPS:
		uapi_buf_printf(b, "replace_allowed_ips=true\n");
		break;
	case UAPI_OP_ALLOWED_IP:
		uapi_format_allowed_ip(b, op->u.prefix.family, op->u.prefix.addr, op->u.prefix.plen);
		break;
	case UAPI_OP_PROTOCOL_VERSION:
		uapi_buf_printf(b, "protocol_version=1\n");
		break;
	}
}
