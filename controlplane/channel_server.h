/* The controller's side of the control channel: agents connect over TCP,
 * authenticate with the Noise IK handshake, and receive their host view
 * (host_view.h) as a snapshot, then as deltas when revisions concern them.
 * CHANNEL.md has the protocol; channel_client.h is the agent's side.
 *
 * Who may connect: a key registered as a host, or any key whose first
 * message carries an unspent, unexpired join token (redeeming it registers
 * the host in the same store transaction). Anything else is told why and
 * disconnected.
 *
 * How changes reach agents: the server polls the store's revision every
 * poll_ms, and cp_channel_server_kick() makes it look at once (the admin
 * API calls it after each committed change). New revisions are read from
 * the revision log; only agents whose share they touch (hosts serving a
 * changed tenant, before or after the change; a changed host and the hosts
 * peering with it) get their view rebuilt with cp_host_view, compared with
 * what they were last sent, and sent a delta.
 *
 * Runs on the caller's event loop, single-threaded, sharing its store.
 */
#ifndef CONTROLPLANE_CHANNEL_SERVER_H
#define CONTROLPLANE_CHANNEL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "controlplane/error.h"
#include "controlplane/mac.h"
#include "controlplane/store.h"

#define CP_CHANNEL_DEFAULT_PORT 7230

struct cp_channel_server;

/* Zero fields take the defaults in brackets. */
struct cp_channel_server_config {
	const char *listen;             /* "IPv4:port" or "[IPv6]:port"; port 0: any */
	uint8_t private_key[32];        /* the controller's; copied, wiped on free */
	unsigned poll_ms;               /* store revision polling [25] */
	unsigned handshake_timeout_ms;  /* TCP accept to first message [10000] */
	unsigned keepalive_ms;          /* PING after this long without sending [15000] */
	unsigned idle_timeout_ms;       /* close after this long without receiving [45000] */
	unsigned max_connections;       /* [16384]; more are closed at once */
	size_t max_output;              /* bytes queued to one agent before it is
					 * dropped as too slow [128 MiB] */
	unsigned batch;                 /* views rebuilt per loop iteration [16] */
	/* Unix seconds, for join-token expiry. NULL: time(). */
	int64_t (*now)(void *ctx);
	void *now_ctx;
	/* Handshake randomness. NULL fill: libsodium. */
	struct cp_rng rng;
};

/* Binds and starts serving on base. Errors: -EINVAL (listen address, key),
 * -EADDRINUSE and other bind errors, -ENOMEM; err says which. */
int cp_channel_server_start(struct event_base *base, struct cp_store *st,
			    const struct cp_channel_server_config *cfg,
			    struct cp_channel_server **out, struct cp_error *err);
/* Look for new revisions now (deferred to the event loop: safe to call from
 * anywhere on the loop's thread, including inside an API handler). */
void cp_channel_server_kick(struct cp_channel_server *s);
/* Closes every connection and the listener, wipes the key. NULL: no-op. */
void cp_channel_server_free(struct cp_channel_server *s);
/* The address actually bound ("127.0.0.1:40123"). */
void cp_channel_server_address(const struct cp_channel_server *s, char out[64]);

struct cp_channel_stats {
	uint64_t accepted;           /* TCP connections */
	uint64_t authenticated;      /* accepted hellos */
	uint64_t enrolled;           /* hosts registered with a join token */
	uint64_t refused_handshake;  /* bad mac1, wrong controller key, replay, junk */
	uint64_t refused_key;        /* unregistered key without a usable token */
	uint64_t refused_token;      /* token malformed, unknown, spent or expired */
	uint64_t refused_frame;      /* forged, oversized or out-of-order frame */
	uint64_t timeouts;           /* handshake or idle timeout */
	uint64_t snapshots;          /* full views sent */
	uint64_t syncs;              /* resumed without a snapshot */
	uint64_t deltas;
	uint64_t views_built;        /* cp_host_view calls */
	uint64_t bytes_sent;
	uint64_t connections;        /* open now */
	int64_t revision;            /* the newest revision processed */
};
void cp_channel_server_stats(const struct cp_channel_server *s, struct cp_channel_stats *out);

#endif
