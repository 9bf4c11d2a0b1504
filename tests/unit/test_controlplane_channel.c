/* The control channel end to end, in one process: a real store, the
 * admin API (cp_api_handle) for changes, the channel server on loopback TCP
 * and several agent clients, all on one event loop. Every wait is bounded.
 *
 *   hosts   A: red            B: red, blue          C: blue, green
 *   so      A peers with B;   B with A and C;       C with B
 *
 * Checked: each agent's view is exactly GET /v1/hosts/NAME/view; changes
 * made through the API reach the agents they concern and no others; an
 * unregistered key, a wrong controller key, a used, expired or malformed
 * join token are refused; a valid token enrols the host once; forged,
 * oversized and out-of-place frames close the connection; after a
 * controller restart (server freed, store closed and reopened) the agents
 * resume, the unchanged ones without a snapshot. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sodium.h>

#include "controlplane/api.h"
#include "controlplane/channel_client.h"
#include "controlplane/channel_client_tuning.h"
#include "controlplane/channel_msg.h"
#include "controlplane/channel_proto.h"
#include "controlplane/channel_server.h"
#include "controlplane/log.h"
#include "controlplane/token.h"
#include "tunnel/key.h"
#include "test_controlplane_fixture.h"
#include "test_event_loop_util.h"

#define WAIT_MS 5000
#define MAX_AGENTS 8

struct agent {
	struct cfx *x;
	struct cp_client *c;
	uint8_t priv[32], pub[32];
	char name[CP_NAME_LEN];
	json_t *view;                 /* a copy of the last view delivered */
	int views;                    /* on_view calls */
	enum cp_client_state state;
	char reason[512];
};

struct cfx {
	struct fx *f;
	struct event_base *base;
	struct event *tick;
	struct cp_channel_server *srv;
	uint8_t srv_priv[32], srv_pub[32];
	char address[64];
	int64_t clock;                /* the server's Unix seconds (token expiry) */
	struct agent agents[MAX_AGENTS];
	size_t n_agents;
};

/* Runs the loop until cond holds or ms pass; a 5 ms tick keeps each
 * iteration short. */
static int64_t fake_clock(void *ctx)
{
	return ((struct cfx *)ctx)->clock;
}

static void make_key(struct fx *f, uint8_t priv[32], uint8_t pub[32])
{
	uint8_t r[32];

	fx_fill(&f->rng_state, r, sizeof(r));
	wg_key_private_from_random(priv, r);
	assert_true(wg_key_public_from_private(pub, priv));
}

static void start_server_timed(struct cfx *x, const char *listen, unsigned keepalive_ms,
			       unsigned idle_ms, unsigned handshake_ms)
{
	struct cp_channel_server_config cfg = { .listen = listen, .poll_ms = 10,
						.keepalive_ms = keepalive_ms,
						.idle_timeout_ms = idle_ms,
						.handshake_timeout_ms = handshake_ms,
						.now = fake_clock, .now_ctx = x };
	struct cp_error err;

	memcpy(cfg.private_key, x->srv_priv, 32);
	if (cp_channel_server_start(x->base, x->f->st, &cfg, &x->srv, &err) != 0)
		fail_msg("server: %s", err.message);
	cp_channel_server_address(x->srv, x->address);
}

static void start_server(struct cfx *x, const char *listen)
{
	start_server_timed(x, listen, 0, 0, 0);
}

static struct cp_channel_stats stats(struct cfx *x)
{
	struct cp_channel_stats s;

	cp_channel_server_stats(x->srv, &s);
	return s;
}

/* ---- the admin API ----------------------------------------------------- */

static int64_t api_clock(void *ctx)
{
	return ((struct cfx *)ctx)->clock;
}

/* Calls the API like the CLI would; returns the status, *out the body. */
static int api(struct cfx *x, enum cp_method m, const char *path, const char *body, json_t **out)
{
	struct cp_api_ctx ctx = { .store = x->f->st, .rng = x->f->rng, .now = api_clock, .now_ctx = x };
	struct cp_api_request req = { m, path, NULL, body, body ? strlen(body) : 0 };
	struct cp_api_response res;

	cp_api_handle(&ctx, &req, &res);
	if (out)
		*out = res.body;
	else
		json_decref(res.body);
	return res.status;
}

/* A change through the API, then the kick the controller gives the channel. */
static void change(struct cfx *x, enum cp_method m, const char *path, const char *body)
{
	json_t *res;
	int status = api(x, m, path, body, &res);

	if (status >= 300) {
		char *s = json_dumps(res, 0);

		fail_msg("%s %s -> %d %s", m == CP_METHOD_POST ? "POST" : "DELETE", path, status, s);
	}
	json_decref(res);
	cp_channel_server_kick(x->srv);
}

static void add_host(struct cfx *x, const char *name, uint8_t priv[32], uint8_t pub[32])
{
	char body[256], key[WG_KEY_B64_LEN];

	make_key(x->f, priv, pub);
	wg_key_to_base64(key, pub);
	snprintf(body, sizeof(body),
		 "{\"name\": \"%s\", \"public_key\": \"%s\", \"endpoint\": \"192.0.2.%d:51820\"}",
		 name, key, (int)(name[0] & 0x3f));
	change(x, CP_METHOD_POST, "/v1/hosts", body);
}

static void add_port(struct cfx *x, const char *tenant, const char *name, const char *host)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"tenant\": \"%s\", \"subnet\": \"net\", \"name\": \"%s\", "
		 "\"host\": \"%s\", \"kind\": \"vm\"}", tenant, name, host);
	change(x, CP_METHOD_POST, "/v1/ports", body);
}

static void add_tenant(struct cfx *x, const char *name, const char *cidr)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"name\": \"%s\"}", name);
	change(x, CP_METHOD_POST, "/v1/tenants", body);
	snprintf(body, sizeof(body), "{\"tenant\": \"%s\", \"name\": \"net\", \"cidr\": \"%s\"}",
		 name, cidr);
	change(x, CP_METHOD_POST, "/v1/subnets", body);
}

static json_t *api_view(struct cfx *x, const char *host)
{
	char path[128];
	json_t *v;

	snprintf(path, sizeof(path), "/v1/hosts/%s/view", host);
	assert_int_equal(api(x, CP_METHOD_GET, path, NULL, &v), 200);
	return v;
}

static int64_t api_revision(struct cfx *x)
{
	return fx_revision(x->f);
}

/* ---- agents ------------------------------------------------------------ */

static void on_view(const json_t *view, void *ctx)
{
	struct agent *a = ctx;

	json_decref(a->view);
	a->view = json_deep_copy(view);
	a->views++;
}

static void on_state(enum cp_client_state s, const char *reason, void *ctx)
{
	struct agent *a = ctx;

	a->state = s;
	snprintf(a->reason, sizeof(a->reason), "%s", reason);
}

/* Starts a client. controller_pub NULL: the right key. */
static struct agent *start_agent(struct cfx *x, struct agent *a, const uint8_t *controller_pub,
				 const char *token, const char *endpoint)
{
	struct cp_client_config cfg = { .controller = x->address, .host_name = a->name,
					.join_token = token, .endpoint = endpoint };
	struct cp_client_callbacks cb = { on_view, on_state, a };
	struct cp_client_tuning t = { .backoff_min_ms = 40, .backoff_max_ms = 80,
				      .refused_ms = 60000 };

	a->x = x;
	memcpy(cfg.controller_public_key, controller_pub ? controller_pub : x->srv_pub, 32);
	memcpy(cfg.host_private_key, a->priv, 32);
	assert_int_equal(cp_client_start(x->base, &cfg, &cb, &a->c), 0);
	cp_client_set_tuning(a->c, &t);
	return a;
}

static struct agent *new_agent(struct cfx *x, const char *name)
{
	struct agent *a = &x->agents[x->n_agents++];

	assert_true(x->n_agents <= MAX_AGENTS);
	snprintf(a->name, sizeof(a->name), "%s", name);
	return a;
}

/* A registered host and its connected agent. */
static struct agent *host_agent(struct cfx *x, const char *name)
{
	struct agent *a = new_agent(x, name);

	add_host(x, name, a->priv, a->pub);
	return a;
}

/* The agent's view equals the API's, revision aside (the agent's may be
 * older: later revisions did not concern it). */
static bool in_sync(struct cfx *x, struct agent *a)
{
	json_t *api_v, *mine;
	bool same;

	if (!a->view || a->state != CP_CLIENT_CONNECTED)
		return false;
	api_v = api_view(x, a->name);
	mine = json_deep_copy(a->view);
	json_object_set(mine, "revision", json_object_get(api_v, "revision"));
	same = json_equal(mine, api_v) &&
	       json_integer_value(json_object_get(a->view, "revision")) <= api_revision(x) &&
	       cp_client_revision(a->c) == json_integer_value(json_object_get(a->view, "revision"));
	json_decref(mine);
	json_decref(api_v);
	return same;
}

static bool all_in_sync(struct cfx *x)
{
	for (size_t i = 0; i < x->n_agents; i++)
		if (x->agents[i].c && !in_sync(x, &x->agents[i]))
			return false;
	return true;
}

static void assert_in_sync(struct cfx *x, struct agent *a)
{
	json_t *api_v;
	char *s1, *s2;

	LOOP_WAIT_FOR(x->base, in_sync(x, a), WAIT_MS);
	if (in_sync(x, a))
		return;
	api_v = api_view(x, a->name);
	s1 = a->view ? json_dumps(a->view, JSON_SORT_KEYS) : strdup("(none)");
	s2 = json_dumps(api_v, JSON_SORT_KEYS);
	fail_msg("%s (state %d: %s) out of sync:\nagent %s\napi   %s", a->name, a->state, a->reason,
		 s1, s2);
}

static bool view_mentions(const struct agent *a, const char *word)
{
	char *s = json_dumps(a->view, 0);
	bool found = strstr(s, word) != NULL;

	free(s);
	return found;
}

/* ---- fixture ----------------------------------------------------------- */

static int setup(void **state)
{
	struct cfx *x = calloc(1, sizeof(*x));
	struct timeval tick = { 0, 5000 };

	assert_non_null(x);
	cp_log_set_level(CP_LOG_ERROR);
	fx_setup((void **)&x->f);
	x->clock = 1700000000;
	x->base = event_base_new();
	x->tick = event_new(x->base, -1, EV_PERSIST, loop_on_tick, NULL);
	event_add(x->tick, &tick);
	make_key(x->f, x->srv_priv, x->srv_pub);
	start_server(x, "127.0.0.1:0");
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct cfx *x = *state;

	for (size_t i = 0; i < x->n_agents; i++) {
		cp_client_free(x->agents[i].c);
		json_decref(x->agents[i].view);
	}
	cp_channel_server_free(x->srv);
	event_free(x->tick);
	event_base_free(x->base);
	fx_teardown((void **)&x->f);
	free(x);
	return 0;
}

/* Three hosts, three tenants, agents connected and in sync. */
static void three_hosts(struct cfx *x)
{
	struct agent *a = host_agent(x, "A"), *b = host_agent(x, "B"), *c = host_agent(x, "C");

	add_tenant(x, "red", "10.1.0.0/24");
	add_tenant(x, "blue", "10.1.0.0/24"); /* overlapping: tenants are isolated */
	add_tenant(x, "green", "10.3.0.0/24");
	add_port(x, "red", "ra", "A");
	add_port(x, "red", "rb", "B");
	add_port(x, "blue", "bb", "B");
	add_port(x, "blue", "bc", "C");
	add_port(x, "green", "gc", "C");
	start_agent(x, a, NULL, NULL, NULL);
	start_agent(x, b, NULL, NULL, NULL);
	start_agent(x, c, NULL, NULL, NULL);
	LOOP_WAIT_FOR(x->base, all_in_sync(x), WAIT_MS);
	assert_in_sync(x, a);
	assert_in_sync(x, b);
	assert_in_sync(x, c);
}

/* ---- tests ------------------------------------------------------------- */

static void test_snapshot_is_exactly_the_hosts_share(void **state)
{
	struct cfx *x = *state;
	struct agent *a, *b, *c;

	three_hosts(x);
	a = &x->agents[0];
	b = &x->agents[1];
	c = &x->agents[2];
	/* at the revision of the snapshot, and nothing else since */
	assert_int_equal(cp_client_revision(a->c), api_revision(x));
	assert_int_equal(a->views, 1);
	/* A serves red only: nothing about blue or green, and C is no peer */
	assert_true(view_mentions(a, "\"red\""));
	assert_false(view_mentions(a, "blue"));
	assert_false(view_mentions(a, "green"));
	assert_false(view_mentions(a, "\"C\""));
	assert_int_equal(json_array_size(json_object_get(a->view, "peers")), 1);
	assert_int_equal(json_array_size(json_object_get(b->view, "peers")), 2);
	assert_false(view_mentions(c, "red"));
	assert_int_equal(json_array_size(json_object_get(c->view, "tenants")), 2);
	assert_int_equal(stats(x).snapshots, 3);
	assert_int_equal(stats(x).authenticated, 3);
}

static void test_updates_reach_only_the_hosts_concerned(void **state)
{
	struct cfx *x = *state;
	struct agent *a, *b, *c;
	int va, vb, vc;
	uint64_t deltas, built;

	three_hosts(x);
	a = &x->agents[0];
	b = &x->agents[1];
	c = &x->agents[2];
	deltas = stats(x).deltas;

	/* a red port: A and B; not C (whose view is not even rebuilt) */
	vc = c->views;
	built = stats(x).views_built;
	add_port(x, "red", "ra2", "A");
	assert_in_sync(x, a);
	assert_in_sync(x, b);
	assert_true(view_mentions(b, "ra2"));
	loop_run_for(x->base, 50);
	assert_int_equal(c->views, vc);
	assert_int_equal(stats(x).views_built, built + 2);

	/* a blue route: B and C; not A */
	va = a->views;
	change(x, CP_METHOD_POST, "/v1/routes",
	       "{\"tenant\": \"blue\", \"prefix\": \"0.0.0.0/0\", \"via\": \"10.1.0.3\"}");
	assert_in_sync(x, b);
	assert_in_sync(x, c);
	assert_true(view_mentions(c, "0.0.0.0/0"));
	loop_run_for(x->base, 50);
	assert_int_equal(a->views, va);

	/* a green port on A: A now serves green and peers with C, and C with A */
	vb = b->views;
	add_port(x, "green", "ga", "A");
	assert_in_sync(x, a);
	assert_in_sync(x, c);
	assert_true(view_mentions(a, "green"));
	assert_false(view_mentions(a, "blue"));
	assert_int_equal(json_array_size(json_object_get(a->view, "peers")), 2);
	loop_run_for(x->base, 50);
	assert_int_equal(b->views, vb);

	/* deleting it again takes green and C away from A */
	change(x, CP_METHOD_DELETE, "/v1/ports/green/ga", NULL);
	assert_in_sync(x, a);
	assert_in_sync(x, c);
	assert_false(view_mentions(a, "green"));
	assert_int_equal(json_array_size(json_object_get(a->view, "peers")), 1);

	/* a tenant nobody serves: nobody hears of it */
	va = a->views;
	vb = b->views;
	vc = c->views;
	add_tenant(x, "mauve", "10.9.0.0/24");
	loop_run_for(x->base, 100);
	assert_int_equal(a->views + b->views + c->views, va + vb + vc);
	assert_true(all_in_sync(x));

	/* all of it as deltas: one snapshot each, at the start */
	assert_int_equal(stats(x).snapshots, 3);
	assert_true(stats(x).deltas >= deltas + 8);
}

/* A change committed by someone else on the same store file (no kick) is
 * found by polling. */
static void test_polling_finds_changes_without_a_kick(void **state)
{
	struct cfx *x = *state;
	struct cp_port_req r = fx_port_req("red", "net", "sneaky", "B");
	struct cp_store *other;
	struct cp_port p;
	struct cp_error err;

	three_hosts(x);
	assert_int_equal(cp_store_open(x->f->db, &other, &err), 0);
	assert_int_equal(cp_port_create(other, &x->f->rng, &r, &p, &err), 0);
	cp_store_close(other);
	LOOP_WAIT_FOR(x->base, view_mentions(&x->agents[0], "sneaky"), WAIT_MS);
	assert_in_sync(x, &x->agents[0]);
	assert_in_sync(x, &x->agents[1]);
}

static void test_unregistered_key_refused(void **state)
{
	struct cfx *x = *state;
	struct agent *z = new_agent(x, "Z");

	make_key(x->f, z->priv, z->pub);
	start_agent(x, z, NULL, NULL, NULL);
	LOOP_WAIT_FOR(x->base, z->state == CP_CLIENT_REFUSED, WAIT_MS);
	assert_int_equal(z->state, CP_CLIENT_REFUSED);
	assert_non_null(strstr(z->reason, "unknown host key"));
	assert_int_equal(z->views, 0);
	assert_int_equal(stats(x).refused_key, 1);
	assert_int_equal(stats(x).authenticated, 0);
	/* and it was not registered by trying */
	assert_int_equal(api(x, CP_METHOD_GET, "/v1/hosts/Z", NULL, NULL), 404);
}

static void test_wrong_controller_key_refused(void **state)
{
	struct cfx *x = *state;
	struct agent *a = host_agent(x, "A");
	uint8_t other_priv[32], other_pub[32];

	make_key(x->f, other_priv, other_pub);
	start_agent(x, a, other_pub, NULL, NULL);
	LOOP_WAIT_FOR(x->base, a->state == CP_CLIENT_REFUSED, WAIT_MS);
	assert_int_equal(a->state, CP_CLIENT_REFUSED);
	assert_int_equal(a->views, 0);
	assert_int_equal(stats(x).refused_handshake, 1);
	assert_int_equal(stats(x).authenticated, 0);
}

static void create_token(struct cfx *x, int ttl, char secret[CP_TOKEN_STR_LEN])
{
	struct cp_token t;
	struct cp_error err;

	assert_int_equal(cp_token_create(x->f->st, &x->f->rng, x->clock, ttl, secret, &t, &err), 0);
}

static void test_join_token_enrols_once(void **state)
{
	struct cfx *x = *state;
	struct agent *d = new_agent(x, "D"), *e = new_agent(x, "E");
	char secret[CP_TOKEN_STR_LEN];
	struct cp_host h;
	struct cp_error err;

	create_token(x, 3600, secret);
	make_key(x->f, d->priv, d->pub);
	make_key(x->f, e->priv, e->pub);
	start_agent(x, d, NULL, secret, "198.51.100.4:51820");
	assert_in_sync(x, d);
	assert_int_equal(cp_host_get(x->f->st, "D", &h, &err), 0);
	assert_memory_equal(h.public_key, d->pub, 32);
	assert_string_equal(h.endpoint, "198.51.100.4:51820");
	assert_int_equal(stats(x).enrolled, 1);

	/* the same token again, from another key: spent */
	start_agent(x, e, NULL, secret, "198.51.100.5:51820");
	LOOP_WAIT_FOR(x->base, e->state == CP_CLIENT_REFUSED, WAIT_MS);
	assert_int_equal(e->state, CP_CLIENT_REFUSED);
	assert_non_null(strstr(e->reason, "already used"));
	assert_int_equal(stats(x).refused_token, 1);
	assert_int_equal(api(x, CP_METHOD_GET, "/v1/hosts/E", NULL, NULL), 404);

	/* D, now registered, reconnects by key alone */
	cp_client_disconnect(d->c);
	LOOP_WAIT_FOR(x->base, d->state == CP_CLIENT_BACKOFF, WAIT_MS);
	assert_in_sync(x, d);
	assert_int_equal(stats(x).enrolled, 1);
	assert_int_equal(stats(x).authenticated, 2);
}

static void test_expired_and_malformed_tokens_refused(void **state)
{
	struct cfx *x = *state;
	struct agent *f = new_agent(x, "F"), *g = new_agent(x, "G");
	char secret[CP_TOKEN_STR_LEN];

	create_token(x, CP_TOKEN_TTL_MIN, secret);
	x->clock += CP_TOKEN_TTL_MIN; /* expired as of this second */
	make_key(x->f, f->priv, f->pub);
	make_key(x->f, g->priv, g->pub);
	start_agent(x, f, NULL, secret, "198.51.100.6:51820");
	start_agent(x, g, NULL, "tj1_not-a-token", "198.51.100.7:51820");
	LOOP_WAIT_FOR(x->base, f->state == CP_CLIENT_REFUSED && g->state == CP_CLIENT_REFUSED, WAIT_MS);
	assert_int_equal(f->state, CP_CLIENT_REFUSED);
	assert_non_null(strstr(f->reason, "expired"));
	assert_int_equal(g->state, CP_CLIENT_REFUSED);
	assert_int_equal(stats(x).refused_token, 2);
	assert_int_equal(stats(x).enrolled, 0);
	assert_int_equal(api(x, CP_METHOD_GET, "/v1/hosts/F", NULL, NULL), 404);
}

/* The controller goes away (server freed, store closed), a change is made
 * while it is down, and it comes back on the same address: every agent
 * resumes and ends exactly in sync; A and B, whose share did not change,
 * resume with a SYNC instead of a snapshot. */
static void test_resume_after_controller_restart(void **state)
{
	struct cfx *x = *state;
	struct agent *a, *b, *c;
	char address[64];
	int64_t rev_a;

	three_hosts(x);
	a = &x->agents[0];
	b = &x->agents[1];
	c = &x->agents[2];
	rev_a = cp_client_revision(a->c);
	snprintf(address, sizeof(address), "%s", x->address);
	cp_channel_server_free(x->srv);
	x->srv = NULL;
	fx_reopen(x->f);
	LOOP_WAIT_FOR(x->base, a->state == CP_CLIENT_BACKOFF && c->state == CP_CLIENT_BACKOFF, WAIT_MS);
	assert_int_equal(c->state, CP_CLIENT_BACKOFF);

	fx_port(x->f, "green", "net", "gc2", "C"); /* while the controller is down */
	loop_run_for(x->base, 100);                               /* agents retry and fail */
	start_server(x, address);
	LOOP_WAIT_FOR(x->base, all_in_sync(x), WAIT_MS);
	assert_in_sync(x, a);
	assert_in_sync(x, b);
	assert_in_sync(x, c);
	assert_true(view_mentions(c, "gc2"));
	assert_int_equal(stats(x).syncs, 2);
	assert_int_equal(stats(x).snapshots, 1);
	/* A's view moved to the new revision without changing */
	assert_true(cp_client_revision(a->c) > rev_a);
	assert_int_equal(cp_client_revision(a->c), api_revision(x));
}

static void test_deleted_host_is_disconnected(void **state)
{
	struct cfx *x = *state;
	struct agent *d = host_agent(x, "D");

	start_agent(x, d, NULL, NULL, NULL);
	assert_in_sync(x, d);
	change(x, CP_METHOD_DELETE, "/v1/hosts/D", NULL);
	LOOP_WAIT_FOR(x->base, d->state == CP_CLIENT_REFUSED, WAIT_MS);
	assert_int_equal(d->state, CP_CLIENT_REFUSED);
	assert_non_null(strstr(d->reason, "deleted"));
}

/* The controller given by name ("localhost:PORT") rather than address. */
static void test_controller_by_name(void **state)
{
	struct cfx *x = *state;
	struct agent *a = host_agent(x, "A");
	const char *port = strrchr(x->address, ':');

	snprintf(x->address, sizeof(x->address), "localhost%s", port);
	start_agent(x, a, NULL, NULL, NULL);
	assert_in_sync(x, a);
}

/* Keepalives hold an idle session open both ways (short timeouts here:
 * 100 ms keepalive, 300 ms silence). */
static void test_keepalives_hold_an_idle_session(void **state)
{
	struct cfx *x = *state;
	struct agent *a = host_agent(x, "A");
	struct cp_client_tuning t = { .backoff_min_ms = 40, .keepalive_ms = 100,
				      .idle_timeout_ms = 300, .refused_ms = 60000 };

	cp_channel_server_free(x->srv);
	start_server_timed(x, "127.0.0.1:0", 100, 300, 300);
	start_agent(x, a, NULL, NULL, NULL);
	cp_client_set_tuning(a->c, &t);
	assert_in_sync(x, a);
	loop_run_for(x->base, 1000);
	assert_int_equal(a->state, CP_CLIENT_CONNECTED);
	assert_int_equal(stats(x).authenticated, 1); /* never reconnected */
	assert_int_equal(stats(x).timeouts, 0);
	assert_int_equal(a->views, 1);
}

/* ---- a hand-driven agent for what the real client never sends ---------- */

struct raw {
	int fd;
	struct cp_chan_keys keys;
};

static int raw_connect(struct cfx *x)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(evutil_parse_sockaddr_port(x->address, (struct sockaddr *)&ss, &len), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, (socklen_t)len), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Reads exactly n bytes, running the loop meanwhile. 0, or -1 on EOF. */
static int raw_read(struct cfx *x, int fd, uint8_t *buf, size_t n)
{
	uint64_t end = loop_now_ms() + WAIT_MS;
	size_t got = 0;
	ssize_t r;

	while (got < n && loop_now_ms() < end) {
		r = recv(fd, buf + got, n - got, 0);
		if (r == 0)
			return -1;
		if (r > 0)
			got += (size_t)r;
		else
			event_base_loop(x->base, EVLOOP_ONCE);
	}
	return got == n ? 0 : -2;
}

/* true when the server closed the connection (EOF) within the wait. */
static bool raw_closed(struct cfx *x, int fd)
{
	uint8_t buf[4096];
	uint64_t end = loop_now_ms() + WAIT_MS;
	ssize_t r;

	while (loop_now_ms() < end) {
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			return true;
		if (r < 0)
			event_base_loop(x->base, EVLOOP_ONCE);
	}
	return false;
}

static void raw_send(int fd, const void *buf, size_t n)
{
	assert_int_equal(send(fd, buf, n, 0), (ssize_t)n);
}

/* Connects as agent a and completes the handshake. */
static void raw_handshake(struct cfx *x, struct agent *a, struct raw *r)
{
	uint8_t hdr[4], init[CP_CHAN_INIT_LEN], resp[CP_CHAN_RESP_LEN];
	struct cp_chan_initiator in;
	struct timespec wall;
	struct wg_env env = { 1, 0, { fx_fill, &x->f->rng_state } };
	static uint64_t later;

	/* each initiation a second newer than the last: the server refuses
	 * one that is not newer than the previous accepted one */
	clock_gettime(CLOCK_REALTIME, &wall);
	later += 1000000000ull;
	env.wall_ns = (uint64_t)wall.tv_sec * 1000000000ull + (uint64_t)wall.tv_nsec + later;
	r->fd = raw_connect(x);
	assert_int_equal(cp_chan_initiate(&in, a->priv, x->srv_pub, &env, init), 0);
	cp_chan_frame_header(hdr, sizeof(init));
	raw_send(r->fd, hdr, 4);
	raw_send(r->fd, init, sizeof(init));
	assert_int_equal(raw_read(x, r->fd, hdr, 4), 0);
	assert_int_equal(raw_read(x, r->fd, resp, sizeof(resp)), 0);
	assert_int_equal(cp_chan_initiator_finish(&in, resp, &r->keys), 0);
}

static void raw_send_msg(struct raw *r, const char *msg, size_t len, bool forge)
{
	uint8_t frame[512];

	assert_true(len <= 400);
	assert_int_equal(cp_chan_seal_frame(&r->keys, 0, (const uint8_t *)msg, len, frame), 0);
	if (forge)
		frame[CP_CHAN_FRAME_BYTES(len) - 1] ^= 1;
	raw_send(r->fd, frame, CP_CHAN_FRAME_BYTES(len));
}

static void test_forged_frame_closes_the_connection(void **state)
{
	struct cfx *x = *state;
	struct agent *a = host_agent(x, "A");
	char hello[128];
	struct raw r;
	int n;

	/* forged after a good hello */
	n = snprintf(hello, sizeof(hello), "\x01{\"name\": \"A\", \"revision\": 0}");
	raw_handshake(x, a, &r);
	raw_send_msg(&r, hello, (size_t)n, false);
	LOOP_WAIT_FOR(x->base, stats(x).authenticated == 1, WAIT_MS);
	assert_int_equal(stats(x).authenticated, 1);
	raw_send_msg(&r, "\x06", 1, true);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);
	assert_int_equal(stats(x).refused_frame, 1);

	/* a forged hello: never authenticated */
	raw_handshake(x, a, &r);
	raw_send_msg(&r, hello, (size_t)n, true);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);
	assert_int_equal(stats(x).refused_frame, 2);
	assert_int_equal(stats(x).authenticated, 1);
}

static void test_oversized_and_misplaced_frames_close(void **state)
{
	struct cfx *x = *state;
	struct agent *a = host_agent(x, "A");
	uint8_t hdr[4];
	struct raw r;

	/* an oversized length: closed without waiting for the body */
	raw_handshake(x, a, &r);
	cp_chan_frame_header(hdr, CP_CHAN_FRAME_MAX + 1);
	raw_send(r.fd, hdr, 4);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);

	/* a first frame that is not a 148-byte initiation */
	r.fd = raw_connect(x);
	raw_send(r.fd, "GET / HTTP/1.1\r\n\r\n", 18);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);

	/* an authenticated message that is not a hello, first */
	raw_handshake(x, a, &r);
	raw_send_msg(&r, "\x06", 1, false);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);

	/* a message from the controller's side of the protocol */
	raw_handshake(x, a, &r);
	raw_send_msg(&r, "\x02{\"revision\": 1}", 16, false);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);

	assert_int_equal(stats(x).authenticated, 0);
	assert_int_equal(stats(x).connections, 0);
	assert_true(stats(x).refused_frame >= 3);
}

/* A peer that stops talking is dropped: before the handshake, before the
 * hello, and after it. */
static void test_silent_peers_are_dropped(void **state)
{
	struct cfx *x = *state;
	struct agent *a = host_agent(x, "A");
	char hello[] = "\x01{\"name\": \"A\", \"revision\": 0}";
	struct raw r;

	cp_channel_server_free(x->srv);
	start_server_timed(x, "127.0.0.1:0", 100, 300, 300);
	r.fd = raw_connect(x);                   /* says nothing at all */
	assert_true(raw_closed(x, r.fd));
	close(r.fd);
	raw_handshake(x, a, &r);                 /* no hello */
	assert_true(raw_closed(x, r.fd));
	close(r.fd);
	raw_handshake(x, a, &r);                 /* hello, then silence */
	raw_send_msg(&r, hello, sizeof(hello) - 1, false);
	assert_true(raw_closed(x, r.fd));
	close(r.fd);
	assert_int_equal(stats(x).timeouts, 3);
	assert_int_equal(stats(x).authenticated, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_snapshot_is_exactly_the_hosts_share, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_updates_reach_only_the_hosts_concerned, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_polling_finds_changes_without_a_kick, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unregistered_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_controller_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join_token_enrols_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_and_malformed_tokens_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_controller_restart, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deleted_host_is_disconnected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forged_frame_closes_the_connection, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized_and_misplaced_frames_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_controller_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalives_hold_an_idle_session, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_peers_are_dropped, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
