/* controlplane/store: the revision log is a bounded window. With a small
 * window (keep K, prune every P): after every change the log holds at most
 * K + P - 1 rows, the newest min(K, revision) of them, contiguous and ending
 * at the revision; a reader asking for changes older than the window gets
 * -ESTALE naming the oldest revision kept, before any row is handed over; a
 * prune is part of its change's transaction; a log longer than the window
 * (one written before pruning existed) shrinks over several prunes, never in
 * one big delete. And the channel's dispatcher, finding the changes since
 * its last look pruned, rebuilds every agent's view instead of missing them
 * (one agent over loopback, on one event loop; every wait bounded). */
#include "tests/unit/test_controlplane_fixture.h"
#include "tests/unit/test_event_loop_util.h"

#include <time.h>

#include <event2/event.h>

#include "controlplane/channel_client.h"
#include "controlplane/channel_server.h"
#include "controlplane/log.h"
#include "tunnel/key.h"

#define KEEP 10
#define EVERY 4
#define WAIT_MS 5000 /* bound on every wait for the channel */

struct seen {
	int64_t first, last;
	size_t n;
};

static int count_change(void *ctx, const struct cp_change *c)
{
	struct seen *s = ctx;

	if (!s->n)
		s->first = c->revision;
	s->last = c->revision;
	s->n++;
	return 0;
}

/* n changes, each its own committed transaction, as the state files do. */
static void changes(struct fx *f, int n)
{
	int64_t rev;

	for (int i = 0; i < n; i++) {
		assert_int_equal(cp_store_begin(f->st, &f->err), 0);
		if (cp_store_record_change(f->st, CP_KIND_TENANT, CP_OP_CREATE, "t", "t", &rev,
					   &f->err) != 0)
			fail_msg("record: %s", f->err.message);
		assert_int_equal(cp_store_commit(f->st, &f->err), 0);
	}
}

/* The log is exactly the revisions (rev - rows, rev]. */
static void assert_log_ends_at(struct fx *f, int64_t rev, int64_t rows)
{
	int64_t oldest;

	assert_int_equal(fx_query_int(f, "SELECT COUNT(*) FROM changes"), rows);
	assert_int_equal(fx_query_int(f, "SELECT MAX(revision) FROM changes"), rev);
	assert_int_equal(cp_store_oldest_change(f->st, &oldest, &f->err), 0);
	assert_int_equal(oldest, rev - rows + 1);
}

static void test_window_bounds_the_log(void **state)
{
	struct fx *f = *state;
	int64_t rows, most = 0;
	struct seen s = { 0 };

	assert_int_equal(cp_store_set_change_window(f->st, KEEP, EVERY), 0);
	for (int64_t rev = 1; rev <= 100; rev++) {
		changes(f, 1);
		rows = fx_query_int(f, "SELECT COUNT(*) FROM changes");
		assert_true(rows <= KEEP + EVERY - 1);
		assert_true(rows >= (rev < KEEP ? rev : KEEP)); /* the newest are all kept */
		assert_log_ends_at(f, rev, rows);               /* ... and contiguous */
		most = rows > most ? rows : most;
	}
	assert_int_equal(most, KEEP + EVERY - 1); /* the bound is reached, not just met */
	/* at a prune the log is exactly the window */
	assert_log_ends_at(f, 100, KEEP);
	assert_int_equal(cp_store_changes_since(f->st, 100 - KEEP, 1000, count_change, &s,
						&f->err), 0);
	assert_int_equal(s.n, KEEP);
	assert_int_equal(s.first, 100 - KEEP + 1);
	assert_int_equal(s.last, 100);
}

static void test_reader_behind_the_window_gets_estale(void **state)
{
	struct fx *f = *state;
	struct seen s = { 0 };
	int64_t oldest;
	char want[64];

	assert_int_equal(cp_store_set_change_window(f->st, KEEP, EVERY), 0);
	changes(f, 50);  /* pruned at 48: 39..50 kept */
	assert_int_equal(cp_store_oldest_change(f->st, &oldest, &f->err), 0);
	assert_int_equal(oldest, 48 - KEEP + 1);
	for (int64_t since = 0; since < oldest - 1; since++) {
		f->err.message[0] = '\0';
		assert_int_equal(cp_store_changes_since(f->st, since, 1000, count_change, &s,
							&f->err), -ESTALE);
		assert_int_equal(s.n, 0); /* nothing handed over: no list with a hole */
		snprintf(want, sizeof(want), "oldest revision kept is %lld", (long long)oldest);
		assert_non_null(strstr(f->err.message, want));
	}
	/* from the oldest on, complete */
	assert_int_equal(cp_store_changes_since(f->st, oldest - 1, 1000, count_change, &s,
						&f->err), 0);
	assert_int_equal(s.n, 50 - oldest + 1);
	assert_int_equal(s.first, oldest);
	/* caught up, or ahead: nothing, and no error */
	s = (struct seen){ 0 };
	assert_int_equal(cp_store_changes_since(f->st, 50, 1000, count_change, &s, &f->err), 0);
	assert_int_equal(cp_store_changes_since(f->st, 60, 1000, count_change, &s, &f->err), 0);
	assert_int_equal(s.n, 0);
}

static void test_default_window_and_setter(void **state)
{
	struct fx *f = *state;
	int64_t rev, oldest;

	assert_true(CP_CHANGES_KEEP >= 10 * CP_CHANGES_PRUNE_EVERY);
	assert_int_equal(cp_store_oldest_change(f->st, &oldest, &f->err), 0);
	assert_int_equal(oldest, 0); /* empty log */
	assert_int_equal(cp_store_set_change_window(f->st, 0, 1), -EINVAL);
	assert_int_equal(cp_store_set_change_window(f->st, 1, 0), -EINVAL);
	assert_int_equal(cp_store_set_change_window(f->st, -5, 10), -EINVAL);
	/* the defaults prune nothing until the window is full (one transaction
	 * for speed: pruning does not care where transactions end) */
	assert_int_equal(cp_store_begin(f->st, &f->err), 0);
	for (int i = 0; i < 3 * CP_CHANGES_PRUNE_EVERY; i++)
		assert_int_equal(cp_store_record_change(f->st, CP_KIND_HOST, CP_OP_CREATE, NULL,
							"h", &rev, &f->err), 0);
	assert_int_equal(cp_store_commit(f->st, &f->err), 0);
	assert_log_ends_at(f, 3 * CP_CHANGES_PRUNE_EVERY, 3 * CP_CHANGES_PRUNE_EVERY);
	/* the window is per handle: reopening restores the defaults */
	assert_int_equal(cp_store_set_change_window(f->st, 1, 1), 0);
	fx_reopen(f);
	changes(f, 1);
	assert_log_ends_at(f, 3 * CP_CHANGES_PRUNE_EVERY + 1, 3 * CP_CHANGES_PRUNE_EVERY + 1);
}

static void test_prune_rolls_back_with_its_change(void **state)
{
	struct fx *f = *state;
	int64_t rev;

	assert_int_equal(cp_store_set_change_window(f->st, KEEP, EVERY), 0);
	changes(f, (KEEP / EVERY + 1) * EVERY - 1); /* one short of the first real prune */
	rev = fx_revision(f);
	assert_log_ends_at(f, rev, rev);
	assert_int_equal(cp_store_begin(f->st, &f->err), 0);
	assert_int_equal(cp_store_record_change(f->st, CP_KIND_HOST, CP_OP_CREATE, NULL, "h",
						&rev, &f->err), 0);
	assert_int_equal(fx_query_int(f, "SELECT COUNT(*) FROM changes"), KEEP); /* pruned, in the tx */
	cp_store_rollback(f->st);
	assert_log_ends_at(f, rev - 1, rev - 1);
}

/* A log far longer than the window (written before pruning, or a window
 * narrowed) loses at most 8 intervals of rows per prune, and still reaches
 * the bound. */
static void test_long_log_shrinks_by_bounded_steps(void **state)
{
	struct fx *f = *state;
	int64_t rev, rows, before;

	assert_int_equal(cp_store_begin(f->st, &f->err), 0);
	for (int i = 0; i < 400; i++)
		assert_int_equal(cp_store_record_change(f->st, CP_KIND_HOST, CP_OP_CREATE, NULL,
							"h", &rev, &f->err), 0);
	assert_int_equal(cp_store_commit(f->st, &f->err), 0);
	assert_int_equal(cp_store_set_change_window(f->st, KEEP, EVERY), 0);
	for (;;) {
		before = fx_query_int(f, "SELECT COUNT(*) FROM changes");
		changes(f, 1);
		rev = fx_revision(f);
		rows = fx_query_int(f, "SELECT COUNT(*) FROM changes");
		assert_true(rows >= before + 1 - 8 * EVERY);
		assert_log_ends_at(f, rev, rows); /* contiguous all along */
		if (rows <= KEEP + EVERY - 1)
			break;
		assert_true(rev < 1000);
	}
	changes(f, 3 * EVERY);
	assert_true(fx_query_int(f, "SELECT COUNT(*) FROM changes") <= KEEP + EVERY - 1);
}

/* ---- the dispatcher ----------------------------------------------------- */

struct dfx {
	struct fx *f;
	struct event_base *base;
	struct event *tick;
	struct cp_channel_server *srv;
	struct cp_client *agent;
	enum cp_client_state state;
	int views;
	int tenants;   /* unrelated tenants made so far */
};

static void on_view(const json_t *view, void *ctx)
{
	(void)view;
	((struct dfx *)ctx)->views++;
}

static void on_state(enum cp_client_state s, const char *reason, void *ctx)
{
	(void)reason;
	((struct dfx *)ctx)->state = s;
}

static struct cp_channel_stats stats(struct dfx *x)
{
	struct cp_channel_stats s;

	cp_channel_server_stats(x->srv, &s);
	return s;
}

/* Host A with a port in tenant red; the server polls only when kicked. */
static int dsetup(void **state)
{
	struct dfx *x = calloc(1, sizeof(*x));
	struct timeval tick = { 0, 5000 };
	struct cp_channel_server_config cfg = { .listen = "127.0.0.1:0", .poll_ms = 600000 };
	struct cp_client_config ccfg = { .host_name = "A" };
	struct cp_client_callbacks cb = { on_view, on_state, x };
	struct cp_host_req hr = { .name = "A", .endpoint = "192.0.2.1:51820" };
	uint8_t r[32], host_priv[32], srv_pub[32];
	char address[64];
	struct cp_host h;

	assert_non_null(x);
	cp_log_set_level(CP_LOG_ERROR);
	fx_setup((void **)&x->f);
	x->base = event_base_new();
	x->tick = event_new(x->base, -1, EV_PERSIST, loop_on_tick, NULL);
	event_add(x->tick, &tick);
	fx_fill(&x->f->rng_state, r, sizeof(r));
	wg_key_private_from_random(cfg.private_key, r);
	assert_true(wg_key_public_from_private(srv_pub, cfg.private_key));
	fx_fill(&x->f->rng_state, r, sizeof(r));
	wg_key_private_from_random(host_priv, r);
	assert_true(wg_key_public_from_private(hr.public_key, host_priv));
	assert_int_equal(cp_host_create(x->f->st, &hr, &h, &x->f->err), 0);
	fx_tenant(x->f, "red", 0);
	fx_subnet(x->f, "red", "net", "10.1.0.0/24");
	fx_port(x->f, "red", "net", "ra", "A");
	if (cp_channel_server_start(x->base, x->f->st, &cfg, &x->srv, &x->f->err) != 0)
		fail_msg("server: %s", x->f->err.message);
	cp_channel_server_address(x->srv, address);
	ccfg.controller = address;
	memcpy(ccfg.controller_public_key, srv_pub, 32);
	memcpy(ccfg.host_private_key, host_priv, 32);
	assert_int_equal(cp_client_start(x->base, &ccfg, &cb, &x->agent), 0);
	LOOP_WAIT_FOR(x->base, x->views == 1 && x->state == CP_CLIENT_CONNECTED, WAIT_MS);
	assert_int_equal(x->views, 1);
	*state = x;
	return 0;
}

static int dteardown(void **state)
{
	struct dfx *x = *state;

	cp_client_free(x->agent);
	cp_channel_server_free(x->srv);
	event_free(x->tick);
	event_base_free(x->base);
	fx_teardown((void **)&x->f);
	free(x);
	return 0;
}

/* Tenants nobody serves, then the dispatcher looks. */
static void unrelated_tenants(struct dfx *x, int n)
{
	char name[16];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "u%d", x->tenants++);
		fx_tenant(x->f, name, 0);
	}
	cp_channel_server_kick(x->srv);
	LOOP_WAIT_FOR(x->base, stats(x).revision == fx_revision(x->f), WAIT_MS);
	assert_int_equal(stats(x).revision, fx_revision(x->f));
	loop_run_for(x->base, 50); /* let any rebuild queued run */
}

static void test_dispatcher_rebuilds_all_after_a_gap(void **state)
{
	struct dfx *x = *state;
	uint64_t built = stats(x).views_built;

	assert_int_equal(cp_store_set_change_window(x->f->st, 3, 1), 0);
	/* within the window: the log says nobody is concerned, nothing rebuilt */
	unrelated_tenants(x, 2);
	assert_int_equal(stats(x).views_built, built);
	/* past it: what the lost changes touched is unknown, so A's view is
	 * rebuilt and compared (unchanged: no delta, A stays at its view) */
	unrelated_tenants(x, 6);
	assert_int_equal(stats(x).views_built, built + 1);
	assert_int_equal(x->views, 1);
	assert_int_equal(x->state, CP_CLIENT_CONNECTED);
	/* and dispatch carries on from there with the log alone */
	unrelated_tenants(x, 1);
	assert_int_equal(stats(x).views_built, built + 1);
	fx_port(x->f, "red", "net", "ra2", "A");
	cp_channel_server_kick(x->srv);
	LOOP_WAIT_FOR(x->base, x->views == 2, WAIT_MS);
	assert_int_equal(x->views, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_window_bounds_the_log),
		FX_TEST(test_reader_behind_the_window_gets_estale),
		FX_TEST(test_default_window_and_setter),
		FX_TEST(test_prune_rolls_back_with_its_change),
		FX_TEST(test_long_log_shrinks_by_bounded_steps),
		cmocka_unit_test_setup_teardown(test_dispatcher_rebuilds_all_after_a_gap, dsetup,
						dteardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
