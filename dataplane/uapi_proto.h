/* The WireGuard cross-platform userspace API (UAPI) wire protocol, as spoken
 * by wg(8) and wireguard-go over /var/run/wireguard/NAME.sock
 * (https://www.wireguard.com/xplatform/), without any I/O so it can be fuzzed.
 *
 * A connection carries any number of requests, each a first line naming the
 * operation and ending with an empty line:
 *
 *   get=1\n\n             -> key=value lines, "errno=0\n\n"
 *   set=1\nkey=value\n...\n -> "errno=N\n\n"
 *   stats=1\n\n           -> (tenet extension) drop_<reason>=N lines, "errno=0\n\n"
 *
 * errno values are 0 or a NEGATIVE errno, as wireguard-go writes them and as
 * wg(8) expects (it sets errno to minus the value): -EPROTO for a line without
 * '=', -EINVAL for an unknown key or a bad value, -EADDRINUSE when the listen
 * port cannot be bound. A set request is parsed completely before anything is
 * applied, so a malformed line anywhere rejects the whole request and changes
 * nothing.
 */
#ifndef DATAPLANE_UAPI_PROTO_H
#define DATAPLANE_UAPI_PROTO_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/tunnel.h"

#define UAPI_LINE_MAX    1024        /* longest line accepted, newline excluded */
#define UAPI_REQUEST_MAX (4u << 20)  /* bytes in one set request */

enum uapi_op_kind {
	/* device section (before the first public_key) */
	UAPI_OP_PRIVATE_KEY = 1,    /* u.key, all zero: remove the identity */
	UAPI_OP_LISTEN_PORT,        /* u.port */
	UAPI_OP_FWMARK,             /* u.fwmark, 0: none */
	UAPI_OP_REPLACE_PEERS,
	/* starts a peer section */
	UAPI_OP_PUBLIC_KEY,         /* u.key */
	/* peer section */
	UAPI_OP_UPDATE_ONLY,
	UAPI_OP_REMOVE,
	UAPI_OP_PRESHARED_KEY,      /* u.key, all zero: none */
	UAPI_OP_ENDPOINT,           /* u.ep */
	UAPI_OP_PERSISTENT_KEEPALIVE, /* u.keepalive seconds, 0: off */
	UAPI_OP_REPLACE_ALLOWED_IPS,
	UAPI_OP_ALLOWED_IP,         /* u.prefix, host bits cleared */
	UAPI_OP_PROTOCOL_VERSION,   /* always 1 */
};

struct uapi_prefix {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t plen;
};

struct uapi_endpoint {
	struct wg_endpoint ep;   /* a v4-mapped IPv6 address is stored as AF_INET */
	char zone[IFNAMSIZ];     /* interface name of "[fe80::1%eth0]:port" for the
				  * caller to resolve; "" when none or numeric
				  * (numeric zones are already in ep's scope id) */
};

struct uapi_op {
	enum uapi_op_kind kind;
	union {
		uint8_t key[32];
		uint16_t port;
		uint32_t fwmark;
		uint16_t keepalive;
		struct uapi_endpoint ep;
		struct uapi_prefix prefix;
	} u;
};

/* A parsed set request: its operations in order. */
struct uapi_set {
	struct uapi_op *ops;
	size_t n_ops;
	size_t cap_ops;
	size_t bytes;        /* request bytes seen, bounded by UAPI_REQUEST_MAX */
	bool in_peer;        /* a public_key line was seen */
	int error;           /* first error (negative errno); later lines ignored */
	char why[160];       /* what the first error was, for the log (no key material) */
};

void uapi_set_init(struct uapi_set *s);
/* Parses one line (without its newline). Returns 0 or the request's first
 * error. */
int uapi_set_add_line(struct uapi_set *s, const char *line, size_t len);
/* Wipes the keys and frees; leaves s initialised and empty. */
void uapi_set_clear(struct uapi_set *s);

/* ---- connection state ------------------------------------------------- */

enum uapi_action {
	UAPI_ACT_NONE,   /* need more lines */
	UAPI_ACT_GET,    /* answer a get: the caller formats the device */
	UAPI_ACT_STATS,  /* answer the stats extension */
	UAPI_ACT_SET,    /* s->set holds the parsed request (or its error):
			  * apply it, answer, then call uapi_session_done */
	UAPI_ACT_ERRNO,  /* answer "errno=<s->reply_errno>" and go on */
	UAPI_ACT_CLOSE,  /* not the protocol: close the connection silently */
};

struct uapi_session {
	enum { UAPI_IDLE, UAPI_WANT_BLANK_GET, UAPI_WANT_BLANK_STATS, UAPI_IN_SET } state;
	struct uapi_set set;
	int reply_errno;
};

void uapi_session_init(struct uapi_session *s);
/* Feeds one line (newline stripped; a trailing '\r' is part of the line). */
enum uapi_action uapi_session_feed(struct uapi_session *s, const char *line, size_t len);
/* End of input: a set request without its final empty line is still applied
 * (as wireguard-go does); UAPI_ACT_SET or UAPI_ACT_CLOSE. */
enum uapi_action uapi_session_eof(struct uapi_session *s);
/* After a UAPI_ACT_SET has been handled. */
void uapi_session_done(struct uapi_session *s);
void uapi_session_free(struct uapi_session *s);

/* ---- formatting -------------------------------------------------------- */

/* A growable output buffer. Formatting never fails half-way silently: on
 * allocation failure `failed` is set and the caller answers -ENOMEM. The
 * memory is wiped when freed (a get response holds the private key). */
struct uapi_buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
};

void uapi_buf_init(struct uapi_buf *b);
void uapi_buf_reset(struct uapi_buf *b);   /* wipes, keeps the memory */
void uapi_buf_free(struct uapi_buf *b);
void uapi_buf_printf(struct uapi_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a get reports about one peer. */
struct uapi_peer_view {
	uint8_t public_key[32];
	uint8_t preshared_key[32];        /* all zero when none */
	struct wg_endpoint endpoint;      /* AF_UNSPEC: no endpoint line */
	uint64_t last_handshake_ns;       /* wall clock, 0: never */
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint16_t persistent_keepalive;
};

/* private_key NULL: no private_key line; port/fwmark 0: no line (as
 * wireguard-go). */
void uapi_format_interface(struct uapi_buf *b, const uint8_t *private_key, uint16_t listen_port,
			   uint32_t fwmark);
void uapi_format_peer(struct uapi_buf *b, const struct uapi_peer_view *p);
void uapi_format_allowed_ip(struct uapi_buf *b, int family, const uint8_t *addr, uint8_t plen);
/* "errno=N" and the empty line that ends every response. */
void uapi_format_errno(struct uapi_buf *b, int err);
/* One set-request line for op (used by tests and the fuzzer's round trip). */
void uapi_format_op(struct uapi_buf *b, const struct uapi_op *op);
/* "1.2.3.4:51820", "[2001:db8::1]:51820", "[fe80::1%3]:51820"; false when
 * the endpoint is empty or cap is too small. */
bool uapi_format_endpoint(char *out, size_t cap, const struct wg_endpoint *ep);

#endif
