/* Pushing views: which agents a new revision concerns, and sending each of
 * them a snapshot, a resume confirmation or a delta.
 *
 * Dispatch marks, in the summary of each concerned agent's last view, the
 * tenants the changes touched (a host change marks everything). The rebuild
 * then reads only those tenants (cp_host_view_tenants: a host serves ~90
 * tenants and a change touches one) and merges them into the summary; the
 * whole view is built for first views, after host changes, and when the
 * store has moved past the changes dispatched so far. When the changes
 * since the last dispatch were pruned from the log (-ESTALE), or there are
 * too many to be worth sorting, every view is rebuilt and compared. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/channel_io.h"
#include "controlplane/channel_server_priv.h"
#include "controlplane/host_view.h"
#include "controlplane/log.h"
#include "controlplane/state_query.h"

/* Past this many log entries in one look, rebuilding every view is cheaper
 * than working out which ones the changes touch. */
#define DISPATCH_MAX_CHANGES 4096
#define WORK_BUDGET_MS 20

/* ---- the rebuild queue ------------------------------------------------- */

static void arm_work(struct cp_channel_server *srv)
{
	static const struct timeval now = { 0, 0 };

	/* a zero timer rather than event_active: the loop polls sockets
	 * between batches, so a long rebuild never starves the connections */
	if (!evtimer_pending(srv->work_ev, NULL))
		evtimer_add(srv->work_ev, &now);
}

void cp_chsrv_enqueue(struct conn *c)
{
	struct cp_channel_server *srv = c->srv;

	if (c->queued || c->state != CONN_READY)
		return;
	c->queued = true;
	c->q_next = NULL;
	c->q_prev = srv->q_tail;
	if (srv->q_tail)
		srv->q_tail->q_next = c;
	else
		srv->q_head = c;
	srv->q_tail = c;
	arm_work(srv);
}

void cp_chsrv_dequeue(struct conn *c)
{
	struct cp_channel_server *srv = c->srv;

	if (!c->queued)
		return;
	if (c->q_prev)
		c->q_prev->q_next = c->q_next;
	else
		srv->q_head = c->q_next;
	if (c->q_next)
		c->q_next->q_prev = c->q_prev;
	else
		srv->q_tail = c->q_prev;
	c->q_prev = c->q_next = NULL;
	c->queued = false;
}

/* ---- sending a view ---------------------------------------------------- */

/* The first view of a connection: SYNC when the agent already holds exactly
 * this content (its hello's digest), else the whole view. */
static int send_first(struct conn *c, const json_t *view, const struct cp_view_summary *sum)
{
	uint8_t digest[CP_VIEW_DIGEST_LEN];
	json_t *sync;
	int rc;

	if (c->has_digest && cp_view_digest(view, digest) == 0 &&
	    !memcmp(digest, c->digest, sizeof(digest))) {
		sync = cp_sync_msg(sum->revision);
		rc = sync ? cp_chsrv_send(c, CP_MSG_SYNC, sync) : -ENOMEM;
		json_decref(sync);
		if (rc == 0)
			c->srv->stats.syncs++;
		return rc;
	}
	rc = cp_chsrv_send(c, CP_MSG_SNAPSHOT, view);
	if (rc == 0)
		c->srv->stats.snapshots++;
	return rc;
}

/* 1 when a delta went out, 0 when nothing but the revision changed (the
 * agent keeps its revision: a later delta must start from it). */
static int send_delta(struct conn *c, const json_t *view, const struct cp_view_summary *sum)
{
	json_t *delta;
	int rc = cp_view_delta(&c->sum, view, sum, &delta);

	if (rc < 0 || !delta)
		return rc;
	rc = cp_chsrv_send(c, CP_MSG_DELTA, delta);
	json_decref(delta);
	if (rc == 0)
		c->srv->stats.deltas++;
	return rc < 0 ? rc : 1;
}

/* The names marked stale in c's summary, as an array (borrowed strings). */
static const char **stale_names(const struct conn *c, size_t *n)
{
	const char **names = malloc((json_object_size(c->sum.stale) + 1) * sizeof(*names));
	const char *name;
	json_t *v;

	*n = 0;
	if (!names)
		return NULL;
	json_object_foreach(c->sum.stale, name, v)
		names[(*n)++] = name;
	return names;
}

/* Only the stale tenants, merged into the summary of the view last sent.
 * 1: not possible, build the whole view (nothing marked, or the store moved
 * past the changes dispatched, which may concern tenants not marked). */
static int build_part(struct conn *c, json_t **view, struct cp_view_summary *sum,
		      struct cp_error *err)
{
	size_t n;
	const char **names;
	int rc;

	if (!c->has_sum || c->sum.stale_all || !json_object_size(c->sum.stale))
		return 1;
	names = stale_names(c, &n);
	if (!names)
		return 1;
	rc = cp_host_view_tenants(c->srv->st, c->host, names, n, view, err);
	if (rc == 0 &&
	    json_integer_value(json_object_get(*view, "revision")) != c->srv->seen)
		rc = 1;
	if (rc == 0)
		rc = cp_view_summary_merge(&c->sum, *view, names, n, sum);
	if (rc != 0) {
		json_decref(*view);
		*view = NULL;
	}
	free(names);
	if (rc == -ENOMEM || rc == -EBADMSG)
		return 1;
	return rc;
}

static int build_whole(struct conn *c, json_t **view, struct cp_view_summary *sum,
		       struct cp_error *err)
{
	int rc = cp_host_view(c->srv->st, c->host, view, err);

	if (rc == 0) {
		rc = cp_view_summarize(*view, sum);
		if (rc < 0)
			cp_fail(err, -rc, "cannot summarize the view");
	}
	if (rc < 0) {
		json_decref(*view);
		*view = NULL;
	}
	return rc;
}

static void rebuild(struct conn *c)
{
	struct cp_view_summary sum;
	struct cp_error err;
	json_t *view = NULL;
	int rc = build_part(c, &view, &sum, &err);

	if (rc == 1)
		rc = build_whole(c, &view, &sum, &err);
	c->srv->stats.views_built++;
	if (rc == -ENOENT) {
		cp_log(CP_LOG_INFO, "channel", "host %s was deleted: closing its connection", c->host);
		cp_chsrv_refuse(c, "this host was deleted from the controller", true);
		return;
	}
	if (rc < 0) {
		cp_log(CP_LOG_ERROR, "channel", "view of %s: %s", c->host, err.message);
		cp_chsrv_refuse(c, "the controller could not build this host's view", false);
		return;
	}
	rc = c->has_sum ? send_delta(c, view, &sum) : send_first(c, view, &sum);
	json_decref(view);
	if (rc == -ENOBUFS) { /* the connection was dropped as too slow */
		cp_view_summary_free(&sum);
		return;
	}
	if (rc < 0) {
		cp_view_summary_free(&sum);
		cp_chsrv_close(c);
		return;
	}
	if (rc == 0 && c->has_sum) {  /* nothing sent: the agent keeps the old view */
		cp_view_summary_free(&sum);
		cp_view_summary_clear_marks(&c->sum); /* ... which is current */
		return;
	}
	cp_view_summary_free(&c->sum);
	c->sum = sum;
	c->has_sum = true;
}

void cp_chsrv_work(evutil_socket_t fd, short what, void *arg)
{
	struct cp_channel_server *srv = arg;
	struct conn *c;
	unsigned n;
	uint64_t start = cp_io_now_ms();

	(void)fd;
	(void)what;
	/* a batch ends at cfg.batch views or WORK_BUDGET_MS, so handshakes and
	 * keepalives of other agents wait at most about one view's build time */
	for (n = 0; n < srv->cfg.batch && (c = srv->q_head); n++) {
		if (n && cp_io_now_ms() - start >= WORK_BUDGET_MS)
			break;
		cp_chsrv_dequeue(c);
		rebuild(c);
	}
	if (srv->q_head)
		arm_work(srv);
}

/* ---- which agents a change concerns ------------------------------------ */

struct changes {
	json_t *tenants;     /* set of tenant names changed */
	json_t *hosts;       /* set of host names changed */
	size_t n;
	int64_t last;
};

static int note_change(void *ctx, const struct cp_change *ch)
{
	struct changes *c = ctx;
	int rc = 0;

	c->n++;
	c->last = ch->revision;
	if (ch->kind == CP_KIND_HOST)
		rc = json_object_set_new(c->hosts, ch->key, json_true());
	else if (ch->kind != CP_KIND_TOKEN && ch->tenant[0])
		rc = json_object_set_new(c->tenants, ch->tenant, json_true());
	/* tokens are no agent's business; a tenant's own create or delete
	 * needs no push either (it has no ports then) but costs nothing */
	return rc < 0 ? -ENOMEM : 0;
}

static int note_host(void *ctx, sqlite3_stmt *row)
{
	const unsigned char *name = sqlite3_column_text(row, 0);

	if (!name)
		return 0;
	return json_object_set_new(ctx, (const char *)name, json_true()) < 0 ? -ENOMEM : 0;
}

/* For each changed tenant, the set of hosts serving it now (before the
 * change they are the agents whose summary lists the tenant). */
static int serving_hosts(struct cp_channel_server *srv, const struct changes *ch,
			 json_t *serving)
{
	struct cp_error err;
	const char *tenant;
	json_t *v, *hosts;
	int rc = 0;

	json_object_foreach(ch->tenants, tenant, v) {
		struct cp_param p = CP_TEXT(tenant);

		hosts = json_object();
		if (!hosts || json_object_set_new(serving, tenant, hosts) < 0)
			return -ENOMEM;
		/* ports_by_tenant_host: the hosts straight from the index */
		rc = cp_query(srv->st, "SELECT h.name FROM hosts h WHERE h.id IN ("
			      "SELECT p.host_id FROM ports p JOIN tenants t ON t.id = p.tenant_id "
			      "WHERE t.name = ?1)", &p, 1, note_host, hosts, &err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Marks in c's summary what the changes may have altered in its view;
 * true when anything concerns it. */
static bool mark_concerned(struct conn *c, const struct changes *ch, const json_t *serving)
{
	const char *name;
	json_t *v;
	bool hit = false;

	/* a host change (rare) rebuilds the whole view; a tenant change only
	 * that tenant's part */
	if (json_object_get(ch->hosts, c->host)) {
		cp_view_summary_mark(&c->sum, NULL);
		hit = true;
	}
	json_object_foreach(ch->hosts, name, v) {
		if (c->has_sum && cp_view_summary_has_peer(&c->sum, name)) {
			cp_view_summary_mark(&c->sum, NULL);
			hit = true;
		}
	}
	json_object_foreach(ch->tenants, name, v) {
		if (json_object_get(json_object_get(serving, name), c->host) ||
		    (c->has_sum && cp_view_summary_has_tenant(&c->sum, name))) {
			cp_view_summary_mark(&c->sum, name);
			hit = true;
		}
	}
	return hit;
}

static void queue_all(struct cp_channel_server *srv)
{
	struct conn *c;

	for (c = srv->conns; c; c = c->next) {
		if (c->has_sum)
			cp_view_summary_mark(&c->sum, NULL);
		cp_chsrv_enqueue(c);
	}
}

static void queue_concerned(struct cp_channel_server *srv, const struct changes *ch)
{
	json_t *serving = json_object();
	struct conn *c;

	if (!serving || serving_hosts(srv, ch, serving) < 0) {
		json_decref(serving);
		queue_all(srv); /* cannot tell: rebuilding everything is always right */
		return;
	}
	for (c = srv->conns; c; c = c->next)
		if (c->state == CONN_READY && mark_concerned(c, ch, serving))
			cp_chsrv_enqueue(c);
	json_decref(serving);
}

void cp_chsrv_dispatch(struct cp_channel_server *srv)
{
	struct changes ch = { json_object(), json_object(), 0, srv->seen };
	struct cp_error err;
	int64_t rev;
	int rc = cp_store_revision(srv->st, &rev, &err);

	if (rc < 0 || rev == srv->seen)
		goto out;
	if (rev < srv->seen) {
		/* the store went back in time (a restored backup): trust it */
		cp_log(CP_LOG_WARN, "channel", "store revision went back from %lld to %lld",
		       (long long)srv->seen, (long long)rev);
		srv->seen = rev;
		queue_all(srv);
		goto out;
	}
	rc = ch.tenants && ch.hosts ? 0 : -ENOMEM;
	if (rc == 0)
		rc = cp_store_changes_since(srv->st, srv->seen, DISPATCH_MAX_CHANGES, note_change,
					    &ch, &err);
	if (rc == -ESTALE)
		/* fell behind the log's window: which agents the lost changes
		 * concern is unknown, so every view is rebuilt and compared */
		cp_log(CP_LOG_WARN, "channel", "changes after revision %lld were pruned: "
		       "rebuilding every view", (long long)srv->seen);
	if (rc < 0 || ch.n >= DISPATCH_MAX_CHANGES) {
		srv->seen = rev;
		queue_all(srv);
		goto out;
	}
	srv->seen = ch.n ? ch.last : rev;
	queue_concerned(srv, &ch);
out:
	srv->stats.revision = srv->seen;
	json_decref(ch.tenants);
	json_decref(ch.hosts);
}
