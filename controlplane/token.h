/* One-time join tokens: how an agent enrols without the operator copying its
 * public key by hand.
 *
 * `tenet token create` returns a random token once; the store keeps only its
 * BLAKE2b hash, an expiry and whether it was spent. An agent presents the
 * token on its first control-channel connection together with its name, key
 * and endpoint; redeeming it registers the host and spends the token in one
 * transaction, so a token can never register two hosts. Time is an argument
 * (Unix seconds), randomness comes from the caller.
 */
#ifndef CONTROLPLANE_TOKEN_H
#define CONTROLPLANE_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "controlplane/error.h"
#include "controlplane/mac.h"
#include "controlplane/state.h"
#include "controlplane/store.h"

#define CP_TOKEN_PREFIX      "tj1_"
#define CP_TOKEN_SECRET_LEN  32
#define CP_TOKEN_STR_LEN     48     /* prefix, 43 characters of base64url, NUL */
#define CP_TOKEN_TTL_DEFAULT 3600
#define CP_TOKEN_TTL_MIN     60
#define CP_TOKEN_TTL_MAX     (30 * 86400)

struct cp_token {
	int64_t id;
	int64_t revision;      /* of its creation */
	int64_t created_at;
	int64_t expires_at;
	bool used;
	int64_t used_at;
	char host[CP_NAME_LEN]; /* the host it registered */
};

typedef int (*cp_token_fn)(void *ctx, const struct cp_token *t);

/* Draws CP_TOKEN_SECRET_LEN bytes from rng. secret receives the only copy of
 * the token text; the caller hands it to the operator and wipes it. */
int cp_token_create(struct cp_store *st, const struct cp_rng *rng, int64_t now, int64_t ttl,
		    char secret[CP_TOKEN_STR_LEN], struct cp_token *out, struct cp_error *err);
int cp_token_list(struct cp_store *st, cp_token_fn fn, void *ctx, struct cp_error *err);
/* Revokes a token (spent or not). */
int cp_token_delete(struct cp_store *st, int64_t id, int64_t *rev, struct cp_error *err);
/* Registers host and spends the token, or refuses with -EACCES (malformed,
 * unknown, spent or expired token) or any cp_host_create refusal. */
int cp_token_redeem(struct cp_store *st, const char *secret, int64_t now,
		    const struct cp_host_req *host, struct cp_host *out, struct cp_error *err);

/* {"id", "revision", "created_at", "expires_at", "state": "valid"|"used"|"expired",
 *  "used_at", "host"} with times in Unix seconds. */
json_t *cp_token_to_json(const struct cp_token *t, int64_t now);

#endif
