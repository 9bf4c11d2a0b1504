/* Frames in and out of evbuffers; the system clocks and randomness. */
#include "controlplane/channel_io.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

int cp_io_write_handshake(struct evbuffer *out, const uint8_t *msg, size_t len)
{
	uint8_t hdr[CP_CHAN_HDR_LEN];

	cp_chan_frame_header(hdr, len);
	if (evbuffer_add(out, hdr, sizeof(hdr)) < 0 || evbuffer_add(out, msg, len) < 0)
		return -ENOMEM;
	return 0;
}

int cp_io_read_handshake(struct evbuffer *in, uint8_t *msg, size_t len)
{
	uint8_t hdr[CP_CHAN_HDR_LEN];
	size_t got;

	if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ev_ssize_t)sizeof(hdr))
		return 0;
	if (cp_chan_frame_length(hdr, len, len, &got) < 0)
		return -EMSGSIZE;
	if (evbuffer_get_length(in) < sizeof(hdr) + len)
		return 0;
	evbuffer_drain(in, sizeof(hdr));
	evbuffer_remove(in, msg, len);
	return 1;
}

/* Seals one chunk straight into space reserved in out: no extra copy. */
static int send_chunk(struct evbuffer *out, struct cp_chan_keys *k, uint8_t flags,
		      const uint8_t *chunk, size_t len)
{
	struct evbuffer_iovec v;
	size_t need = CP_CHAN_FRAME_BYTES(len);
	int rc;

	if (evbuffer_reserve_space(out, (ev_ssize_t)need, &v, 1) < 1 || v.iov_len < need)
		return -ENOMEM;
	rc = cp_chan_seal_frame(k, flags, chunk, len, v.iov_base);
	if (rc < 0)
		return rc;
	v.iov_len = need;
	return evbuffer_commit_space(out, &v, 1) < 0 ? -ENOMEM : 0;
}

int cp_io_send(struct evbuffer *out, struct cp_chan_keys *k, enum cp_msg_type type,
	       const json_t *body, size_t *wire)
{
	uint8_t *msg;
	size_t len, off = 0, n;
	int rc = cp_msg_pack(type, body, &msg, &len);

	if (rc < 0)
		return rc;
	do {
		n = len - off > CP_CHAN_CHUNK_MAX ? CP_CHAN_CHUNK_MAX : len - off;
		rc = send_chunk(out, k, off + n < len ? CP_CHAN_FLAG_MORE : 0, msg + off, n);
		off += n;
	} while (rc == 0 && off < len);
	if (rc == 0 && wire)
		*wire = cp_chan_wire_bytes(len);
	free(msg);
	return rc;
}

int cp_io_receive(struct evbuffer *in, struct cp_chan_keys *k, struct cp_chan_rx *rx)
{
	uint8_t hdr[CP_CHAN_HDR_LEN], *body;
	size_t len;
	int rc;

	while (!rx->done) {
		if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ev_ssize_t)sizeof(hdr))
			return 0;
		rc = cp_chan_frame_length(hdr, CP_CHAN_FRAME_MIN, CP_CHAN_FRAME_MAX, &len);
		if (rc < 0)
			return rc;
		if (evbuffer_get_length(in) < sizeof(hdr) + len)
			return 0;
		body = evbuffer_pullup(in, (ev_ssize_t)(sizeof(hdr) + len));
		if (!body)
			return -ENOMEM;
		rc = cp_chan_open_frame(k, body, body + sizeof(hdr), len, rx);
		evbuffer_drain(in, sizeof(hdr) + len);
		if (rc < 0)
			return rc;
	}
	return 1;
}

uint64_t cp_io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void cp_io_fill_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

void cp_io_env_clock(struct wg_env *env)
{
	struct timespec mono, wall;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &wall);
	env->now = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	env->wall_ns = (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec;
}
