/* Optional timing knobs for the control-channel client (channel_client.h).
 * Agents keep the defaults; tests shorten them so that reconnecting takes
 * milliseconds instead of seconds. */
#ifndef CONTROLPLANE_CHANNEL_CLIENT_TUNING_H
#define CONTROLPLANE_CHANNEL_CLIENT_TUNING_H

#include "controlplane/channel_client.h"

/* Zero fields take the defaults in brackets. */
struct cp_client_tuning {
	unsigned backoff_min_ms;     /* first retry after a lost connection [500] */
	unsigned backoff_max_ms;     /* doubling stops here [30000]; +-20% jitter */
	unsigned refused_ms;         /* retry after a refusal (bad key/token) [30000] */
	unsigned connect_timeout_ms; /* TCP connect + handshake [10000] */
	unsigned keepalive_ms;       /* PING after this long without sending [15000] */
	unsigned idle_timeout_ms;    /* reconnect after this long without receiving [45000] */
};

/* Takes effect from the next timer (the attempt under way keeps its
 * deadline). */
void cp_client_set_tuning(struct cp_client *c, const struct cp_client_tuning *t);

/* The reason given with the last state change ("" before any). */
const char *cp_client_reason(const struct cp_client *c);

/* Drops the connection at once and reconnects after the backoff, as if the
 * controller had gone away (tests; an operator's "reconnect" command). */
void cp_client_disconnect(struct cp_client *c);

#endif
