/* The wg-quick configuration file: lines, sections and keys, and the rules
 * that span several lines (duplicates, required keys, our own key as a peer).
 * Single values are parsed in config_values.c.
 *
 * Syntax, as wg(8) and wg-quick(8) read it: "[Interface]" / "[Peer]" headers
 * and "Key = Value" lines; names of keys and sections in any case; '#' starts
 * a comment anywhere on a line; blank space around '=' and ',' and at either
 * end is ignored; CRLF works. Unlike wg(8) we do not delete blank space
 * inside a value, so "10.0.0.1 /24" is an error rather than a guess.
 *
 * Where we are stricter than wg(8), on purpose: a key that holds one value
 * (PrivateKey, ListenPort, MTU, PublicKey, PresharedKey, Endpoint,
 * PersistentKeepalive) may appear once per section, where wg silently keeps
 * the last; ports are numbers, not service names; MTU has a range (below);
 * an all-zero PrivateKey or PublicKey is refused (wg reads it as "none").
 * Like wg(8): "AllowedIPs =" adds nothing, sections may come in any order,
 * an address without /PLEN is a /32 or /128, host bits are kept.
 *
 * Every error names the line where the problem became visible: the second
 * of two duplicates, the header of a section missing a required key, the
 * later of two lines that contradict each other.
 *
 * Secrets: the text of a line is wiped once the line is parsed, growing an
 * array of peers wipes the old copy, and no message ever quotes the value
 * of PrivateKey or PresharedKey. Names of unknown keys are quoted only when
 * too short to be a key (a base64 key pasted on its own line ends in '=' and
 * would otherwise be taken for an unknown key name). */
#include "dataplane/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "dataplane/config_values.h"
#include "tunnel/key.h"

#define LINE_MAX_BYTES 4096
#define FILE_MAX_BYTES (1024 * 1024)
#define QUOTE_MAX      64
#define NAME_QUOTE_MAX 32

/* MTU bounds. wg-quick accepts any number and lets the kernel refuse it;
 * we check early instead. An interface that holds an IPv6 address must
 * carry 1280-byte packets (RFC 8200, section 5), otherwise 576 is the IPv4
 * minimum every host must accept (RFC 791). 9000 is the common jumbo-frame
 * ceiling: a tunnel MTU above it can fit no real underlay (which must be
 * 60-80 bytes larger), so a bigger number is a typo, not a plan. */
#define MTU_MIN_IPV4 576
#define MTU_MIN_IPV6 1280
#define MTU_MAX      9000

enum section { SECTION_NONE, SECTION_INTERFACE, SECTION_PEER };

struct parser;
typedef int (*value_fn)(struct parser *p, char *value);

struct key_def {
	const char *name;
	enum section section;
	bool once;      /* at most once per section */
	value_fn parse; /* NULL: accepted and ignored */
};

static int parse_private_key(struct parser *p, char *value);
static int parse_listen_port(struct parser *p, char *value);
static int parse_address(struct parser *p, char *value);
static int parse_mtu(struct parser *p, char *value);
static int parse_public_key(struct parser *p, char *value);
static int parse_preshared_key(struct parser *p, char *value);
static int parse_allowed_ips(struct parser *p, char *value);
static int parse_endpoint(struct parser *p, char *value);
static int parse_keepalive(struct parser *p, char *value);

static const struct key_def keys[] = {
	{ "PrivateKey", SECTION_INTERFACE, true, parse_private_key },
	{ "ListenPort", SECTION_INTERFACE, true, parse_listen_port },
	{ "Address", SECTION_INTERFACE, false, parse_address },
	{ "MTU", SECTION_INTERFACE, true, parse_mtu },
	{ "DNS", SECTION_INTERFACE, false, NULL },
	{ "Table", SECTION_INTERFACE, false, NULL },
	{ "PreUp", SECTION_INTERFACE, false, NULL },
	{ "PostUp", SECTION_INTERFACE, false, NULL },
	{ "PreDown", SECTION_INTERFACE, false, NULL },
	{ "PostDown", SECTION_INTERFACE, false, NULL },
	{ "SaveConfig", SECTION_INTERFACE, false, NULL },
	{ "FwMark", SECTION_INTERFACE, false, NULL },
	{ "PublicKey", SECTION_PEER, true, parse_public_key },
	{ "PresharedKey", SECTION_PEER, true, parse_preshared_key },
	{ "AllowedIPs", SECTION_PEER, false, parse_allowed_ips },
	{ "Endpoint", SECTION_PEER, true, parse_endpoint },
	{ "PersistentKeepalive", SECTION_PEER, true, parse_keepalive },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

struct parser {
	struct config *cfg;
	const char *path;
	char *err;
	unsigned line;                /* 1-based, of the line being parsed */
	enum section section;         /* the open section */
	unsigned seen_line[N_KEYS];   /* where a `once` key was given in the open section */
	unsigned interface_line;      /* 0 until [Interface] */
	bool has_private_key;
	uint8_t own_public_key[32];
	bool peer_has_public_key;     /* of the open [Peer] */
	unsigned ipv6_address_line;   /* first IPv6 Address, 0 if none */
	unsigned mtu_line;
	size_t cap_addresses;
	size_t cap_peers;
	size_t cap_allowed_ips;       /* of the open [Peer] */
	char text[LINE_MAX_BYTES + 1];
};

/* Messages ---------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int fail_at(struct parser *p, unsigned line, const char *fmt, ...)
{
	int n = snprintf(p->err, CONFIG_ERROR_LEN, "%s:%u: ", p->path, line);
	va_list ap;

	if (n >= 0 && n < CONFIG_ERROR_LEN) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, CONFIG_ERROR_LEN - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define fail(p, ...) fail_at((p), (p)->line, __VA_ARGS__)

static int fail_oom(struct parser *p)
{
	fail(p, "out of memory");
	return -ENOMEM;
}

static bool is_print(char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* A value fit for a message: at most QUOTE_MAX bytes, unprintable ones as '?'. */
static const char *quote(char out[QUOTE_MAX + 4], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < QUOTE_MAX; i++)
		out[i] = is_print(s[i]) ? s[i] : '?';
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

/* A key or section name, or "(not shown)" when it is long enough to be a
 * key: see the top of this file. */
static const char *quote_name(char out[QUOTE_MAX + 4], const char *s)
{
	size_t i, n = strnlen(s, NAME_QUOTE_MAX + 1);

	for (i = 0; i < n; i++)
		if (!is_print(s[i]))
			break;
	if (n > NAME_QUOTE_MAX || i < n)
		return "(not shown)";
	return quote(out, s);
}

static const char *section_name(enum section s)
{
	return s == SECTION_INTERFACE ? "Interface" : "Peer";
}

/* Text helpers ----------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char *trim(char *s)
{
	char *end;

	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* ASCII only, whatever the locale. */
static bool name_equals(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

/* Arrays ------------------------------------------------------------------ */

/* Room for one more element. The old copy is wiped, since peers hold keys. */
static int grow(void **array, size_t *cap, size_t n, size_t size)
{
	size_t new_cap;
	void *fresh;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 4;
	if (new_cap > SIZE_MAX / size)
		return -ENOMEM;
	fresh = calloc(new_cap, size);
	if (!fresh)
		return -ENOMEM;
	if (n) {
		memcpy(fresh, *array, n * size);
		sodium_memzero(*array, n * size);
	}
	free(*array);
	*array = fresh;
	*cap = new_cap;
	return 0;
}

/* Appends each comma-separated prefix in value; an empty value adds none
 * (as in wg(8)), an empty entry between commas is an error. */
static int parse_prefix_list(struct parser *p, const char *key, char *value,
			     struct config_prefix **array, size_t *n, size_t *cap)
{
	char q[QUOTE_MAX + 4], *entry, *comma;
	const char *reason;

	if (!*value)
		return 0;
	for (;;) {
		comma = strchr(value, ',');
		if (comma)
			*comma = '\0';
		entry = trim(value);
		if (!*entry)
			return fail(p, "empty entry in the %s list", key);
		if (grow((void **)array, cap, *n, sizeof(**array)))
			return fail_oom(p);
		reason = config_value_prefix(&(*array)[*n], entry);
		if (reason)
			return fail(p, "bad %s entry '%s': %s", key, quote(q, entry), reason);
		(*n)++;
		if (!comma)
			return 0;
		value = comma + 1;
	}
}

/* [Interface] ------------------------------------------------------------ */

static int parse_private_key(struct parser *p, char *value)
{
	struct config *cfg = p->cfg;
	size_t i;

	if (!wg_key_from_base64(cfg->private_key, value))
		return fail(p, "PrivateKey is not a base64 key of 44 characters ending in '=' "
			       "(value not shown)");
	if (wg_key_is_zero(cfg->private_key))
		return fail(p, "PrivateKey is all zeros");
	if (!wg_key_public_from_private(p->own_public_key, cfg->private_key))
		return fail(p, "PrivateKey has no usable public key");
	p->has_private_key = true;
	/* Every [Peer] before this line is closed, so has its PublicKey. */
	for (i = 0; i < cfg->n_peers; i++)
		if (!memcmp(cfg->peers[i].public_key, p->own_public_key, 32))
			return fail(p, "the public key of this PrivateKey is the PublicKey of the "
				       "[Peer] at line %u", cfg->peers[i].line);
	return 0;
}

static int parse_listen_port(struct parser *p, char *value)
{
	char q[QUOTE_MAX + 4];
	unsigned long port;

	if (!config_value_number(&port, value, 65535))
		return fail(p, "bad ListenPort '%s': want 0..65535", quote(q, value));
	p->cfg->listen_port = (uint16_t)port;
	p->cfg->has_listen_port = true;
	return 0;
}

static int check_mtu_ipv6(struct parser *p)
{
	if (!p->cfg->mtu || !p->ipv6_address_line || p->cfg->mtu >= MTU_MIN_IPV6)
		return 0;
	return fail(p, "MTU %u (line %u) is below %u, the least an interface with an IPv6 "
		       "Address (line %u) may have", p->cfg->mtu, p->mtu_line, MTU_MIN_IPV6,
		    p->ipv6_address_line);
}

static int parse_address(struct parser *p, char *value)
{
	struct config *cfg = p->cfg;
	size_t i, old = cfg->n_addresses;
	int ret;

	ret = parse_prefix_list(p, "Address", value, &cfg->addresses, &cfg->n_addresses,
				&p->cap_addresses);
	if (ret)
		return ret;
	for (i = old; i < cfg->n_addresses && !p->ipv6_address_line; i++)
		if (cfg->addresses[i].family == AF_INET6)
			p->ipv6_address_line = p->line;
	return check_mtu_ipv6(p);
}

static int parse_mtu(struct parser *p, char *value)
{
	char q[QUOTE_MAX + 4];
	unsigned long mtu;

	if (!config_value_number(&mtu, value, MTU_MAX) || mtu < MTU_MIN_IPV4)
		return fail(p, "bad MTU '%s': want %u..%u (%u..%u with an IPv6 Address)",
			    quote(q, value), MTU_MIN_IPV4, MTU_MAX, MTU_MIN_IPV6, MTU_MAX);
	p->cfg->mtu = (unsigned)mtu;
	p->mtu_line = p->line;
	return check_mtu_ipv6(p);
}

/* [Peer] ------------------------------------------------------------------ */

static struct config_peer *open_peer_of(struct parser *p)
{
	return &p->cfg->peers[p->cfg->n_peers - 1];
}

static int parse_public_key(struct parser *p, char *value)
{
	struct config_peer *peer = open_peer_of(p);
	char q[QUOTE_MAX + 4];
	size_t i;

	if (!wg_key_from_base64(peer->public_key, value))
		return fail(p, "bad PublicKey '%s': not a base64 key of 44 characters ending in '='",
			    quote(q, value));
	if (wg_key_is_zero(peer->public_key))
		return fail(p, "PublicKey is all zeros");
	for (i = 0; i + 1 < p->cfg->n_peers; i++)
		if (!memcmp(p->cfg->peers[i].public_key, peer->public_key, 32))
			return fail(p, "PublicKey '%s' is also the key of the [Peer] at line %u",
				    quote(q, value), p->cfg->peers[i].line);
	if (p->has_private_key && !memcmp(p->own_public_key, peer->public_key, 32))
		return fail(p, "PublicKey '%s' is this interface's own public key", quote(q, value));
	p->peer_has_public_key = true;
	return 0;
}

static int parse_preshared_key(struct parser *p, char *value)
{
	struct config_peer *peer = open_peer_of(p);

	if (!wg_key_from_base64(peer->preshared_key, value))
		return fail(p, "PresharedKey is not a base64 key of 44 characters ending in '=' "
			       "(value not shown)");
	peer->has_preshared_key = true;
	return 0;
}

static int parse_allowed_ips(struct parser *p, char *value)
{
	struct config_peer *peer = open_peer_of(p);

	return parse_prefix_list(p, "AllowedIPs", value, &peer->allowed_ips,
				 &peer->n_allowed_ips, &p->cap_allowed_ips);
}

static int parse_endpoint(struct parser *p, char *value)
{
	struct config_peer *peer = open_peer_of(p);
	char q[QUOTE_MAX + 4];
	const char *reason;

	reason = config_value_endpoint(peer->endpoint_host, &peer->endpoint_port, value);
	if (reason)
		return fail(p, "bad Endpoint '%s': %s", quote(q, value), reason);
	peer->has_endpoint = true;
	return 0;
}

static int parse_keepalive(struct parser *p, char *value)
{
	char q[QUOTE_MAX + 4];
	const char *reason;

	reason = config_value_keepalive(&open_peer_of(p)->persistent_keepalive, value);
	if (reason)
		return fail(p, "bad PersistentKeepalive '%s': %s", quote(q, value), reason);
	return 0;
}

/* Sections ---------------------------------------------------------------- */

static int close_section(struct parser *p)
{
	if (p->section == SECTION_PEER && !p->peer_has_public_key)
		return fail_at(p, open_peer_of(p)->line, "[Peer] has no PublicKey");
	if (p->section == SECTION_INTERFACE && !p->has_private_key)
		return fail_at(p, p->interface_line, "[Interface] has no PrivateKey");
	return 0;
}

static int open_interface(struct parser *p)
{
	if (p->interface_line)
		return fail(p, "a second [Interface] section (the first is at line %u)",
			    p->interface_line);
	p->interface_line = p->line;
	p->section = SECTION_INTERFACE;
	return 0;
}

static int open_peer(struct parser *p)
{
	struct config *cfg = p->cfg;

	if (grow((void **)&cfg->peers, &p->cap_peers, cfg->n_peers, sizeof(*cfg->peers)))
		return fail_oom(p);
	cfg->peers[cfg->n_peers++].line = p->line;
	p->cap_allowed_ips = 0;
	p->peer_has_public_key = false;
	p->section = SECTION_PEER;
	return 0;
}

static int parse_header(struct parser *p, char *s)
{
	char q[QUOTE_MAX + 4], *name;
	size_t n = strlen(s);
	int ret;

	if (s[n - 1] != ']')
		return fail(p, "section header '%s' does not end with ']'", quote_name(q, s));
	s[n - 1] = '\0';
	name = trim(s + 1);
	ret = close_section(p);
	if (ret)
		return ret;
	memset(p->seen_line, 0, sizeof(p->seen_line));
	if (name_equals(name, "Interface"))
		return open_interface(p);
	if (name_equals(name, "Peer"))
		return open_peer(p);
	return fail(p, "unknown section '[%s]': want [Interface] or [Peer]", quote_name(q, name));
}

/* Lines ------------------------------------------------------------------- */

static const struct key_def *find_key(const char *name)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (name_equals(name, keys[i].name))
			return &keys[i];
	return NULL;
}

static int parse_key_value(struct parser *p, const char *name, char *value)
{
	const struct key_def *key = find_key(name);
	char q[QUOTE_MAX + 4];
	size_t i;

	if (!*name)
		return fail(p, "no key name before '='");
	if (p->section == SECTION_NONE)
		return fail(p, "'%s' is outside any section: put it under [Interface] or [Peer]",
			    quote_name(q, name));
	if (!key)
		return fail(p, "unknown key '%s' in [%s]", quote_name(q, name),
			    section_name(p->section));
	if (key->section != p->section)
		return fail(p, "%s belongs in [%s], not in [%s]", key->name,
			    section_name(key->section), section_name(p->section));
	i = (size_t)(key - keys);
	if (key->once && p->seen_line[i])
		return fail(p, "duplicate %s in one [%s] section (first at line %u)", key->name,
			    section_name(p->section), p->seen_line[i]);
	p->seen_line[i] = p->line;
	return key->parse ? key->parse(p, value) : 0;
}

static int parse_line(struct parser *p, char *s)
{
	char q[QUOTE_MAX + 4], *comment, *eq;
	size_t word;

	comment = strchr(s, '#');
	if (comment)
		*comment = '\0';
	s = trim(s);
	if (!*s)
		return 0;
	if (*s == '[')
		return parse_header(p, s);
	eq = strchr(s, '=');
	if (!eq) {
		for (word = 0; s[word] && !is_blank(s[word]); word++)
			;
		s[word] = '\0';
		return fail(p, "no '=' after '%s': want Key = Value or a [Section]",
			    quote_name(q, s));
	}
	*eq = '\0';
	return parse_key_value(p, trim(s), trim(eq + 1));
}

/* One line without its '\n'. */
static int parse_raw_line(struct parser *p, const char *s, size_t n)
{
	int ret;

	if (n && s[n - 1] == '\r')
		n--;
	if (n > LINE_MAX_BYTES)
		return fail(p, "the line is longer than %d bytes", LINE_MAX_BYTES);
	if (memchr(s, '\0', n))
		return fail(p, "a NUL byte in the line");
	memcpy(p->text, s, n);
	p->text[n] = '\0';
	ret = parse_line(p, p->text);
	sodium_memzero(p->text, n);
	return ret;
}

static int finish(struct parser *p)
{
	int ret = close_section(p);

	if (ret)
		return ret;
	if (!p->interface_line)
		return fail_at(p, 1, "no [Interface] section");
	return 0;
}

/* Entry points ------------------------------------------------------------ */

int config_parse(struct config *cfg, const char *path, const char *text, size_t len,
		 char err[CONFIG_ERROR_LEN])
{
	struct parser *p;
	const char *nl;
	size_t pos = 0, n;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, CONFIG_ERROR_LEN, "%s: out of memory", path ? path : "(config)");
		return -ENOMEM;
	}
	p->cfg = cfg;
	p->path = path ? path : "(config)";
	p->err = err;
	/* An editor on Windows may start the file with a UTF-8 byte order mark. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		p->line++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		ret = parse_raw_line(p, text + pos, n);
		if (ret)
			goto out;
		pos += n + (nl ? 1 : 0);
	}
	ret = finish(p);
out:
	sodium_memzero(p, sizeof(*p));
	free(p);
	if (ret)
		config_free(cfg);
	return ret;
}

/* Reads at most cap bytes; *len > cap - 1 means the file was bigger. */
static int read_bounded(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t r;

	*len = 0;
	while (*len < cap) {
		r = read(fd, buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		*len += (size_t)r;
	}
	return 0;
}

/* wg-quick warns when the file is readable by others; we leave that policy
 * to the caller, which can stat the path itself. */
int config_load(struct config *cfg, const char *path, char err[CONFIG_ERROR_LEN])
{
	char *buf = NULL, reason[128];
	size_t len = 0;
	int fd, ret;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, CONFIG_ERROR_LEN, "%s: cannot open: %s", path,
			 strerror_r(-ret, reason, sizeof(reason)));
		return ret;
	}
	buf = malloc(FILE_MAX_BYTES + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, CONFIG_ERROR_LEN, "%s: out of memory", path);
		goto out;
	}
	ret = read_bounded(fd, buf, FILE_MAX_BYTES + 1, &len);
	if (ret) {
		snprintf(err, CONFIG_ERROR_LEN, "%s: cannot read: %s", path,
			 strerror_r(-ret, reason, sizeof(reason)));
		goto out;
	}
	if (len > FILE_MAX_BYTES) {
		ret = -EFBIG;
		snprintf(err, CONFIG_ERROR_LEN, "%s: larger than 1 MiB, not a config file", path);
		goto out;
	}
	ret = config_parse(cfg, path, buf, len, err);
out:
	if (buf)
		sodium_memzero(buf, len);
	free(buf);
	close(fd);
	return ret;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_peers; i++)
		free(cfg->peers[i].allowed_ips);
	if (cfg->peers)
		sodium_memzero(cfg->peers, cfg->n_peers * sizeof(*cfg->peers));
	free(cfg->peers);
	free(cfg->addresses);
	sodium_memzero(cfg, sizeof(*cfg));
}
