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

/* Super-packets (or datagram batches) handled per readiness callback. */
#define TUNBATCH_BURST 16
/* Segment slots: UDP_GSO_MAX_SEGS transport messages of a full 64 KiB
 * send, plus one slot of slack for the largest single message. */
#define SEG_BUF_LEN (UDP_GSO_MAX_BYTES + AGENT_BUF_LEN)

struct tunbatch {
	uint8_t *seg_buf;                        /* SEG_BUF_LEN: encrypted segments, back to back */
	size_t seg_lens[UDP_GSO_MAX_SEGS];
	struct gro_pkt rx[TUNBATCH_RX_MAX];      /* queued plaintext, in arrival order */
	size_t n_rx;
	struct gro_group groups[TUNBATCH_RX_MAX];
	struct iovec iov[GRO_MAX_SEGS + 1];
};

int tunbatch_create(struct tunbatch **out)
{
	struct tunbatch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->seg_buf = malloc(SEG_BUF_LEN);
	if (!b->seg_buf) {
		free(b);
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
	free(b);
}

/* ---- TUN -> UDP --------------------------------------------------------- */

/* Sends the `count` sealed segments at seg_buf as one UDP_SEGMENT message. */
static void send_run(struct agent *a, struct wg_peer *peer, size_t stride, size_t count,
		     size_t last_len)
{
	const struct wg_endpoint *ep = wg_peer_endpoint(peer);
	size_t total = (count - 1) * stride + last_len;
	unsigned failed;

	if (!count)
		return;
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

void tunbatch_handle_tun(struct agent *a, const struct wg_env *env, const struct virtio_net_hdr *vh,
			 uint8_t *buf, size_t len, size_t cap)
{
	uint8_t *pkt = buf + WG_DATA_HEADER_LEN;

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

void tunbatch_on_tun_readable(int fd, short what, void *arg)
{
	struct agent *a = arg;
	struct virtio_net_hdr vh;
	struct iovec iov[2] = {
		{ .iov_base = &vh, .iov_len = sizeof(vh) },
		{ .iov_base = a->tx_buf + WG_DATA_HEADER_LEN, .iov_len = WG_MAX_PAYLOAD },
	};
	struct wg_env env;
	ssize_t n;

	(void)what;
	for (int i = 0; i < TUNBATCH_BURST; i++) {
		n = readv(fd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			log_error("tun", "%s: read failed (%s): device gone, stopping", a->ifname,
				  n < 0 ? strerror(errno) : "end of file");
			a->exit_status = 1;
			event_base_loopbreak(a->base);
			return;
		}
		if ((size_t)n < sizeof(vh)) {
			agent_count_drop(a, AGENT_DROP_BAD_TUN_PACKET, 1);
			continue;
		}
		agent_env(&env);
		tunbatch_handle_tun(a, &env, &vh, a->tx_buf, (size_t)n - sizeof(vh), AGENT_BUF_LEN);
	}
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
	static const struct virtio_net_hdr none;
	struct tunbatch *b = a->batch;
	const struct gro_pkt *p = &b->rx[g->first];
	size_t n = 0, want = 0;

	if (a->tun_vnet) {
		b->iov[n].iov_base = (void *)(g->count > 1 ? &g->vh : &none);
		b->iov[n++].iov_len = sizeof(g->vh);
	}
	b->iov[n].iov_base = p[0].data;
	b->iov[n++].iov_len = p[0].len;
	for (size_t k = 1; k < g->count; k++) {
		b->iov[n].iov_base = p[k].data + g->hdr_len;
		b->iov[n++].iov_len = p[k].len - g->hdr_len;
	}
	for (size_t k = 0; k < n; k++)
		want += b->iov[k].iov_len;
	if (writev(a->tun_fd, b->iov, (int)n) != (ssize_t)want)
		agent_count_drop(a, AGENT_DROP_TUN_WRITE, g->count);
}

void tunbatch_flush_rx(struct agent *a)
{
	struct tunbatch *b = a->batch;
	size_t ng;

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
