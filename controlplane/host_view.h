/* What one host needs to know: the controller's answer to "what does host H
 * need?", which the control channel sends as H's snapshot.
 *
 * H's tenants are the tenants with at least one port on H. H receives, for
 * each of them, the tenant, all its subnets, all its ports (wherever they
 * are: H must know which host to send each destination to), and its routes;
 * and the hosts it must reach: every other host holding a port of one of
 * those tenants. Nothing about any other tenant or host is included, so a
 * host learns nothing about tenants it does not serve.
 *
 * {"revision": R,
 *  "host": HOST,
 *  "peers": [HOST...],                          sorted by name
 *  "tenants": [TENANT + {"subnets": [...], "ports": [...], "routes": [...]}]}
 *
 * with objects in the admin API's JSON form (model.h). The whole view is read
 * in one read transaction: it is exactly the state at revision R.
 */
#ifndef CONTROLPLANE_HOST_VIEW_H
#define CONTROLPLANE_HOST_VIEW_H

#include <stddef.h>

#include <jansson.h>

#include "controlplane/error.h"
#include "controlplane/store.h"

/* -ENOENT for an unknown host. */
int cp_host_view(struct cp_store *st, const char *host, json_t **out, struct cp_error *err);

/* Part of H's view, for pushing a change to some tenants without rebuilding
 * the rest: the same document, read in one transaction, with "revision",
 * "host" and "peers" whole, but "tenants" holding only those of the n named
 * tenants that are in H's view, in the same order and form as cp_host_view
 * gives them. A named tenant H does not serve (or that does not exist) is
 * simply absent: it is not, or no longer, part of H's view. */
int cp_host_view_tenants(struct cp_store *st, const char *host, const char *const *tenants,
			 size_t n, json_t **out, struct cp_error *err);

#endif
