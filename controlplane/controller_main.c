/* tenet-controller: holds the desired state and serves the admin API.
 *
 *   tenet-controller [--db PATH] [--listen ADDR:PORT] [--admin-socket PATH]
 *                    [--key PATH] [--log-level LEVEL]
 *   tenet-controller [--key PATH] --show-public-key
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "controlplane/api.h"
#include "controlplane/channel_server.h"
#include "controlplane/keyfile.h"
#include "controlplane/log.h"
#include "controlplane/store.h"
#include "controlplane/validate.h"
#include "tunnel/key.h"

#define DEFAULT_DB     "/var/lib/tenet/controller.db"
#define DEFAULT_KEY    "/etc/tenet/controller.key"
#define DEFAULT_LISTEN "0.0.0.0:7230"

struct options {
	const char *db, *listen, *socket, *key;
	bool show_public_key;
	enum cp_log_level level;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tenet-controller [OPTIONS]\n"
		"       tenet-controller [--key PATH] --show-public-key\n"
		"\n"
		"Holds the desired state of a tenet fabric (hosts, tenants, subnets, ports,\n"
		"routes) in SQLite and serves the admin API that the `tenet` CLI uses.\n"
		"\n"
		"  --db PATH            state database (default " DEFAULT_DB ")\n"
		"  --admin-socket PATH  admin API unix socket, mode 0600\n"
		"                       (default " CP_API_DEFAULT_SOCKET ")\n"
		"  --key PATH           controller private key, created 0600 if absent\n"
		"                       (default " DEFAULT_KEY ")\n"
		"  --listen ADDR:PORT   control channel address for agents\n"
		"                       (default " DEFAULT_LISTEN ")\n"
		"  --show-public-key    print the controller's public key and exit\n"
		"  --log-level LEVEL    error, warn, info (default) or debug\n"
		"  -h, --help           this text\n"
		"\n"
		"Example:\n"
		"  tenet-controller --db /var/lib/tenet/controller.db \\\n"
		"      --admin-socket /run/tenet/controller.sock --key /etc/tenet/controller.key\n"
		"  curl --unix-socket /run/tenet/controller.sock http://tenet/v1/tenants\n");
}

static int parse_level(const char *s, enum cp_log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	unsigned i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum cp_log_level)i;
			return 0;
		}
	return -EINVAL;
}

/* 0 to run, 1 for --help (exit 0), -1 for a usage error (exit 2). */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "admin-socket", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "show-public-key", no_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char endpoint[CP_ENDPOINT_LEN];
	struct cp_error err;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'l': o->listen = optarg; break;
		case 's': o->socket = optarg; break;
		case 'k': o->key = optarg; break;
		case 'p': o->show_public_key = true; break;
		case 'L':
			if (parse_level(optarg, &o->level) < 0) {
				fprintf(stderr, "tenet-controller: unknown log level \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'h': return 1;
		default: return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tenet-controller: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (cp_parse_listen(o->listen, endpoint, &err) < 0) {
		fprintf(stderr, "tenet-controller: --listen: %s\n", err.message);
		return -1;
	}
	return 0;
}

static void fill_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static int64_t wall_seconds(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

/* Creates the directory holding path if it is missing (one level, as
 * /run/tenet after a reboot). */
static void ensure_parent(const char *path)
{
	char buf[4096], *dir;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return;
	dir = dirname(buf);
	if (mkdir(dir, 0755) == 0)
		cp_log(CP_LOG_INFO, "controller", "created directory %s", dir);
}

/* Loads (or creates) the controller's key. priv may be NULL when only the
 * public key is wanted; otherwise the caller wipes it. */
static int load_key(const char *path, uint8_t pub[32], uint8_t *priv_out)
{
	struct cp_rng rng = { fill_random, NULL };
	struct cp_error err;
	uint8_t priv[32];
	bool created;
	int rc;

	ensure_parent(path);
	rc = cp_keyfile_load_or_create(path, &rng, priv, &created, &err);
	if (rc < 0) {
		cp_log(CP_LOG_ERROR, "controller", "%s", err.message);
		return rc;
	}
	if (created)
		cp_log(CP_LOG_INFO, "controller", "created key file %s", path);
	if (!wg_key_public_from_private(pub, priv))
		rc = -EINVAL;
	if (rc == 0 && priv_out)
		memcpy(priv_out, priv, sizeof(priv));
	sodium_memzero(priv, sizeof(priv));
	if (rc < 0)
		cp_log(CP_LOG_ERROR, "controller", "key file %s holds an unusable key", path);
	return rc;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	cp_log(CP_LOG_INFO, "controller", "signal %d: shutting down", (int)sig);
	event_base_loopexit(arg, NULL);
}

static void kick_channel(void *ctx)
{
	cp_channel_server_kick(ctx);
}

/* Agents may connect as soon as this returns; the key is copied. */
static int start_channel(struct event_base *base, struct cp_store *st, const char *listen,
			 const uint8_t priv[32], struct cp_channel_server **out)
{
	struct cp_channel_server_config cfg = { .listen = listen };
	struct cp_error err;
	char addr[64];
	int rc;

	memcpy(cfg.private_key, priv, sizeof(cfg.private_key));
	rc = cp_channel_server_start(base, st, &cfg, out, &err);
	sodium_memzero(&cfg, sizeof(cfg));
	if (rc < 0) {
		cp_log(CP_LOG_ERROR, "controller", "control channel on %s: %s", listen, err.message);
		return rc;
	}
	cp_channel_server_address(*out, addr);
	cp_log(CP_LOG_INFO, "controller", "control channel on %s", addr);
	return 0;
}

/* The event loop with the API and the control channel up, until SIGTERM or
 * SIGINT. */
static int serve(struct event_base *base, struct cp_store *st, const struct options *o,
		 const uint8_t priv[32])
{
	struct cp_api_ctx ctx = { .store = st, .rng = { fill_random, NULL }, .now = wall_seconds,
				  .changed = kick_channel };
	struct event *term = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *intr = evsignal_new(base, SIGINT, on_signal, base);
	struct cp_channel_server *chan = NULL;
	struct cp_api *api = NULL;
	struct cp_error err;
	int64_t rev = 0;
	int rc = -ENOMEM;

	if (!term || !intr || event_add(term, NULL) < 0 || event_add(intr, NULL) < 0)
		goto out;
	rc = start_channel(base, st, o->listen, priv, &chan);
	if (rc < 0)
		goto out;
	ctx.changed_ctx = chan;
	ensure_parent(o->socket);
	rc = cp_api_start(base, &ctx, o->socket, &api, &err);
	if (rc < 0) {
		cp_log(CP_LOG_ERROR, "controller", "%s", err.message);
		goto out;
	}
	cp_store_revision(st, &rev, NULL);
	cp_log(CP_LOG_INFO, "controller", "admin API on %s, store %s at revision %lld",
	       o->socket, o->db, (long long)rev);
	rc = event_base_dispatch(base) < 0 ? -EIO : 0;
out:
	cp_api_stop(api);
	cp_channel_server_free(chan);
	if (term)
		event_free(term);
	if (intr)
		event_free(intr);
	return rc;
}

static int run(const struct options *o)
{
	struct event_base *base = NULL;
	struct cp_store *st = NULL;
	struct cp_error err;
	uint8_t pub[32], priv[32];
	int rc = load_key(o->key, pub, priv);

	if (rc < 0)
		return rc;
	ensure_parent(o->db);
	rc = cp_store_open(o->db, &st, &err);
	if (rc < 0) {
		cp_log(CP_LOG_ERROR, "controller", "%s", err.message);
		sodium_memzero(priv, sizeof(priv));
		return rc;
	}
	base = event_base_new();
	rc = base ? serve(base, st, o, priv) : -ENOMEM;
	sodium_memzero(priv, sizeof(priv));
	if (base)
		event_base_free(base);
	cp_store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { DEFAULT_DB, DEFAULT_LISTEN, CP_API_DEFAULT_SOCKET, DEFAULT_KEY,
			     false, CP_LOG_INFO };
	char text[WG_KEY_B64_LEN];
	uint8_t pub[32];
	int rc = parse_args(argc, argv, &o);

	if (rc != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	cp_log_set_level(o.level);
	if (sodium_init() < 0) {
		cp_log(CP_LOG_ERROR, "controller", "libsodium failed to initialise");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	/* everything the controller creates (database, key, socket) is its own */
	umask(077);
	if (o.show_public_key) {
		if (load_key(o.key, pub, NULL) < 0)
			return 1;
		wg_key_to_base64(text, pub);
		printf("%s\n", text);
		return 0;
	}
	return run(&o) < 0 ? 1 : 0;
}
