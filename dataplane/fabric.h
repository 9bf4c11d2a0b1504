/* Fabric mode of tenet-agent: isolated, encrypted tenant networks from a
 * host view of the desired state (dataplane/FABRIC.md).
 *
 * A struct fabric rides on a struct agent (agent->fabric) that runs without
 * a TUN: the agent keeps the WireGuard device, the UDP socket, the peer
 * timers and the UAPI server exactly as in TUN mode (so wg(8) shows the host
 * peers), and hands every decrypted payload to fabric_on_data. The fabric
 * owns the rest: one peer per other host of the view, the virtual switch
 * (vswitch.h), one uplink TAP per local subnet, and the kernel links of the
 * local ports (fabric_kernel.c).
 *
 * Applying a view is a reconcile, the same code after a restart, a SIGHUP
 * of a --state file, or a controller update: peers are added, re-keyed,
 * re-pointed or removed; the switch state is rebuilt and swapped in; links
 * are adopted, created or removed. Without a netlink handle (unit tests)
 * only the memory part happens. */
#ifndef DATAPLANE_FABRIC_H
#define DATAPLANE_FABRIC_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "dataplane/agent.h"
#include "dataplane/fabric_offload.h"
#include "dataplane/fabric_view.h"
#include "dataplane/vswitch.h"

struct event;
struct tap_nl;
struct uapi_buf;

/* Why fabric mode (not the engine, not the switch) dropped something. */
enum fabric_drop {
	FABRIC_DROP_IP_PAYLOAD,    /* a classic IP packet from a host peer: not in fabric mode */
	FABRIC_DROP_BAD_PAYLOAD,   /* payload neither fabric frame nor IP */
	FABRIC_DROP_NOT_A_HOST,    /* from a peer that is no host of the view (added by wg set) */
	FABRIC_DROP_NO_PEER,       /* frame for a host with no tunnel peer */
	FABRIC_DROP_ENCODE,        /* frame too large for a fabric frame */
	FABRIC_DROP_TAP_WRITE,     /* write to an uplink TAP failed */
	FABRIC_DROP_NO_UPLINK,     /* switch chose a subnet that has no open uplink */
	FABRIC_DROP__COUNT
};
const char *fabric_drop_name(enum fabric_drop d);

/* A host of the view other than ourselves. */
struct fabric_host {
	char name[FABRIC_NAME_LEN];
	uint32_t id;                  /* the switch's host id, never 0, never reused in a run */
	uint8_t public_key[32];
	char endpoint_text[64];       /* last endpoint the view gave */
	struct wg_peer *peer;         /* cache: valid only right after fabric_host_peer */
};

/* One local subnet: bridge tnb<id> and the agent's uplink TAP tnu<id>. Its
 * address is the switch's uplink handle. */
struct fabric_uplink {
	struct fabric *f;
	uint32_t vni;
	uint32_t subnet_id;
	unsigned mtu;
	char name[IFNAMSIZ];
	char bridge[IFNAMSIZ];
	int fd;                       /* -1 until the kernel part opened it */
	bool vnet;                    /* fd carries a virtio_net_hdr before each frame */
	bool tso;                     /* ... and TCP super-frames (TUNSETOFFLOAD took) */
	struct event *ev;
	unsigned gen;                 /* the apply that last wanted it */
	bool written;                 /* a frame went in since fabric_poll_written */
};

struct fabric {
	struct agent *a;
	char self[FABRIC_NAME_LEN];
	struct fabric_view *view;     /* the view applied last, NULL before the first */
	struct vswitch *vs;
	struct vswitch_worker worker;
	uint8_t *scratch;             /* worker->out, VSWITCH_OUT_MIN bytes */
	uint64_t hash_seed;
	struct fabric_host *hosts;
	size_t n_hosts;
	uint32_t next_host_id;
	struct fabric_uplink **uplinks;
	size_t n_uplinks;
	unsigned gen;                 /* bumped by every apply */
	struct tap_nl *nl;            /* NULL: memory only */
	uint64_t drops[FABRIC_DROP__COUNT];
	uint64_t kernel_errors;       /* link operations that failed (logged) */
	struct fabric_tap_stats tap;  /* uplink offloads (fabric_offload.h) */
	struct fabric_rxq rxq;        /* frames for uplinks, written per receive batch */
};

/* Attaches a new fabric to `a` (a->fabric, a->no_tun, a->on_data,
 * a->extra_stats). self: this host's name in the views. */
int fabric_create(struct agent *a, const char *self, uint64_t hash_seed, struct fabric **out);
/* Closes the uplink fds and frees; kernel links stay (a restarted agent
 * adopts them). Detaches from the agent. */
void fabric_destroy(struct fabric *f);

/* Applies a host-view JSON. -EINVAL (err says why) leaves everything as it
 * was; otherwise the view is in force (kernel errors are logged, counted and
 * retried by the next fabric_kernel_reconcile). */
int fabric_apply_json(struct fabric *f, const json_t *view, char err[FABRIC_ERR_LEN]);
/* Takes ownership of v. */
int fabric_apply_view(struct fabric *f, struct fabric_view *v);

/* Re-checks the current view: host peers removed or re-made through the
 * UAPI (wg set) are mended, then the kernel links (quietly). Periodic. */
void fabric_refresh(struct fabric *f);
/* Host peers as in v (fabric_apply_view's first step). -ENOMEM. */
int fabric_sync_hosts(struct fabric *f, const struct fabric_view *v);

/* Lookups, for the data path and tests. */
struct fabric_host *fabric_host_by_id(struct fabric *f, uint32_t id);
struct fabric_host *fabric_host_by_name(struct fabric *f, const char *name);
/* The host's tunnel peer, looked up by key (so a peer removed through the
 * UAPI is never used after it is freed); also refreshes h->peer. */
struct wg_peer *fabric_host_peer(struct fabric *f, struct fabric_host *h);
struct fabric_uplink *fabric_uplink_find(struct fabric *f, uint32_t vni, uint32_t subnet_id);

/* ---- data path (fabric_path.c) --------------------------------------- */

/* One frame read from uplink `up` (a plain one: no virtio_net_hdr), at buf[WG_DATA_HEADER_LEN +
 * FABRIC_HEADER_LEN ..] (headroom so a frame sent to a host is encoded and
 * encrypted in place); buf holds AGENT_BUF_LEN bytes. */
void fabric_handle_uplink_frame(struct fabric *f, struct fabric_uplink *up, const struct wg_env *env,
				uint8_t *buf, size_t len);
/* The agent's on_data: a decrypted payload from a peer. */
void fabric_on_data(struct agent *a, struct wg_peer *peer, uint8_t *data, size_t len);
/* libevent callback of an uplink fd (arg: struct fabric_uplink *). */
void fabric_on_uplink_readable(int fd, short what, void *arg);
/* Reads the uplinks written since the last call (agent.h: poll_local). */
void fabric_poll_written(struct agent *a);
/* The agent's extra_stats: drop_fabric_<name>, drop_vswitch_<reason>,
 * vswitch_<action> counters. */
void fabric_format_stats(struct agent *a, struct uapi_buf *out);

/* ---- kernel (fabric_kernel.c) ----------------------------------------- */

/* Makes the links match f->view: bridges and uplinks of local subnets,
 * container veths (moved and configured in their namespace), VM taps; adopts
 * what exists and is right, removes tenet-owned links nothing wants. quiet:
 * log repeated failures (a namespace not there yet) at debug level only.
 * Returns the number of failures (0: all in place). */
int fabric_kernel_reconcile(struct fabric *f, bool quiet);
/* Opens the uplink fd if needed; 0 or negative errno. */
int fabric_kernel_open_uplink(struct fabric *f, struct fabric_uplink *up);
void fabric_kernel_close_uplink(struct fabric_uplink *up);

#endif
