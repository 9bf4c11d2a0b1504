/* The TUN-mode packet paths: what happens to one packet from the TUN, one
 * datagram from the UDP socket, and one peer timer expiry. The functions
 * taking a packet never do the read themselves, so a later batched
 * (recvmmsg/sendmmsg, offload) front end can call them per packet; the hot
 * path (a peer with a session) allocates nothing: it encrypts and decrypts
 * in place in the caller's buffer.
 *
 *   TUN -> IP destination -> AllowedIPs lookup -> peer -> encrypt -> sendto
 *   UDP -> wg_device_receive -> reply | handshake | data: trim the padding by
 *          the inner header, check its source is in the sender's AllowedIPs,
 *          write to the TUN
 *   session ready -> send staged packets, or a keepalive to confirm it
 */
#ifndef DATAPLANE_TUNMODE_H
#define DATAPLANE_TUNMODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dataplane/agent.h"

/* One packet read from the TUN sits at buf[WG_DATA_HEADER_LEN ..
 * +len); cap is the size of buf (at least wg_encrypted_len(len)). */
void tunmode_handle_tun_packet(struct agent *a, const struct wg_env *env, uint8_t *buf, size_t len,
			       size_t cap);
/* Sends one payload at buf[WG_DATA_HEADER_LEN .. +len) to peer: encrypted
 * in place (cap: size of buf), or staged behind a handshake. The caller
 * re-arms the peer's timer (tunmode_arm_timer). Fabric mode sends its
 * frames through this too. */
void tunmode_send_payload(struct agent *a, const struct wg_env *env, struct wg_peer *peer,
			  uint8_t *buf, size_t len, size_t cap);
/* The peer whose AllowedIPs hold the packet's destination; NULL (counted as
 * bad_tun_packet or no_route) when there is none. */
struct wg_peer *tunmode_route(struct agent *a, const uint8_t *pkt, size_t len);
/* Encrypts buf (as tunmode_handle_tun_packet) for peer. true: buf[0 ..
 * *out_len) is a transport message for the caller to send. false: the packet
 * was staged behind a handshake (which this starts) or dropped. Sets *rekey
 * (never clears it) when the caller should tunmode_send_initiation once it
 * has sent. */
bool tunmode_seal(struct agent *a, const struct wg_env *env, struct wg_peer *peer, uint8_t *buf,
		  size_t len, size_t cap, size_t *out_len, bool *rekey);
/* A handshake initiation, unless one is pending or no endpoint is known. */
void tunmode_send_initiation(struct agent *a, const struct wg_env *env, struct wg_peer *peer);

/* One datagram from src; decrypted in place. Transport data goes to
 * a->on_data when set (fabric mode), else to the TUN; with a->batch the
 * TUN's plaintext is queued (tunbatch_queue_rx) and written at the caller's
 * tunbatch_flush_rx. */
void tunmode_handle_udp_packet(struct agent *a, const struct wg_env *env,
			       const struct wg_endpoint *src, uint8_t *buf, size_t len);

/* Sends a keepalive, or stages one and starts a handshake without a session
 * (so turning persistent keepalive on brings the tunnel up, as wg(8)). */
void tunmode_send_keepalive(struct agent *a, const struct wg_env *env, struct wg_peer *peer);
/* Brings a new peer's session up without waiting for traffic: a keepalive
 * now (delay 0), or after delay_ns unless a session exists by then. */
void tunmode_greet(struct agent *a, struct wg_peer *peer, uint64_t delay_ns);
/* Sends what is staged if a session exists; returns how many were sent. */
unsigned tunmode_flush_staged(struct agent *a, const struct wg_env *env, struct wg_peer *peer);
/* Re-arms the peer's timer event for wg_peer_timers_next(); call after every
 * engine call that touched the peer. No-op while the agent is not running. */
void tunmode_arm_timer(struct agent *a, struct wg_peer *peer);
/* Runs the engine timers of one peer and carries out what they ask. */
void tunmode_run_timers(struct agent *a, struct wg_peer *peer);

/* libevent callbacks (arg: struct agent *). They read a bounded number of
 * packets per call so one busy source cannot starve the others. A TUN read
 * error other than EAGAIN (the device was deleted) stops the loop. */
void tunmode_on_tun_readable(int fd, short what, void *arg);
/* A TUN read returned n <= 0 other than EINTR/EAGAIN: the device is gone, so
 * the agent stops with exit status 1. */
void tunmode_tun_gone(struct agent *a, ssize_t n);
void tunmode_on_udp_readable(int fd, short what, void *arg);

#endif
