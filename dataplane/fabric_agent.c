/* Fabric mode's process: key, first view, event loop, updates. */
#include "dataplane/fabric_agent.h"

#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlplane/channel_client.h"
#include "controlplane/keyfile.h"
#include "dataplane/daemon.h"
#include "dataplane/fabric.h"
#include "dataplane/fabric_store.h"
#include "dataplane/log.h"
#include "dataplane/runtime.h"
#include "tap/netlink.h"
#include "tunnel/key.h"

struct runner {
	const struct fabric_options *o;
	struct agent *a;
	struct fabric *f;
	char store_path[PATH_MAX];
	struct event *hup_ev;
	struct event *tick_ev;
	struct cp_client *client;
};

static void rng_fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static int load_key(const char *path, uint8_t key[32])
{
	struct cp_rng rng = { .fill = rng_fill };
	struct cp_error err;
	bool created;
	int rc = cp_keyfile_load_or_create(path, &rng, key, &created, &err);

	if (rc < 0)
		fprintf(stderr, "tenet-agent: %s: %s\n", path, err.message);
	else if (created)
		log_info("agent", "%s: new host key created", path);
	return rc;
}

static int show_public_key(const char *path)
{
	uint8_t priv[32], pub[32];
	char b64[WG_KEY_B64_LEN];
	int rc = load_key(path, priv);

	if (rc == 0 && !wg_key_public_from_private(pub, priv))
		rc = -EINVAL;
	sodium_memzero(priv, sizeof(priv));
	if (rc < 0)
		return 1;
	wg_key_to_base64(b64, pub);
	printf("%s\n", b64);
	return 0;
}

/* Applies a view and, unless it came from --state, stores it. */
static void apply(struct runner *r, const json_t *view, bool store)
{
	char err[FABRIC_ERR_LEN];
	int rc = fabric_apply_json(r->f, view, err);

	if (rc < 0) {
		log_error("fabric", "view refused, keeping the previous one: %s",
			  rc == -EINVAL ? err : strerror(-rc));
		return;
	}
	if (store && (rc = fabric_store_save(r->store_path, view)) < 0)
		log_warn("fabric", "cannot store the view in %s: %s", r->store_path, strerror(-rc));
}

static int load_state_file(struct runner *r)
{
	json_error_t e;
	json_t *v = json_load_file(r->o->state_file, JSON_REJECT_DUPLICATES, &e);

	if (!v) {
		log_error("fabric", "%s:%d: %s", r->o->state_file, e.line, e.text);
		return -EINVAL;
	}
	apply(r, v, false);
	json_decref(v);
	return 0;
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct runner *r = arg;

	(void)sig;
	(void)what;
	if (r->o->state_file) {
		log_info("fabric", "SIGHUP: re-reading %s", r->o->state_file);
		load_state_file(r);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct runner *r = arg;

	(void)fd;
	(void)what;
	fabric_refresh(r->f);
}

static void on_view(const json_t *view, void *ctx)
{
	apply(ctx, view, true);
}

static void on_state(enum cp_client_state state, const char *reason, void *ctx)
{
	(void)ctx;
	log_info("fabric", "controller: %s%s%s",
		 state == CP_CLIENT_CONNECTED ? "connected" :
		 state == CP_CLIENT_CONNECTING ? "connecting" :
		 state == CP_CLIENT_BACKOFF ? "disconnected, retrying" : "refused",
		 reason ? ": " : "", reason ? reason : "");
}

static int read_controller_key(const char *s, uint8_t key[32])
{
	char line[128];
	FILE *fp;

	if (wg_key_from_base64(key, s))
		return 0;
	fp = fopen(s, "re");
	if (!fp)
		return -EINVAL;
	if (!fgets(line, sizeof(line), fp))
		line[0] = '\0';
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	return wg_key_from_base64(key, line) ? 0 : -EINVAL;
}

static int start_channel(struct runner *r, const uint8_t host_key[32], char *err, size_t errlen)
{
	struct cp_client_config cfg = {
		.controller = r->o->controller, .host_name = r->o->name,
		.join_token = r->o->join_token, .endpoint = r->o->endpoint,
	};
	struct cp_client_callbacks cb = { .on_view = on_view, .on_state = on_state, .ctx = r };
	int rc;

	if (read_controller_key(r->o->controller_key, cfg.controller_public_key) < 0) {
		snprintf(err, errlen, "--controller-key: not a base64 key nor a file holding one");
		return -EINVAL;
	}
	memcpy(cfg.host_private_key, host_key, 32);
	rc = cp_client_start(r->a->base, &cfg, &cb, &r->client);
	sodium_memzero(cfg.host_private_key, 32);
	if (rc < 0)
		snprintf(err, errlen, "cannot start the control channel: %s", strerror(-rc));
	return rc;
}

static int start_events(struct runner *r)
{
	struct timeval tv = { .tv_sec = FABRIC_RECONCILE_SECS };

	r->hup_ev = evsignal_new(r->a->base, SIGHUP, on_hup, r);
	r->tick_ev = event_new(r->a->base, -1, EV_PERSIST, on_tick, r);
	if (!r->hup_ev || !r->tick_ev || event_add(r->hup_ev, NULL) < 0 || event_add(r->tick_ev, &tv) < 0)
		return -ENOMEM;
	return 0;
}

static int start(struct runner *r, const uint8_t key[32], char *err, size_t errlen)
{
	json_t *stored;
	int rc = runtime_start(r->a, NULL, err, errlen);

	if (rc < 0)
		return rc;
	rc = tap_nl_open(&r->f->nl);
	if (rc < 0) {
		snprintf(err, errlen, "cannot open netlink: %s", strerror(-rc));
		return rc;
	}
	rc = start_events(r);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the event loop");
		return rc;
	}
	if (r->o->state_file) {
		rc = load_state_file(r);
		if (rc < 0)
			snprintf(err, errlen, "cannot read the state file %s", r->o->state_file);
		return rc;
	}
	/* The last view first: forwarding resumes at once, even if the
	 * controller is away; the controller's snapshot then replaces it. */
	stored = fabric_store_load(r->store_path);
	if (stored) {
		log_info("fabric", "resuming with the view stored in %s", r->store_path);
		apply(r, stored, false);
		json_decref(stored);
	}
	return start_channel(r, key, err, errlen);
}

static void stop(struct runner *r)
{
	if (r->client)
		cp_client_free(r->client);
	if (r->hup_ev)
		event_free(r->hup_ev);
	if (r->tick_ev)
		event_free(r->tick_ev);
	r->hup_ev = r->tick_ev = NULL;
	/* Uplink events belong to the loop that runtime_stop frees. */
	for (size_t i = 0; i < r->f->n_uplinks; i++)
		fabric_kernel_close_uplink(r->f->uplinks[i]);
	if (r->f->nl)
		tap_nl_close(r->f->nl);
	r->f->nl = NULL;
	runtime_stop(r->a);
}

static int check_options(const struct fabric_options *o, char *err, size_t errlen)
{
	if (!o->name || !o->key_path)
		snprintf(err, errlen, "fabric mode needs --name HOST and --key PATH");
	else if (!o->state_file && !o->controller)
		snprintf(err, errlen, "give --controller ADDR:PORT (with --controller-key) or --state FILE");
	else if (o->controller && !o->controller_key)
		snprintf(err, errlen, "--controller needs --controller-key KEY");
	else
		return 0;
	return -EINVAL;
}

static int run(struct runner *r, const uint8_t key[32])
{
	struct daemon_report report = { .fd = -1 };
	char err[512];
	int rc, status;

	if (!r->o->foreground && (rc = daemon_start(&report)) < 0) {
		fprintf(stderr, "tenet-agent: cannot fork: %s\n", strerror(-rc));
		return 1;
	}
	rc = start(r, key, err, sizeof(err));
	if (rc < 0) {
		if (report.fd >= 0)
			daemon_report_error(&report, err);
		else
			fprintf(stderr, "tenet-agent: %s\n", err);
		stop(r);
		return 1;
	}
	daemon_report_ready(&report);
	log_info("fabric", "host %s: fabric up on UDP port %u, wg interface %s", r->o->name,
		 r->a->udp.port, r->a->ifname);
	status = runtime_run(r->a);
	stop(r);
	return status;
}

int fabric_agent_main(const struct fabric_options *o)
{
	struct runner r = { .o = o };
	uint8_t key[32], seed[8];
	char err[256];
	int status = 1;

	if (o->show_public_key)
		return o->key_path ? show_public_key(o->key_path) : 2;
	if (check_options(o, err, sizeof(err)) < 0) {
		fprintf(stderr, "tenet-agent: %s\n", err);
		return 2;
	}
	snprintf(r.store_path, sizeof(r.store_path), "%s/%s.view.json",
		 o->state_dir ? o->state_dir : FABRIC_STATE_DIR, o->ifname ? o->ifname : FABRIC_DEFAULT_IFNAME);
	if (load_key(o->key_path, key) < 0)
		return 1;
	randombytes_buf(seed, sizeof(seed));
	if (agent_create(o->ifname ? o->ifname : FABRIC_DEFAULT_IFNAME, &r.a) < 0 ||
	    fabric_create(r.a, o->name, (uint64_t)seed[0] << 56 | (uint64_t)seed[1] << 48 |
			  (uint64_t)seed[2] << 40 | (uint64_t)seed[3] << 32 | (uint64_t)seed[4] << 24 |
			  (uint64_t)seed[5] << 16 | (uint64_t)seed[6] << 8 | seed[7], &r.f) < 0) {
		fprintf(stderr, "tenet-agent: out of memory\n");
		goto out;
	}
	agent_set_private_key(r.a, key);
	r.a->listen_port = o->listen_port;
	r.a->offload = !o->no_offload;
	status = run(&r, key);
out:
	sodium_memzero(key, sizeof(key));
	fabric_destroy(r.f);
	agent_destroy(r.a);
	return status;
}
