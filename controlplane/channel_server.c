/* The control channel's listener and connections: handshake, hello (with
 * join-token enrolment), keepalives and timeouts. Views: channel_push.c. */
#include "controlplane/channel_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "controlplane/channel_io.h"
#include "controlplane/channel_server_priv.h"
#include "controlplane/log.h"
#include "controlplane/state.h"
#include "controlplane/token.h"
#include "controlplane/validate.h"

#define INPUT_HIGH_WATER (4 * CP_CHAN_FRAME_MAX)
#define CLOSING_GRACE_MS 2000
/* Port a host registered without an endpoint is assumed to use (WireGuard's). */
#define DEFAULT_AGENT_PORT 51820

static void handshake_env(const struct cp_channel_server *srv, struct wg_env *env)
{
	cp_io_env_clock(env);
	env->rng.fill = srv->cfg.rng.fill;
	env->rng.ctx = srv->cfg.rng.ctx;
}

static int64_t wall_seconds(const struct cp_channel_server *srv)
{
	return srv->cfg.now ? srv->cfg.now(srv->cfg.now_ctx) : (int64_t)time(NULL);
}

/* "IPv4:port" or "[IPv6]:port"; an IPv4-mapped IPv6 address as IPv4. */
static void format_addr(const struct sockaddr *sa, char *out, size_t size, bool with_port,
			unsigned port_override)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	bool v6 = false;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip, sizeof(ip));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
			v6 = true;
		}
		port = ntohs(in6->sin6_port);
	}
	if (port_override)
		port = port_override;
	if (!with_port)
		snprintf(out, size, "%s", ip);
	else
		snprintf(out, size, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}

/* ---- connection lifetime ----------------------------------------------- */

void cp_chsrv_close(struct conn *c)
{
	struct cp_channel_server *srv = c->srv;

	cp_chsrv_dequeue(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->stats.connections--;
	bufferevent_free(c->bev);
	cp_chan_keys_wipe(&c->keys);
	cp_chan_rx_free(&c->rx);
	cp_view_summary_free(&c->sum);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

int cp_chsrv_send(struct conn *c, enum cp_msg_type type, const json_t *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t wire = 0;
	int rc = cp_io_send(out, &c->keys, type, body, &wire);

	if (rc < 0)
		return rc;
	c->srv->stats.bytes_sent += wire;
	c->last_tx_ms = cp_io_now_ms();
	if (evbuffer_get_length(out) > c->srv->cfg.max_output) {
		cp_log(CP_LOG_WARN, "channel", "%s (%s) reads too slowly: disconnected",
		       c->host[0] ? c->host : "agent", c->addr);
		cp_chsrv_close(c);
		return -ENOBUFS;
	}
	return 0;
}

void cp_chsrv_refuse(struct conn *c, const char *message, bool refused)
{
	json_t *body = cp_error_msg(message, refused);

	cp_chsrv_dequeue(c);
	/* Never frees c here (callers look at c->state afterwards): the write
	 * callback frees it once the error is out, or the sweep after a grace
	 * period when there was nothing to flush. */
	if (body && c->state != CONN_HANDSHAKE)
		cp_io_send(bufferevent_get_output(c->bev), &c->keys, CP_MSG_ERROR, body, NULL);
	json_decref(body);
	c->state = CONN_CLOSING;
	c->closing_ms = cp_io_now_ms();
	bufferevent_disable(c->bev, EV_READ);
}

/* ---- handshake --------------------------------------------------------- */

static struct ts_entry *find_ts(struct cp_channel_server *srv, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < srv->n_ts; i++)
		if (!memcmp(srv->ts[i].key, key, 32))
			return &srv->ts[i];
	return NULL;
}

static void latest_timestamp(void *ctx, const uint8_t key[32], uint8_t latest[WG_TIMESTAMP_LEN])
{
	struct ts_entry *e = find_ts(ctx, key);

	if (e)
		memcpy(latest, e->latest, WG_TIMESTAMP_LEN);
}

/* Only hosts that completed a hello are remembered, so the table holds
 * registered keys, not whatever keys strangers make up. */
static void record_timestamp(struct cp_channel_server *srv, const struct conn *c)
{
	struct ts_entry *e = find_ts(srv, c->key), *grown;
	size_t cap;

	if (!e) {
		if (srv->n_ts == srv->cap_ts) {
			cap = srv->cap_ts ? 2 * srv->cap_ts : 64;
			grown = realloc(srv->ts, cap * sizeof(*grown));
			if (!grown)
				return; /* replays then cost a handshake, nothing more */
			srv->ts = grown;
			srv->cap_ts = cap;
		}
		e = &srv->ts[srv->n_ts++];
		memcpy(e->key, c->key, 32);
	}
	memcpy(e->latest, c->timestamp, WG_TIMESTAMP_LEN);
}

/* false: refused, and c is gone. */
static bool handle_initiation(struct conn *c, const uint8_t msg[CP_CHAN_INIT_LEN])
{
	struct cp_channel_server *srv = c->srv;
	uint8_t resp[CP_CHAN_RESP_LEN];
	enum wg_drop_reason why;
	struct wg_env env;

	handshake_env(srv, &env);
	why = cp_chan_respond(&srv->responder, msg, &env, latest_timestamp, srv, c->key,
			      c->timestamp, resp, &c->keys);
	if (why != WG_DROP_NONE) {
		srv->stats.refused_handshake++;
		cp_log(CP_LOG_INFO, "channel", "handshake from %s refused: %s", c->addr,
		       wg_drop_reason_name(why));
		cp_chsrv_close(c);
		return false;
	}
	if (cp_io_write_handshake(bufferevent_get_output(c->bev), resp, sizeof(resp)) < 0) {
		cp_chsrv_close(c);
		return false;
	}
	c->state = CONN_HELLO;
	c->last_tx_ms = cp_io_now_ms();
	return true;
}

/* ---- hello ------------------------------------------------------------- */

static int host_by_key(struct cp_channel_server *srv, const uint8_t key[32],
		       char name[CP_NAME_LEN])
{
	sqlite3_stmt *stmt;
	struct cp_error err;
	int rc = cp_store_prepare(srv->st, "SELECT name FROM hosts WHERE public_key = ?1", &stmt,
				  &err);
	int step;

	if (rc < 0)
		return rc;
	sqlite3_bind_blob(stmt, 1, key, 32, SQLITE_STATIC);
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW)
		cp_store_column_text(stmt, 0, name, CP_NAME_LEN);
	rc = step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? -ENOENT : -EIO;
	sqlite3_finalize(stmt);
	return rc;
}

/* Redeems the join token for this connection's key: 0 and name set, or
 * the connection is refused (and gone). */
static int enroll(struct conn *c, const struct cp_hello *h, char name[CP_NAME_LEN])
{
	struct cp_channel_server *srv = c->srv;
	struct cp_host_req req = { 0 };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct cp_error err;
	struct cp_host host;
	int rc;

	snprintf(req.name, sizeof(req.name), "%s", h->name);
	memcpy(req.public_key, c->key, 32);
	if (h->endpoint[0])
		snprintf(req.endpoint, sizeof(req.endpoint), "%s", h->endpoint);
	else if (getpeername(bufferevent_getfd(c->bev), (struct sockaddr *)&ss, &len) == 0)
		format_addr((struct sockaddr *)&ss, req.endpoint, sizeof(req.endpoint), true,
			    DEFAULT_AGENT_PORT);
	rc = cp_token_redeem(srv->st, h->token, wall_seconds(srv), &req, &host, &err);
	if (rc < 0) {
		if (rc == -EACCES)
			srv->stats.refused_token++;
		else
			srv->stats.refused_key++;
		cp_log(CP_LOG_INFO, "channel", "enrolment of \"%s\" from %s refused: %s", req.name,
		       c->addr, err.message);
		cp_chsrv_refuse(c, err.message, rc != -EIO && rc != -ENOMEM);
		return rc;
	}
	srv->stats.enrolled++;
	cp_log(CP_LOG_INFO, "channel", "host %s enrolled with a join token from %s (endpoint %s)",
	       host.name, c->addr, host.endpoint);
	memcpy(name, host.name, CP_NAME_LEN);
	cp_channel_server_kick(srv);
	return 0;
}

/* 0 and name set when the key may use the channel; otherwise refused. */
static int authorize(struct conn *c, const struct cp_hello *h, char name[CP_NAME_LEN])
{
	struct cp_channel_server *srv = c->srv;
	char msg[CP_MSG_ERROR_LEN];
	int rc = host_by_key(srv, c->key, name);

	if (rc == -ENOENT && h->token[0])
		return enroll(c, h, name);
	if (rc == -ENOENT) {
		srv->stats.refused_key++;
		cp_log(CP_LOG_INFO, "channel", "unknown host key from %s (\"%s\") refused", c->addr,
		       h->name);
		cp_chsrv_refuse(c, "unknown host key: register it with `tenet host add`, "
				"or enrol with a join token", true);
		return rc;
	}
	if (rc < 0) {
		cp_chsrv_refuse(c, "the controller's store failed", false);
		return rc;
	}
	if (h->name[0] && strcmp(h->name, name)) {
		srv->stats.refused_key++;
		snprintf(msg, sizeof(msg), "this key is registered as host \"%s\", not \"%s\"",
			 name, h->name);
		cp_chsrv_refuse(c, msg, true);
		return -EACCES;
	}
	return 0;
}

/* A host has one session: a new one (the agent restarted) replaces the old. */
static void replace_older(struct conn *c)
{
	struct conn *o, *next;

	for (o = c->srv->conns; o; o = next) {
		next = o->next;
		if (o != c && o->state == CONN_READY && !strcmp(o->host, c->host)) {
			cp_log(CP_LOG_INFO, "channel", "%s reconnected from %s: old session closed",
			       c->host, c->addr);
			cp_chsrv_close(o);
		}
	}
}

/* The token's text lives in the parsed JSON too: wipe it there. */
static void wipe_token(const json_t *body)
{
	const json_t *t = json_object_get(body, "token");

	if (json_is_string(t))
		sodium_memzero((char *)json_string_value(t), json_string_length(t));
}

static void handle_hello(struct conn *c, const json_t *body)
{
	char name[CP_NAME_LEN];
	struct cp_hello h;

	if (cp_hello_from_json(body, &h) < 0) {
		c->srv->stats.refused_frame++;
		cp_chsrv_refuse(c, "malformed hello", true);
		goto out;
	}
	if (authorize(c, &h, name) < 0)
		goto out;
	memcpy(c->host, name, sizeof(c->host));
	record_timestamp(c->srv, c);
	c->has_digest = h.has_digest;
	memcpy(c->digest, h.digest, sizeof(c->digest));
	c->state = CONN_READY;
	c->srv->stats.authenticated++;
	cp_log(CP_LOG_INFO, "channel", "%s connected from %s (at revision %lld)", c->host, c->addr,
	       (long long)h.revision);
	replace_older(c);
	cp_chsrv_enqueue(c);
out:
	sodium_memzero(&h, sizeof(h));
	wipe_token(body);
}

/* ---- reading ----------------------------------------------------------- */

/* One whole message from an authenticated peer. false: c is gone. */
static bool handle_message(struct conn *c)
{
	enum cp_msg_type type;
	json_t *body;
	int rc = cp_msg_parse(c->rx.buf, c->rx.len, &type, &body);
	enum conn_state was = c->state;

	cp_chan_rx_reset(&c->rx);
	if (rc == 0 && was == CONN_HELLO && type == CP_MSG_HELLO)
		handle_hello(c, body);
	else if (rc == 0 && was == CONN_READY && type == CP_MSG_PING)
		; /* last_rx_ms is all it is for */
	else {
		c->srv->stats.refused_frame++;
		cp_log(CP_LOG_INFO, "channel", "unexpected message from %s: closed", c->addr);
		cp_chsrv_close(c);
		json_decref(body);
		return false;
	}
	json_decref(body);
	/* a refused hello leaves c CLOSING (not freed): it reads no more */
	return c->state != CONN_CLOSING;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t init[CP_CHAN_INIT_LEN];
	int rc;

	c->last_rx_ms = cp_io_now_ms();
	for (;;) {
		if (c->state == CONN_CLOSING) {
			evbuffer_drain(in, evbuffer_get_length(in));
			return;
		}
		if (c->state == CONN_HANDSHAKE) {
			rc = cp_io_read_handshake(in, init, sizeof(init));
			if (rc > 0) {
				bool alive = handle_initiation(c, init);

				sodium_memzero(init, sizeof(init));
				if (!alive)
					return;
				continue;
			}
		} else {
			rc = cp_io_receive(in, &c->keys, &c->rx);
			if (rc > 0) {
				if (!handle_message(c))
					return;
				continue;
			}
		}
		if (rc < 0) {
			if (c->state == CONN_HANDSHAKE)
				c->srv->stats.refused_handshake++;
			else
				c->srv->stats.refused_frame++;
			cp_log(CP_LOG_INFO, "channel", "%s sent a bad frame (%s): closed", c->addr,
			       strerror(-rc));
			cp_chsrv_close(c);
		}
		return;
	}
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == CONN_CLOSING)
		cp_chsrv_close(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		cp_chsrv_close(arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct cp_channel_server *srv = arg;
	struct conn *c;
	int one = 1;

	(void)l;
	(void)salen;
	srv->stats.accepted++;
	if (srv->stats.connections >= srv->cfg.max_connections || !(c = calloc(1, sizeof(*c)))) {
		evutil_closesocket(fd);
		return;
	}
	c->srv = srv;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	format_addr(sa, c->addr, sizeof(c->addr), true, 0);
	cp_chan_rx_init(&c->rx, CP_CHAN_UP_MSG_MAX);
	c->opened_ms = c->last_rx_ms = c->last_tx_ms = cp_io_now_ms();
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->stats.connections++;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, INPUT_HIGH_WATER);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- timers ------------------------------------------------------------ */

static void sweep_one(struct conn *c, uint64_t now)
{
	const struct cp_channel_server_config *cfg = &c->srv->cfg;

	switch (c->state) {
	case CONN_HANDSHAKE:
	case CONN_HELLO:
		if (now - c->opened_ms >= cfg->handshake_timeout_ms) {
			c->srv->stats.timeouts++;
			cp_chsrv_close(c);
		}
		return;
	case CONN_READY:
		if (now - c->last_rx_ms >= cfg->idle_timeout_ms) {
			c->srv->stats.timeouts++;
			cp_log(CP_LOG_INFO, "channel", "%s silent for %u ms: closed", c->host,
			       cfg->idle_timeout_ms);
			cp_chsrv_close(c);
		} else if (now - c->last_tx_ms >= cfg->keepalive_ms) {
			cp_chsrv_send(c, CP_MSG_PING, NULL);
		}
		return;
	case CONN_CLOSING:
		if (now - c->closing_ms >= CLOSING_GRACE_MS)
			cp_chsrv_close(c);
		return;
	}
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct cp_channel_server *srv = arg;
	uint64_t now = cp_io_now_ms();
	struct conn *c, *next;

	(void)fd;
	(void)what;
	for (c = srv->conns; c; c = next) {
		next = c->next;
		sweep_one(c, now);
	}
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cp_chsrv_dispatch(arg);
}

/* ---- start and stop ---------------------------------------------------- */

static void apply_defaults(struct cp_channel_server_config *cfg)
{
	if (!cfg->poll_ms)
		cfg->poll_ms = 25;
	if (!cfg->handshake_timeout_ms)
		cfg->handshake_timeout_ms = 10000;
	if (!cfg->keepalive_ms)
		cfg->keepalive_ms = 15000;
	if (!cfg->idle_timeout_ms)
		cfg->idle_timeout_ms = 45000;
	if (!cfg->max_connections)
		cfg->max_connections = 16384;
	if (!cfg->max_output)
		cfg->max_output = 128u * 1024 * 1024;
	if (!cfg->batch)
		cfg->batch = 16;
	if (!cfg->rng.fill)
		cfg->rng.fill = cp_io_fill_random;
}

static struct timeval tv_ms(unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

/* The sweep runs often enough for the shortest of the three timeouts. */
static unsigned sweep_period(const struct cp_channel_server_config *cfg)
{
	unsigned p = cfg->keepalive_ms;

	if (cfg->idle_timeout_ms < p)
		p = cfg->idle_timeout_ms;
	if (cfg->handshake_timeout_ms < p)
		p = cfg->handshake_timeout_ms;
	p /= 4;
	return p < 10 ? 10 : p > 1000 ? 1000 : p;
}

/* text is cp_parse_listen's normal form; libevent's own parser refuses
 * port 0, which asks the kernel for any free port. */
static int sockaddr_from_text(const char *text, struct sockaddr_storage *ss, int *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);
	size_t n = (size_t)(colon - text);

	memset(ss, 0, sizeof(*ss));
	if (n >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, n);
	host[n] = '\0';
	if (host[0] == '[') {
		host[n - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	*len = sizeof(*in);
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -EINVAL;
}

static int bind_listener(struct cp_channel_server *srv, const char *listen, struct cp_error *err)
{
	char norm[CP_ENDPOINT_LEN];
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int len = sizeof(ss);
	int rc = cp_parse_listen(listen ? listen : "", norm, err);

	if (rc < 0)
		return rc;
	if (sockaddr_from_text(norm, &ss, &len) < 0)
		return cp_fail(err, EINVAL, "cannot use listen address %s", norm);
	srv->listener = evconnlistener_new_bind(srv->base, on_accept, srv,
						LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
						LEV_OPT_CLOSE_ON_EXEC, 1024,
						(struct sockaddr *)&ss, len);
	if (!srv->listener) {
		rc = errno ? errno : EADDRNOTAVAIL;
		return cp_fail(err, rc, "control channel: cannot listen on %s: %s", norm,
			       strerror(rc));
	}
	if (getsockname(evconnlistener_get_fd(srv->listener), (struct sockaddr *)&ss, &sslen) == 0)
		format_addr((struct sockaddr *)&ss, srv->address, sizeof(srv->address), true, 0);
	return 0;
}

static int make_events(struct cp_channel_server *srv)
{
	struct timeval poll = tv_ms(srv->cfg.poll_ms), sweep = tv_ms(sweep_period(&srv->cfg));

	srv->poll_ev = event_new(srv->base, -1, EV_PERSIST, on_poll, srv);
	srv->kick_ev = event_new(srv->base, -1, 0, on_poll, srv);
	srv->work_ev = evtimer_new(srv->base, cp_chsrv_work, srv);
	srv->sweep_ev = event_new(srv->base, -1, EV_PERSIST, on_sweep, srv);
	if (!srv->poll_ev || !srv->kick_ev || !srv->work_ev || !srv->sweep_ev ||
	    event_add(srv->poll_ev, &poll) < 0 || event_add(srv->sweep_ev, &sweep) < 0)
		return -ENOMEM;
	return 0;
}

int cp_channel_server_start(struct event_base *base, struct cp_store *st,
			    const struct cp_channel_server_config *cfg,
			    struct cp_channel_server **out, struct cp_error *err)
{
	struct cp_channel_server *srv = calloc(1, sizeof(*srv));
	int rc;

	if (!srv)
		return cp_fail(err, ENOMEM, "out of memory");
	srv->base = base;
	srv->st = st;
	srv->cfg = *cfg;
	srv->cfg.listen = NULL;
	sodium_memzero(srv->cfg.private_key, sizeof(srv->cfg.private_key));
	apply_defaults(&srv->cfg);
	if (!cp_chan_responder_init(&srv->responder, cfg->private_key)) {
		rc = cp_fail(err, EINVAL, "control channel: unusable private key");
		goto out;
	}
	rc = cp_store_revision(st, &srv->seen, err);
	srv->stats.revision = srv->seen;
	if (rc == 0)
		rc = bind_listener(srv, cfg->listen, err);
	if (rc == 0 && make_events(srv) < 0)
		rc = cp_fail(err, ENOMEM, "out of memory");
out:
	if (rc < 0) {
		cp_channel_server_free(srv);
		return rc;
	}
	cp_log(CP_LOG_INFO, "channel", "listening on %s at revision %lld", srv->address,
	       (long long)srv->seen);
	*out = srv;
	return 0;
}

void cp_channel_server_kick(struct cp_channel_server *s)
{
	if (s && s->kick_ev)
		event_active(s->kick_ev, EV_TIMEOUT, 0);
}

void cp_channel_server_free(struct cp_channel_server *s)
{
	if (!s)
		return;
	while (s->conns)
		cp_chsrv_close(s->conns);
	if (s->listener)
		evconnlistener_free(s->listener);
	if (s->poll_ev)
		event_free(s->poll_ev);
	if (s->kick_ev)
		event_free(s->kick_ev);
	if (s->work_ev)
		event_free(s->work_ev);
	if (s->sweep_ev)
		event_free(s->sweep_ev);
	cp_chan_responder_wipe(&s->responder);
	free(s->ts);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

void cp_channel_server_address(const struct cp_channel_server *s, char out[64])
{
	snprintf(out, 64, "%s", s->address);
}

void cp_channel_server_stats(const struct cp_channel_server *s, struct cp_channel_stats *out)
{
	*out = s->stats;
}
