/* The offloaded TUN-mode front end: TSO/UDP GSO out, UDP GRO/TCP coalescing in. */
#include "dataplane/tunbatch.h"

#include <errno.h>
#include <event2/event.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dataplane/gro.h"
#include "dataplane/log.h"
#include "dataplane/tso.h"
#include "dataplane/tunmode.h"

/* Work per readiness callback before yielding to other events: a packet
 * costs 1, a super-packet BURST_SUPER_COST. */
#define BURST_BUDGET 64
#define BURST_SUPER_COST 8
/* Datagram batches read per UDP readiness callback. */
#define TUNBATCH_BURST 16
/* Small packets are read straight into slots of PEND_STRIDE bytes, sealed
 * there, and sent together at the end of the burst. */
#define PEND_MAX 32
#define PEND_STRIDE 2048
#define PEND_CAP (PEND_STRIDE - WG_DATA_HEADER_LEN - WG_PADDING_MULTIPLE - WG_AEAD_TAG_LEN)
/* Segment slots: UDP_GSO_MAX_SEGS transport messages of a full 64 KiB
 * send, plus one slot of slack for the largest single message. */
#define SEG_BUF_LEN (UDP_GSO_MAX_BYTES + AGENT_BUF_LEN)

/* A sealed transport message waiting in its slot. */
struct pending {
	struct wg_peer *peer;
	size_t len;
	bool rekey;
};

struct tunbatch {
	uint8_t *seg_buf;                        /* SEG_BUF_LEN: encrypted segments, back to back */
	uint8_t *pend_buf;                       /* PEND_MAX slots of PEND_STRIDE */
	struct pending pend[PEND_MAX];
	size_t n_pend;
	struct iovec piov[PEND_MAX];
	size_t seg_lens[UDP_GSO_MAX_SEGS];
	struct gro_pkt rx[TUNBATCH_RX_MAX];      /* queued plaintext, in arrival order */
	size_t n_rx;
	struct gro_group groups[TUNBATCH_RX_MAX];
	struct iovec iov[GRO_MAX_SEGS + 1];
	void (*rx_hook)(void *ctx);
	void *rx_hook_ctx;
};

int tunbatch_create(struct tunbatch **out)
{
	struct tunbatch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->seg_buf = malloc(SEG_BUF_LEN);
	b->pend_buf = malloc(PEND_MAX * PEND_STRIDE);
	if (!b->seg_buf || !b->pend_buf) {
		tunbatch_destroy(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void tunbatch_destroy(struct tunbatch *b)
{
	if (!b)
		return;
	free(b->seg_buf);
	free(b->pend_buf);
	free(b);
}

/* ---- TUN -> UDP --------------------------------------------------------- */

/* Sends the `count` sealed segments at seg_buf as one UDP_SEGMENT message. */
static void send_run(struct agent *a, struct wg_peer *peer, size_t stride, size_t count,
		     size_t last_len)
{
	const struct wg_endpoint *ep = wg_peer_endpoint(peer);
	unsigned failed;
	size_t total;

	if (!count)
		return;
	total = (count - 1) * stride + last_len;
	if (ep->addr.sa.sa_family == AF_UNSPEC) {
		agent_count_drop(a, AGENT_DROP_NO_ENDPOINT, count);
		return;
	}
	failed = udp_send_segments(&a->udp, ep, a->batch->seg_buf, total, count > 1 ? stride : last_len);
	if (failed)
		agent_count_drop(a, AGENT_DROP_UDP_SEND, failed);
}

/* Segments first..first+count-1: each cut into its slot, sealed in place,
 * and the runs of sealed slots sent. All slots but the last hold equal
 * plaintext lengths, so equal transport lengths: the UDP_SEGMENT size. */
static void send_chunk(struct agent *a, const struct wg_env *env, struct wg_peer *peer,
		       const struct tso_info *ti, const uint8_t *pkt, size_t len, size_t first,
		       size_t count, size_t stride, bool *rekey)
{
	struct tunbatch *b = a->batch;
	size_t run = 0, out_len = 0, run_last = 0;

	tso_segment(ti, pkt, len, first, count, b->seg_buf + WG_DATA_HEADER_LEN, stride, b->seg_lens);
	for (size_t k = 0; k < count; k++) {
		uint8_t *slot = b->seg_buf + k * stride;

		if (tunmode_seal(a, env, peer, slot, b->seg_lens[k], stride, &out_len, rekey)) {
			/* A run is contiguous from slot 0: move this one down
			 * if an earlier slot was staged or dropped. */
			if (run != k)
				memmove(b->seg_buf + run * stride, slot, out_len);
			run++;
			run_last = out_len;
		}
	}
	send_run(a, peer, stride, run, run_last);
}

static void send_super(struct agent *a, const struct wg_env *env, const struct virtio_net_hdr *vh,
		       uint8_t *pkt, size_t len)
{
	struct wg_peer *peer = tunmode_route(a, pkt, len);
	struct tso_info ti;
	size_t stride, per_send;
	bool rekey = false;

	if (!peer)
		return;
	if (tso_parse(vh, pkt, len, &ti) < 0 || ti.hdr_len + ti.gso_size > WG_MAX_PAYLOAD) {
		agent_count_drop(a, AGENT_DROP_BAD_TUN_PACKET, 1);
		return;
	}
	stride = wg_device_encrypted_len(a->dev, ti.hdr_len + ti.gso_size);
	per_send = UDP_GSO_MAX_BYTES / stride;
	if (per_send > UDP_GSO_MAX_SEGS)
		per_send = UDP_GSO_MAX_SEGS;
	if (per_send == 0)
		per_send = 1;
	for (size_t first = 0; first < ti.nsegs; first += per_send) {
		size_t count = ti.nsegs - first < per_send ? ti.nsegs - first : per_send;

		send_chunk(a, env, peer, &ti, pkt, len, first, count, stride, &rekey);
	}
	if (rekey)
		tunmode_send_initiation(a, env, peer);
	tunmode_arm_timer(a, peer);
}

/* The longest run from pend[i] that one UDP_SEGMENT send can carry: same
 * peer, every message the first one's length but the last (no longer). */
static size_t pending_run(const struct tunbatch *b, size_t i)
{
	size_t j = i + 1, total = b->pend[i].len;

	while (j < b->n_pend && j - i < UDP_GSO_MAX_SEGS && b->pend[j].peer == b->pend[i].peer &&
	       b->pend[j - 1].len == b->pend[i].len && b->pend[j].len <= b->pend[i].len &&
	       total + b->pend[j].len <= UDP_GSO_MAX_BYTES)
		total += b->pend[j++].len;
	return j - i;
}

/* Sends every pending message, in order, then starts the handshakes the
 * sealing asked for and re-arms the peers' timers. */
static void flush_pending(struct agent *a, const struct wg_env *env)
{
	struct tunbatch *b = a->batch;
	const struct wg_endpoint *ep;
	size_t n, failed;

	for (size_t i = 0; i < b->n_pend; i += n) {
		n = pending_run(b, i);
		for (size_t k = 0; k < n; k++) {
			b->piov[k].iov_base = b->pend_buf + (i + k) * PEND_STRIDE;
			b->piov[k].iov_len = b->pend[i + k].len;
		}
		ep = wg_peer_endpoint(b->pend[i].peer);
		if (ep->addr.sa.sa_family == AF_UNSPEC) {
			agent_count_drop(a, AGENT_DROP_NO_ENDPOINT, n);
			continue;
		}
		failed = udp_send_iov(&a->udp, ep, b->piov, n);
		if (failed)
			agent_count_drop(a, AGENT_DROP_UDP_SEND, failed);
	}
	for (size_t i = 0; i < b->n_pend; i++) {
		if (b->pend[i].rekey)
			tunmode_send_initiation(a, env, b->pend[i].peer);
		tunmode_arm_timer(a, b->pend[i].peer);
	}
	b->n_pend = 0;
}

uint8_t *tunbatch_super_buf(struct agent *a, size_t *cap)
{
	*cap = SEG_BUF_LEN;
	return a->batch->seg_buf;
}

void tunbatch_set_rx_hook(struct agent *a, void (*fn)(void *ctx), void *ctx)
{
	a->batch->rx_hook = fn;
	a->batch->rx_hook_ctx = ctx;
}

uint8_t *tunbatch_tx_slot(struct agent *a, size_t *cap)
{
	*cap = PEND_STRIDE;
	return a->batch->pend_buf + a->batch->n_pend * PEND_STRIDE;
}

void tunbatch_flush_tx(struct agent *a, const struct wg_env *env)
{
	if (a->batch)
		flush_pending(a, env);
}

void tunbatch_queue_tx(struct agent *a, const struct wg_env *env, struct wg_peer *peer, uint8_t *slot,
		       size_t len)
{
	struct tunbatch *b = a->batch;
	struct pending *p = &b->pend[b->n_pend];
	size_t out_len;
	bool rekey = false;

	if (!tunmode_seal(a, env, peer, slot, len, PEND_STRIDE, &out_len, &rekey)) {
		tunmode_arm_timer(a, peer);
		return;
	}
	p->peer = peer;
	p->len = out_len;
	p->rekey = rekey;
	if (++b->n_pend == PEND_MAX)
		flush_pending(a, env);
}

/* A small packet in the next free slot: route, seal in place, and keep it
 * for flush_pending. */
static void queue_small(struct agent *a, const struct wg_env *env, uint8_t *slot, size_t len)
{
	struct wg_peer *peer = tunmode_route(a, slot + WG_DATA_HEADER_LEN, len);

	if (peer)
		tunbatch_queue_tx(a, env, peer, slot, len);
}

void tunbatch_handle_tun(struct agent *a, const struct wg_env *env, const struct virtio_net_hdr *vh,
			 uint8_t *buf, size_t len, size_t cap)
{
	uint8_t *pkt = buf + WG_DATA_HEADER_LEN;

	flush_pending(a, env); /* keep order with anything read before */
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		send_super(a, env, vh, pkt, len);
		return;
	}
	if (tso_complete_csum(vh, pkt, len) < 0) {
		agent_count_drop(a, AGENT_DROP_BAD_TUN_PACKET, 1);
		return;
	}
	tunmode_handle_tun_packet(a, env, buf, len, cap);
}

/* One packet read into the next pending slot (up to PEND_CAP bytes) or, when
 * longer, completed in a->tx_buf. Returns its cost against the burst. */
static int handle_read(struct agent *a, const struct wg_env *env, const struct virtio_net_hdr *vh,
		       uint8_t *slot, size_t len)
{
	if (len > PEND_CAP) {
		memcpy(a->tx_buf + WG_DATA_HEADER_LEN, slot + WG_DATA_HEADER_LEN, PEND_CAP);
		tunbatch_handle_tun(a, env, vh, a->tx_buf, len, AGENT_BUF_LEN);
		return vh->gso_type != VIRTIO_NET_HDR_GSO_NONE ? BURST_SUPER_COST : 1;
	}
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		tunbatch_handle_tun(a, env, vh, slot, len, PEND_STRIDE);
		return BURST_SUPER_COST;
	}
	if (tso_complete_csum(vh, slot + WG_DATA_HEADER_LEN, len) < 0) {
		agent_count_drop(a, AGENT_DROP_BAD_TUN_PACKET, 1);
		return 1;
	}
	queue_small(a, env, slot, len);
	return 1;
}

void tunbatch_on_tun_readable(int fd, short what, void *arg)
{
	struct agent *a = arg;
	struct tunbatch *b = a->batch;
	struct virtio_net_hdr vh;
	struct iovec iov[3] = {
		{ .iov_base = &vh, .iov_len = sizeof(vh) },
		{ .iov_len = PEND_CAP },
		{ .iov_base = a->tx_buf + WG_DATA_HEADER_LEN + PEND_CAP,
		  .iov_len = WG_MAX_PAYLOAD - PEND_CAP },
	};
	struct wg_env env;
	uint8_t *slot;
	ssize_t n;

	(void)what;
	agent_env(&env);
	for (int budget = BURST_BUDGET; budget > 0;) {
		slot = b->pend_buf + b->n_pend * PEND_STRIDE;
		iov[1].iov_base = slot + WG_DATA_HEADER_LEN;
		n = readv(fd, iov, 3);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			tunmode_tun_gone(a, n);
			break;
		}
		a->local_reads++;
		if ((size_t)n < sizeof(vh)) {
			agent_count_drop(a, AGENT_DROP_BAD_TUN_PACKET, 1);
			continue;
		}
		agent_env(&env);
		budget -= handle_read(a, &env, &vh, slot, (size_t)n - sizeof(vh));
	}
	flush_pending(a, &env);
}

/* ---- UDP -> TUN --------------------------------------------------------- */

void tunbatch_queue_rx(struct agent *a, uint8_t *data, size_t len)
{
	struct tunbatch *b = a->batch;

	if (b->n_rx == TUNBATCH_RX_MAX)
		tunbatch_flush_rx(a);
	b->rx[b->n_rx].data = data;
	b->rx[b->n_rx].len = len;
	b->n_rx++;
}

static void write_group(struct agent *a, const struct gro_group *g)
{
	struct tunbatch *b = a->batch;
	size_t want, n = gro_group_iov(g, &b->rx[g->first], a->tun_vnet, b->iov, &want);

	if (writev(a->tun_fd, b->iov, (int)n) != (ssize_t)want)
		agent_count_drop(a, AGENT_DROP_TUN_WRITE, g->count);
	else
		a->local_written = true;
}

void tunbatch_flush_rx(struct agent *a)
{
	struct tunbatch *b = a->batch;
	size_t ng;

	if (b && b->rx_hook)
		b->rx_hook(b->rx_hook_ctx);
	if (!b || !b->n_rx)
		return;
	if (a->tun_tso) {
		ng = gro_coalesce(b->rx, b->n_rx, b->groups);
	} else {
		for (ng = 0; ng < b->n_rx; ng++)
			b->groups[ng] = (struct gro_group){ .first = ng, .count = 1 };
	}
	for (size_t i = 0; i < ng; i++)
		write_group(a, &b->groups[i]);
	b->n_rx = 0;
}

void tunbatch_on_udp_readable(int fd, short what, void *arg)
{
	struct agent *a = arg;
	struct wg_endpoint src;
	struct wg_env env;
	size_t seg;
	ssize_t n;

	(void)fd;
	(void)what;
	for (int i = 0; i < TUNBATCH_BURST; i++) {
		n = udp_recv_gro(&a->udp, a->rx_buf, AGENT_BUF_LEN, &src, &seg);
		if (n == -EINTR)
			continue;
		if (n == -EMSGSIZE) {
			agent_count_drop(a, AGENT_DROP_UDP_RECV, 1);
			continue;
		}
		if (n < 0)
			break;
		agent_env(&env);
		for (size_t off = 0; off < (size_t)n; off += seg) {
			size_t len = (size_t)n - off < seg ? (size_t)n - off : seg;

			tunmode_handle_udp_packet(a, &env, &src, a->rx_buf + off, len);
		}
		tunbatch_flush_rx(a);
	}
	tunbatch_flush_rx(a);
}
