/* The UAPI server (/var/run/wireguard/NAME.sock, as wireguard-go) and what
 * its requests mean for an agent. The wire format is in uapi_proto.h.
 *
 * Semantics follow wireguard-go: a public_key line selects a peer, creating
 * it unless update_only follows; a peer with the device's own public key is
 * silently ignored; remove/replace_allowed_ips/replace_peers act at once, in
 * order. Changing allowed IPs through the UAPI changes cryptokey routing only,
 * never kernel routes (neither wg(8) nor wireguard-go touch routes; the agent
 * adds routes once, from its configuration file, at start-up).
 *
 * The whole request is parsed and checked (including binding a new listen
 * port and resolving endpoint zones) before anything is applied, so a bad
 * request changes nothing; only running out of memory can leave a request
 * half-applied. */
#ifndef DATAPLANE_UAPI_H
#define DATAPLANE_UAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane/agent.h"
#include "dataplane/uapi_proto.h"

#define UAPI_SOCKET_DIR "/var/run/wireguard"
#define UAPI_MAX_CONNS  32   /* more are accepted and closed at once */

struct uapi_server;

/* Creates DIR (0755) and DIR/IFNAME.sock (0600), refusing with -EADDRINUSE
 * when a live process already answers on it (a stale file is replaced), and
 * registers it on a->base. dir NULL: UAPI_SOCKET_DIR. The loop is stopped
 * (a->exit_status 1) if the socket file is deleted, as wireguard-go does. */
int uapi_server_open(struct agent *a, const char *dir, struct uapi_server **out);
/* Closes every connection and unlinks the socket (if it is still ours). */
void uapi_server_close(struct uapi_server *srv);

/* 0 or the negative errno to answer. */
int uapi_apply_set(struct agent *a, const struct uapi_set *set);
/* A complete get (or stats) response, "errno=0" and the empty line included. */
void uapi_get(struct agent *a, struct uapi_buf *out);
void uapi_stats(struct agent *a, struct uapi_buf *out);

/* Handles one received line (newline stripped) of a connection, appending
 * any response to out. false: close the connection. */
bool uapi_handle_line(struct agent *a, struct uapi_session *s, const char *line, size_t len,
		      struct uapi_buf *out);
/* End of input on a connection (applies a set request missing its final
 * empty line). */
void uapi_handle_eof(struct agent *a, struct uapi_session *s, struct uapi_buf *out);

#endif
