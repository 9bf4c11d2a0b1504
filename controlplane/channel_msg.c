/* Control-channel message encoding and parsing. */
#include "controlplane/channel_msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

struct growbuf {
	uint8_t *buf;
	size_t len, cap;
};

static int grow_append(const char *data, size_t size, void *ctx)
{
	struct growbuf *g = ctx;
	uint8_t *grown;
	size_t cap;

	if (g->len + size > g->cap) {
		cap = g->cap ? g->cap : 256;
		while (cap < g->len + size)
			cap *= 2;
		grown = realloc(g->buf, cap);
		if (!grown)
			return -1;
		g->buf = grown;
		g->cap = cap;
	}
	memcpy(g->buf + g->len, data, size);
	g->len += size;
	return 0;
}

int cp_msg_pack(enum cp_msg_type type, const json_t *body, uint8_t **out, size_t *len)
{
	struct growbuf g = { 0 };
	char t = (char)type;

	if (grow_append(&t, 1, &g) < 0)
		goto fail;
	if (body && json_dump_callback(body, grow_append, &g, JSON_COMPACT) < 0)
		goto fail;
	*out = g.buf;
	*len = g.len;
	return 0;
fail:
	free(g.buf);
	return -ENOMEM;
}

int cp_msg_parse(const uint8_t *msg, size_t len, enum cp_msg_type *type, json_t **body)
{
	json_t *j;

	*body = NULL;
	if (len < 1 || msg[0] < CP_MSG_HELLO || msg[0] > CP_MSG_PING)
		return -EBADMSG;
	*type = (enum cp_msg_type)msg[0];
	if (*type == CP_MSG_PING)
		return len == 1 ? 0 : -EBADMSG;
	j = json_loadb((const char *)msg + 1, len - 1, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return -EBADMSG;
	}
	*body = j;
	return 0;
}

json_t *cp_hello_to_json(const struct cp_hello *h)
{
	char hex[2 * CP_VIEW_DIGEST_LEN + 1];
	json_t *j = json_pack("{s:s, s:I}", "name", h->name, "revision", (json_int_t)h->revision);

	if (!j)
		return NULL;
	if (h->has_digest) {
		sodium_bin2hex(hex, sizeof(hex), h->digest, CP_VIEW_DIGEST_LEN);
		if (json_object_set_new(j, "digest", json_string(hex)) < 0)
			goto fail;
	}
	if (h->token[0] && json_object_set_new(j, "token", json_string(h->token)) < 0)
		goto fail;
	if (h->endpoint[0] && json_object_set_new(j, "endpoint", json_string(h->endpoint)) < 0)
		goto fail;
	return j;
fail:
	json_decref(j);
	return NULL;
}

/* An optional string member copied into out (size bytes with the NUL);
 * absent leaves "". */
static int copy_string(const json_t *j, const char *key, char *out, size_t size, bool required)
{
	const json_t *v = json_object_get(j, key);
	size_t n;

	out[0] = '\0';
	if (!v)
		return required ? -EBADMSG : 0;
	if (!json_is_string(v))
		return -EBADMSG;
	n = json_string_length(v);
	if (n >= size || strlen(json_string_value(v)) != n)
		return -EBADMSG; /* too long, or a NUL inside */
	memcpy(out, json_string_value(v), n + 1);
	return 0;
}

static int parse_digest(const json_t *j, struct cp_hello *out)
{
	const json_t *v = json_object_get(j, "digest");
	size_t bin_len;

	out->has_digest = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) != 2 * CP_VIEW_DIGEST_LEN)
		return -EBADMSG;
	if (sodium_hex2bin(out->digest, CP_VIEW_DIGEST_LEN, json_string_value(v),
			   2 * CP_VIEW_DIGEST_LEN, NULL, &bin_len, NULL) != 0 ||
	    bin_len != CP_VIEW_DIGEST_LEN)
		return -EBADMSG;
	out->has_digest = true;
	return 0;
}

int cp_hello_from_json(const json_t *j, struct cp_hello *out)
{
	const json_t *rev = json_object_get(j, "revision");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j) || !json_is_integer(rev) || json_integer_value(rev) < 0)
		return -EBADMSG;
	out->revision = json_integer_value(rev);
	rc = copy_string(j, "name", out->name, sizeof(out->name), true);
	if (rc == 0)
		rc = copy_string(j, "token", out->token, sizeof(out->token), false);
	if (rc == 0)
		rc = copy_string(j, "endpoint", out->endpoint, sizeof(out->endpoint), false);
	if (rc == 0)
		rc = parse_digest(j, out);
	if (rc < 0)
		sodium_memzero(out, sizeof(*out));
	return rc;
}

json_t *cp_error_msg(const char *message, bool refused)
{
	return json_pack("{s:s, s:b}", "error", message, "refused", refused);
}

int cp_error_msg_parse(const json_t *j, char message[CP_MSG_ERROR_LEN], bool *refused)
{
	const json_t *r = json_object_get(j, "refused");
	const json_t *e = json_object_get(j, "error");
	size_t i;

	if (!json_is_boolean(r) || !json_is_string(e))
		return -EBADMSG;
	*refused = json_is_true(r);
	snprintf(message, CP_MSG_ERROR_LEN, "%s", json_string_value(e));
	/* it ends up in logs: no control characters */
	for (i = 0; message[i]; i++)
		if ((unsigned char)message[i] < 0x20 || message[i] == 0x7f)
			message[i] = '?';
	return 0;
}

json_t *cp_sync_msg(int64_t revision)
{
	return json_pack("{s:I}", "revision", (json_int_t)revision);
}

int cp_sync_msg_parse(const json_t *j, int64_t *revision)
{
	const json_t *r = json_object_get(j, "revision");

	if (!json_is_integer(r) || json_integer_value(r) < 0)
		return -EBADMSG;
	*revision = json_integer_value(r);
	return 0;
}
