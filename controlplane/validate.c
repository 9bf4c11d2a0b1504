/* Syntax checks and text forms for operator input. */
#include "controlplane/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tunnel/key.h"

#define QUOTE_MAX 48
#define QUOTE_LEN (QUOTE_MAX + 4)

/* Input echoed in a message: bounded and printable, so a hostile value can
 * neither flood a log line nor smuggle control characters into it. */
static const char *quote(const char *s, char out[QUOTE_LEN])
{
	size_t i;

	for (i = 0; s[i] && i < QUOTE_MAX; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int cp_parse_name(const char *s, const char *what, struct cp_error *err)
{
	char q[QUOTE_LEN];
	size_t n = strnlen(s, CP_NAME_MAX + 1);
	size_t i;

	if (n == 0)
		return cp_fail(err, EINVAL, "%s must not be empty", what);
	if (n > CP_NAME_MAX)
		return cp_fail(err, EINVAL, "%s \"%s\" is longer than %d characters",
			       what, quote(s, q), CP_NAME_MAX);
	if (!is_alnum(s[0]))
		goto bad;
	for (i = 1; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			goto bad;
	return 0;
bad:
	return cp_fail(err, EINVAL, "%s \"%s\" is malformed: use letters, digits, '-', '_' "
		       "and '.', starting with a letter or digit", what, quote(s, q));
}

int cp_parse_ipv4(const char *s, const char *what, uint32_t *out, struct cp_error *err)
{
	char q[QUOTE_LEN];
	struct in_addr a;

	if (strnlen(s, CP_IPV4_STR_LEN) >= CP_IPV4_STR_LEN || inet_pton(AF_INET, s, &a) != 1)
		return cp_fail(err, EINVAL, "%s \"%s\" is not an IPv4 address", what, quote(s, q));
	*out = ntohl(a.s_addr);
	return 0;
}

/* Decimal without sign or leading zeros, at most `max`. */
static bool parse_small_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (!s[0] || (s[0] == '0' && s[1]))
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int cp_parse_prefix(const char *s, const char *what, struct cp_prefix *out, struct cp_error *err)
{
	char q[QUOTE_LEN], addr[CP_PREFIX_STR_LEN], fixed[CP_PREFIX_STR_LEN];
	const char *slash;
	struct cp_prefix p;
	unsigned len;
	uint32_t ip;

	if (strnlen(s, CP_PREFIX_STR_LEN) >= CP_PREFIX_STR_LEN || !(slash = strchr(s, '/')) ||
	    (size_t)(slash - s) >= CP_IPV4_STR_LEN)
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (cp_parse_ipv4(addr, what, &ip, NULL) < 0 || !parse_small_uint(slash + 1, 32, &len))
		goto bad;
	p.len = (uint8_t)len;
	p.addr = ip & cp_prefix_mask(p.len);
	if (p.addr != ip) {
		cp_format_prefix(&p, fixed);
		return cp_fail(err, EINVAL, "%s \"%s\" has host bits set (did you mean %s?)",
			       what, quote(s, q), fixed);
	}
	*out = p;
	return 0;
bad:
	return cp_fail(err, EINVAL, "%s \"%s\" is not an IPv4 prefix like 10.0.1.0/24",
		       what, quote(s, q));
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cp_parse_mac(const char *s, uint8_t mac[6], struct cp_error *err)
{
	char q[QUOTE_LEN];
	uint8_t m[6];
	int hi, lo, i;

	if (strnlen(s, CP_MAC_STR_LEN) != CP_MAC_STR_LEN - 1)
		goto bad;
	for (i = 0; i < 6; i++) {
		hi = hex_val(s[3 * i]);
		lo = hex_val(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			goto bad;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (m[0] & 1)
		return cp_fail(err, EINVAL, "MAC \"%s\" is a multicast address", quote(s, q));
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return cp_fail(err, EINVAL, "MAC \"%s\" is all zeros", quote(s, q));
	memcpy(mac, m, 6);
	return 0;
bad:
	return cp_fail(err, EINVAL, "MAC \"%s\" is malformed: use six hex pairs separated by "
		       "colons, like 02:00:5e:10:00:01", quote(s, q));
}

int cp_parse_public_key(const char *s, uint8_t key[32], struct cp_error *err)
{
	char q[QUOTE_LEN];

	if (strnlen(s, WG_KEY_B64_LEN) != WG_KEY_B64_LEN - 1 || !wg_key_from_base64(key, s))
		return cp_fail(err, EINVAL, "public key \"%s\" is malformed: expected 44 characters "
			       "of base64 as printed by `tenet pubkey` or `wg pubkey`", quote(s, q));
	if (wg_key_is_zero(key))
		return cp_fail(err, EINVAL, "public key \"%s\" is the zero key", quote(s, q));
	return 0;
}

static int parse_endpoint(const char *s, bool port_zero_ok, char out[CP_ENDPOINT_LEN],
			  struct cp_error *err)
{
	char q[QUOTE_LEN], host[INET6_ADDRSTRLEN], norm[INET6_ADDRSTRLEN];
	const char *colon, *hs = s, *he;
	unsigned char a[16];
	unsigned port;
	int family = AF_INET;

	if (strnlen(s, CP_ENDPOINT_LEN) >= CP_ENDPOINT_LEN || !(colon = strrchr(s, ':')))
		goto bad;
	he = colon;
	if (s[0] == '[') {
		family = AF_INET6;
		hs = s + 1;
		if (colon == s || colon[-1] != ']')
			goto bad;
		he = colon - 1;
	}
	if (he <= hs || (size_t)(he - hs) >= sizeof(host))
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (inet_pton(family, host, a) != 1 || !parse_small_uint(colon + 1, 65535, &port) ||
	    (port == 0 && !port_zero_ok) || !inet_ntop(family, a, norm, sizeof(norm)))
		goto bad;
	snprintf(out, CP_ENDPOINT_LEN, family == AF_INET6 ? "[%s]:%u" : "%s:%u", norm, port);
	return 0;
bad:
	return cp_fail(err, EINVAL, "endpoint \"%s\" is malformed: use IPv4:PORT or [IPv6]:PORT",
		       quote(s, q));
}

int cp_parse_endpoint(const char *s, char out[CP_ENDPOINT_LEN], struct cp_error *err)
{
	return parse_endpoint(s, false, out, err);
}

int cp_parse_listen(const char *s, char out[CP_ENDPOINT_LEN], struct cp_error *err)
{
	return parse_endpoint(s, true, out, err);
}

int cp_check_vni(int64_t vni, struct cp_error *err)
{
	if (vni < CP_VNI_MIN || vni > CP_VNI_MAX)
		return cp_fail(err, EINVAL, "VNI %lld is out of range %u..%u", (long long)vni,
			       CP_VNI_MIN, CP_VNI_MAX);
	return 0;
}

int cp_check_mtu(int64_t mtu, struct cp_error *err)
{
	if (mtu < CP_MTU_MIN || mtu > CP_MTU_MAX)
		return cp_fail(err, EINVAL, "MTU %lld is out of range %d..%d", (long long)mtu,
			       CP_MTU_MIN, CP_MTU_MAX);
	return 0;
}

int cp_check_subnet_cidr(const struct cp_prefix *p, struct cp_error *err)
{
	static const struct cp_prefix reserved[] = {
		{ 0x00000000u, 8 }, /* "this network" */
		{ 0x7f000000u, 8 }, /* loopback */
		{ 0xe0000000u, 3 }, /* multicast and the reserved 240/4 */
	};
	char s[CP_PREFIX_STR_LEN], r[CP_PREFIX_STR_LEN];
	size_t i;

	cp_format_prefix(p, s);
	if (p->len < CP_SUBNET_PLEN_MIN || p->len > CP_SUBNET_PLEN_MAX)
		return cp_fail(err, EINVAL, "subnet %s: prefix length must be %d..%d", s,
			       CP_SUBNET_PLEN_MIN, CP_SUBNET_PLEN_MAX);
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (cp_prefix_overlap(p, &reserved[i])) {
			cp_format_prefix(&reserved[i], r);
			return cp_fail(err, EINVAL, "subnet %s overlaps reserved range %s", s, r);
		}
	}
	return 0;
}

int cp_check_port_ip(const struct cp_subnet *s, uint32_t ip, struct cp_error *err)
{
	char a[CP_IPV4_STR_LEN], c[CP_PREFIX_STR_LEN];
	const char *why = NULL;

	cp_format_ipv4(ip, a);
	cp_format_prefix(&s->cidr, c);
	if (!cp_prefix_contains(&s->cidr, ip))
		return cp_fail(err, EINVAL, "IP %s is outside subnet \"%s\" (%s)", a, s->name, c);
	if (ip == s->cidr.addr)
		why = "network";
	else if (ip == s->gateway)
		why = "gateway";
	else if (ip == cp_prefix_broadcast(&s->cidr))
		why = "broadcast";
	if (why)
		return cp_fail(err, EINVAL, "IP %s is the %s address of subnet \"%s\" (%s)", a, why,
			       s->name, c);
	return 0;
}

uint32_t cp_prefix_mask(uint8_t len)
{
	return len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~(0xffffffffu >> len);
}

uint32_t cp_prefix_broadcast(const struct cp_prefix *p)
{
	return p->addr | ~cp_prefix_mask(p->len);
}

bool cp_prefix_contains(const struct cp_prefix *p, uint32_t ip)
{
	return (ip & cp_prefix_mask(p->len)) == p->addr;
}

bool cp_prefix_overlap(const struct cp_prefix *a, const struct cp_prefix *b)
{
	uint32_t m = cp_prefix_mask(a->len < b->len ? a->len : b->len);

	return (a->addr & m) == (b->addr & m);
}

uint32_t cp_subnet_gateway(const struct cp_prefix *p)
{
	return p->addr + 1;
}

void cp_format_ipv4(uint32_t ip, char out[CP_IPV4_STR_LEN])
{
	snprintf(out, CP_IPV4_STR_LEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
}

void cp_format_prefix(const struct cp_prefix *p, char out[CP_PREFIX_STR_LEN])
{
	char a[CP_IPV4_STR_LEN];

	cp_format_ipv4(p->addr, a);
	snprintf(out, CP_PREFIX_STR_LEN, "%s/%u", a, p->len & 63u); /* len <= 32 */
}

void cp_format_mac(const uint8_t mac[6], char out[CP_MAC_STR_LEN])
{
	snprintf(out, CP_MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
}
