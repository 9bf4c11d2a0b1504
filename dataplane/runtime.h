/* Running an agent: the event loop (libevent) with the UDP socket, the TUN,
 * one timer per peer, the UAPI server and SIGINT/SIGTERM.
 *
 * Start-up order puts everything that can fail without side effects first:
 * bind the UDP port, claim the UAPI socket, then create the TUN interface
 * (tunif.h). Stopping removes the interface (its addresses and routes go with
 * it) and the UAPI socket. */
#ifndef DATAPLANE_RUNTIME_H
#define DATAPLANE_RUNTIME_H

#include <stddef.h>

#include "dataplane/agent.h"

/* uapi_dir NULL: /var/run/wireguard. On failure everything is undone and err
 * says why. */
int runtime_start(struct agent *a, const char *uapi_dir, char *err, size_t errlen);
/* Runs until a signal, the TUN vanishing, or the UAPI socket being deleted.
 * After a pass that handled packets it busy-polls for a bounded time
 * (busypoll.h) before blocking again.
 * Returns the process exit status (0 on a signal). */
int runtime_run(struct agent *a);
void runtime_stop(struct agent *a);

/* The busy-poll budget in microseconds (0: off; busypoll.h), overriding
 * TENET_BUSY_POLL. Call before runtime_run. */
void runtime_set_busy_poll(unsigned budget_us);

/* Makes `s` the agent's UDP socket (listen_port changed), closing the old
 * one; s->fd is -1 afterwards. */
void runtime_replace_udp(struct agent *a, struct udp_sock *s);

#endif
