/* Admin API request bodies: JSON bytes from a client -> request structs.
 *
 * Strict, because a typo should fail loudly rather than be ignored: the body
 * must be one JSON object, with no duplicate keys, no unknown fields, every
 * required field present and every field of its type (null counts as absent
 * for optional fields). Values are then parsed with validate.h, so a request
 * that comes out is syntactically valid; the rules that need the store
 * (unknown tenant, overlap, duplicates) are state.h's job.
 *
 * Fields (R = required):
 *   host    name R, public_key R, endpoint R
 *   tenant  name R, vni
 *   subnet  tenant R, name R, cidr R, mtu, dhcp (default true)
 *   port    tenant R, subnet R, name R, host R, kind R ("container"|"vm"),
 *           netns (R for containers), ip, mac
 *   route   tenant R, prefix R, via R
 *   token   ttl_seconds (default CP_TOKEN_TTL_DEFAULT); the body may be empty
 *
 * Every parser returns 0 or -EINVAL with a message in err.
 */
#ifndef CONTROLPLANE_REQUEST_H
#define CONTROLPLANE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "controlplane/error.h"
#include "controlplane/state.h"

int cp_request_parse_host(const char *body, size_t len, struct cp_host_req *out,
			  struct cp_error *err);
int cp_request_parse_tenant(const char *body, size_t len, struct cp_tenant_req *out,
			    struct cp_error *err);
int cp_request_parse_subnet(const char *body, size_t len, struct cp_subnet_req *out,
			    struct cp_error *err);
int cp_request_parse_port(const char *body, size_t len, struct cp_port_req *out,
			  struct cp_error *err);
int cp_request_parse_route(const char *body, size_t len, struct cp_route_req *out,
			   struct cp_error *err);
int cp_request_parse_token(const char *body, size_t len, int64_t *ttl_seconds,
			   struct cp_error *err);

#endif
