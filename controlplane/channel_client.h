/* The agent side of the control channel: connects to the controller over TCP,
 * authenticates with the Noise IK handshake (the agent knows the controller's
 * public key; the controller knows the host's key, or accepts a one-time join
 * token on first contact), and keeps the host's view of the desired state up
 * to date: a snapshot at revision R, then incremental updates. It reconnects
 * with exponential backoff (with jitter) and resumes from the last revision it
 * applied; while it is disconnected the agent keeps its last view.
 *
 * The agent sees only whole views: every time the view changes the client
 * calls on_view with the complete current view (the host-view JSON documented
 * in controlplane/host_view.h: revision, host, peers, tenants with their
 * subnets, ports and routes). The agent reconciles against it, which is the
 * same code path as adopting state after a restart.
 */
#ifndef CONTROLPLANE_CHANNEL_CLIENT_H
#define CONTROLPLANE_CHANNEL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

struct cp_client;

struct cp_client_config {
	const char *controller;            /* "IPv4:port", "[IPv6]:port" or "host:port" */
	uint8_t controller_public_key[32];
	uint8_t host_private_key[32];      /* copied; wiped by cp_client_free */
	const char *host_name;
	const char *join_token;            /* NULL once the host is registered */
	const char *endpoint;              /* underlay "IP:port" to register with a token, or NULL */
	int64_t resume_revision;           /* 0: start with a full snapshot */
};

enum cp_client_state {
	CP_CLIENT_CONNECTING,
	CP_CLIENT_CONNECTED,      /* authenticated and in sync */
	CP_CLIENT_BACKOFF,        /* disconnected, waiting to retry */
	CP_CLIENT_REFUSED,        /* the controller refused us (bad key/token): retried slowly */
};

struct cp_client_callbacks {
	/* The complete current view; the client keeps ownership of `view`. */
	void (*on_view)(const json_t *view, void *ctx);
	/* Connection state changes, with a human-readable reason. May be NULL. */
	void (*on_state)(enum cp_client_state state, const char *reason, void *ctx);
	void *ctx;
};

/* Starts connecting at once. Errors: -EINVAL (bad config), -ENOMEM. */
int cp_client_start(struct event_base *base, const struct cp_client_config *cfg,
		    const struct cp_client_callbacks *cb, struct cp_client **out);
/* Closes the connection and frees everything, wiping keys. */
void cp_client_free(struct cp_client *c);
/* The revision of the view last delivered, 0 if none. */
int64_t cp_client_revision(const struct cp_client *c);
enum cp_client_state cp_client_state(const struct cp_client *c);

#endif
