/* The control channel's wire layer: the Noise IK handshake (tunnel/'s
 * Noise_IKpsk2, as WireGuard uses it) as the first two frames of a TCP
 * connection, then length-prefixed ChaCha20-Poly1305 frames with implicit
 * per-direction counters. Pure: no sockets, no clock, no allocation except
 * the reassembly buffer; time and randomness come in as struct wg_env.
 * CHANNEL.md describes the protocol in full.
 *
 * Every frame is a 4-byte big-endian length L, then L bytes:
 *   frame 1, agent -> controller: a WireGuard initiation (L = 148)
 *   frame 2, controller -> agent: a WireGuard response   (L = 92)
 *   then each way: AEAD(key, nonce = 0^32 || LE64(n), ad = the length
 *   header, plaintext = flags(1) || chunk), n = 0, 1, 2, ... per direction.
 * The counter is not sent: TCP delivers in order, so a lost, repeated,
 * reordered or altered frame fails authentication and ends the connection.
 * A message (type byte + body) spans one or more frames; flag bit 0 says
 * that more chunks of the same message follow.
 */
#ifndef CONTROLPLANE_CHANNEL_PROTO_H
#define CONTROLPLANE_CHANNEL_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tunnel/cookie.h"
#include "tunnel/noise.h"

#define CP_CHAN_HDR_LEN      4
#define CP_CHAN_TAG_LEN      16
#define CP_CHAN_INIT_LEN     148   /* sizeof(struct wg_msg_initiation) */
#define CP_CHAN_RESP_LEN     92    /* sizeof(struct wg_msg_response) */
#define CP_CHAN_CHUNK_MAX    65536 /* plaintext bytes of a message per frame */
/* Largest and smallest L after the handshake: flags + chunk + tag. */
#define CP_CHAN_FRAME_MAX    (1 + CP_CHAN_CHUNK_MAX + CP_CHAN_TAG_LEN)
#define CP_CHAN_FRAME_MIN    (1 + CP_CHAN_TAG_LEN)
/* Bytes on the wire for one frame carrying n plaintext bytes. */
#define CP_CHAN_FRAME_BYTES(n) (CP_CHAN_HDR_LEN + 1 + (n) + CP_CHAN_TAG_LEN)
/* Largest message each way: views go down, only hellos and pings go up. */
#define CP_CHAN_DOWN_MSG_MAX (64u * 1024 * 1024)
#define CP_CHAN_UP_MSG_MAX   (64u * 1024)

#define CP_CHAN_FLAG_MORE    0x01u

/* One direction's key and counter each way. Wiped by cp_chan_keys_wipe. */
struct cp_chan_keys {
	uint8_t send_key[32];
	uint8_t recv_key[32];
	uint64_t send_n;   /* nonce of the next frame we seal */
	uint64_t recv_n;   /* nonce the next frame we open must carry */
};

/* Reassembly of one message from its frames. */
struct cp_chan_rx {
	uint8_t *buf;
	size_t len, cap;
	size_t max;        /* message size limit for this direction */
	bool done;         /* buf[0..len) holds a whole message */
};

/* ---- handshake --------------------------------------------------------- */

/* The agent's side: one per connection attempt. */
struct cp_chan_initiator {
	struct wg_identity id;
	struct wg_handshake hs;
	struct wg_cookie cookie;            /* mac1 towards the controller */
	struct wg_cookie_checker checker;   /* mac1 of the controller's response */
};

/* Fills out with a 148-byte initiation to the controller's static key.
 * -ENOKEY: unusable private key or controller key. */
int cp_chan_initiate(struct cp_chan_initiator *in, const uint8_t host_private[32],
		     const uint8_t controller_public[32], const struct wg_env *env,
		     uint8_t out[CP_CHAN_INIT_LEN]);
/* Checks the controller's response and derives the transport keys (the
 * initiator's send key is the responder's receive key). -EBADMSG when it does
 * not authenticate. Wipes the handshake either way. */
int cp_chan_initiator_finish(struct cp_chan_initiator *in, const uint8_t msg[CP_CHAN_RESP_LEN],
			     struct cp_chan_keys *keys);
void cp_chan_initiator_wipe(struct cp_chan_initiator *in);

/* The controller's side: its identity, kept for the server's life. */
struct cp_chan_responder {
	struct wg_identity id;
	struct wg_cookie_checker checker;   /* mac1 of initiations */
};

/* The newest initiation timestamp accepted from this key, or all zeros (a
 * replayed initiation is then refused as stale). */
typedef void (*cp_chan_timestamp_fn)(void *ctx, const uint8_t key[32],
				     uint8_t latest[WG_TIMESTAMP_LEN]);

/* false when the private key yields no public key. */
bool cp_chan_responder_init(struct cp_chan_responder *r, const uint8_t private_key[32]);
void cp_chan_responder_wipe(struct cp_chan_responder *r);

/* Consumes an initiation from any static key: the caller decides afterwards
 * whether that key may stay (registered, or about to present a join token).
 * On success: *peer_key is the initiator's static key, timestamp its TAI64N,
 * out the 92-byte response and keys the transport keys. Otherwise the reason
 * (WG_DROP_BAD_MAC1, _HANDSHAKE_DECRYPT, _STALE_TIMESTAMP, ...). */
enum wg_drop_reason cp_chan_respond(const struct cp_chan_responder *r,
				    const uint8_t msg[CP_CHAN_INIT_LEN],
				    const struct wg_env *env, cp_chan_timestamp_fn latest,
				    void *ctx, uint8_t peer_key[32],
				    uint8_t timestamp[WG_TIMESTAMP_LEN],
				    uint8_t out[CP_CHAN_RESP_LEN], struct cp_chan_keys *keys);

void cp_chan_keys_wipe(struct cp_chan_keys *k);

/* ---- frames ------------------------------------------------------------ */

/* The length in a frame header, checked against [min, max]: -EMSGSIZE
 * outside it (the connection ends without reading the body). */
int cp_chan_frame_length(const uint8_t hdr[CP_CHAN_HDR_LEN], size_t min, size_t max,
			 size_t *len);
void cp_chan_frame_header(uint8_t hdr[CP_CHAN_HDR_LEN], size_t len);

/* Seals one frame: out receives CP_CHAN_FRAME_BYTES(len) bytes (header,
 * ciphertext, tag). len <= CP_CHAN_CHUNK_MAX. -EOVERFLOW when the counter is
 * spent (never in practice: the connection then has to end). */
int cp_chan_seal_frame(struct cp_chan_keys *k, uint8_t flags, const uint8_t *chunk, size_t len,
		       uint8_t *out);

/* Opens one frame (header hdr, body of len bytes, decrypted in place) into
 * rx. -EBADMSG: forged, replayed, reordered or bad flags; -EMSGSIZE: the
 * message outgrows rx->max; -ENOMEM. rx->done is set when the frame ends a
 * message; the caller consumes buf[0..len) and calls cp_chan_rx_reset. */
int cp_chan_open_frame(struct cp_chan_keys *k, const uint8_t hdr[CP_CHAN_HDR_LEN],
		       uint8_t *body, size_t len, struct cp_chan_rx *rx);

void cp_chan_rx_init(struct cp_chan_rx *rx, size_t max);
/* Forgets the finished message (keeps the buffer, shrinking a large one). */
void cp_chan_rx_reset(struct cp_chan_rx *rx);
void cp_chan_rx_free(struct cp_chan_rx *rx);

/* Number of frames and wire bytes a message of len bytes becomes. */
size_t cp_chan_frames_for(size_t len);
size_t cp_chan_wire_bytes(size_t len);

#endif
