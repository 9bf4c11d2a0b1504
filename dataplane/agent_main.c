/* tenet-agent: runs one classic WireGuard (TUN) interface from a wg-quick
 * configuration file, configurable at run time with the stock wg(8) tool.
 * Everything in the file is checked (and endpoints resolved) before the
 * kernel is touched. */
#include <getopt.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataplane/agent.h"
#include "dataplane/agent_config.h"
#include "dataplane/config.h"
#include "dataplane/daemon.h"
#include "dataplane/ifname.h"
#include "dataplane/log.h"
#include "dataplane/runtime.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: tenet-agent --config PATH [--interface NAME] [--foreground] [--no-offload]\n"
	"\n"
	"Runs a classic WireGuard interface (a TUN device) from a wg-quick style\n"
	"configuration file, speaking the WireGuard protocol to any stock peer.\n"
	"The interface can then be inspected and changed with wg(8), through the\n"
	"socket /var/run/wireguard/NAME.sock, as with wireguard-go.\n"
	"\n"
	"  -c, --config PATH     configuration file ([Interface] and [Peer] sections)\n"
	"  -i, --interface NAME  interface name (default: the file's name without\n"
	"                        \".conf\", as wg-quick does)\n"
	"  -f, --foreground      stay in the foreground (default: become a daemon once\n"
	"                        the interface is up)\n"
	"      --no-offload      one packet per system call: no TUN TSO/checksum offload,\n"
	"                        no UDP GSO/GRO (also TENET_OFFLOAD=0)\n"
	"  -h, --help            show this help\n"
	"\n"
	"The interface gets the file's Address lines, MTU (default 1420) and one route\n"
	"per AllowedIPs prefix (a /0 as two /1 routes). SIGINT or SIGTERM removes it.\n"
	"Log lines go to stderr; TENET_LOG_LEVEL=debug|info|warn|error sets the level.\n"
	"\n"
	"Example:\n"
	"  tenet-agent --config /etc/wireguard/wg0.conf   # creates wg0, then daemonises\n"
	"  wg show wg0                                    # the stock tool works on it\n"
	"  wg set wg0 peer PUBKEY allowed-ips 10.0.0.9/32 # cryptokey routing only: no route\n";

struct options {
	const char *config;
	const char *ifname;
	bool foreground;
	bool no_offload;
};

/* Long-only options (no short letter: those are kept for the common ones). */
enum { OPT_NO_OFFLOAD = 1100 };

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "no-offload", no_argument, NULL, OPT_NO_OFFLOAD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "c:i:fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'i':
			o->ifname = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case OPT_NO_OFFLOAD:
			o->no_offload = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tenet-agent: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!o->config) {
		fprintf(stderr, "tenet-agent: --config PATH is required\n");
		return -1;
	}
	return 0;
}

static int choose_ifname(const struct options *o, char name[IFNAMSIZ])
{
	if (o->ifname) {
		if (!ifname_valid(o->ifname)) {
			fprintf(stderr, "tenet-agent: \"%s\" is not a valid interface name "
				"(1 to 15 characters, no '/', ':' or whitespace)\n", o->ifname);
			return -1;
		}
		snprintf(name, IFNAMSIZ, "%s", o->ifname);
		return 0;
	}
	if (!ifname_from_config_path(o->config, name)) {
		fprintf(stderr, "tenet-agent: cannot name the interface after \"%s\" "
			"(want NAME.conf with NAME 1 to 15 characters); use --interface\n", o->config);
		return -1;
	}
	return 0;
}

/* Parses and checks everything; touches nothing outside this process. */
static struct agent *load_agent(const char *path, const char *ifname)
{
	char err[CONFIG_ERROR_LEN];
	struct config cfg;
	struct agent *a = NULL;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	rc = config_load(&cfg, path, err);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	rc = agent_from_config(&cfg, path, ifname, &a, err, sizeof(err));
	config_free(&cfg);
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return a;
}

/* TENET_OFFLOAD=0 (or off/no/false) turns the offloads off, e.g. to compare
 * or to work around a kernel that misbehaves with them. */
static bool offload_env_off(void)
{
	const char *v = getenv("TENET_OFFLOAD");

	return v && (!strcmp(v, "0") || !strcasecmp(v, "off") || !strcasecmp(v, "no") ||
		     !strcasecmp(v, "false"));
}

int main(int argc, char **argv)
{
	struct daemon_report report = { .fd = -1 };
	char ifname[IFNAMSIZ], err[512];
	struct options o;
	struct agent *a;
	int rc, status;

	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr, "Usage: tenet-agent --config PATH [--interface NAME] [--foreground] [--no-offload]\n"
			"Try \"tenet-agent --help\" for more information.\n");
		return EXIT_USAGE;
	}
	if (choose_ifname(&o, ifname) < 0)
		return EXIT_USAGE;
	if (sodium_init() < 0) {
		fprintf(stderr, "tenet-agent: libsodium failed to initialise\n");
		return 1;
	}
	log_init_from_env();
	a = load_agent(o.config, ifname);
	if (!a)
		return 1;
	if (o.no_offload || offload_env_off())
		a->offload = false;
	if (!o.foreground && (rc = daemon_start(&report)) < 0) {
		fprintf(stderr, "tenet-agent: cannot fork: %s\n", strerror(-rc));
		agent_destroy(a);
		return 1;
	}
	rc = runtime_start(a, NULL, err, sizeof(err));
	if (rc < 0) {
		if (report.fd >= 0)
			daemon_report_error(&report, err);
		else
			fprintf(stderr, "tenet-agent: %s\n", err);
		agent_destroy(a);
		return 1;
	}
	daemon_report_ready(&report);
	status = runtime_run(a);
	runtime_stop(a);
	log_info("agent", "%s: removed", ifname);
	agent_destroy(a);
	return status;
}
