/* The classic WireGuard (TUN mode) agent: its state and the operations the
 * UAPI and the configuration apply to it.
 *
 * Who does what: the engine (tunnel/) owns keys, sessions, endpoints and
 * timer state; this struct owns cryptokey routing (the AllowedIPs table, an
 * lpm table whose values are struct wg_peer *), each peer's staged packets and
 * timer event (struct agent_peer, attached with wg_peer_set_user), and the
 * kernel-facing resources (UDP socket, TUN fd, event loop, UAPI server).
 *
 * Memory-only until agent_start (dataplane/runtime.h): an agent built from a
 * configuration or by UAPI requests in a unit test touches no kernel state. */
#ifndef DATAPLANE_AGENT_H
#define DATAPLANE_AGENT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/load.h"
#include "dataplane/staged.h"
#include "dataplane/udp.h"
#include "routing/lpm.h"
#include "tunnel/tunnel.h"

#define AGENT_DEFAULT_MTU 1420
/* One transport message of the largest payload: header, payload padded to 16,
 * tag; with a little slack. Every packet buffer in the agent has this size. */
#define AGENT_BUF_LEN (WG_DATA_HEADER_LEN + WG_MAX_PAYLOAD + WG_PADDING_MULTIPLE + WG_AEAD_TAG_LEN + 16)

/* Why the dataplane (not the engine) dropped a packet. Each has a counter,
 * reported by the UAPI "stats=1" extension as drop_<name>=N. */
enum agent_drop {
	AGENT_DROP_ALLOWED_IPS,      /* decrypted packet's source not in the sender's AllowedIPs */
	AGENT_DROP_NO_ROUTE,         /* TUN packet to an address in no peer's AllowedIPs */
	AGENT_DROP_BAD_INNER_PACKET, /* decrypted payload is not a well-formed IPv4/IPv6 packet */
	AGENT_DROP_BAD_TUN_PACKET,   /* the TUN gave something that is not IPv4/IPv6 */
	AGENT_DROP_NO_ENDPOINT,      /* packet for a peer whose endpoint is unknown */
	AGENT_DROP_STAGED_OVERFLOW,  /* staged queue full: its oldest packet dropped */
	AGENT_DROP_STAGED_EXPIRED,   /* handshake given up: staged packets discarded */
	AGENT_DROP_TOO_BIG,          /* larger than a transport message can carry */
	AGENT_DROP_UDP_SEND,         /* sendto failed (socket buffer full, unreachable) */
	AGENT_DROP_UDP_RECV,         /* datagram larger than the receive buffer */
	AGENT_DROP_TUN_WRITE,        /* write to the TUN failed */
	AGENT_DROP_NO_MEMORY,        /* could not allocate a staged packet */
	AGENT_DROP__COUNT
};
const char *agent_drop_name(enum agent_drop d);

struct event;
struct event_base;
struct fabric;
struct tap_nl;
struct tunbatch;
struct uapi_buf;
struct uapi_server;

/* Per-peer dataplane state (wg_peer_user of its engine peer). */
struct agent_peer {
	struct agent *agent;
	struct wg_peer *peer;
	struct event *timer;       /* created on first arming, when the loop exists */
	uint64_t timer_at;         /* monotonic ns the timer is armed for, UINT64_MAX: not armed */
	uint64_t greet_at;         /* monotonic ns of a pending tunmode_greet, UINT64_MAX: none */
	struct staged_queue staged;
	uint32_t host_id;          /* fabric mode: the vswitch's id of this peer host */
};

/* A kernel route the agent added at start-up (removed with the device). */
struct agent_route {
	int family;
	uint8_t addr[16];
	uint8_t plen;
};

struct agent {
	char ifname[IFNAMSIZ];
	unsigned mtu;
	struct wg_device *dev;
	struct lpm_table *allowed;     /* AllowedIPs prefix -> struct wg_peer * */
	uint16_t listen_port;          /* as configured, 0: kernel's choice */
	uint32_t fwmark;               /* SO_MARK of the UDP socket, 0: none */
	struct udp_sock udp;           /* fd -1 until started */
	int tun_fd;                    /* -1 until started */
	struct load_meter load;        /* handshake rate, for cookies */
	uint64_t drops[AGENT_DROP__COUNT];
	bool offload;                  /* try TSO/GRO on the TUN and GSO/GRO on UDP (default) */

	/* Start-up configuration of the kernel interface (from the config file). */
	struct agent_route *addresses; /* interface addresses (host bits kept) */
	size_t n_addresses;
	struct agent_route *routes;    /* one per AllowedIPs prefix, /0 split in halves */
	size_t n_routes;

	/* Runtime (NULL/-1 while memory-only). */
	struct event_base *base;
	struct event *udp_ev;
	struct event *tun_ev;
	struct event *sig_ev[2];
	struct tap_nl *nl;
	struct uapi_server *uapi;
	bool link_created;             /* the TUN device is ours to remove */
	int exit_status;               /* 0, or 1 when the loop stopped on an error */
	uint8_t *rx_buf;               /* AGENT_BUF_LEN: UDP receive, decrypt in place */
	uint8_t *tx_buf;               /* AGENT_BUF_LEN: TUN read, encrypt in place */
	bool tun_vnet;                 /* each TUN packet comes after a virtio_net_hdr */
	bool tun_tso;                  /* the TUN takes and gives TCP super-packets */
	struct tunbatch *batch;        /* offload front end (tunbatch.h); NULL: one packet per call */

	/* Packet loop (runtime.c). io_passes counts packet callbacks, so the
	 * busy-poll knows a pass did I/O. A write to the local side (TUN or
	 * an uplink TAP) sets local_written: the kernel often answers it at
	 * once (an echo reply, a TCP ACK), so after the UDP callback the
	 * runtime reads that side before the loop polls again. */
	uint64_t io_passes;
	uint64_t local_reads;          /* packets/frames read from the TUN or the uplinks */
	uint64_t local_polls;          /* reads after a write (UAPI stats) */
	uint64_t local_poll_packets;   /* ... and the packets they found */
	bool local_written;
	void (*udp_cb)(int fd, short what, void *arg);
	void (*tun_cb)(int fd, short what, void *arg);
	void (*poll_local)(struct agent *a); /* fabric: the uplinks written; NULL: the TUN */

	/* Fabric mode (dataplane/FABRIC.md): no TUN; decrypted payloads go to
	 * on_data instead of the TUN, and the UAPI stats answer gains the
	 * fabric's counters. All NULL/false in TUN mode. */
	bool no_tun;
	struct fabric *fabric;
	void (*on_data)(struct agent *a, struct wg_peer *peer, uint8_t *data, size_t len);
	void (*extra_stats)(struct agent *a, struct uapi_buf *out);
};

/* An empty agent: no identity, no peers, not started. */
int agent_create(const char *ifname, struct agent **out);
/* Stops nothing (see agent_stop): frees the memory and wipes every key. */
void agent_destroy(struct agent *a);

/* The engine's view of "now" (monotonic and wall clocks, libsodium RNG). */
void agent_env(struct wg_env *env);
uint64_t agent_now(void);

/* NULL or an all-zero key removes the identity. A peer with the new public
 * key is removed first (a device never has itself as a peer). */
void agent_set_private_key(struct agent *a, const uint8_t *key);

/* Errors: as wg_peer_create (-EEXIST, -EINVAL for our own key, -ENOMEM). */
int agent_peer_create(struct agent *a, const uint8_t public_key[32], struct wg_peer **out);
/* Removes its AllowedIPs, staged packets, timer, and the engine peer. */
void agent_peer_remove(struct agent *a, struct wg_peer *peer);
void agent_peers_clear(struct agent *a);
struct agent_peer *agent_peer_state(const struct wg_peer *peer);

/* family AF_INET/AF_INET6; host bits are ignored. A prefix held by another
 * peer moves to this one (as in wg(8)). */
int agent_allowed_ip_add(struct agent *a, struct wg_peer *peer, int family, const uint8_t *addr,
			 uint8_t plen);
void agent_allowed_ips_clear(struct agent *a, struct wg_peer *peer);

void agent_count_drop(struct agent *a, enum agent_drop d, uint64_t n);

#endif
