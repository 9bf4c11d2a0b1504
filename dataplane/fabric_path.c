/* Fabric-mode packet paths:
 *
 *   uplink TAP -> vswitch_from_uplink -> reply out the same TAP
 *                                     | write to another local uplink
 *                                     | fabric_frame_encode -> encrypt -> UDP to the host
 *   UDP -> decrypt (tunmode) -> fabric_on_data -> vswitch_from_fabric -> local uplink
 *
 * A frame to a host is read 24 bytes into the agent's transmit buffer (the
 * transport header, then the fabric header), so a frame the switch passes on
 * unchanged is encoded and encrypted where it lies: no copy. With offloads
 * (the agent has a batch, tunbatch.h) that buffer is the next send slot:
 * frames to hosts are sealed there and each burst ends with UDP_SEGMENT sends
 * of the runs to one host, as TUN mode does with small packets.
 *
 * An uplink with offloads (up->vnet, up->tso) hands over a virtio_net_hdr
 * before each frame, and TCP super-frames of up to 64 KiB: those are read
 * into the batch's super buffer and cut into MTU-sized frames, each one
 * straight into the next send slot, where it is switched, encoded and
 * sealed like a frame read alone (the switch sees every frame: it is the
 * security boundary). The way back (fabric_offload.c) merges TCP segments
 * for one uplink into super-frames. */
#include "dataplane/fabric.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dataplane/fabric_frame.h"
#include "dataplane/log.h"
#include "dataplane/tso.h"
#include "dataplane/tunbatch.h"
#include "dataplane/tunmode.h"
#include "dataplane/uapi_proto.h"

/* Frames handled per readiness callback before yielding to other events. */
#define FABRIC_BURST 64
#define FRAME_OFFSET (WG_DATA_HEADER_LEN + FABRIC_HEADER_LEN)
/* The largest frame read: its fabric frame must still encrypt into the buffer. */
#define FRAME_ROOM(cap) ((cap) - FRAME_OFFSET - WG_PADDING_MULTIPLE - WG_AEAD_TAG_LEN - 16)
#define FRAME_MAX FRAME_ROOM(AGENT_BUF_LEN)
/* The largest frame read from a vnet uplink: an Ethernet header (VLAN tag
 * allowed) before a 64 KiB IP super-packet. */
#define SUPER_MAX (NETPKT_ETH_HLEN + 4 + 65535)
/* A super-frame costs 1 + its segments / SEGS_PER_COST of the burst (a
 * plain frame 1): a full one about 6, and a tiny gso_size (a container may
 * ask for any) cannot make one read cost thousands of frames unaccounted. */
#define SEGS_PER_COST 8

static void count(struct fabric *f, enum fabric_drop d)
{
	f->drops[d]++;
}


static int encode(uint8_t *buf, size_t cap, uint32_t vni, const uint8_t *frame, size_t len)
{
	return fabric_frame_encode(buf + WG_DATA_HEADER_LEN,
				   cap - WG_DATA_HEADER_LEN - WG_AEAD_TAG_LEN - WG_PADDING_MULTIPLE, vni,
				   frame, len);
}

/* buf (cap bytes) holds the frame read; slot: buf is the batch's next send
 * slot, so the frame is sealed and kept there. A frame the switch made
 * elsewhere that does not fit the slot goes the per-frame way. */
static void send_to_host(struct fabric *f, const struct wg_env *env, uint32_t host_id, uint32_t vni,
			 const uint8_t *frame, size_t len, uint8_t *buf, size_t cap, bool slot)
{
	struct fabric_host *h = fabric_host_by_id(f, host_id);
	int n;

	if (!h || !fabric_host_peer(f, h)) {
		count(f, FABRIC_DROP_NO_PEER);
		return;
	}
	n = encode(buf, cap, vni, frame, len);
	if (n == -ENOSPC && slot) {
		buf = f->a->tx_buf;
		cap = AGENT_BUF_LEN;
		slot = false;
		n = encode(buf, cap, vni, frame, len);
	}
	if (n < 0) {
		count(f, FABRIC_DROP_ENCODE);
		return;
	}
	if (slot) {
		tunbatch_queue_tx(f->a, env, h->peer, buf, (size_t)n);
		return;
	}
	tunbatch_flush_tx(f->a, env); /* order behind frames already kept */
	tunmode_send_payload(f->a, env, h->peer, buf, (size_t)n, cap);
	tunmode_arm_timer(f->a, h->peer);
}

static void handle_frame(struct fabric *f, struct fabric_uplink *up, const struct wg_env *env,
			 uint8_t *buf, size_t cap, bool slot, size_t len)
{
	struct vswitch_result res;

	vswitch_from_uplink(f->vs, &f->worker, env->now, up->vni, up->subnet_id, buf + FRAME_OFFSET, len,
			    &res);
	switch (res.action) {
	case VSWITCH_REPLY:
		fabric_uplink_write(f, up, res.frame, res.len);
		break;
	case VSWITCH_TO_UPLINK:
		fabric_uplink_write(f, (struct fabric_uplink *)res.uplink, res.frame, res.len);
		break;
	case VSWITCH_TO_HOST:
		send_to_host(f, env, res.host, res.vni, res.frame, res.len, buf, cap, slot);
		break;
	default:
		break; /* counted by the worker */
	}
}

void fabric_handle_uplink_frame(struct fabric *f, struct fabric_uplink *up, const struct wg_env *env,
				uint8_t *buf, size_t len)
{
	handle_frame(f, up, env, buf, AGENT_BUF_LEN, false, len);
}

void fabric_on_data(struct agent *a, struct wg_peer *peer, uint8_t *data, size_t len)
{
	struct fabric *f = a->fabric;
	struct agent_peer *ap = agent_peer_state(peer);
	struct vswitch_result res;

	if (len == 0)
		return; /* keepalive */
	switch (data[0] >> 4) {
	case 1:
		break;
	case 4:
	case 6:
		count(f, FABRIC_DROP_IP_PAYLOAD);
		return;
	default:
		count(f, FABRIC_DROP_BAD_PAYLOAD);
		return;
	}
	if (!ap || !ap->host_id) {
		count(f, FABRIC_DROP_NOT_A_HOST);
		return;
	}
	if (vswitch_from_fabric(f->vs, &f->worker, ap->host_id, data, len, &res) != VSWITCH_TO_UPLINK)
		return;
	if (res.frame >= data && res.frame + res.len <= data + len) {
		/* unchanged, so still in the receive buffer: batched */
		fabric_rx_queue(f, (struct fabric_uplink *)res.uplink, data + (res.frame - data), res.len);
		return;
	}
	fabric_rx_flush(f); /* order */
	fabric_uplink_write(f, (struct fabric_uplink *)res.uplink, res.frame, res.len);
}

/* One frame into *buf at FRAME_OFFSET: the batch's next send slot when there
 * is a batch (anything longer than the slot lands in tx_buf, where the frame
 * is then completed), else tx_buf. */
static ssize_t read_frame(struct agent *a, int fd, uint8_t **buf, size_t *cap, bool *slot)
{
	struct iovec iov[2];
	size_t scap, room;
	uint8_t *s;
	ssize_t n;

	*buf = a->tx_buf;
	*cap = AGENT_BUF_LEN;
	*slot = false;
	if (!a->batch)
		return read(fd, a->tx_buf + FRAME_OFFSET, FRAME_MAX);
	s = tunbatch_tx_slot(a, &scap);
	room = FRAME_ROOM(scap);
	iov[0].iov_base = s + FRAME_OFFSET;
	iov[0].iov_len = room;
	iov[1].iov_base = a->tx_buf + FRAME_OFFSET + room;
	iov[1].iov_len = FRAME_MAX - room;
	n = readv(fd, iov, 2);
	if (n > (ssize_t)room) {
		memcpy(a->tx_buf + FRAME_OFFSET, s + FRAME_OFFSET, room);
	} else if (n > 0) {
		*buf = s;
		*cap = scap;
		*slot = true;
	}
	return n;
}

/* A TCP super-frame from a vnet uplink (not in tx_buf nor in a slot): each
 * segment is cut into the next send slot (into tx_buf when it is larger than
 * a slot) and handled as a frame read there. Returns its cost. */
static ssize_t send_super(struct fabric *f, struct fabric_uplink *up, const struct wg_env *env,
		       const struct virtio_net_hdr *vh, const uint8_t *frame, size_t len)
{
	struct tso_info ti;
	uint8_t *buf;
	size_t cap, seg_len;
	bool slot;

	if (tso_parse_l2(vh, frame, len, NETPKT_ETH_HLEN, &ti) < 0 ||
	    ti.hdr_len + ti.gso_size > FRAME_MAX) {
		f->tap.bad_vnet++;
		return 1;
	}
	f->tap.super_read++;
	for (size_t i = 0; i < ti.nsegs; i++) {
		buf = tunbatch_tx_slot(f->a, &cap);
		slot = ti.hdr_len + ti.gso_size <= FRAME_ROOM(cap);
		if (!slot) {
			buf = f->a->tx_buf;
			cap = AGENT_BUF_LEN;
		}
		tso_segment(&ti, frame, len, i, 1, buf + FRAME_OFFSET, ti.hdr_len + ti.gso_size, &seg_len);
		f->tap.segments++;
		handle_frame(f, up, env, buf, cap, slot, seg_len);
	}
	return 1 + (ssize_t)(ti.nsegs / SEGS_PER_COST);
}

/* One read from a vnet uplink: the header, then the frame into the next send
 * slot or, when longer than a slot, into the super buffer. Returns the
 * frame's cost against the burst, or the read's result when it is not a
 * frame (0, -1 with errno). */
static ssize_t read_vnet(struct fabric *f, struct fabric_uplink *up, const struct wg_env *env)
{
	struct virtio_net_hdr vh;
	size_t scap, bcap, room, len;
	uint8_t *s = tunbatch_tx_slot(f->a, &scap), *big = tunbatch_super_buf(f->a, &bcap);
	struct iovec iov[3];
	ssize_t n;

	room = FRAME_ROOM(scap);
	iov[0] = (struct iovec){ .iov_base = &vh, .iov_len = sizeof(vh) };
	iov[1] = (struct iovec){ .iov_base = s + FRAME_OFFSET, .iov_len = room };
	iov[2] = (struct iovec){ .iov_base = big + FRAME_OFFSET + room, .iov_len = SUPER_MAX - room };
	n = readv(up->fd, iov, 3);
	if (n <= 0)
		return n;
	if ((size_t)n < sizeof(vh)) {
		f->tap.bad_vnet++;
		return 1;
	}
	len = (size_t)n - sizeof(vh);
	if (len > room) {
		memcpy(big + FRAME_OFFSET, s + FRAME_OFFSET, room);
		s = big;
		scap = bcap;
	}
	if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		if (s != big) /* its segments go to the slot it lies in */
			memcpy(big + FRAME_OFFSET, s + FRAME_OFFSET, len);
		return send_super(f, up, env, &vh, big + FRAME_OFFSET, len);
	}
	if (tso_complete_csum(&vh, s + FRAME_OFFSET, len) < 0) {
		f->tap.bad_vnet++;
		return 1;
	}
	handle_frame(f, up, env, s, scap, s != big, len);
	return 1;
}

/* One read from a plain uplink; returns as read_vnet. */
static ssize_t read_plain(struct fabric *f, struct fabric_uplink *up, const struct wg_env *env)
{
	uint8_t *buf;
	size_t cap;
	bool slot;
	ssize_t n = read_frame(f->a, up->fd, &buf, &cap, &slot);

	if (n > 0)
		handle_frame(f, up, env, buf, cap, slot, (size_t)n);
	return n > 0 ? 1 : n;
}

void fabric_on_uplink_readable(int fd, short what, void *arg)
{
	struct fabric_uplink *up = arg;
	struct fabric *f = up->f;
	struct wg_env env;
	ssize_t n;

	(void)fd;
	(void)what;
	f->a->io_passes++;
	agent_env(&env);
	for (int budget = FABRIC_BURST; budget > 0 && up->fd >= 0;) {
		agent_env(&env);
		n = up->vnet ? read_vnet(f, up, &env) : read_plain(f, up, &env);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* EAGAIN: drained. Anything else (the link was deleted
			 * under us) is mended by the next reconcile. */
			if (n < 0 && errno != EAGAIN) {
				log_warn("fabric", "%s: read failed: %s; closed until the next reconcile",
					 up->name, strerror(errno));
				fabric_kernel_close_uplink(up);
			}
			break;
		}
		f->a->local_reads++;
		budget -= (int)n;
	}
	tunbatch_flush_tx(f->a, &env);
}

void fabric_poll_written(struct agent *a)
{
	struct fabric *f = a->fabric;
	struct fabric_uplink *up;

	for (size_t i = 0; f && i < f->n_uplinks; i++) {
		up = f->uplinks[i];
		if (!up->written)
			continue;
		up->written = false;
		if (up->fd >= 0)
			fabric_on_uplink_readable(up->fd, EV_READ, up);
	}
}

void fabric_format_stats(struct agent *a, struct uapi_buf *out)
{
	struct fabric *f = a->fabric;

	if (!f)
		return;
	for (int d = 0; d < FABRIC_DROP__COUNT; d++)
		uapi_buf_printf(out, "drop_fabric_%s=%" PRIu64 "\n", fabric_drop_name((enum fabric_drop)d),
				f->drops[d]);
	for (int r = VSWITCH_R_NONE + 1; r < VSWITCH_REASON__COUNT; r++)
		uapi_buf_printf(out, "%svswitch_%s=%" PRIu64 "\n",
				r >= VSWITCH_IGNORE_ARP_LOCAL ? "" : "drop_",
				vswitch_reason_name((enum vswitch_reason)r), f->worker.reasons[r]);
	for (int c = 0; c < VSWITCH_ACTION__COUNT; c++)
		uapi_buf_printf(out, "vswitch_%s=%" PRIu64 "\n", vswitch_action_name((enum vswitch_action)c),
				f->worker.actions[c]);
	uapi_buf_printf(out, "vswitch_icmp_suppressed=%" PRIu64 "\n", f->worker.icmp_suppressed);
	uapi_buf_printf(out, "fabric_kernel_errors=%" PRIu64 "\n", f->kernel_errors);
	uapi_buf_printf(out, "fabric_tap_super_read=%" PRIu64 "\n", f->tap.super_read);
	uapi_buf_printf(out, "fabric_tap_segments=%" PRIu64 "\n", f->tap.segments);
	uapi_buf_printf(out, "fabric_tap_super_written=%" PRIu64 "\n", f->tap.super_written);
	uapi_buf_printf(out, "fabric_tap_merged=%" PRIu64 "\n", f->tap.merged);
	uapi_buf_printf(out, "drop_fabric_tap_bad_vnet=%" PRIu64 "\n", f->tap.bad_vnet);
	for (size_t i = 0; i < f->n_uplinks; i++) {
		const struct fabric_uplink *up = f->uplinks[i];

		uapi_buf_printf(out, "fabric_uplink_%s_offload=%s\n", up->name,
				up->fd < 0 ? "closed" : up->tso ? "tso" : up->vnet ? "vnet" : "off");
	}
}
