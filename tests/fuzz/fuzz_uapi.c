/* libFuzzer harness for the UAPI: any bytes, split into lines, go through a
 * connection of a fresh memory-only agent exactly as the server feeds them
 * (parse, apply, get and stats formatting). Promises checked: every set
 * request that parses formats back to text that parses to the same
 * operations; every response is "...errno=N\n\n"-terminated; the AllowedIPs
 * table never holds a prefix of a peer that no longer exists. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/agent.h"
#include "dataplane/log.h"
#include "dataplane/uapi.h"
#include "dataplane/uapi_proto.h"

static void check_round_trip(const struct uapi_set *set)
{
	struct uapi_buf text;
	struct uapi_set again;
	const char *p;
	char *nl;

	if (set->error)
		return;
	uapi_buf_init(&text);
	for (size_t i = 0; i < set->n_ops; i++)
		uapi_format_op(&text, &set->ops[i]);
	if (text.failed)
		abort();
	uapi_set_init(&again);
	for (p = text.data; p && (nl = memchr(p, '\n', text.len - (size_t)(p - text.data))); p = nl + 1)
		uapi_set_add_line(&again, p, (size_t)(nl - p));
	if (again.error || again.n_ops != set->n_ops)
		abort();
	for (size_t i = 0; i < set->n_ops; i++) {
		/* zones that were numeric are compared through the scope id */
		if (again.ops[i].kind != set->ops[i].kind)
			abort();
		if (memcmp(&again.ops[i].u, &set->ops[i].u, sizeof(set->ops[i].u)))
			abort();
	}
	uapi_set_clear(&again);
	uapi_buf_free(&text);
}

static int check_value_is_peer(int family, const uint8_t *addr, uint8_t plen, void *value, void *ctx)
{
	struct agent *a = ctx;

	(void)family;
	(void)addr;
	(void)plen;
	for (struct wg_peer *p = wg_device_first_peer(a->dev); p; p = wg_peer_next(p)) {
		if (p == value)
			return 0;
	}
	abort();
}

static void check_response(const struct uapi_buf *out, size_t before)
{
	if (out->len == before)
		return;
	if (out->len < before + 9 || memcmp(out->data + out->len - 2, "\n\n", 2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct uapi_session s;
	struct uapi_buf out;
	struct agent *a;
	size_t start = 0, before;
	bool open = true;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		log_set_level(LOG_ERROR + 1);
		init = true;
	}
	if (agent_create("fuzz0", &a) < 0)
		return 0;
	uapi_session_init(&s);
	uapi_buf_init(&out);
	for (size_t i = 0; open && i < size; i++) {
		if (data[i] != '\n')
			continue;
		if (s.state == UAPI_IN_SET && i == start)
			check_round_trip(&s.set);
		before = out.len;
		open = uapi_handle_line(a, &s, (const char *)data + start, i - start, &out);
		check_response(&out, before);
		start = i + 1;
	}
	if (open) {
		before = out.len;
		uapi_handle_eof(a, &s, &out);
		check_response(&out, before);
	}
	lpm_walk(a->allowed, NULL, check_value_is_peer, a);
	uapi_buf_free(&out);
	uapi_session_free(&s);
	agent_destroy(a);
	return 0;
}
