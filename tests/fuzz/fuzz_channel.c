/* libFuzzer harness for the control channel's parsers: frames (raw bytes,
 * and validly sealed chunk sequences so reassembly and message parsing are
 * reached past the AEAD), messages, hellos, views, deltas and handshake
 * messages. The first byte picks the mode. Promises checked: a delta that
 * applies leaves a well-formed view, and recomputing the delta from the two
 * views' summaries and applying it reproduces the same view. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <sodium.h>

#include "controlplane/channel_io.h"
#include "controlplane/channel_msg.h"
#include "controlplane/channel_proto.h"
#include "controlplane/channel_view.h"
#include "tunnel/key.h"

static const char base_text[] =
	"{\"revision\": 5, \"host\": {\"name\": \"self\", \"id\": 1},"
	" \"peers\": [{\"name\": \"a\", \"id\": 2}, {\"name\": \"c\", \"id\": 3}],"
	" \"tenants\": [{\"name\": \"red\", \"vni\": 1, \"subnets\": [], \"ports\": [{\"id\": 9}],"
	" \"routes\": []}, {\"name\": \"teal\", \"vni\": 2, \"subnets\": [], \"ports\": [],"
	" \"routes\": []}]}";

static json_t *base_view(void)
{
	json_t *v = json_loads(base_text, 0, NULL);

	if (!v || cp_view_check(v) < 0)
		abort();
	return v;
}

static void fixed_keys(struct cp_chan_keys *k)
{
	memset(k, 0, sizeof(*k));
	memset(k->send_key, 0x11, 32);
	memset(k->recv_key, 0x11, 32); /* so what we seal we can open */
}

/* After a successful apply: the result is well formed, and the delta
 * between base and result, recomputed, takes base to the same result. */
static void check_applied(const json_t *base, const json_t *result)
{
	struct cp_view_summary sb, sr;
	json_t *delta, *again = json_deep_copy(base);

	if (cp_view_check(result) < 0)
		abort();
	if (cp_view_summarize(base, &sb) < 0 || cp_view_summarize(result, &sr) < 0)
		abort();
	if (cp_view_delta(&sb, result, &sr, &delta) < 0)
		abort();
	if (delta && cp_view_apply(again, delta) < 0)
		abort();
	if (!delta)
		json_object_set(again, "revision", json_object_get(result, "revision"));
	if (!json_equal(again, result))
		abort();
	json_decref(delta);
	json_decref(again);
	cp_view_summary_free(&sb);
	cp_view_summary_free(&sr);
}

static void try_delta(const json_t *delta)
{
	json_t *view = base_view(), *copy = json_deep_copy(view);
	int rc = cp_view_apply(view, delta);

	if (rc == 0)
		check_applied(copy, view);
	else if (rc == -EBADMSG && !json_equal(view, copy))
		abort(); /* a refused delta must leave the view alone */
	json_decref(view);
	json_decref(copy);
}

static void process(const uint8_t *msg, size_t len)
{
	uint8_t digest[CP_VIEW_DIGEST_LEN];
	struct cp_view_summary s;
	char err[CP_MSG_ERROR_LEN];
	enum cp_msg_type type;
	struct cp_hello h;
	json_t *body;
	int64_t rev;
	bool refused;

	if (cp_msg_parse(msg, len, &type, &body) < 0)
		return;
	switch (type) {
	case CP_MSG_HELLO:
		if (cp_hello_from_json(body, &h) == 0 && (strlen(h.name) >= sizeof(h.name) ||
							 strlen(h.token) >= sizeof(h.token)))
			abort();
		break;
	case CP_MSG_SNAPSHOT:
		if (cp_view_check(body) == 0) {
			if (cp_view_digest(body, digest) < 0 || cp_view_summarize(body, &s) < 0)
				abort();
			cp_view_summary_free(&s);
		}
		break;
	case CP_MSG_DELTA:
		try_delta(body);
		break;
	case CP_MSG_ERROR:
		if (cp_error_msg_parse(body, err, &refused) == 0 && strlen(err) >= sizeof(err))
			abort();
		break;
	case CP_MSG_SYNC:
		if (cp_sync_msg_parse(body, &rev) == 0 && rev < 0)
			abort();
		break;
	case CP_MSG_PING:
		break;
	}
	json_decref(body);
}

static void receive_all(struct evbuffer *in, struct cp_chan_keys *k)
{
	struct cp_chan_rx rx;
	int rc;

	cp_chan_rx_init(&rx, CP_CHAN_UP_MSG_MAX);
	while ((rc = cp_io_receive(in, k, &rx)) == 1) {
		process(rx.buf, rx.len);
		cp_chan_rx_reset(&rx);
	}
	cp_chan_rx_free(&rx);
}

/* [len][flags][len bytes]... each sealed with the fixed key. */
static void sealed_stream(const uint8_t *data, size_t size)
{
	struct evbuffer *wire = evbuffer_new();
	struct cp_chan_keys tx, rx;
	uint8_t frame[CP_CHAN_FRAME_BYTES(255)];
	size_t n;

	fixed_keys(&tx);
	fixed_keys(&rx);
	while (size >= 2) {
		n = data[0];
		if (n > size - 2)
			n = size - 2;
		if (cp_chan_seal_frame(&tx, data[1], data + 2, n, frame) < 0)
			abort();
		evbuffer_add(wire, frame, CP_CHAN_FRAME_BYTES(n));
		data += 2 + n;
		size -= 2 + n;
	}
	receive_all(wire, &rx);
	evbuffer_free(wire);
}

static void raw_stream(const uint8_t *data, size_t size)
{
	struct evbuffer *wire = evbuffer_new();
	struct cp_chan_keys k;

	fixed_keys(&k);
	evbuffer_add(wire, data, size);
	receive_all(wire, &k);
	evbuffer_free(wire);
}

/* Deterministic "randomness": the harness must be reproducible. */
static void counter_fill(void *ctx, uint8_t *buf, size_t len)
{
	uint8_t *n = ctx;

	for (size_t i = 0; i < len; i++)
		buf[i] = (*n)++;
}

/* The same bytes as an initiation to the controller and as a response to
 * an agent that just sent its initiation. */
static void handshake_bytes(const uint8_t *data, size_t size)
{
	static const uint8_t priv_a[32] = { 1, 2, 3 }, priv_b[32] = { 4, 5, 6 };
	uint8_t init[CP_CHAN_INIT_LEN] = { 0 }, resp[CP_CHAN_RESP_LEN] = { 0 };
	uint8_t out[CP_CHAN_RESP_LEN], mine[CP_CHAN_INIT_LEN], peer[32], ts[12], n = 0;
	struct wg_env env = { 1, 1700000000ull * 1000000000ull, { counter_fill, &n } };
	struct cp_chan_responder r;
	struct cp_chan_initiator in;
	struct cp_chan_keys k;

	memcpy(init, data, size < sizeof(init) ? size : sizeof(init));
	memcpy(resp, data, size < sizeof(resp) ? size : sizeof(resp));
	if (!cp_chan_responder_init(&r, priv_b))
		abort();
	cp_chan_respond(&r, init, &env, NULL, NULL, peer, ts, out, &k);
	if (cp_chan_initiate(&in, priv_a, r.id.public_key, &env, mine) == 0)
		cp_chan_initiator_finish(&in, resp, &k);
	cp_chan_responder_wipe(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j;

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		raw_stream(data + 1, size - 1);
		break;
	case 1:
		sealed_stream(data + 1, size - 1);
		break;
	case 2:
		process(data + 1, size - 1);
		break;
	case 3:
		j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, NULL);
		if (j)
			try_delta(j);
		json_decref(j);
		break;
	case 4:
		handshake_bytes(data + 1, size - 1);
		break;
	}
	return 0;
}
