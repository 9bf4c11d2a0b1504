/* Event loop set-up, run and teardown for the TUN mode. */
#include "dataplane/runtime.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/log.h"
#include "dataplane/tunbatch.h"
#include "dataplane/tunif.h"
#include "dataplane/tunmode.h"
#include "dataplane/uapi.h"

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;

	(void)what;
	log_info("agent", "%s: %s received, shutting down", a->ifname, strsignal((int)sig));
	event_base_loopbreak(a->base);
}

static int add_udp_event(struct agent *a)
{
	event_callback_fn cb = a->batch ? tunbatch_on_udp_readable : tunmode_on_udp_readable;

	if (a->batch)
		udp_enable_offloads(&a->udp);
	a->udp_ev = event_new(a->base, a->udp.fd, EV_READ | EV_PERSIST, cb, a);
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

	event_callback_fn tun_cb = a->batch ? tunbatch_on_tun_readable : tunmode_on_tun_readable;

	if (add_udp_event(a) < 0)
		return -ENOMEM;
	if (!a->no_tun) {
		a->tun_ev = event_new(a->base, a->tun_fd, EV_READ | EV_PERSIST, tun_cb, a);
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

int runtime_run(struct agent *a)
{
	event_base_dispatch(a->base);
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
