/* Receive side of the fabric uplink TAP offloads: queue, coalesce, write. */
#include "dataplane/fabric_offload.h"

#include <linux/virtio_net.h>
#include <unistd.h>

#include "dataplane/fabric.h"
#include "dataplane/netpkt.h"
#include "dataplane/tunbatch.h"

static const struct virtio_net_hdr no_offload;

/* The agent reads an uplink it wrote to before polling again (agent.h). */
static void mark_written(struct fabric *f, struct fabric_uplink *up)
{
	up->written = true;
	f->a->local_written = true;
}

void fabric_uplink_write(struct fabric *f, struct fabric_uplink *up, const uint8_t *frame, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)&no_offload, .iov_len = sizeof(no_offload) },
		{ .iov_base = (void *)frame, .iov_len = len },
	};
	size_t skip = up && up->vnet ? 0 : 1;

	if (!up || up->fd < 0) {
		f->drops[FABRIC_DROP_NO_UPLINK]++;
		return;
	}
	if (writev(up->fd, iov + skip, 2 - (int)skip) != (ssize_t)(len + (skip ? 0 : sizeof(no_offload))))
		f->drops[FABRIC_DROP_TAP_WRITE]++;
	else
		mark_written(f, up);
}

static void rx_hook(void *ctx)
{
	fabric_rx_flush(ctx);
}

void fabric_rx_queue(struct fabric *f, struct fabric_uplink *up, uint8_t *frame, size_t len)
{
	struct fabric_rxq *q = &f->rxq;

	if (!f->a->batch) {
		fabric_uplink_write(f, up, frame, len);
		return;
	}
	if (q->n == FABRIC_RXQ_MAX)
		fabric_rx_flush(f);
	if (q->n == 0)
		tunbatch_set_rx_hook(f->a, rx_hook, f);
	q->pkts[q->n].data = frame;
	q->pkts[q->n].len = len;
	q->ups[q->n] = up;
	q->n++;
}

/* One group of a run: its first frame (merged headers when count > 1), then
 * the payloads of the others, in one write. */
static void write_group(struct fabric *f, struct fabric_uplink *up, const struct gro_pkt *p,
			const struct gro_group *g)
{
	struct fabric_rxq *q = &f->rxq;
	size_t want, n;

	if (up->fd < 0) {
		f->drops[FABRIC_DROP_NO_UPLINK] += g->count;
		return;
	}
	n = gro_group_iov(g, p, true, q->iov, &want);
	if (writev(up->fd, q->iov, (int)n) != (ssize_t)want) {
		f->drops[FABRIC_DROP_TAP_WRITE] += g->count;
		return;
	}
	mark_written(f, up);
	if (g->count > 1) {
		f->tap.super_written++;
		f->tap.merged += g->count;
	}
}

/* Frames first..first+count-1, all for `up`. */
static void write_run(struct fabric *f, struct fabric_uplink *up, size_t first, size_t count)
{
	struct fabric_rxq *q = &f->rxq;
	struct gro_pkt *p = q->pkts + first;
	size_t ng;

	if (!up->vnet) {
		for (size_t k = 0; k < count; k++)
			fabric_uplink_write(f, up, p[k].data, p[k].len);
		return;
	}
	if (up->tso) {
		ng = gro_coalesce_l2(p, count, NETPKT_ETH_HLEN, q->groups);
	} else {
		for (ng = 0; ng < count; ng++)
			q->groups[ng] = (struct gro_group){ .first = ng, .count = 1 };
	}
	for (size_t i = 0; i < ng; i++)
		write_group(f, up, p + q->groups[i].first, &q->groups[i]);
}

void fabric_rx_flush(struct fabric *f)
{
	struct fabric_rxq *q = &f->rxq;
	size_t i = 0, j;

	while (i < q->n) {
		for (j = i + 1; j < q->n && q->ups[j] == q->ups[i]; j++)
			;
		write_run(f, q->ups[i], i, j - i);
		i = j;
	}
	q->n = 0;
}
