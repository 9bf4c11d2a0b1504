/* The WireGuard protocol engine: the public face of tunnel/.
 *
 * Pure: no sockets, no files, no clock reads, no global state. The caller (the
 * agent's event loop) passes the monotonic time `now` (ns), the wall-clock time
 * `wall_ns` (ns since the Unix epoch, used only for TAI64N timestamps and for
 * reporting the latest handshake) and a random source. Endpoints are plain
 * values; the engine never sends anything itself: every function that wants a
 * packet sent writes it into a caller buffer and says so in its result.
 *
 * Cryptokey routing (AllowedIPs) is not in here: the caller looks a destination
 * up in its routing/ table to choose the peer, and checks a decrypted packet's
 * source against the same table. The engine is not thread-safe; the caller
 * serialises access to one device.
 */
#ifndef TUNNEL_TUNNEL_H
#define TUNNEL_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tunnel/messages.h"

struct wg_device;
struct wg_peer;

/* Fills buf with len random bytes. Tests pass a deterministic one. */
struct wg_rng {
	void (*fill)(void *ctx, uint8_t *buf, size_t len);
	void *ctx;
};

/* A UDP endpoint, IPv4 or IPv6 (sa_family AF_UNSPEC: none). */
struct wg_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;
};

/* What the engine needs to know about "now" for one call. */
struct wg_env {
	uint64_t now;      /* monotonic ns */
	uint64_t wall_ns;  /* ns since the Unix epoch */
	struct wg_rng rng;
};

/* Why a received packet was refused. Each reason has its own counter. */
enum wg_drop_reason {
	WG_DROP_NONE = 0,
	WG_DROP_SHORT,             /* shorter than its type's fixed size */
	WG_DROP_BAD_TYPE,          /* unknown type or non-zero reserved bytes */
	WG_DROP_BAD_SIZE,          /* handshake message of the wrong length */
	WG_DROP_NO_PRIVATE_KEY,
	WG_DROP_BAD_MAC1,
	WG_DROP_BAD_MAC2,          /* under load and mac2 absent or stale: cookie sent */
	WG_DROP_HANDSHAKE_DECRYPT, /* AEAD or DH failure inside a handshake message */
	WG_DROP_UNKNOWN_PEER,      /* initiation from a static key we do not know */
	WG_DROP_STALE_TIMESTAMP,   /* initiation replayed (TAI64N not newer) */
	WG_DROP_FLOOD,             /* initiations from one peer too fast */
	WG_DROP_CROSSED,           /* initiation crossing ours, which wins (lower key) */
	WG_DROP_UNKNOWN_INDEX,     /* response/cookie/data for no index of ours */
	WG_DROP_BAD_STATE,         /* response to no pending initiation */
	WG_DROP_COOKIE_DECRYPT,
	WG_DROP_KEY_EXPIRED,       /* data under a keypair past REJECT_AFTER_* */
	WG_DROP_DATA_DECRYPT,
	WG_DROP_REPLAY,            /* counter seen before or behind the window */
	WG_DROP__COUNT
};
const char *wg_drop_reason_name(enum wg_drop_reason reason);

/* ---- device ---------------------------------------------------------- */

/* NULL private_key: a device with no identity yet (drops everything). */
struct wg_device *wg_device_create(const uint8_t private_key[WG_KEY_LEN]);
/* Frees every peer and wipes every key. */
void wg_device_destroy(struct wg_device *dev);
/* Changes the identity: recomputes per-peer precomputations, forgets pending
 * handshakes, removes a peer whose public key equals the new public key. */
void wg_device_set_private_key(struct wg_device *dev, const uint8_t private_key[WG_KEY_LEN]);
/* false when the device has no private key. */
bool wg_device_private_key(const struct wg_device *dev, uint8_t out[WG_KEY_LEN]);
bool wg_device_public_key(const struct wg_device *dev, uint8_t out[WG_KEY_LEN]);
/* Drop counters, indexed by enum wg_drop_reason. */
const uint64_t *wg_device_drop_counters(const struct wg_device *dev);
uint64_t wg_device_drops_total(const struct wg_device *dev);

/* ---- peers ----------------------------------------------------------- */

/* Adds a peer. Errors: -EEXIST (already a peer), -EINVAL (our own key),
 * -ENOMEM. */
int wg_peer_create(struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN],
		   struct wg_peer **out);
/* Removes a peer: wipes its keys and frees its indices. */
void wg_peer_remove(struct wg_device *dev, struct wg_peer *peer);
struct wg_peer *wg_peer_lookup(const struct wg_device *dev, const uint8_t public_key[WG_KEY_LEN]);
/* Iteration in insertion order: first(dev), then next(peer) until NULL.
 * Removing the current peer during iteration is not allowed. */
struct wg_peer *wg_device_first_peer(const struct wg_device *dev);
struct wg_peer *wg_peer_next(const struct wg_peer *peer);

void wg_peer_public_key(const struct wg_peer *peer, uint8_t out[WG_KEY_LEN]);
/* NULL clears the preshared key (all zeros, as in the protocol). */
void wg_peer_set_preshared_key(struct wg_peer *peer, const uint8_t psk[WG_KEY_LEN]);
bool wg_peer_preshared_key(const struct wg_peer *peer, uint8_t out[WG_KEY_LEN]);
void wg_peer_set_endpoint(struct wg_peer *peer, const struct wg_endpoint *ep);
/* The current endpoint (it follows the latest authenticated packet: roaming);
 * sa_family is AF_UNSPEC when none is known. */
const struct wg_endpoint *wg_peer_endpoint(const struct wg_peer *peer);
/* 0 turns persistent keepalive off. Returns true when a keepalive should be
 * sent now (it was off and is now on), as the Linux driver and wireguard-go
 * do: without a session the keepalive is staged and starts a handshake. */
bool wg_peer_set_persistent_keepalive(struct wg_peer *peer, uint16_t seconds, uint64_t now);
uint16_t wg_peer_persistent_keepalive(const struct wg_peer *peer);
/* Forgets every keypair and pending handshake (wiped), as when a peer's key
 * material is replaced. */
void wg_peer_clear_sessions(struct wg_peer *peer);

struct wg_peer_stats {
	uint64_t rx_bytes;           /* authenticated message bytes received (handshake
				      * and transport, as wg(8) "transfer" counts) */
	uint64_t tx_bytes;           /* message bytes built for sending (same) */
	uint64_t last_handshake_ns;  /* wall clock of the latest completed handshake, 0 = never */
	uint64_t handshakes;         /* completed handshakes */
};
void wg_peer_stats(const struct wg_peer *peer, struct wg_peer_stats *out);
/* true when a keypair usable for sending exists. */
bool wg_peer_has_session(const struct wg_peer *peer, uint64_t now);

/* An opaque pointer owned by the caller (its per-peer queue, timer, ...). */
void wg_peer_set_user(struct wg_peer *peer, void *user);
void *wg_peer_user(const struct wg_peer *peer);

/* ---- receive --------------------------------------------------------- */

enum wg_rx_kind {
	WG_RX_DROP,      /* refused: see drop; counted */
	WG_RX_REPLY,     /* send reply[0..reply_len) to the packet's source */
	WG_RX_HANDSHAKE, /* a response was consumed: a session now exists */
	WG_RX_DATA,      /* data[0..data_len) is decrypted plaintext (len 0: keepalive) */
	WG_RX_COOKIE,    /* a cookie reply was consumed; nothing to do */
};

struct wg_rx_result {
	enum wg_rx_kind kind;
	enum wg_drop_reason drop;
	struct wg_peer *peer;      /* the authenticated peer, when there is one */
	uint8_t *data;             /* WG_RX_DATA: points into the caller's packet */
	size_t data_len;           /* includes the sender's zero padding */
	/* A new session became usable for sending (initiator: response consumed;
	 * responder: first data under the new keypair). The caller should send the
	 * packets it staged for this peer, or a keepalive if it staged none and
	 * kind is WG_RX_HANDSHAKE (so the responder can confirm the session). */
	bool session_ready;
	uint8_t reply[WG_MAX_REPLY_LEN];
	size_t reply_len;
};

/* Consumes one UDP datagram from `src`. Transport data is decrypted in place
 * (a dropped packet's bytes may have been overwritten).
 * `under_load` is the caller's view of handshake pressure (e.g. a queue
 * backlog): when true, initiations and responses without a valid mac2 are
 * answered with a cookie reply instead of doing Diffie-Hellman. Authenticated
 * packets update the peer's endpoint to `src` (roaming). Answering an
 * initiation draws the responder's ephemeral private key (32 bytes) and then
 * its sender index (4 bytes, used as they appear on the wire, redrawn on
 * collision) from env->rng; a cookie reply draws its 24-byte nonce, and a
 * cookie secret rotation draws 32 bytes. Near the end of a session the
 * initiator's receive path asks for a rekey by arming a timer due at once
 * (see wg_peer_timers_next), which then yields WG_TIMER_SEND_INITIATION. */
void wg_device_receive(struct wg_device *dev, const struct wg_env *env, bool under_load,
		       const struct wg_endpoint *src, uint8_t *packet, size_t len,
		       struct wg_rx_result *res);

/* ---- send ------------------------------------------------------------ */

/* Builds a handshake initiation for `peer` into out (148 bytes). Draws the
 * ephemeral private key (32 bytes) and then the sender index (4 bytes, used as
 * they appear on the wire, redrawn on collision) from env->rng, in that order
 * (then 4 bytes of timer jitter). Errors: -ENOKEY (no private
 * key), -EALREADY (we sent an initiation or a response to this peer less
 * than REKEY_TIMEOUT ago; not an error for callers that are just retrying). */
int wg_peer_create_initiation(struct wg_device *dev, struct wg_peer *peer,
			      const struct wg_env *env, uint8_t out[sizeof(struct wg_msg_initiation)]);

/* Encrypts in place. On entry buf[WG_DATA_HEADER_LEN .. +len) holds the
 * plaintext (len may be 0: a keepalive) and cap is the size of buf, which must
 * be at least wg_device_encrypted_len(len) (wg_encrypted_len(len) always is). On success *out_len is the length of the
 * transport message now in buf[0 ..). Errors: -ENOKEY (no usable session: the
 * caller stages the packet and starts a handshake), -EMSGSIZE (cap too small or
 * len > WG_MAX_PAYLOAD). *want_handshake is set when the session is due for a
 * rekey (time or message count); the packet is still encrypted. A successful
 * call counts as "sent" for the timers (the caller sends what it encrypts);
 * arming the new-handshake timer draws 4 bytes of jitter from env->rng. */
int wg_peer_encrypt(struct wg_peer *peer, const struct wg_env *env, uint8_t *buf, size_t len,
		    size_t cap, size_t *out_len, bool *want_handshake);
/* The largest transport message for a plaintext of len bytes (header,
 * padding to 16, tag): the buffer capacity wg_peer_encrypt needs. */
size_t wg_encrypted_len(size_t len);
/* The tunnel MTU: padding never takes a packet past it (whitepaper 5.4.6, as
 * the Linux driver), so a packet of exactly the MTU travels unpadded and fits
 * the path the MTU was chosen for (1420 + 80 = 1500 over IPv6). 0 (the
 * default): always pad to a multiple of 16. */
void wg_device_set_mtu(struct wg_device *dev, unsigned mtu);
/* The exact transport message length wg_peer_encrypt produces for len bytes
 * on this device (<= wg_encrypted_len(len)). */
size_t wg_device_encrypted_len(const struct wg_device *dev, size_t len);

/* ---- timers ---------------------------------------------------------- */

enum wg_timer_action {
	WG_TIMER_SEND_INITIATION = 1u << 0, /* call wg_peer_create_initiation and send it */
	WG_TIMER_SEND_KEEPALIVE  = 1u << 1, /* encrypt an empty packet and send it */
	WG_TIMER_DROP_STAGED     = 1u << 2, /* handshake given up: discard staged packets */
};

/* Runs every peer timer that has expired at env->now and returns the
 * wg_timer_action bits the caller must carry out. Keys past their lifetime are
 * wiped in here. */
unsigned wg_peer_timers_run(struct wg_device *dev, struct wg_peer *peer, const struct wg_env *env);
/* The monotonic time of the peer's next timer, UINT64_MAX if none is armed.
 * The caller re-reads it after every call that touches the peer. */
uint64_t wg_peer_timers_next(const struct wg_peer *peer);

#endif
