/* Value parsers for the wg-quick config format: numbers, CIDR prefixes,
 * endpoints and keepalive intervals. See config_values.h. */
#include "dataplane/config_values.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define HOSTNAME_MAX 253 /* RFC 1035, without the trailing dot */
#define LABEL_MAX    63
#define ZONE_MAX     15  /* IFNAMSIZ - 1 */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool config_value_number(unsigned long *out, const char *s, unsigned long max)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!is_digit(*s))
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* inet_pton on the first n bytes of s; family by the presence of ':'. */
static int parse_address(uint8_t addr[16], const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n))
		return inet_pton(AF_INET6, buf, addr) == 1 ? AF_INET6 : 0;
	return inet_pton(AF_INET, buf, addr) == 1 ? AF_INET : 0;
}

const char *config_value_prefix(struct config_prefix *out, const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	uint8_t max;

	memset(out, 0, sizeof(*out));
	out->family = parse_address(out->addr, s, n);
	if (!out->family)
		return "not an IPv4 or IPv6 address";
	max = out->family == AF_INET ? 32 : 128;
	out->plen = max;
	if (!slash)
		return NULL;
	if (!config_value_number(&plen, slash + 1, 999))
		return "the prefix length is not a number";
	if (plen > max)
		return out->family == AF_INET ? "the prefix length is over 32" :
						 "the prefix length is over 128";
	out->plen = (uint8_t)plen;
	return NULL;
}

/* An IPv6 literal with an optional %zone (an interface name), as found
 * between brackets; getaddrinfo() understands the zone later. */
static bool is_ipv6_literal(const char *s, size_t n)
{
	const char *pct = memchr(s, '%', n);
	uint8_t addr[16];
	size_t i, zone_len;

	if (!pct)
		return parse_address(addr, s, n) == AF_INET6;
	if (parse_address(addr, s, (size_t)(pct - s)) != AF_INET6)
		return false;
	zone_len = n - (size_t)(pct - s) - 1;
	if (zone_len == 0 || zone_len > ZONE_MAX)
		return false;
	for (i = 1; i <= zone_len; i++)
		if (!is_alnum(pct[i]) && pct[i] != '_' && pct[i] != '.' && pct[i] != '-')
			return false;
	return true;
}

/* Letters, digits, '-' and '_' in dot-separated labels of 1..63 characters,
 * not starting or ending with '-'; one trailing dot allowed. */
static bool is_hostname_shape(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > HOSTNAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		if (s[i] == '-' && label == 0)
			return false;
		if (++label > LABEL_MAX)
			return false;
	}
	return s[n - 1] != '-';
}

/* A name whose last label starts with a digit is meant as an IPv4 address
 * (no top-level domain does): it must then be a strict dotted quad, because
 * getaddrinfo() would read "10.1" or "0x7f.1" through inet_aton() as some
 * other address than the one the operator had in mind. */
static const char *check_host(const char *s, size_t n)
{
	const char *last;
	size_t m = n;
	uint8_t addr[16];

	if (n == 0)
		return "the host is missing";
	if (memchr(s, ':', n))
		return "an IPv6 address must be in brackets, as [ADDRESS]:PORT";
	if (!is_hostname_shape(s, n))
		return "the host is neither an IPv4 address nor a hostname";
	if (s[m - 1] == '.')
		m--;
	last = s + m;
	while (last > s && last[-1] != '.')
		last--;
	if (is_digit(*last) && parse_address(addr, s, n) != AF_INET)
		return "the host is neither an IPv4 address nor a hostname";
	return NULL;
}

static const char *parse_endpoint_port(uint16_t *port, const char *s)
{
	unsigned long v;

	if (!*s)
		return "the port is missing";
	if (!config_value_number(&v, s, 65535))
		return "the port is not a number in 1..65535";
	if (v == 0)
		return "port 0 cannot be a destination";
	*port = (uint16_t)v;
	return NULL;
}

const char *config_value_endpoint(char host[CONFIG_HOST_LEN], uint16_t *port, const char *s)
{
	const char *close, *colon, *reason;
	size_t n;

	if (!*s)
		return "the endpoint is empty";
	if (*s == '[') {
		close = strchr(s, ']');
		if (!close)
			return "no ']' after the IPv6 address";
		if (close[1] != ':')
			return "no ':PORT' after ']'";
		s++;
		n = (size_t)(close - s);
		if (!is_ipv6_literal(s, n))
			return "not an IPv6 address between the brackets";
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return "no ':PORT' at the end";
		n = (size_t)(colon - s);
		reason = check_host(s, n);
		if (reason)
			return reason;
	}
	reason = parse_endpoint_port(port, colon + 1);
	if (reason)
		return reason;
	if (n >= CONFIG_HOST_LEN)
		return "the host is too long";
	memcpy(host, s, n);
	host[n] = '\0';
	return NULL;
}

static bool equals_off(const char *s)
{
	return (s[0] | 0x20) == 'o' && (s[1] | 0x20) == 'f' && (s[2] | 0x20) == 'f' && !s[3];
}

const char *config_value_keepalive(uint16_t *out, const char *s)
{
	unsigned long v;

	if (equals_off(s)) {
		*out = 0;
		return NULL;
	}
	if (!config_value_number(&v, s, 65535))
		return "want \"off\" or seconds in 0..65535";
	*out = (uint16_t)v;
	return NULL;
}
