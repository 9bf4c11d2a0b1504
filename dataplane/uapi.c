/* UAPI: applying requests to the agent, and the unix-socket server. */
#include "dataplane/uapi.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dataplane/log.h"
#include "dataplane/runtime.h"
#include "dataplane/tunmode.h"

/* ---- set ---------------------------------------------------------------- */

/* The peer section being applied. peer NULL: a placeholder whose lines are
 * ignored (our own key, or removed, or update_only on a new peer). */
struct apply_peer {
	struct wg_peer *peer;
	bool created;
	bool keepalive_on;
};

/* Everything that can fail for reasons other than memory, checked before the
 * first change. */
static int precheck(struct agent *a, const struct uapi_set *set, struct udp_sock *new_udp)
{
	const struct uapi_op *port = NULL;
	int rc;

	for (size_t i = 0; i < set->n_ops; i++) {
		const struct uapi_op *op = &set->ops[i];

		if (op->kind == UAPI_OP_LISTEN_PORT)
			port = op;
		if (op->kind == UAPI_OP_ENDPOINT && op->u.ep.zone[0] && !if_nametoindex(op->u.ep.zone))
			return -EINVAL;
	}
	if (!port || !a->base || (port->u.port && port->u.port == a->udp.port))
		return 0;
	rc = udp_open(new_udp, port->u.port, a->fwmark);
	if (rc < 0)
		log_warn("uapi", "%s: cannot bind listen port %u: %s", a->ifname, port->u.port, strerror(-rc));
	return rc < 0 ? -EADDRINUSE : 0;
}

/* What wireguard-go does when a peer section ends on a running device. */
static void finish_peer(struct agent *a, struct apply_peer *cur)
{
	struct wg_env env;

	if (cur->peer && a->base) {
		agent_env(&env);
		if (cur->keepalive_on)
			tunmode_send_keepalive(a, &env, cur->peer);
		tunmode_flush_staged(a, &env, cur->peer);
		tunmode_arm_timer(a, cur->peer);
	}
	memset(cur, 0, sizeof(*cur));
}

static int select_peer(struct agent *a, struct apply_peer *cur, const uint8_t key[32])
{
	uint8_t own[32];
	int rc;

	finish_peer(a, cur);
	if (wg_device_public_key(a->dev, own) && sodium_memcmp(own, key, 32) == 0)
		return 0;
	cur->peer = wg_peer_lookup(a->dev, key);
	if (cur->peer)
		return 0;
	rc = agent_peer_create(a, key, &cur->peer);
	if (rc < 0)
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	cur->created = true;
	return 0;
}

static void set_endpoint(struct wg_peer *peer, const struct uapi_endpoint *e)
{
	struct wg_endpoint ep = e->ep;

	if (e->zone[0])
		ep.addr.in6.sin6_scope_id = if_nametoindex(e->zone);
	wg_peer_set_endpoint(peer, &ep);
}

static int apply_device_op(struct agent *a, const struct uapi_op *op, struct udp_sock *new_udp)
{
	switch (op->kind) {
	case UAPI_OP_PRIVATE_KEY:
		agent_set_private_key(a, op->u.key);
		return 0;
	case UAPI_OP_LISTEN_PORT:
		a->listen_port = op->u.port;
		if (new_udp->fd >= 0)
			runtime_replace_udp(a, new_udp);
		return 0;
	case UAPI_OP_FWMARK:
		a->fwmark = op->u.fwmark;
		return udp_set_fwmark(&a->udp, a->fwmark) < 0 ? -EADDRINUSE : 0;
	case UAPI_OP_REPLACE_PEERS:
		agent_peers_clear(a);
		return 0;
	default:
		return -EINVAL;
	}
}

static int apply_peer_op(struct agent *a, struct apply_peer *cur, const struct uapi_op *op)
{
	struct wg_peer *peer = cur->peer;

	if (!peer)
		return 0;
	switch (op->kind) {
	case UAPI_OP_UPDATE_ONLY:
		if (cur->created) {
			agent_peer_remove(a, peer);
			cur->peer = NULL;
		}
		return 0;
	case UAPI_OP_REMOVE:
		agent_peer_remove(a, peer);
		cur->peer = NULL;
		return 0;
	case UAPI_OP_PRESHARED_KEY:
		wg_peer_set_preshared_key(peer, op->u.key);
		return 0;
	case UAPI_OP_ENDPOINT:
		set_endpoint(peer, &op->u.ep);
		return 0;
	case UAPI_OP_PERSISTENT_KEEPALIVE:
		cur->keepalive_on = wg_peer_set_persistent_keepalive(peer, op->u.keepalive, agent_now());
		return 0;
	case UAPI_OP_REPLACE_ALLOWED_IPS:
		agent_allowed_ips_clear(a, peer);
		return 0;
	case UAPI_OP_ALLOWED_IP:
		return agent_allowed_ip_add(a, peer, op->u.prefix.family, op->u.prefix.addr,
					    op->u.prefix.plen);
	case UAPI_OP_PROTOCOL_VERSION:
		return 0;
	default:
		return -EINVAL;
	}
}

int uapi_apply_set(struct agent *a, const struct uapi_set *set)
{
	struct udp_sock new_udp = { .fd = -1 };
	struct apply_peer cur = { 0 };
	bool in_peer = false;
	int rc;

	if (set->error)
		return set->error;
	rc = precheck(a, set, &new_udp);
	for (size_t i = 0; rc == 0 && i < set->n_ops; i++) {
		const struct uapi_op *op = &set->ops[i];

		if (op->kind == UAPI_OP_PUBLIC_KEY) {
			in_peer = true;
			rc = select_peer(a, &cur, op->u.key);
		} else if (!in_peer) {
			rc = apply_device_op(a, op, &new_udp);
		} else {
			rc = apply_peer_op(a, &cur, op);
		}
	}
	finish_peer(a, &cur);
	udp_close(&new_udp); /* only when not taken over */
	return rc;
}

/* ---- get and stats ------------------------------------------------------ */

static int format_allowed_ip(int family, const uint8_t *addr, uint8_t plen, void *value, void *ctx)
{
	(void)value;
	uapi_format_allowed_ip(ctx, family, addr, plen);
	return 0;
}

static void format_peer(struct agent *a, struct wg_peer *peer, struct uapi_buf *out)
{
	struct uapi_peer_view v;
	struct wg_peer_stats st;

	memset(&v, 0, sizeof(v));
	wg_peer_public_key(peer, v.public_key);
	if (!wg_peer_preshared_key(peer, v.preshared_key))
		memset(v.preshared_key, 0, sizeof(v.preshared_key));
	v.endpoint = *wg_peer_endpoint(peer);
	wg_peer_stats(peer, &st);
	v.last_handshake_ns = st.last_handshake_ns;
	v.tx_bytes = st.tx_bytes;
	v.rx_bytes = st.rx_bytes;
	v.persistent_keepalive = wg_peer_persistent_keepalive(peer);
	uapi_format_peer(out, &v);
	sodium_memzero(&v, sizeof(v));
	lpm_walk(a->allowed, peer, format_allowed_ip, out);
}

static void finish_response(struct uapi_buf *out)
{
	if (out->failed) {
		uapi_buf_reset(out);
		uapi_format_errno(out, -ENOMEM);
	} else {
		uapi_format_errno(out, 0);
	}
}

void uapi_get(struct agent *a, struct uapi_buf *out)
{
	uint8_t priv[32];
	bool has_key = wg_device_private_key(a->dev, priv);

	uapi_format_interface(out, has_key ? priv : NULL, a->udp.fd >= 0 ? a->udp.port : a->listen_port,
			      a->fwmark);
	sodium_memzero(priv, sizeof(priv));
	for (struct wg_peer *p = wg_device_first_peer(a->dev); p; p = wg_peer_next(p))
		format_peer(a, p, out);
	finish_response(out);
}

void uapi_stats(struct agent *a, struct uapi_buf *out)
{
	const uint64_t *engine = wg_device_drop_counters(a->dev);

	for (int r = WG_DROP_NONE + 1; r < WG_DROP__COUNT; r++)
		uapi_buf_printf(out, "drop_%s=%" PRIu64 "\n", wg_drop_reason_name((enum wg_drop_reason)r), engine[r]);
	for (int d = 0; d < AGENT_DROP__COUNT; d++)
		uapi_buf_printf(out, "drop_%s=%" PRIu64 "\n", agent_drop_name((enum agent_drop)d), a->drops[d]);
	uapi_buf_printf(out, "local_polls=%" PRIu64 "\nlocal_poll_packets=%" PRIu64 "\n", a->local_polls,
			a->local_poll_packets);
	if (a->extra_stats)
		a->extra_stats(a, out);
	finish_response(out);
}

/* ---- one connection's lines -------------------------------------------- */

static void answer_set(struct agent *a, struct uapi_session *s, struct uapi_buf *out)
{
	int rc = uapi_apply_set(a, &s->set);

	if (rc && s->set.error)
		log_warn("uapi", "%s: set request refused: %s", a->ifname, s->set.why);
	else if (rc)
		log_warn("uapi", "%s: set request failed: %s", a->ifname, strerror(-rc));
	else
		log_debug("uapi", "%s: configuration updated (%zu lines)", a->ifname, s->set.n_ops);
	uapi_format_errno(out, rc);
	uapi_session_done(s);
}

bool uapi_handle_line(struct agent *a, struct uapi_session *s, const char *line, size_t len,
		      struct uapi_buf *out)
{
	switch (uapi_session_feed(s, line, len)) {
	case UAPI_ACT_NONE:
		return true;
	case UAPI_ACT_GET:
		uapi_get(a, out);
		return true;
	case UAPI_ACT_STATS:
		uapi_stats(a, out);
		return true;
	case UAPI_ACT_SET:
		answer_set(a, s, out);
		return true;
	case UAPI_ACT_ERRNO:
		uapi_format_errno(out, s->reply_errno);
		return true;
	case UAPI_ACT_CLOSE:
		break;
	}
	return false;
}

void uapi_handle_eof(struct agent *a, struct uapi_session *s, struct uapi_buf *out)
{
	if (uapi_session_eof(s) == UAPI_ACT_SET)
		answer_set(a, s, out);
}

/* ---- the server ---------------------------------------------------------- */

struct uapi_conn {
	struct uapi_server *srv;
	struct uapi_conn *next;
	int fd;
	struct event *rev;
	struct event *wev;
	char in[UAPI_LINE_MAX + 2];  /* one line and its newline, plus one byte to see "too long" */
	size_t in_len;
	struct uapi_buf out;
	size_t out_off;
	struct uapi_session sess;
	bool eof;
	bool eof_done;
};

struct uapi_server {
	struct agent *a;
	int fd;
	struct event *ev;
	int inotify_fd;
	struct event *inotify_ev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct uapi_conn *conns;
	unsigned n_conns;
};

static void conn_close(struct uapi_conn *c)
{
	struct uapi_conn **pp = &c->srv->conns;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	c->srv->n_conns--;
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	uapi_session_free(&c->sess);
	uapi_buf_free(&c->out);
	sodium_memzero(c->in, sizeof(c->in));
	free(c);
}

/* 1: a line was handled, 0: no complete line, -1: close. */
static int process_one_line(struct uapi_conn *c)
{
	char *nl = memchr(c->in, '\n', c->in_len);
	size_t used;
	bool keep;

	if (!nl)
		return 0;
	keep = uapi_handle_line(c->srv->a, &c->sess, c->in, (size_t)(nl - c->in), &c->out);
	used = (size_t)(nl - c->in) + 1;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	sodium_memzero(c->in + c->in_len, sizeof(c->in) - c->in_len);
	return keep ? 1 : -1;
}

/* 1: all written, 0: the socket is full, -1: error. */
static int flush_out(struct uapi_conn *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		c->out_off += (size_t)n;
	}
	uapi_buf_reset(&c->out);
	c->out_off = 0;
	return 1;
}

/* Answers requests one at a time; while a response is not fully written no
 * further line is read, so a client that never reads cannot make us buffer
 * more than one response. */
static void conn_run(struct uapi_conn *c)
{
	int rc;

	for (;;) {
		rc = flush_out(c);
		if (rc == 0) {
			event_del(c->rev);
			event_add(c->wev, NULL);
			return;
		}
		if (rc > 0)
			rc = process_one_line(c);
		if (rc < 0)
			break;
		if (rc > 0)
			continue;
		if (c->in_len == sizeof(c->in))
			break; /* a line over UAPI_LINE_MAX */
		if (!c->eof) {
			event_del(c->wev);
			event_add(c->rev, NULL);
			return;
		}
		if (c->eof_done)
			break;
		c->eof_done = true;
		if (c->in_len) /* a last line without its newline */
			uapi_handle_line(c->srv->a, &c->sess, c->in, c->in_len, &c->out);
		c->in_len = 0;
		uapi_handle_eof(c->srv->a, &c->sess, &c->out);
	}
	conn_close(c);
}

static void on_conn_readable(evutil_socket_t fd, short what, void *arg)
{
	struct uapi_conn *c = arg;
	ssize_t n;

	(void)what;
	n = read(fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(c);
		return;
	}
	if (n == 0)
		c->eof = true;
	c->in_len += (size_t)n;
	conn_run(c);
}

static void on_conn_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_run(arg);
}

static void conn_open(struct uapi_server *srv, int fd)
{
	struct uapi_conn *c;

	if (srv->n_conns >= UAPI_MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	uapi_buf_init(&c->out);
	uapi_session_init(&c->sess);
	c->rev = event_new(srv->a->base, fd, EV_READ | EV_PERSIST, on_conn_readable, c);
	c->wev = event_new(srv->a->base, fd, EV_WRITE | EV_PERSIST, on_conn_writable, c);
	c->next = srv->conns;
	srv->conns = c;
	srv->n_conns++;
	if (!c->rev || !c->wev || event_add(c->rev, NULL) < 0)
		conn_close(c);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
	int cfd;

	(void)what;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		conn_open(arg, cfd);
}

static bool still_ours(const struct uapi_server *srv)
{
	struct stat st;

	return lstat(srv->path, &st) == 0 && st.st_dev == srv->dev && st.st_ino == srv->ino;
}

/* wireguard-go exits when its socket is deleted; so does the agent. */
static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct uapi_server *srv = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (still_ours(srv))
		return;
	log_info("uapi", "%s: %s was removed, stopping", srv->a->ifname, srv->path);
	event_base_loopbreak(srv->a->base);
}

static bool socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

/* The socket appears at its path only once it is listening: wg(8) deletes a
 * socket it cannot connect to, so one visible between bind() and listen()
 * could be removed under us by anyone polling `wg show` at start-up. */
static int bind_socket(struct uapi_server *srv)
{
	struct sockaddr_un final = { .sun_family = AF_UNIX };
	struct sockaddr_un tmp = { .sun_family = AF_UNIX };
	mode_t old;
	int n, rc = 0;

	memcpy(final.sun_path, srv->path, strlen(srv->path) + 1);
	n = snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%ld.tmp", srv->path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp.sun_path))
		return -ENAMETOOLONG;
	if (socket_alive(&final))
		return -EADDRINUSE;
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		return -errno;
	unlink(tmp.sun_path);
	/* umask, not chmod afterwards: the socket is never briefly open to all. */
	old = umask(0177);
	if (bind(srv->fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0)
		rc = -errno;
	umask(old);
	if (rc == 0 && listen(srv->fd, 16) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp.sun_path, final.sun_path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp.sun_path);
	return rc;
}

static int watch_socket(struct uapi_server *srv)
{
	struct stat st;

	if (lstat(srv->path, &st) < 0)
		return -errno;
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	srv->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (srv->inotify_fd < 0)
		return -errno;
	if (inotify_add_watch(srv->inotify_fd, srv->path, IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
		return -errno;
	srv->inotify_ev = event_new(srv->a->base, srv->inotify_fd, EV_READ | EV_PERSIST, on_socket_event, srv);
	if (!srv->inotify_ev || event_add(srv->inotify_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

int uapi_server_open(struct agent *a, const char *dir, struct uapi_server **out)
{
	struct uapi_server *srv;
	int n, rc;

	if (!dir)
		dir = UAPI_SOCKET_DIR;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->a = a;
	srv->fd = -1;
	srv->inotify_fd = -1;
	n = snprintf(srv->path, sizeof(srv->path), "%s/%s.sock", dir, a->ifname);
	if (n < 0 || (size_t)n >= sizeof(srv->path)) {
		free(srv);
		return -ENAMETOOLONG;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		rc = -errno;
		free(srv);
		return rc;
	}
	rc = bind_socket(srv);
	if (rc == 0)
		rc = watch_socket(srv);
	if (rc == 0) {
		srv->ev = event_new(a->base, srv->fd, EV_READ | EV_PERSIST, on_accept, srv);
		if (!srv->ev || event_add(srv->ev, NULL) < 0)
			rc = -ENOMEM;
	}
	if (rc < 0) {
		/* Unlinks only a socket this call bound (srv->ino is set once
		 * bound), never one another live agent answers on. */
		uapi_server_close(srv);
		return rc;
	}
	*out = srv;
	return 0;
}

void uapi_server_close(struct uapi_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_close(srv->conns);
	if (srv->ev)
		event_free(srv->ev);
	if (srv->inotify_ev)
		event_free(srv->inotify_ev);
	if (srv->inotify_fd >= 0)
		close(srv->inotify_fd);
	if (srv->ino && still_ours(srv))
		unlink(srv->path);
	if (srv->fd >= 0)
		close(srv->fd);
	free(srv);
}
