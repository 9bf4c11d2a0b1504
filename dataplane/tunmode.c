/* TUN-mode packet paths: TUN -> tunnel, tunnel -> TUN, peer timers. */
#include "dataplane/tunmode.h"

#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <unistd.h>

#include "dataplane/ippkt.h"
#include "dataplane/log.h"
#include "dataplane/tunbatch.h"
#include "tunnel/key.h"

/* Packets handled per readiness callback before yielding to other events. */
#define TUNMODE_BURST 64

static void transmit(struct agent *a, struct wg_peer *peer, const uint8_t *msg, size_t len)
{
	const struct wg_endpoint *ep = wg_peer_endpoint(peer);

	if (ep->addr.sa.sa_family == AF_UNSPEC) {
		agent_count_drop(a, AGENT_DROP_NO_ENDPOINT, 1);
		return;
	}
	if (udp_send(&a->udp, ep, msg, len) < 0)
		agent_count_drop(a, AGENT_DROP_UDP_SEND, 1);
}

/* Handshake events at debug level, the peer named by the start of its
 * public key (as `wg show` prints it). */
static void log_handshake(const struct wg_peer *peer, const char *what)
{
	uint8_t pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];

	if (!log_enabled(LOG_DEBUG))
		return;
	wg_peer_public_key(peer, pub);
	wg_key_to_base64(b64, pub);
	log_debug("tunnel", "peer %.8s...: %s", b64, what);
}

/* A handshake initiation, unless one is already pending (-EALREADY) or no
 * endpoint is known to send it to. */
static void send_initiation(struct agent *a, const struct wg_env *env, struct wg_peer *peer)
{
	uint8_t msg[sizeof(struct wg_msg_initiation)];

	if (wg_peer_endpoint(peer)->addr.sa.sa_family == AF_UNSPEC)
		return;
	if (wg_peer_create_initiation(a->dev, peer, env, msg) == 0) {
		log_handshake(peer, "initiation sent");
		transmit(a, peer, msg, sizeof(msg));
	}
}

static void stage(struct agent *a, struct wg_peer *peer, const uint8_t *payload, size_t len)
{
	struct agent_peer *ap = agent_peer_state(peer);
	struct staged_pkt *p;

	p = staged_pkt_create(payload, len, WG_DATA_HEADER_LEN, wg_encrypted_len(len));
	if (!p) {
		agent_count_drop(a, AGENT_DROP_NO_MEMORY, 1);
		return;
	}
	agent_count_drop(a, AGENT_DROP_STAGED_OVERFLOW, staged_push(&ap->staged, p));
}

unsigned tunmode_flush_staged(struct agent *a, const struct wg_env *env, struct wg_peer *peer)
{
	struct agent_peer *ap = agent_peer_state(peer);
	bool rekey = false, want;
	struct staged_pkt *p;
	unsigned sent = 0;
	size_t out_len;
	int rc;

	while ((p = staged_peek(&ap->staged))) {
		rc = wg_peer_encrypt(peer, env, p->data, p->len, p->cap, &out_len, &want);
		if (rc == -ENOKEY) {
			send_initiation(a, env, peer);
			break;
		}
		staged_pop(&ap->staged);
		if (rc == 0) {
			transmit(a, peer, p->data, out_len);
			sent++;
			rekey |= want;
		} else {
			agent_count_drop(a, AGENT_DROP_TOO_BIG, 1);
		}
		staged_pkt_free(p);
	}
	if (rekey)
		send_initiation(a, env, peer);
	return sent;
}

bool tunmode_seal(struct agent *a, const struct wg_env *env, struct wg_peer *peer, uint8_t *buf,
		  size_t len, size_t cap, size_t *out_len, bool *rekey)
{
	struct agent_peer *ap = agent_peer_state(peer);
	bool want;
	int rc;

	if (staged_count(&ap->staged)) {
		stage(a, peer, buf + WG_DATA_HEADER_LEN, len);
		tunmode_flush_staged(a, env, peer);
		return false;
	}
	rc = wg_peer_encrypt(peer, env, buf, len, cap, out_len, &want);
	if (rc == -ENOKEY) {
		stage(a, peer, buf + WG_DATA_HEADER_LEN, len);
		send_initiation(a, env, peer);
		return false;
	}
	if (rc < 0) {
		agent_count_drop(a, AGENT_DROP_TOO_BIG, 1);
		return false;
	}
	*rekey |= want;
	return true;
}

/* The hot path: encrypt in place and send. Order is kept: while anything is
 * staged, new packets queue behind it. */
void tunmode_send_payload(struct agent *a, const struct wg_env *env, struct wg_peer *peer,
			  uint8_t *buf, size_t len, size_t cap)
{
	bool rekey = false;
	size_t out_len;

	if (!tunmode_seal(a, env, peer, buf, len, cap, &out_len, &rekey))
		return;
	transmit(a, peer, buf, out_len);
	if (rekey)
		send_initiation(a, env, peer);
}

void tunmode_send_initiation(struct agent *a, const struct wg_env *env, struct wg_peer *peer)
{
	send_initiation(a, env, peer);
}

void tunmode_send_keepalive(struct agent *a, const struct wg_env *env, struct wg_peer *peer)
{
	uint8_t msg[WG_DATA_HEADER_LEN + WG_AEAD_TAG_LEN + WG_PADDING_MULTIPLE];
	size_t out_len;
	bool want;
	int rc;

	if (staged_count(&agent_peer_state(peer)->staged)) {
		/* Anything staged is a keepalive too, once it can be sent. */
		tunmode_flush_staged(a, env, peer);
		return;
	}
	rc = wg_peer_encrypt(peer, env, msg, 0, sizeof(msg), &out_len, &want);
	if (rc == -ENOKEY) {
		stage(a, peer, NULL, 0);
		send_initiation(a, env, peer);
		return;
	}
	if (rc == 0)
		transmit(a, peer, msg, out_len);
	if (rc == 0 && want)
		send_initiation(a, env, peer);
}

struct wg_peer *tunmode_route(struct agent *a, const uint8_t *pkt, size_t len)
{
	const uint8_t *dst;
	struct wg_peer *peer;
	int family;

	if (ippkt_destination(pkt, len, &family, &dst) < 0) {
		agent_count_drop(a, AGENT_DROP_BAD_TUN_PACKET, 1);
		return NULL;
	}
	peer = lpm_lookup(a->allowed, family, dst);
	if (!peer)
		agent_count_drop(a, AGENT_DROP_NO_ROUTE, 1);
	return peer;
}

void tunmode_handle_tun_packet(struct agent *a, const struct wg_env *env, uint8_t *buf, size_t len,
			       size_t cap)
{
	struct wg_peer *peer = tunmode_route(a, buf + WG_DATA_HEADER_LEN, len);

	if (!peer)
		return;
	tunmode_send_payload(a, env, peer, buf, len, cap);
	tunmode_arm_timer(a, peer);
}

/* Cryptokey routing on receive: the packet must be well formed and come
 * from an address the sending peer is allowed to use. */
static void deliver(struct agent *a, struct wg_peer *peer, uint8_t *data, size_t len)
{
	struct ippkt ip;

	if (len == 0)
		return; /* keepalive */
	if (ippkt_parse(data, len, &ip) < 0) {
		agent_count_drop(a, AGENT_DROP_BAD_INNER_PACKET, 1);
		return;
	}
	if (lpm_lookup(a->allowed, ip.family, ip.src) != peer) {
		agent_count_drop(a, AGENT_DROP_ALLOWED_IPS, 1);
		return;
	}
	if (a->batch)
		tunbatch_queue_rx(a, data, ip.len);
	else if (a->tun_fd < 0 || write(a->tun_fd, data, ip.len) != (ssize_t)ip.len)
		agent_count_drop(a, AGENT_DROP_TUN_WRITE, 1);
	else
		a->local_written = true;
}

static bool is_handshake(const uint8_t *buf, size_t len)
{
	return len >= 4 && (buf[0] == WG_MSG_INITIATION || buf[0] == WG_MSG_RESPONSE);
}

void tunmode_handle_udp_packet(struct agent *a, const struct wg_env *env,
			       const struct wg_endpoint *src, uint8_t *buf, size_t len)
{
	struct wg_rx_result res;

	if (is_handshake(buf, len))
		load_hit(&a->load, env->now);
	wg_device_receive(a->dev, env, load_under(&a->load, env->now), src, buf, len, &res);
	if (res.kind == WG_RX_DROP && is_handshake(buf, len) && log_enabled(LOG_DEBUG))
		log_debug("tunnel", "handshake message dropped: %s", wg_drop_reason_name(res.drop));
	if (res.peer && (res.kind == WG_RX_REPLY || res.kind == WG_RX_HANDSHAKE))
		log_handshake(res.peer, res.kind == WG_RX_REPLY ? "initiation answered" : "response consumed");
	switch (res.kind) {
	case WG_RX_REPLY:
		if (udp_send(&a->udp, src, res.reply, res.reply_len) < 0)
			agent_count_drop(a, AGENT_DROP_UDP_SEND, 1);
		break;
	case WG_RX_DATA:
		if (res.peer && a->on_data)
			a->on_data(a, res.peer, res.data, res.data_len);
		else if (res.peer)
			deliver(a, res.peer, res.data, res.data_len);
		break;
	case WG_RX_DROP:
	case WG_RX_HANDSHAKE:
	case WG_RX_COOKIE:
		break;
	}
	if (!res.peer)
		return;
	if (res.session_ready && !tunmode_flush_staged(a, env, res.peer) && res.kind == WG_RX_HANDSHAKE)
		tunmode_send_keepalive(a, env, res.peer);
	tunmode_arm_timer(a, res.peer);
}

/* ---- timers ------------------------------------------------------------ */

void tunmode_greet(struct agent *a, struct wg_peer *peer, uint64_t delay_ns)
{
	struct agent_peer *ap = agent_peer_state(peer);
	struct wg_env env;

	agent_env(&env);
	if (delay_ns == 0)
		tunmode_send_keepalive(a, &env, peer);
	else if (ap)
		ap->greet_at = env.now + delay_ns;
	tunmode_arm_timer(a, peer);
}

static void on_peer_timer(evutil_socket_t fd, short what, void *arg)
{
	struct agent_peer *ap = arg;

	(void)fd;
	(void)what;
	ap->timer_at = UINT64_MAX;
	tunmode_run_timers(ap->agent, ap->peer);
}

void tunmode_run_timers(struct agent *a, struct wg_peer *peer)
{
	struct agent_peer *ap = agent_peer_state(peer);
	struct wg_env env;
	unsigned actions;

	agent_env(&env);
	actions = wg_peer_timers_run(a->dev, peer, &env);
	if (ap->greet_at <= env.now) {
		ap->greet_at = UINT64_MAX;
		if (!wg_peer_has_session(peer, env.now))
			tunmode_send_keepalive(a, &env, peer);
	}
	if (actions & WG_TIMER_DROP_STAGED)
		agent_count_drop(a, AGENT_DROP_STAGED_EXPIRED, staged_clear(&ap->staged));
	if (actions & WG_TIMER_SEND_INITIATION)
		send_initiation(a, &env, peer);
	if (actions & WG_TIMER_SEND_KEEPALIVE)
		tunmode_send_keepalive(a, &env, peer);
	tunmode_arm_timer(a, peer);
}

/* Arms only when the deadline moves earlier: a later deadline is caught when
 * the earlier event fires, finds nothing due, and re-arms. This keeps the
 * per-packet cost at one comparison instead of a timer-heap update. */
void tunmode_arm_timer(struct agent *a, struct wg_peer *peer)
{
	struct agent_peer *ap = agent_peer_state(peer);
	uint64_t next = wg_peer_timers_next(peer), now, delta;
	struct timeval tv;

	if (ap && ap->greet_at < next)
		next = ap->greet_at;
	if (!a->base || !ap || next == UINT64_MAX || next >= ap->timer_at)
		return;
	if (!ap->timer) {
		ap->timer = evtimer_new(a->base, on_peer_timer, ap);
		if (!ap->timer)
			return;
	}
	now = agent_now();
	delta = next > now ? next - now : 0;
	/* Round up: firing early only costs a re-arm, but never busy-loop. */
	delta = (delta + 999) / 1000;
	tv.tv_sec = (time_t)(delta / 1000000);
	tv.tv_usec = (suseconds_t)(delta % 1000000);
	if (evtimer_add(ap->timer, &tv) == 0)
		ap->timer_at = next;
}

/* ---- readiness callbacks ------------------------------------------------ */

void tunmode_tun_gone(struct agent *a, ssize_t n)
{
	log_error("tun", "%s: read failed (%s): device gone, stopping", a->ifname,
		  n < 0 ? strerror(errno) : "end of file");
	a->exit_status = 1;
	event_base_loopbreak(a->base);
}

void tunmode_on_tun_readable(int fd, short what, void *arg)
{
	struct agent *a = arg;
	struct wg_env env;
	ssize_t n;

	(void)what;
	for (int i = 0; i < TUNMODE_BURST; i++) {
		n = read(fd, a->tx_buf + WG_DATA_HEADER_LEN, WG_MAX_PAYLOAD);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			tunmode_tun_gone(a, n);
			return;
		}
		a->local_reads++;
		agent_env(&env);
		tunmode_handle_tun_packet(a, &env, a->tx_buf, (size_t)n, AGENT_BUF_LEN);
	}
}

void tunmode_on_udp_readable(int fd, short what, void *arg)
{
	struct agent *a = arg;
	struct wg_endpoint src;
	struct wg_env env;
	ssize_t n;

	(void)fd;
	(void)what;
	for (int i = 0; i < TUNMODE_BURST; i++) {
		n = udp_recv(&a->udp, a->rx_buf, AGENT_BUF_LEN, &src);
		if (n == -EINTR)
			continue;
		if (n == -EMSGSIZE) {
			agent_count_drop(a, AGENT_DROP_UDP_RECV, 1);
			continue;
		}
		/* Errors such as ECONNREFUSED (an ICMP for an earlier send) are
		 * per-datagram: stop this round, the socket stays usable. */
		if (n < 0)
			return;
		agent_env(&env);
		tunmode_handle_udp_packet(a, &env, &src, a->rx_buf, (size_t)n);
	}
}
