/* The admin API: HTTP/1.1 + JSON on a unix socket (mode 0600), the way the
 * `tenet` CLI and scripts (curl --unix-socket) change the desired state.
 *
 *   GET    /v1/hosts                     {"revision": R, "hosts": [HOST...]}
 *   POST   /v1/hosts                     201 HOST
 *   GET    /v1/hosts/NAME                HOST
 *   DELETE /v1/hosts/NAME                {"revision": R}
 *   GET    /v1/hosts/NAME/view           what the host is sent (host_view.h)
 *   GET    /v1/tenants, POST, GET /v1/tenants/NAME, DELETE /v1/tenants/NAME
 *   GET    /v1/subnets[?tenant=T], POST, GET|DELETE /v1/subnets/TENANT/NAME
 *   GET    /v1/ports[?tenant=T][&host=H], POST, GET|DELETE /v1/ports/TENANT/NAME
 *   GET    /v1/routes[?tenant=T], POST, GET|DELETE /v1/routes/TENANT/A.B.C.D/LEN
 *   GET    /v1/tokens, POST (201, the token text appears only here),
 *          DELETE /v1/tokens/ID
 *   GET    /v1/revision                  {"revision": R}
 *   GET    /v1/changes?since=R[&limit=N] {"revision": R, "changes": [...]}
 *
 * Request bodies are described in request.h. Errors are {"error": "..."}
 * with a 4xx status (error.h), 500 if the store failed; bodies over
 * CP_API_MAX_BODY are refused with 413 (over CP_API_HARD_BODY, evhttp refuses
 * them before reading them, with its own page). A success is sent only after
 * its transaction is on disk.
 *
 * cp_api_handle() is the whole API without HTTP (routing, parsing, the store
 * call, the JSON answer), so tests and the fuzz harness can drive it
 * directly; cp_api_start() puts it on a libevent evhttp server.
 */
#ifndef CONTROLPLANE_API_H
#define CONTROLPLANE_API_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

#include "controlplane/error.h"
#include "controlplane/mac.h"
#include "controlplane/store.h"

#define CP_API_MAX_BODY   (64 * 1024)    /* refused with a JSON 413 */
#define CP_API_HARD_BODY  (1024 * 1024)  /* evhttp refuses it unread (its own 413) */
#define CP_API_MAX_HEADERS (16 * 1024)
#define CP_API_TIMEOUT_S  30
#define CP_API_DEFAULT_SOCKET "/run/tenet/controller.sock"

/* What every handler needs: the store, randomness (MACs, tokens) and the
 * wall clock in Unix seconds (token expiry). */
struct cp_api_ctx {
	struct cp_store *store;
	struct cp_rng rng;
	int64_t (*now)(void *ctx);
	void *now_ctx;
	/* Called after every request that committed a change (may be NULL), so
	 * the control channel pushes it without waiting for its next poll. */
	void (*changed)(void *ctx);
	void *changed_ctx;
};

enum cp_method { CP_METHOD_OTHER, CP_METHOD_GET, CP_METHOD_POST, CP_METHOD_DELETE };

struct cp_api_request {
	enum cp_method method;
	const char *path;       /* "/v1/...", without the query */
	const char *query;      /* after '?', or NULL */
	const char *body;
	size_t body_len;
};

struct cp_api_response {
	int status;
	json_t *body;           /* owned by the caller; NULL only when out of memory */
};

void cp_api_handle(const struct cp_api_ctx *ctx, const struct cp_api_request *req,
		   struct cp_api_response *res);

struct cp_api;

/* Creates the socket (replacing a stale socket file, refusing to replace
 * anything else), mode 0600, and serves it on base. */
int cp_api_start(struct event_base *base, const struct cp_api_ctx *ctx, const char *socket_path,
		 struct cp_api **out, struct cp_error *err);
/* Stops serving, closes and unlinks the socket. */
void cp_api_stop(struct cp_api *api);

#endif
