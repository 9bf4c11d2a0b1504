/* The TUN mode's offloaded front end: many packets per system call.
 *
 *   TUN (IFF_VNET_HDR, TSO) --readv--> up to 64 KiB TCP super-packet
 *       -> one AllowedIPs lookup -> tso_segment into equal slots
 *       -> encrypt each slot in place -> one sendmsg with UDP_SEGMENT
 *   UDP (UDP_GRO) --recvmsg--> up to 64 KiB of equal-sized datagrams
 *       -> wg_device_receive each in place -> queue the plaintext
 *       -> gro_coalesce -> one writev per merged TCP super-packet
 *
 *   TUN --readv--> small packets into slots -> sealed in place -> at the end
 *       of the burst, runs of equal-sized messages to one peer -> one
 *       UDP_SEGMENT sendmsg gathering the slots
 *
 * Packets the offloads do not cover (no session yet, larger than a slot)
 * take the per-packet functions of tunmode.h, so behaviour (staging,
 * handshakes, drops, AllowedIPs) is the same on both paths. The buffers are
 * allocated once at start-up: the hot path neither allocates nor copies
 * beyond cutting a super-packet into segments. */
#ifndef DATAPLANE_TUNBATCH_H
#define DATAPLANE_TUNBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/agent.h"

/* Receive-side packets queued before one TUN write pass. */
#define TUNBATCH_RX_MAX 64

struct tunbatch;

/* Buffers for one agent. -ENOMEM. */
int tunbatch_create(struct tunbatch **out);
void tunbatch_destroy(struct tunbatch *b);

/* libevent callbacks (arg: struct agent *) used instead of the tunmode ones
 * when a->batch is set: the TUN must carry virtio_net_hdr (a->tun_vnet). */
void tunbatch_on_tun_readable(int fd, short what, void *arg);
void tunbatch_on_udp_readable(int fd, short what, void *arg);

/* One packet read from a vnet TUN: vh then pkt at buf[WG_DATA_HEADER_LEN ..
 * + len), cap the size of buf. Completes checksums, segments super-packets,
 * encrypts and sends. */
struct virtio_net_hdr;
void tunbatch_handle_tun(struct agent *a, const struct wg_env *env, const struct virtio_net_hdr *vh,
			 uint8_t *buf, size_t len, size_t cap);

/* Batched sends for callers with their own reader (fabric mode, whose
 * agent has no TUN but a batch when offloads are on). tunbatch_tx_slot: the
 * next free send slot (*cap: its size); the payload goes at
 * slot[WG_DATA_HEADER_LEN ..). tunbatch_queue_tx: seals that payload of len
 * bytes for peer in place and keeps it (staged or dropped exactly as
 * tunmode_seal says); the peer's timer is re-armed and any rekey started when
 * it is sent. tunbatch_flush_tx: sends everything kept, in order, as
 * UDP_SEGMENT runs; call it at the end of each burst and before sending
 * anything any other way (order). No-op without a batch. */
uint8_t *tunbatch_tx_slot(struct agent *a, size_t *cap);
void tunbatch_queue_tx(struct agent *a, const struct wg_env *env, struct wg_peer *peer, uint8_t *slot,
		       size_t len);
void tunbatch_flush_tx(struct agent *a, const struct wg_env *env);

/* For a TUN-less (fabric) agent, which never calls tunbatch_handle_tun: the
 * buffer the TUN path cuts super-packets into, free for reading TAP
 * super-frames (*cap: its size, more than 64 KiB + AGENT_BUF_LEN). */
uint8_t *tunbatch_super_buf(struct agent *a, size_t *cap);
/* Asks for fn(ctx) at every tunbatch_flush_rx (each received datagram batch
 * ends with one), so a caller queueing its own decrypted payloads (fabric
 * mode's uplink TAPs) writes them while they are still in the receive buffer.
 * One hook per batch: the last call wins; fn NULL removes it. */
void tunbatch_set_rx_hook(struct agent *a, void (*fn)(void *ctx), void *ctx);

/* Queues a decrypted packet for the TUN (data stays valid until the flush);
 * flushes first when the queue is full. */
void tunbatch_queue_rx(struct agent *a, uint8_t *data, size_t len);
/* Writes every queued packet, merging TCP segments when the TUN takes
 * super-packets (a->tun_tso). */
void tunbatch_flush_rx(struct agent *a);

#endif
