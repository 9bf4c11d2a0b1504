/* bench/controller: the control channel at scale. A benchmark, not a test:
 * it measures and asserts nothing about speed.
 *
 *   controller [--agents N] [--tenants T] [--ports P] [--changes C]
 *              [--db PATH] [--quick] [--timeout S]
 *
 * Defaults: 1,000 agents (one per host), 10,000 tenants, 100,000 ports (ports
 * per tenant placed on random hosts; one subnet and one route per tenant),
 * 100 changes. --quick: 100 agents, 1,000 tenants, 10,000 ports, 20 changes.
 *
 * 1. The state is created through the store API (cp_host_create,
 *    cp_tenant_create, ... : every rule checked, one transaction each) in a
 *    fresh SQLite file, about 25 s at the default size; for set-up only,
 *    that connection runs with synchronous=OFF (the controller below does
 *    not). --db PATH keeps the file and reuses it when it already holds this
 *    state (an older schema is migrated on open).
 * 2. A child process is the controller: the store (synchronous=FULL as in
 *    tenet-controller) and cp_channel_server on 127.0.0.1.
 * 3. This process runs N agent clients (controlplane/channel_client.h) on one
 *    event loop and reports, per agent, the snapshot's size and the time
 *    from starting to connect to holding it.
 * 4. It then asks the controller for C changes (alternately: create a port
 *    in a random tenant on a random host; delete it), each made exactly as
 *    the admin API makes it (cp_port_create/cp_port_delete, then the kick)
 *    and timed from its commit to the moment the last agent it concerns has
 *    it (on_view with that revision); the controller names the agents
 *    concerned. Agents not concerned must receive nothing.
 * 5. The controller's peak RSS (getrusage in the child).
 *
 * CLOCK_MONOTONIC is one clock for both processes, so the child's commit
 * time and this process's on_view times compare directly.
 *
 * Snapshot time per agent is measured with all N agents connecting at once,
 * so it is mostly queueing: "controller time per snapshot" (the time until
 * all are in sync, divided by N) is the cost of one. The agents run in this
 * process on the same CPUs, so every figure includes their share.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "controlplane/channel_client.h"
#include "controlplane/channel_server.h"
#include "controlplane/log.h"
#include "controlplane/state.h"
#include "controlplane/state_query.h"
#include "controlplane/validate.h"
#include "tunnel/key.h"

struct opts {
	unsigned agents, tenants, ports, changes, timeout_s;
	const char *db;
};

struct agent {
	struct cp_client *c;
	char name[CP_NAME_LEN];
	uint64_t t_start, t_first;   /* ns */
	size_t snapshot_bytes;
	int64_t rev;                 /* of the last view */
	uint64_t t_rev;              /* when it arrived */
	unsigned views;
};

static struct agent *agents;
static unsigned n_agents;

/* ---- helpers ----------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static void fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(rnd() >> 56);
}

/* Host i's key pair, the same in both processes and across runs. */
static void host_key(unsigned i, uint8_t priv[32], uint8_t pub[32])
{
	uint8_t seed[32];

	crypto_generichash(seed, 32, (const uint8_t *)&i, sizeof(i), (const uint8_t *)"tenet-bench",
			   11);
	wg_key_private_from_random(priv, seed);
	wg_key_public_from_private(pub, priv);
}

static void controller_key(uint8_t priv[32], uint8_t pub[32])
{
	uint8_t seed[32];

	crypto_generichash(seed, 32, (const uint8_t *)"controller", 10, NULL, 0);
	wg_key_private_from_random(priv, seed);
	wg_key_public_from_private(pub, priv);
}

static void die(const char *what, const struct cp_error *err)
{
	fprintf(stderr, "bench/controller: %s: %s\n", what, err ? err->message : strerror(errno));
	exit(2);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static uint64_t pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t rank = (p * n + 99) / 100;

	return n ? v[rank ? rank - 1 : 0] : 0;
}

static void raise_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
	}
}

/* ---- 1. set-up through the store API ----------------------------------- */

static int count_rows(struct cp_store *st, const char *sql)
{
	int64_t n = -1;

	if (cp_query_int(st, sql, NULL, 0, &n, NULL) < 0)
		return -1;
	return (int)n;
}

static bool already_built(struct cp_store *st, const struct opts *o)
{
	return count_rows(st, "SELECT COUNT(*) FROM hosts") == (int)o->agents &&
	       count_rows(st, "SELECT COUNT(*) FROM tenants") == (int)o->tenants &&
	       count_rows(st, "SELECT COUNT(*) FROM ports") == (int)o->ports;
}

static void make_hosts(struct cp_store *st, const struct opts *o)
{
	struct cp_error err;
	struct cp_host h;
	uint8_t priv[32];

	for (unsigned i = 0; i < o->agents; i++) {
		struct cp_host_req r = { 0 };

		snprintf(r.name, sizeof(r.name), "h%05u", i);
		host_key(i, priv, r.public_key);
		snprintf(r.endpoint, sizeof(r.endpoint), "10.%u.%u.%u:51820", 100 + i / 65536,
			 (i / 256) % 256, i % 256);
		if (cp_host_create(st, &r, &h, &err) < 0)
			die("host", &err);
	}
	sodium_memzero(priv, sizeof(priv));
}

static void make_tenant(struct cp_store *st, const struct cp_rng *rng, const struct opts *o,
			unsigned t, unsigned nports)
{
	struct cp_tenant_req tr = { .has_vni = true, .vni = t + 1 };
	struct cp_subnet_req sr = { .dhcp = true };
	struct cp_route_req rr = { 0 };
	struct cp_error err;
	struct cp_tenant tn;
	struct cp_subnet sn;
	struct cp_route rt;
	struct cp_port p;

	snprintf(tr.name, sizeof(tr.name), "t%05u", t);
	if (cp_tenant_create(st, &tr, &tn, &err) < 0)
		die("tenant", &err);
	snprintf(sr.tenant, sizeof(sr.tenant), "%s", tr.name);
	snprintf(sr.name, sizeof(sr.name), "net");
	cp_parse_prefix("10.0.0.0/16", "cidr", &sr.cidr, NULL);
	if (cp_subnet_create(st, &sr, &sn, &err) < 0)
		die("subnet", &err);
	for (unsigned j = 0; j < nports; j++) {
		struct cp_port_req pr = { .kind = CP_PORT_VM };

		snprintf(pr.tenant, sizeof(pr.tenant), "%s", tr.name);
		snprintf(pr.subnet, sizeof(pr.subnet), "net");
		snprintf(pr.name, sizeof(pr.name), "p%u", j);
		snprintf(pr.host, sizeof(pr.host), "h%05u", (unsigned)(rnd() % o->agents));
		if (cp_port_create(st, rng, &pr, &p, &err) < 0)
			die("port", &err);
		if (j == 0)
			rr.via = p.ip;
	}
	if (!nports)
		return;
	snprintf(rr.tenant, sizeof(rr.tenant), "%s", tr.name);
	cp_parse_prefix("172.16.0.0/12", "prefix", &rr.prefix, NULL);
	if (cp_route_create(st, &rr, &rt, &err) < 0)
		die("route", &err);
}

static void setup(const struct opts *o)
{
	struct cp_rng rng = { fill, NULL };
	struct cp_store *st;
	struct cp_error err;
	uint64_t t0 = now_ns();
	unsigned t, placed = 0, n;

	if (cp_store_open(o->db, &st, &err) < 0)
		die("store", &err);
	if (already_built(st, o)) {
		printf("setup: reusing %s\n", o->db);
		cp_store_close(st);
		return;
	}
	if (count_rows(st, "SELECT COUNT(*) FROM hosts") != 0) {
		fprintf(stderr, "bench/controller: %s holds other state; remove it\n", o->db);
		exit(2);
	}
	/* set-up only: every commit would otherwise wait for the disk */
	sqlite3_exec(cp_store_db(st), "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	make_hosts(st, o);
	for (t = 0; t < o->tenants; t++) {
		n = (unsigned)(((uint64_t)(t + 1) * o->ports) / o->tenants) - placed;
		make_tenant(st, &rng, o, t, n);
		placed += n;
		if (t % 1000 == 999)
			fprintf(stderr, "setup: %u/%u tenants, %.0f s\n", t + 1, o->tenants,
				(double)(now_ns() - t0) / 1e9);
	}
	cp_store_close(st);
	printf("setup: %u hosts, %u tenants, %u ports, %u routes in %.1f s (not measured)\n",
	       o->agents, o->tenants, o->ports, o->tenants, (double)(now_ns() - t0) / 1e9);
}

/* ---- 2. the controller (child process) --------------------------------- */

struct ctl {
	struct cp_store *st;
	struct cp_channel_server *srv;
	struct event_base *base;
	FILE *in, *out;
	struct cp_rng rng;
};

static int note_host(void *ctx, sqlite3_stmt *row)
{
	FILE *out = ctx;
	const char *name = (const char *)sqlite3_column_text(row, 0);

	fprintf(out, " %s", name ? name + 1 : "?"); /* "h00042" -> "00042" */
	return 0;
}

/* The hosts serving the tenant: the agents this change concerns. */
static void print_serving(struct ctl *c, const char *tenant)
{
	struct cp_param p = CP_TEXT(tenant);

	cp_query(c->st, "SELECT DISTINCT h.name FROM ports p JOIN tenants t ON t.id = p.tenant_id "
		 "JOIN hosts h ON h.id = p.host_id WHERE t.name = ?1", &p, 1, note_host, c->out,
		 NULL);
}

static void do_create(struct ctl *c, unsigned t, unsigned h, const char *name)
{
	struct cp_port_req r = { .kind = CP_PORT_VM };
	struct cp_error err;
	struct cp_port p;
	uint64_t t_commit;

	snprintf(r.tenant, sizeof(r.tenant), "t%05u", t);
	snprintf(r.subnet, sizeof(r.subnet), "net");
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.host, sizeof(r.host), "h%05u", h);
	if (cp_port_create(c->st, &c->rng, &r, &p, &err) < 0)
		die("change", &err);
	t_commit = now_ns();
	cp_channel_server_kick(c->srv);
	fprintf(c->out, "R %lld %llu", (long long)p.revision, (unsigned long long)t_commit);
	print_serving(c, r.tenant);
	fprintf(c->out, "\n");
}

static void do_delete(struct ctl *c, unsigned t, const char *name)
{
	char tenant[CP_NAME_LEN];
	struct cp_error err;
	int64_t rev;
	uint64_t t_commit;

	snprintf(tenant, sizeof(tenant), "t%05u", t);
	/* concerned: the hosts serving it before (the port's host may stop) */
	fprintf(c->out, "A");
	print_serving(c, tenant);
	fprintf(c->out, "\n");
	if (cp_port_delete(c->st, tenant, name, &rev, &err) < 0)
		die("change", &err);
	t_commit = now_ns();
	cp_channel_server_kick(c->srv);
	fprintf(c->out, "R %lld %llu\n", (long long)rev, (unsigned long long)t_commit);
}

static void do_stats(struct ctl *c)
{
	struct cp_channel_stats s;
	struct rusage ru;

	cp_channel_server_stats(c->srv, &s);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(c->out, "S %ld %llu %llu %llu %llu %llu %llu\n", ru.ru_maxrss,
		(unsigned long long)s.snapshots, (unsigned long long)s.syncs,
		(unsigned long long)s.deltas, (unsigned long long)s.views_built,
		(unsigned long long)s.bytes_sent, (unsigned long long)s.authenticated);
}

static void on_command(evutil_socket_t fd, short what, void *arg)
{
	struct ctl *c = arg;
	char line[256], name[64];
	unsigned t, h;

	(void)fd;
	(void)what;
	if (!fgets(line, sizeof(line), c->in)) {
		event_base_loopexit(c->base, NULL);
		return;
	}
	if (sscanf(line, "P %u %u %63s", &t, &h, name) == 3)
		do_create(c, t, h, name);
	else if (sscanf(line, "D %u %63s", &t, name) == 2)
		do_delete(c, t, name);
	else if (line[0] == 'S')
		do_stats(c);
	else if (line[0] == 'Q')
		event_base_loopexit(c->base, NULL);
	fflush(c->out);
}

static void controller(const struct opts *o, int cmd_fd, int reply_fd)
{
	struct cp_channel_server_config cfg = { .listen = "127.0.0.1:0" };
	struct ctl c = { .rng = { fill, NULL } };
	struct event *ev;
	struct cp_error err;
	char address[64];
	uint8_t pub[32];

	cp_log_set_level(CP_LOG_WARN);
	controller_key(cfg.private_key, pub);
	if (cp_store_open(o->db, &c.st, &err) < 0)
		die("controller store", &err);
	c.base = event_base_new();
	if (cp_channel_server_start(c.base, c.st, &cfg, &c.srv, &err) < 0)
		die("controller", &err);
	sodium_memzero(cfg.private_key, sizeof(cfg.private_key));
	c.in = fdopen(cmd_fd, "r");
	c.out = fdopen(reply_fd, "w");
	setvbuf(c.in, NULL, _IONBF, 0);
	cp_channel_server_address(c.srv, address);
	fprintf(c.out, "%s\n", address);
	fflush(c.out);
	ev = event_new(c.base, cmd_fd, EV_READ | EV_PERSIST, on_command, &c);
	event_add(ev, NULL);
	event_base_dispatch(c.base);
	event_free(ev);
	cp_channel_server_free(c.srv);
	event_base_free(c.base);
	cp_store_close(c.st);
	exit(0);
}

/* ---- 3. the agents ----------------------------------------------------- */

static void on_view(const json_t *view, void *ctx)
{
	struct agent *a = ctx;
	char *text;

	a->rev = json_integer_value(json_object_get(view, "revision"));
	a->t_rev = now_ns();
	a->views++;
	if (a->t_first)
		return;
	a->t_first = a->t_rev;
	text = json_dumps(view, JSON_COMPACT);
	a->snapshot_bytes = text ? strlen(text) : 0;
	free(text);
}

static void start_agents(struct event_base *base, const char *address)
{
	uint8_t pub[32], hpub[32];
	unsigned i;

	controller_key((uint8_t[32]){ 0 }, pub);
	for (i = 0; i < n_agents; i++) {
		struct cp_client_config cfg = { .controller = address, .host_name = agents[i].name };
		struct cp_client_callbacks cb = { on_view, NULL, &agents[i] };

		memcpy(cfg.controller_public_key, pub, 32);
		host_key(i, cfg.host_private_key, hpub);
		agents[i].t_start = now_ns();
		if (cp_client_start(base, &cfg, &cb, &agents[i].c) < 0)
			die("client", NULL);
		sodium_memzero(cfg.host_private_key, 32);
	}
}

static unsigned synced_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < n_agents; i++)
		n += agents[i].t_first != 0;
	return n;
}

static void report_snapshots(uint64_t t0, uint64_t t_all)
{
	uint64_t *bytes = calloc(n_agents, sizeof(*bytes)), *ms = calloc(n_agents, sizeof(*ms));
	unsigned i;

	for (i = 0; i < n_agents; i++) {
		bytes[i] = agents[i].snapshot_bytes;
		ms[i] = (agents[i].t_first - agents[i].t_start) / 1000000;
	}
	qsort(bytes, n_agents, sizeof(*bytes), cmp_u64);
	qsort(ms, n_agents, sizeof(*ms), cmp_u64);
	printf("snapshot size per agent: median %llu B, p99 %llu B, max %llu B (view JSON)\n",
	       (unsigned long long)pct(bytes, n_agents, 50), (unsigned long long)pct(bytes, n_agents, 99),
	       (unsigned long long)bytes[n_agents - 1]);
	printf("snapshot time per agent (connect -> view held, all %u connecting at once): "
	       "median %llu ms, p99 %llu ms, max %llu ms\n", n_agents,
	       (unsigned long long)pct(ms, n_agents, 50), (unsigned long long)pct(ms, n_agents, 99),
	       (unsigned long long)ms[n_agents - 1]);
	printf("all %u agents in sync after %.2f s: %.1f ms of controller time per snapshot\n",
	       n_agents, (double)(t_all - t0) / 1e9, (double)(t_all - t0) / 1e6 / n_agents);
	free(bytes);
	free(ms);
}

/* ---- 4. changes -------------------------------------------------------- */

struct run {
	struct event_base *base;
	FILE *cmd, *reply;
	int reply_fd;
};

/* Reads one reply line, running the agents' loop meanwhile. */
static void read_reply(struct run *r, char *line, size_t size, uint64_t deadline)
{
	struct timeval tv = { 0, 1000 };

	for (;;) {
		if (fgets(line, (int)size, r->reply))
			return;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			die("controller reply", NULL);
		clearerr(r->reply);
		if (now_ns() > deadline)
			die("controller reply (timeout)", NULL);
		event_base_loopexit(r->base, &tv);
		event_base_loop(r->base, 0);
	}
}

/* Host numbers listed after the first two fields; marks them in want. */
static unsigned parse_hosts(const char *list, bool *want)
{
	unsigned n = 0, h;
	int used;

	while (sscanf(list, " %u%n", &h, &used) == 1) {
		if (h < n_agents && !want[h]) {
			want[h] = true;
			n++;
		}
		list += used;
	}
	return n;
}

static bool all_have(const bool *want, int64_t rev)
{
	for (unsigned i = 0; i < n_agents; i++)
		if (want[i] && agents[i].rev < rev)
			return false;
	return true;
}

/* One change: returns the latency to the last concerned agent (ns), and
 * the number of agents concerned and of updates elsewhere. */
static uint64_t one_change(struct run *r, const char *command, unsigned *concerned,
			   unsigned *stray, uint64_t deadline)
{
	bool *want = calloc(n_agents, sizeof(*want));
	unsigned *views_before = calloc(n_agents, sizeof(*views_before));
	char line[1 << 16], *rest;
	long long rev;
	unsigned long long t_commit;
	uint64_t last = 0;
	struct timeval tv = { 0, 1000 };
	unsigned i;
	int used;

	for (i = 0; i < n_agents; i++)
		views_before[i] = agents[i].views;
	fprintf(r->cmd, "%s\n", command);
	fflush(r->cmd);
	read_reply(r, line, sizeof(line), deadline);
	if (line[0] == 'A') {
		*concerned = parse_hosts(line + 1, want);
		read_reply(r, line, sizeof(line), deadline);
	}
	if (sscanf(line, "R %lld %llu%n", &rev, &t_commit, &used) != 2)
		die("controller reply (garbled)", NULL);
	rest = line + used;
	if (command[0] == 'P')
		*concerned = parse_hosts(rest, want);
	while (!all_have(want, rev)) {
		if (now_ns() > deadline)
			die("waiting for agents (timeout)", NULL);
		event_base_loopexit(r->base, &tv);
		event_base_loop(r->base, 0);
	}
	/* a moment for any stray update to show up */
	tv.tv_usec = 20000;
	event_base_loopexit(r->base, &tv);
	event_base_loop(r->base, 0);
	*stray = 0;
	for (i = 0; i < n_agents; i++) {
		if (want[i] && agents[i].t_rev - t_commit > last)
			last = agents[i].t_rev - t_commit;
		if (!want[i] && agents[i].views != views_before[i])
			(*stray)++;
	}
	free(want);
	free(views_before);
	return last;
}

static void run_changes(struct run *r, const struct opts *o, uint64_t deadline)
{
	uint64_t *lat = calloc(o->changes + 1, sizeof(*lat));
	unsigned i, n = 0, concerned, stray, total_concerned = 0, total_stray = 0, t = 0;
	char command[128];

	for (i = 0; i < o->changes; i++) {
		if (i % 2 == 0) {
			t = (unsigned)(rnd() % o->tenants);
			snprintf(command, sizeof(command), "P %u %u bench%u", t,
				 (unsigned)(rnd() % o->agents), i / 2);
		} else {
			snprintf(command, sizeof(command), "D %u bench%u", t, i / 2);
		}
		concerned = stray = 0;
		lat[n++] = one_change(r, command, &concerned, &stray, deadline);
		total_concerned += concerned;
		total_stray += stray;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("change -> last concerned agent has it (%u changes, %.1f agents concerned each): "
	       "median %.2f ms, p99 %.2f ms, max %.2f ms\n", n, n ? (double)total_concerned / n : 0,
	       (double)pct(lat, n, 50) / 1e6, (double)pct(lat, n, 99) / 1e6,
	       n ? (double)lat[n - 1] / 1e6 : 0.0);
	printf("updates received by agents not concerned: %u\n", total_stray);
	free(lat);
}

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: controller [--agents N] [--tenants T] [--ports P] [--changes C]\n"
		"                  [--db PATH] [--quick] [--timeout S]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "agents", 1, NULL, 'a' }, { "tenants", 1, NULL, 't' }, { "ports", 1, NULL, 'p' },
		{ "changes", 1, NULL, 'c' }, { "db", 1, NULL, 'd' }, { "quick", 0, NULL, 'q' },
		{ "timeout", 1, NULL, 'T' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'a': o->agents = (unsigned)atoi(optarg); break;
		case 't': o->tenants = (unsigned)atoi(optarg); break;
		case 'p': o->ports = (unsigned)atoi(optarg); break;
		case 'c': o->changes = (unsigned)atoi(optarg); break;
		case 'd': o->db = optarg; break;
		case 'T': o->timeout_s = (unsigned)atoi(optarg); break;
		case 'q':
			o->agents = 100;
			o->tenants = 1000;
			o->ports = 10000;
			o->changes = 20;
			break;
		default: usage();
		}
	}
	if (o->agents < 1 || o->agents > 60000 || o->tenants < 1 || o->tenants > 1000000 ||
	    o->ports > 10000000 || o->ports / o->tenants > 60000 || o->timeout_s < 1)
		usage();
}

/* Forks the controller; r receives the command and reply streams. */
static pid_t spawn_controller(const struct opts *o, struct run *r, char address[64])
{
	int cmd[2], reply[2];
	pid_t pid;

	if (pipe(cmd) < 0 || pipe(reply) < 0)
		die("pipe", NULL);
	pid = fork();
	if (pid < 0)
		die("fork", NULL);
	if (pid == 0) {
		close(cmd[1]);
		close(reply[0]);
		controller(o, cmd[0], reply[1]);
	}
	close(cmd[0]);
	close(reply[1]);
	r->cmd = fdopen(cmd[1], "w");
	r->reply = fdopen(reply[0], "r");
	if (!r->cmd || !r->reply || !fgets(address, 64, r->reply))
		die("controller did not start", NULL);
	address[strcspn(address, "\n")] = '\0';
	evutil_make_socket_nonblocking(reply[0]);
	return pid;
}

/* Starts every agent and waits until each holds its first view. */
static int connect_all(struct run *r, const char *address, uint64_t deadline, unsigned timeout_s)
{
	uint64_t t0 = now_ns();

	start_agents(r->base, address);
	while (synced_count() < n_agents) {
		struct timeval tv = { 0, 10000 };

		if (now_ns() > deadline) {
			fprintf(stderr, "bench/controller: only %u of %u agents in sync after %u s\n",
				synced_count(), n_agents, timeout_s);
			return -ETIMEDOUT;
		}
		event_base_loopexit(r->base, &tv);
		event_base_loop(r->base, 0);
	}
	report_snapshots(t0, now_ns());
	fflush(stdout);
	return 0;
}

static void report_controller(struct run *r, uint64_t deadline)
{
	unsigned long long st[7];
	char line[256];

	fprintf(r->cmd, "S\n");
	fflush(r->cmd);
	read_reply(r, line, sizeof(line), deadline);
	if (sscanf(line, "S %llu %llu %llu %llu %llu %llu %llu", &st[0], &st[1], &st[2], &st[3],
		   &st[4], &st[5], &st[6]) == 7)
		printf("controller: peak RSS %.1f MiB; %llu snapshots, %llu deltas, %llu views "
		       "built, %.1f MiB sent\n", (double)st[0] / 1024, st[1], st[3], st[4],
		       (double)st[5] / 1048576);
}

static void remove_db(const char *dir, const char *db)
{
	char path[128];

	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	struct opts o = { 1000, 10000, 100000, 100, 900, NULL };
	char tmpdir[] = "/tmp/tenet-bench-ctl-XXXXXX", dbpath[64], address[64];
	struct run r = { 0 };
	struct rusage ru;
	uint64_t deadline;
	int status, rc;
	pid_t pid;

	if (sodium_init() < 0)
		return 2;
	parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	cp_log_set_level(CP_LOG_ERROR);
	if (!o.db) {
		if (!mkdtemp(tmpdir))
			die("mkdtemp", NULL);
		snprintf(dbpath, sizeof(dbpath), "%s/controller.db", tmpdir);
		o.db = dbpath;
	}
	printf("bench/controller: %u agents, %u tenants, %u ports, %u changes\n", o.agents,
	       o.tenants, o.ports, o.changes);
	fflush(stdout);
	setup(&o);
	fflush(stdout);
	pid = spawn_controller(&o, &r, address);
	n_agents = o.agents;
	agents = calloc(n_agents, sizeof(*agents));
	for (unsigned i = 0; i < n_agents; i++)
		snprintf(agents[i].name, sizeof(agents[i].name), "h%05u", i);
	r.base = event_base_new();
	deadline = now_ns() + (uint64_t)o.timeout_s * 1000000000ull;
	rc = connect_all(&r, address, deadline, o.timeout_s);
	if (rc == 0) {
		run_changes(&r, &o, deadline);
		report_controller(&r, deadline);
	}
	fprintf(r.cmd, "Q\n");
	fflush(r.cmd);
	waitpid(pid, &status, 0);
	getrusage(RUSAGE_SELF, &ru);
	printf("agents process (all %u clients): peak RSS %.1f MiB\n", n_agents,
	       (double)ru.ru_maxrss / 1024);
	for (unsigned i = 0; i < n_agents; i++)
		cp_client_free(agents[i].c);
	event_base_free(r.base);
	if (o.db == dbpath)
		remove_db(tmpdir, dbpath);
	return rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
