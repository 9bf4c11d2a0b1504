/* Configuration file -> agent. */
#include "dataplane/agent_config.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/log.h"
#include "dataplane/tunif.h"

#define RESOLVE_ATTEMPTS 3
#define MTU_MIN 68      /* the kernel's minimum for a TUN device */
#define MTU_MAX 65535

int agent_resolve_endpoint(const char *host, uint16_t port, struct wg_endpoint *out, const char **why)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
				  .ai_protocol = IPPROTO_UDP };
	struct addrinfo *res = NULL;
	char service[8];
	int rc = EAI_AGAIN;

	snprintf(service, sizeof(service), "%u", port);
	for (int i = 0; i < RESOLVE_ATTEMPTS && rc == EAI_AGAIN; i++) {
		if (i)
			sleep(1);
		rc = getaddrinfo(host, service, &hints, &res);
	}
	if (rc != 0) {
		*why = gai_strerror(rc);
		return rc == EAI_AGAIN ? -EAGAIN : -EHOSTUNREACH;
	}
	udp_endpoint_from_sockaddr((const struct sockaddr_storage *)res->ai_addr, res->ai_addrlen, out);
	freeaddrinfo(res);
	if (out->addr.sa.sa_family == AF_UNSPEC) {
		*why = "no IPv4 or IPv6 address";
		return -EHOSTUNREACH;
	}
	return 0;
}

static int add_routes(struct agent *a, const struct config_prefix *p)
{
	struct agent_route r[2];
	size_t n = tunif_routes_for_prefix(p->family, p->addr, p->plen, r);
	struct agent_route *grown;

	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < a->n_routes && !dup; j++)
			dup = !memcmp(&a->routes[j], &r[i], sizeof(r[i]));
		if (dup)
			continue;
		grown = realloc(a->routes, (a->n_routes + 1) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		a->routes = grown;
		a->routes[a->n_routes++] = r[i];
	}
	return 0;
}

static int add_peer(struct agent *a, const struct config_peer *cp, const char *path, char *err,
		    size_t errlen)
{
	struct wg_endpoint ep;
	struct wg_peer *peer;
	const char *why = "";
	int rc;

	if (cp->has_endpoint) {
		rc = agent_resolve_endpoint(cp->endpoint_host, cp->endpoint_port, &ep, &why);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: cannot resolve endpoint \"%s\": %s", path, cp->line,
				 cp->endpoint_host, why);
			return rc;
		}
	}
	rc = agent_peer_create(a, cp->public_key, &peer);
	if (rc == -EINVAL) {
		/* wg(8) silently skips a peer with the device's own key. */
		log_warn("config", "%s:%u: peer has this interface's own public key; ignored", path, cp->line);
		return 0;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%u: %s", path, cp->line,
			 rc == -EEXIST ? "duplicate peer (same PublicKey as an earlier [Peer])" : strerror(-rc));
		return rc;
	}
	wg_peer_set_preshared_key(peer, cp->has_preshared_key ? cp->preshared_key : NULL);
	if (cp->has_endpoint)
		wg_peer_set_endpoint(peer, &ep);
	wg_peer_set_persistent_keepalive(peer, cp->persistent_keepalive, agent_now());
	for (size_t i = 0; i < cp->n_allowed_ips; i++) {
		const struct config_prefix *p = &cp->allowed_ips[i];

		rc = agent_allowed_ip_add(a, peer, p->family, p->addr, p->plen);
		if (rc == 0)
			rc = add_routes(a, p);
		if (rc < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, cp->line, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int copy_addresses(struct agent *a, const struct config *cfg)
{
	if (!cfg->n_addresses)
		return 0;
	a->addresses = calloc(cfg->n_addresses, sizeof(*a->addresses));
	if (!a->addresses)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_addresses; i++) {
		a->addresses[i].family = cfg->addresses[i].family;
		memcpy(a->addresses[i].addr, cfg->addresses[i].addr, 16);
		a->addresses[i].plen = cfg->addresses[i].plen;
	}
	a->n_addresses = cfg->n_addresses;
	return 0;
}

int agent_from_config(const struct config *cfg, const char *path, const char *ifname,
		      struct agent **out, char *err, size_t errlen)
{
	struct agent *a = NULL;
	int rc;

	if (cfg->mtu && (cfg->mtu < MTU_MIN || cfg->mtu > MTU_MAX)) {
		snprintf(err, errlen, "%s: MTU %u is outside %u..%u", path, cfg->mtu, MTU_MIN, MTU_MAX);
		return -EINVAL;
	}
	rc = agent_create(ifname, &a);
	if (rc < 0)
		goto nomem;
	agent_set_private_key(a, cfg->private_key);
	a->listen_port = cfg->has_listen_port ? cfg->listen_port : 0;
	a->mtu = cfg->mtu ? cfg->mtu : AGENT_DEFAULT_MTU;
	rc = copy_addresses(a, cfg);
	if (rc < 0)
		goto nomem;
	for (size_t i = 0; i < cfg->n_peers; i++) {
		rc = add_peer(a, &cfg->peers[i], path, err, errlen);
		if (rc < 0)
			goto out;
	}
	*out = a;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
out:
	agent_destroy(a);
	return rc;
}
