/* Event loop set-up, run and teardown for the TUN mode. */
#include "dataplane/runtime.h"

#include <errno.h>
#include <event2/event.h>
#include <sched.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/busypoll.h"
#include "dataplane/log.h"
#include "dataplane/tunbatch.h"
#include "dataplane/tunif.h"
#include "dataplane/tunmode.h"
#include "dataplane/uapi.h"

/* The busy-poll budget (busypoll.h): set by runtime_set_busy_poll, else
 * from TENET_BUSY_POLL at the first runtime_run, else the default. A
 * process option, like the log level. */
static struct {
	bool set;
	unsigned budget_us;
} rt;

void runtime_set_busy_poll(unsigned budget_us)
{
	rt.set = true;
	rt.budget_us = budget_us;
}

/* What the UDP callback wrote to the local side is read back at once: an
 * answer the kernel made while taking the write (an echo reply, an ACK)
 * goes out in this pass instead of after another poll. Non-blocking: with
 * nothing there it costs one read that finds the queue empty. */
static void poll_local(struct agent *a)
{
	uint64_t before = a->local_reads;

	a->local_written = false;
	if (a->poll_local)
		a->poll_local(a);
	else if (!a->no_tun && a->tun_fd >= 0)
		a->tun_cb(a->tun_fd, EV_READ, a);
	a->local_polls++;
	a->local_poll_packets += a->local_reads - before;
}

/* The packet callbacks go through these so the loop knows a pass did I/O. */
static void on_udp(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	a->io_passes++;
	a->local_written = false;
	a->udp_cb(fd, what, arg);
	if (a->local_written)
		poll_local(a);
}

static void on_tun(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	a->io_passes++;
	a->tun_cb(fd, what, arg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;

	(void)what;
	log_info("agent", "%s: %s received, shutting down", a->ifname, strsignal((int)sig));
	event_base_loopbreak(a->base);
}

static int add_udp_event(struct agent *a)
{
	a->udp_cb = a->batch ? tunbatch_on_udp_readable : tunmode_on_udp_readable;
	if (a->batch)
		udp_enable_offloads(&a->udp);
	a->udp_ev = event_new(a->base, a->udp.fd, EV_READ | EV_PERSIST, on_udp, a);
	if (!a->udp_ev || event_add(a->udp_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

void runtime_replace_udp(struct agent *a, struct udp_sock *s)
{
	if (a->udp_ev)
		event_free(a->udp_ev);
	a->udp_ev = NULL;
	udp_close(&a->udp);
	a->udp = *s;
	s->fd = -1;
	if (a->fwmark)
		udp_set_fwmark(&a->udp, a->fwmark);
	if (add_udp_event(a) < 0)
		log_error("agent", "%s: cannot watch the new UDP socket", a->ifname);
	log_info("agent", "%s: listening on UDP port %u", a->ifname, a->udp.port);
}

static int add_events(struct agent *a)
{
	static const int sigs[2] = { SIGINT, SIGTERM };

	a->tun_cb = a->batch ? tunbatch_on_tun_readable : tunmode_on_tun_readable;
	if (add_udp_event(a) < 0)
		return -ENOMEM;
	if (!a->no_tun) {
		a->tun_ev = event_new(a->base, a->tun_fd, EV_READ | EV_PERSIST, on_tun, a);
		if (!a->tun_ev || event_add(a->tun_ev, NULL) < 0)
			return -ENOMEM;
	}
	for (int i = 0; i < 2; i++) {
		a->sig_ev[i] = evsignal_new(a->base, sigs[i], on_signal, a);
		if (!a->sig_ev[i] || event_add(a->sig_ev[i], NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Peers with persistent keepalive bring their tunnel up at once (a keepalive,
 * staged behind a handshake), as wg(8) and wireguard-go do. */
static void kick_peers(struct agent *a)
{
	struct wg_env env;

	agent_env(&env);
	for (struct wg_peer *p = wg_device_first_peer(a->dev); p; p = wg_peer_next(p)) {
		if (wg_peer_persistent_keepalive(p))
			tunmode_send_keepalive(a, &env, p);
		tunmode_arm_timer(a, p);
	}
}

static int start_steps(struct agent *a, const char *uapi_dir, char *err, size_t errlen)
{
	int rc;

	a->rx_buf = malloc(AGENT_BUF_LEN);
	a->tx_buf = malloc(AGENT_BUF_LEN);
	a->base = event_base_new();
	if (!a->rx_buf || !a->tx_buf || !a->base) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	wg_device_set_mtu(a->dev, a->mtu);
	rc = udp_open(&a->udp, a->listen_port, a->fwmark);
	if (rc < 0) {
		snprintf(err, errlen, "cannot bind UDP port %u: %s", a->listen_port, strerror(-rc));
		return rc;
	}
	rc = uapi_server_open(a, uapi_dir, &a->uapi);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create UAPI socket %s/%s.sock: %s",
			 uapi_dir ? uapi_dir : UAPI_SOCKET_DIR, a->ifname,
			 rc == -EADDRINUSE ? "in use by a running daemon" : strerror(-rc));
		return rc;
	}
	rc = a->no_tun ? 0 : tunif_up(a, err, errlen);
	if (rc < 0)
		return rc;
	/* The offloaded front end needs the vnet header; it also batches
	 * UDP (GSO/GRO) when only the TUN offloads are refused, and for a
	 * TUN-less (fabric) agent, which sends from its own reader. */
	if ((a->tun_vnet || (a->no_tun && a->offload)) && tunbatch_create(&a->batch) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = add_events(a);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the event loop");
		return rc;
	}
	return 0;
}

int runtime_start(struct agent *a, const char *uapi_dir, char *err, size_t errlen)
{
	int rc;

	/* A UAPI client that hangs up must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	rc = start_steps(a, uapi_dir, err, errlen);
	if (rc < 0) {
		runtime_stop(a);
		return rc;
	}
	kick_peers(a);
	log_info("agent", "%s: up, mtu %u, UDP port %u, offloads: TUN %s, UDP GSO %s, GRO %s", a->ifname,
		 a->mtu, a->udp.port,
		 a->no_tun ? "none" : a->tun_tso ? "tso" : a->tun_vnet ? "vnet" : "off",
		 a->udp.gso ? "on" : "off", a->udp.gro ? "on" : "off");
	return 0;
}

static bool loop_stopped(struct agent *a)
{
	return event_base_got_break(a->base) || event_base_got_exit(a->base);
}

/* Non-blocking passes while the budget lasts. Yielding between passes lets
 * a task that shares this CPU (the peer agent, the application) run first:
 * the poll only uses time nobody else wants. */
static void spin(struct agent *a, struct busypoll *bp)
{
	uint64_t before;
	bool io;

	do {
		sched_yield();
		before = a->io_passes;
		if (event_base_loop(a->base, EVLOOP_NONBLOCK) < 0 || loop_stopped(a))
			return;
		io = a->io_passes != before;
	} while (busypoll_next(bp, io, agent_now()));
}

int runtime_run(struct agent *a)
{
	const char *env = getenv("TENET_BUSY_POLL");
	struct busypoll bp;
	uint64_t before;

	if (!rt.set && (!env || busypoll_parse(env, &rt.budget_us) < 0)) {
		if (env)
			log_warn("agent", "TENET_BUSY_POLL=%s: not off/on/0..%d, using %d us", env,
				 BUSYPOLL_MAX_US, BUSYPOLL_DEFAULT_US);
		rt.budget_us = BUSYPOLL_DEFAULT_US;
	}
	busypoll_init(&bp, rt.budget_us);
	if (!bp.budget_ns) {
		event_base_dispatch(a->base);
		return a->exit_status;
	}
	for (;;) {
		before = a->io_passes;
		if (event_base_loop(a->base, EVLOOP_ONCE) < 0 || loop_stopped(a))
			break;
		if (busypoll_begin(&bp, a->io_passes != before, agent_now()))
			spin(a, &bp);
		if (loop_stopped(a))
			break;
	}
	return a->exit_status;
}

static void free_event(struct event **ev)
{
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

/* The buffers held tenant plaintext. */
static void free_buf(uint8_t **buf)
{
	if (*buf)
		sodium_memzero(*buf, AGENT_BUF_LEN);
	free(*buf);
	*buf = NULL;
}

void runtime_stop(struct agent *a)
{
	struct agent_peer *ap;

	for (struct wg_peer *p = wg_device_first_peer(a->dev); p; p = wg_peer_next(p)) {
		ap = agent_peer_state(p);
		if (ap && ap->timer) {
			event_free(ap->timer);
			ap->timer = NULL;
			ap->timer_at = UINT64_MAX;
		}
	}
	uapi_server_close(a->uapi);
	a->uapi = NULL;
	free_event(&a->udp_ev);
	free_event(&a->tun_ev);
	free_event(&a->sig_ev[0]);
	free_event(&a->sig_ev[1]);
	tunif_down(a);
	udp_close(&a->udp);
	if (a->base)
		event_base_free(a->base);
	a->base = NULL;
	free_buf(&a->rx_buf);
	free_buf(&a->tx_buf);
	tunbatch_destroy(a->batch);
	a->batch = NULL;
}
