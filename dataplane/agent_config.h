/* Building a TUN-mode agent from a wg-quick configuration (config.h). Runs
 * before anything in the kernel is touched: every error in the file,
 * including an endpoint that does not resolve, is found here. */
#ifndef DATAPLANE_AGENT_CONFIG_H
#define DATAPLANE_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/agent.h"
#include "dataplane/config.h"

/* A memory-only agent with the configuration's identity, listen port, MTU
 * (default AGENT_DEFAULT_MTU), addresses, peers and AllowedIPs, and the list
 * of kernel routes to add at start-up. `path` is used in messages, which
 * read "PATH:LINE: what is wrong". */
int agent_from_config(const struct config *cfg, const char *path, const char *ifname,
		      struct agent **out, char *err, size_t errlen);

/* getaddrinfo (AF_UNSPEC, UDP) of host, taking the first answer; retried a
 * few times while the resolver says "try again". A v4-mapped IPv6 answer
 * becomes IPv4. Errors: -EHOSTUNREACH (no address), -EAGAIN; *why is
 * gai_strerror's text. */
int agent_resolve_endpoint(const char *host, uint16_t port, struct wg_endpoint *out, const char **why);

#endif
