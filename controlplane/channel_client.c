/* The agent's side of the control channel (channel_client.h). */
#include "controlplane/channel_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <sodium.h>

#include "controlplane/channel_client_tuning.h"
#include "controlplane/channel_io.h"
#include "controlplane/channel_view.h"
#include "controlplane/validate.h"
#include "tunnel/key.h"

#define HOSTNAME_MAX 253

enum phase {
	PHASE_IDLE,        /* waiting: backoff or refused */
	PHASE_CONNECTING,  /* TCP connect under way */
	PHASE_HANDSHAKE,   /* initiation sent, waiting for the response */
	PHASE_HELLO,       /* hello sent, waiting for the first view */
	PHASE_SYNCED,      /* views flowing */
};

struct cp_client {
	struct event_base *base;
	char host[HOSTNAME_MAX + 1];       /* the controller's address or name */
	unsigned port;
	struct sockaddr_storage addr;      /* when host is a literal address */
	int addr_len;
	uint8_t controller_key[32];
	uint8_t host_key[32];
	char host_name[CP_NAME_LEN];
	char token[CP_TOKEN_STR_LEN];      /* wiped once the controller knows us */
	char endpoint[CP_ENDPOINT_LEN];
	struct cp_client_callbacks cb;
	struct cp_client_tuning tune;
	enum cp_client_state state;
	enum phase phase;
	struct bufferevent *bev;
	struct evdns_base *dns;            /* only for a controller given by name */
	struct event *timer;               /* backoff, deadline or keepalive tick */
	struct cp_chan_initiator hs;
	struct cp_chan_keys keys;
	struct cp_chan_rx rx;
	json_t *view;                      /* the current view, NULL before the first */
	int64_t revision;                  /* of view; 0 before the first */
	int64_t resume_revision;
	unsigned backoff_ms;
	uint64_t last_rx_ms, last_tx_ms;
	char reason[CP_MSG_ERROR_LEN + 64];
};

static void apply_defaults(struct cp_client_tuning *t)
{
	if (!t->backoff_min_ms)
		t->backoff_min_ms = 500;
	if (!t->backoff_max_ms)
		t->backoff_max_ms = 30000;
	if (t->backoff_max_ms < t->backoff_min_ms)
		t->backoff_max_ms = t->backoff_min_ms;
	if (!t->refused_ms)
		t->refused_ms = 30000;
	if (!t->connect_timeout_ms)
		t->connect_timeout_ms = 10000;
	if (!t->keepalive_ms)
		t->keepalive_ms = 15000;
	if (!t->idle_timeout_ms)
		t->idle_timeout_ms = 45000;
}

static void arm(struct cp_client *c, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

static void set_state(struct cp_client *c, enum cp_client_state s, const char *reason)
{
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	c->state = s;
	if (c->cb.on_state)
		c->cb.on_state(s, c->reason, c->cb.ctx);
}

/* How often a live session checks for silence and sends keepalives. */
static unsigned tick_period(const struct cp_client *c)
{
	unsigned shortest = c->tune.keepalive_ms < c->tune.idle_timeout_ms ?
			    c->tune.keepalive_ms : c->tune.idle_timeout_ms;

	return shortest / 2 + 1;
}

/* ---- connection teardown and retry ------------------------------------- */

static void drop_connection(struct cp_client *c)
{
	if (c->bev)
		bufferevent_free(c->bev);
	c->bev = NULL;
	cp_chan_initiator_wipe(&c->hs);
	cp_chan_keys_wipe(&c->keys);
	cp_chan_rx_free(&c->rx);
	cp_chan_rx_init(&c->rx, CP_CHAN_DOWN_MSG_MAX);
	c->phase = PHASE_IDLE;
}

/* +-20%, so agents cut off together do not come back together. */
static unsigned jittered(unsigned ms)
{
	unsigned span = ms / 5;

	return ms - span + (span ? randombytes_uniform(2 * span + 1) : 0);
}

/* Ends the connection; retries after the backoff (doubling) or, when the
 * controller refused us, after refused_ms. */
static void fail(struct cp_client *c, bool refused, const char *reason)
{
	unsigned wait;

	drop_connection(c);
	if (refused) {
		wait = jittered(c->tune.refused_ms);
	} else {
		wait = jittered(c->backoff_ms);
		c->backoff_ms = c->backoff_ms >= c->tune.backoff_max_ms / 2 ?
				c->tune.backoff_max_ms : c->backoff_ms * 2;
	}
	arm(c, wait);
	set_state(c, refused ? CP_CLIENT_REFUSED : CP_CLIENT_BACKOFF, reason);
}

static void failf(struct cp_client *c, bool refused, const char *fmt, const char *arg)
{
	char reason[sizeof(c->reason)];

	snprintf(reason, sizeof(reason), fmt, arg);
	fail(c, refused, reason);
}

/* ---- sending ----------------------------------------------------------- */

static int send_msg(struct cp_client *c, enum cp_msg_type type, const json_t *body)
{
	int rc = cp_io_send(bufferevent_get_output(c->bev), &c->keys, type, body, NULL);

	if (rc == 0)
		c->last_tx_ms = cp_io_now_ms();
	return rc;
}

static int send_hello(struct cp_client *c)
{
	struct cp_hello h = { 0 };
	json_t *body;
	int rc;

	snprintf(h.name, sizeof(h.name), "%s", c->host_name);
	h.revision = c->view ? c->revision : c->resume_revision;
	h.has_digest = c->view && cp_view_digest(c->view, h.digest) == 0;
	memcpy(h.token, c->token, sizeof(h.token));
	memcpy(h.endpoint, c->endpoint, sizeof(h.endpoint));
	body = cp_hello_to_json(&h);
	sodium_memzero(&h, sizeof(h));
	rc = body ? send_msg(c, CP_MSG_HELLO, body) : -ENOMEM;
	/* the token text is inside the JSON: wipe it before freeing */
	if (body && json_object_get(body, "token"))
		sodium_memzero((char *)json_string_value(json_object_get(body, "token")),
			       json_string_length(json_object_get(body, "token")));
	json_decref(body);
	return rc;
}

/* ---- views ------------------------------------------------------------- */

static void deliver(struct cp_client *c)
{
	c->revision = json_integer_value(json_object_get(c->view, "revision"));
	if (c->cb.on_view)
		c->cb.on_view(c->view, c->cb.ctx);
}

/* The first view of a session puts us in sync. */
static void synced(struct cp_client *c)
{
	if (c->phase == PHASE_SYNCED)
		return;
	c->phase = PHASE_SYNCED;
	c->backoff_ms = c->tune.backoff_min_ms;
	sodium_memzero(c->token, sizeof(c->token)); /* known now: never send it again */
	set_state(c, CP_CLIENT_CONNECTED, "in sync");
}

static int on_snapshot(struct cp_client *c, json_t *body)
{
	if (cp_view_check(body) < 0)
		return -EBADMSG;
	json_decref(c->view);
	c->view = json_incref(body);
	synced(c);
	deliver(c);
	return 0;
}

static int on_sync(struct cp_client *c, const json_t *body)
{
	int64_t rev;

	if (!c->view || cp_sync_msg_parse(body, &rev) < 0)
		return -EBADMSG;
	synced(c);
	if (rev == c->revision)
		return 0;
	if (json_object_set_new(c->view, "revision", json_integer(rev)) < 0)
		return -ENOMEM;
	deliver(c);
	return 0;
}

static int on_delta(struct cp_client *c, const json_t *body)
{
	int rc;

	if (c->phase != PHASE_SYNCED || !c->view)
		return -EBADMSG;
	rc = cp_view_apply(c->view, body);
	if (rc == -ENOMEM) {
		/* possibly half applied: forget it, the next session starts afresh */
		json_decref(c->view);
		c->view = NULL;
		c->revision = 0;
	}
	if (rc < 0)
		return rc;
	deliver(c);
	return 0;
}

/* false: the connection was dropped. */
static bool on_error_msg(struct cp_client *c, const json_t *body)
{
	char msg[CP_MSG_ERROR_LEN];
	bool refused;

	if (cp_error_msg_parse(body, msg, &refused) < 0)
		fail(c, false, "controller sent a malformed error");
	else
		failf(c, refused, "controller: %s", msg);
	return false;
}

/* false: the connection was dropped. */
static bool handle_message(struct cp_client *c)
{
	enum cp_msg_type type;
	json_t *body;
	int rc = cp_msg_parse(c->rx.buf, c->rx.len, &type, &body);

	cp_chan_rx_reset(&c->rx);
	if (rc == 0) {
		switch (type) {
		case CP_MSG_SNAPSHOT: rc = on_snapshot(c, body); break;
		case CP_MSG_SYNC: rc = on_sync(c, body); break;
		case CP_MSG_DELTA: rc = on_delta(c, body); break;
		case CP_MSG_PING: break;
		case CP_MSG_ERROR:
			on_error_msg(c, body);
			json_decref(body);
			return false;
		default: rc = -EBADMSG; break;
		}
	}
	json_decref(body);
	if (rc < 0) {
		failf(c, false, "controller sent a message that does not apply (%s): resyncing",
		      strerror(-rc));
		return false;
	}
	return true;
}

/* ---- reading ----------------------------------------------------------- */

static bool read_response(struct cp_client *c, struct evbuffer *in)
{
	uint8_t resp[CP_CHAN_RESP_LEN];
	int rc = cp_io_read_handshake(in, resp, sizeof(resp));

	if (rc == 0)
		return false;
	if (rc < 0 || cp_chan_initiator_finish(&c->hs, resp, &c->keys) < 0) {
		fail(c, true, "the controller did not prove its key (wrong controller public key?)");
		return false;
	}
	c->phase = PHASE_HELLO;
	if (send_hello(c) < 0) {
		fail(c, false, "out of memory");
		return false;
	}
	evtimer_del(c->timer);
	arm(c, tick_period(c));
	return true;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct cp_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	int rc;

	c->last_rx_ms = cp_io_now_ms();
	if (c->phase == PHASE_HANDSHAKE && !read_response(c, in))
		return;
	while (c->phase == PHASE_HELLO || c->phase == PHASE_SYNCED) {
		rc = cp_io_receive(in, &c->keys, &c->rx);
		if (rc == 0)
			return;
		if (rc < 0) {
			failf(c, false, "bad frame from the controller (%s)", strerror(-rc));
			return;
		}
		if (!handle_message(c))
			return;
	}
}

/* ---- connecting -------------------------------------------------------- */

static void send_initiation(struct cp_client *c)
{
	uint8_t init[CP_CHAN_INIT_LEN];
	struct wg_env env = { .rng = { cp_io_fill_random, NULL } };
	int one = 1;

	cp_io_env_clock(&env);
	setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cp_chan_initiate(&c->hs, c->host_key, c->controller_key, &env, init) < 0 ||
	    cp_io_write_handshake(bufferevent_get_output(c->bev), init, sizeof(init)) < 0) {
		fail(c, true, "unusable host or controller key");
		return;
	}
	c->phase = PHASE_HANDSHAKE;
	c->last_tx_ms = cp_io_now_ms();
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct cp_client *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		send_initiation(c);
		return;
	}
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	if (c->phase == PHASE_HANDSHAKE)
		fail(c, true, "the controller closed the connection during the handshake "
		     "(wrong controller public key?)");
	else if (c->phase == PHASE_CONNECTING)
		failf(c, false, "cannot connect to the controller: %s",
		      evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else
		fail(c, false, "connection to the controller lost");
}

static int connect_now(struct cp_client *c)
{
	if (c->addr_len)
		return bufferevent_socket_connect(c->bev, (struct sockaddr *)&c->addr, c->addr_len);
	if (!c->dns)
		c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (!c->dns)
		return -1;
	return bufferevent_socket_connect_hostname(c->bev, c->dns, AF_UNSPEC, c->host,
						   (int)c->port);
}

static void start_attempt(struct cp_client *c)
{
	c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		fail(c, false, "out of memory");
		return;
	}
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->phase = PHASE_CONNECTING;
	set_state(c, CP_CLIENT_CONNECTING, "connecting");
	if (connect_now(c) < 0) {
		fail(c, false, "cannot start connecting to the controller");
		return;
	}
	arm(c, c->tune.connect_timeout_ms);
}

/* Keepalive and silence detection while a session is up. */
static void tick(struct cp_client *c)
{
	uint64_t now = cp_io_now_ms();

	if (now - c->last_rx_ms >= c->tune.idle_timeout_ms) {
		fail(c, false, "the controller went silent");
		return;
	}
	if (now - c->last_tx_ms >= c->tune.keepalive_ms && send_msg(c, CP_MSG_PING, NULL) < 0) {
		fail(c, false, "out of memory");
		return;
	}
	arm(c, tick_period(c));
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct cp_client *c = arg;

	(void)fd;
	(void)what;
	switch (c->phase) {
	case PHASE_IDLE:
		start_attempt(c);
		break;
	case PHASE_CONNECTING:
	case PHASE_HANDSHAKE:
		fail(c, false, "timed out connecting to the controller");
		break;
	case PHASE_HELLO:
	case PHASE_SYNCED:
		tick(c);
		break;
	}
}

/* ---- configuration ----------------------------------------------------- */

/* "IPv4:port", "[IPv6]:port" or "name:port". */
static int parse_controller(struct cp_client *c, const char *s)
{
	const char *colon = s ? strrchr(s, ':') : NULL;
	char *end;
	unsigned long port;
	size_t n;

	if (!colon || colon == s)
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port == 0 || port > 65535)
		return -EINVAL;
	c->port = (unsigned)port;
	c->addr_len = sizeof(c->addr);
	if (evutil_parse_sockaddr_port(s, (struct sockaddr *)&c->addr, &c->addr_len) == 0)
		return 0;
	c->addr_len = 0;
	n = (size_t)(colon - s);
	if (s[0] == '[' || n > HOSTNAME_MAX)
		return -EINVAL;
	memcpy(c->host, s, n);
	c->host[n] = '\0';
	return 0;
}

static int copy_config(struct cp_client *c, const struct cp_client_config *cfg)
{
	uint8_t pub[32];

	if (parse_controller(c, cfg->controller) < 0 || !cfg->host_name ||
	    cp_parse_name(cfg->host_name, "host name", NULL) < 0 ||
	    wg_key_is_zero(cfg->controller_public_key) ||
	    !wg_key_public_from_private(pub, cfg->host_private_key) || cfg->resume_revision < 0)
		return -EINVAL;
	if (cfg->join_token && strlen(cfg->join_token) >= sizeof(c->token))
		return -EINVAL;
	if (cfg->endpoint && cp_parse_endpoint(cfg->endpoint, c->endpoint, NULL) < 0)
		return -EINVAL;
	memcpy(c->controller_key, cfg->controller_public_key, 32);
	memcpy(c->host_key, cfg->host_private_key, 32);
	snprintf(c->host_name, sizeof(c->host_name), "%s", cfg->host_name);
	if (cfg->join_token)
		snprintf(c->token, sizeof(c->token), "%s", cfg->join_token);
	c->resume_revision = cfg->resume_revision;
	return 0;
}

int cp_client_start(struct event_base *base, const struct cp_client_config *cfg,
		    const struct cp_client_callbacks *cb, struct cp_client **out)
{
	struct cp_client *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return -ENOMEM;
	c->base = base;
	rc = copy_config(c, cfg);
	if (rc == 0 && !(c->timer = evtimer_new(base, on_timer, c)))
		rc = -ENOMEM;
	if (rc < 0) {
		cp_client_free(c);
		return rc;
	}
	if (cb)
		c->cb = *cb;
	apply_defaults(&c->tune);
	c->backoff_ms = c->tune.backoff_min_ms;
	cp_chan_rx_init(&c->rx, CP_CHAN_DOWN_MSG_MAX);
	start_attempt(c);
	*out = c;
	return 0;
}

void cp_client_free(struct cp_client *c)
{
	if (!c)
		return;
	drop_connection(c);
	cp_chan_rx_free(&c->rx);
	if (c->timer)
		event_free(c->timer);
	if (c->dns)
		evdns_base_free(c->dns, 0);
	json_decref(c->view);
	sodium_memzero(c, sizeof(*c));
	free(c);
}

int64_t cp_client_revision(const struct cp_client *c)
{
	return c->revision;
}

enum cp_client_state cp_client_state(const struct cp_client *c)
{
	return c->state;
}

void cp_client_set_tuning(struct cp_client *c, const struct cp_client_tuning *t)
{
	c->tune = *t;
	apply_defaults(&c->tune);
	if (c->backoff_ms < c->tune.backoff_min_ms || c->backoff_ms > c->tune.backoff_max_ms)
		c->backoff_ms = c->tune.backoff_min_ms;
}

const char *cp_client_reason(const struct cp_client *c)
{
	return c->reason;
}

void cp_client_disconnect(struct cp_client *c)
{
	if (c->phase != PHASE_IDLE)
		fail(c, false, "disconnected on request");
}
