/* Control-channel frames on libevent buffers: the glue between
 * channel_proto.h (pure) and the server's and client's bufferevents, and the
 * system clocks and randomness both ends feed into it. */
#ifndef CONTROLPLANE_CHANNEL_IO_H
#define CONTROLPLANE_CHANNEL_IO_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "controlplane/channel_msg.h"
#include "controlplane/channel_proto.h"

/* Appends a handshake frame (header + msg) to out. -ENOMEM. */
int cp_io_write_handshake(struct evbuffer *out, const uint8_t *msg, size_t len);
/* 1 and msg[0..len) filled when a whole handshake frame of exactly len bytes
 * is in `in` (removed from it); 0 when more bytes are needed; -EMSGSIZE when
 * the header announces any other length. */
int cp_io_read_handshake(struct evbuffer *in, uint8_t *msg, size_t len);

/* Packs and seals one message into out. *wire (if not NULL) receives the
 * bytes added. -ENOMEM, -EOVERFLOW. */
int cp_io_send(struct evbuffer *out, struct cp_chan_keys *k, enum cp_msg_type type,
	       const json_t *body, size_t *wire);

/* Consumes whole frames from `in` until one message is complete: 1 (the
 * message is in rx), 0 (need more bytes), or a negative error from
 * cp_chan_frame_length / cp_chan_open_frame: the connection must end. */
int cp_io_receive(struct evbuffer *in, struct cp_chan_keys *k, struct cp_chan_rx *rx);

/* CLOCK_MONOTONIC in milliseconds: keepalive and timeout bookkeeping. */
uint64_t cp_io_now_ms(void);
/* Randomness from libsodium, for wg_env / cp_rng fill hooks; ctx unused. */
void cp_io_fill_random(void *ctx, uint8_t *buf, size_t len);
/* Sets env->now (monotonic) and env->wall_ns (real time, for the handshake's
 * TAI64N timestamp) from the system clocks; env->rng is left alone. */
void cp_io_env_clock(struct wg_env *env);

#endif
