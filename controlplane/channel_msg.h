/* Control-channel messages: a type byte, then (except PING) a JSON object.
 *
 *   HELLO    agent -> controller, the first message after the handshake:
 *            {"name", "revision", "digest"?, "token"?, "endpoint"?}
 *   SNAPSHOT controller -> agent: the whole host view (host_view.h)
 *   DELTA    controller -> agent: what changed since "from" (channel_view.h)
 *   SYNC     controller -> agent: {"revision"}: the agent's view (its digest
 *            matched) is current as of this revision
 *   ERROR    controller -> agent: {"error", "refused"}; the connection ends
 *   PING     either way, no body: keeps an idle connection alive
 *
 * Parsers take outside bytes: every length and type is checked, JSON
 * objects with duplicate keys are refused. Pure; fuzzed by fuzz_channel.c.
 */
#ifndef CONTROLPLANE_CHANNEL_MSG_H
#define CONTROLPLANE_CHANNEL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "controlplane/model.h"
#include "controlplane/token.h"

enum cp_msg_type {
	CP_MSG_HELLO = 1,
	CP_MSG_SNAPSHOT,
	CP_MSG_DELTA,
	CP_MSG_SYNC,
	CP_MSG_ERROR,
	CP_MSG_PING,
};

#define CP_VIEW_DIGEST_LEN 32
#define CP_MSG_ERROR_LEN   256

struct cp_hello {
	char name[CP_NAME_LEN];
	int64_t revision;                      /* of the view the agent holds, 0: none */
	bool has_digest;
	uint8_t digest[CP_VIEW_DIGEST_LEN];    /* cp_view_digest of that view */
	char token[CP_TOKEN_STR_LEN];          /* "" when not enrolling */
	char endpoint[CP_ENDPOINT_LEN];        /* "" when not given */
};

/* type, then the compact JSON of body (NULL for PING), in one malloc'd
 * buffer. -ENOMEM. */
int cp_msg_pack(enum cp_msg_type type, const json_t *body, uint8_t **out, size_t *len);
/* Splits a received message; *body is NULL for PING. -EBADMSG for an
 * unknown type, a PING with a body, or a body that is not one JSON object. */
int cp_msg_parse(const uint8_t *msg, size_t len, enum cp_msg_type *type, json_t **body);

json_t *cp_hello_to_json(const struct cp_hello *h);
/* -EBADMSG for a wrong shape, an over-long string or a bad digest. Names,
 * tokens and endpoints are checked for length here and for syntax by
 * whoever uses them (cp_token_redeem, cp_parse_endpoint). */
int cp_hello_from_json(const json_t *j, struct cp_hello *out);

/* ERROR: refused says the agent should not retry soon (bad key or token). */
json_t *cp_error_msg(const char *message, bool refused);
/* -EBADMSG unless {"error": string, "refused": bool}. */
int cp_error_msg_parse(const json_t *j, char message[CP_MSG_ERROR_LEN], bool *refused);

json_t *cp_sync_msg(int64_t revision);
int cp_sync_msg_parse(const json_t *j, int64_t *revision);

#endif
