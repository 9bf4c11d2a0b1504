/* tenet-agent, in one of two modes:
 *  - fabric mode (--name/--key with --controller or --state): the host's
 *    part of the tenant fabric (dataplane/FABRIC.md, fabric_agent.h);
 *  - TUN mode (--config): one classic WireGuard (TUN) interface from a
 *    wg-quick configuration file, configurable at run time with the stock
 *    wg(8) tool. Everything in the file is checked (and endpoints resolved)
 *    before the kernel is touched. */
#include <getopt.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataplane/agent.h"
#include "dataplane/agent_config.h"
#include "dataplane/busypoll.h"
#include "dataplane/config.h"
#include "dataplane/daemon.h"
#include "dataplane/fabric_agent.h"
#include "dataplane/ifname.h"
#include "dataplane/log.h"
#include "dataplane/runtime.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"Usage: tenet-agent --name HOST --key PATH --controller ADDR:PORT --controller-key KEY\n"
	"                   [--join TOKEN] [--listen-port 51820] [--endpoint IP:PORT]\n"
	"                   [--interface NAME] [--state-dir DIR] [--foreground] [--no-offload]\n"
	"       tenet-agent --name HOST --key PATH --state FILE [...]\n"
	"       tenet-agent --key PATH --show-public-key\n"
	"       tenet-agent --config PATH [--interface NAME] [--foreground] [--no-offload]\n"
	"\n"
	"Fabric mode: carries this host's share of the tenant networks. Per local\n"
	"tenant subnet a bridge tnb<subnet-id> with the agent's uplink TAP tnu<subnet-id>;\n"
	"container ports as veths tnc<port-id> (eth0 inside the port's namespace), VM\n"
	"ports as persistent TAPs tnv<port-id> for QEMU (ids in hex; dataplane/FABRIC.md).\n"
	"Host peers are visible with `wg show NAME` (default NAME tenet0).\n"
	"\n"
	"  -n, --name HOST           this host's name at the controller\n"
	"  -k, --key PATH            host private key (base64; created 0600 if absent)\n"
	"      --show-public-key     print the host's public key and exit\n"
	"  -C, --controller ADDR:PORT  the controller's control channel\n"
	"  -K, --controller-key KEY  the controller's public key (base64, or a file)\n"
	"  -j, --join TOKEN          one-time join token (first contact)\n"
	"  -p, --listen-port PORT    UDP port of the tunnel (default 51820)\n"
	"  -e, --endpoint IP:PORT    this host's underlay endpoint, told to the controller\n"
	"  -s, --state FILE          run from a host-view JSON file instead of a controller\n"
	"                            (re-read on SIGHUP)\n"
	"      --state-dir DIR       where the last view is kept (default /var/lib/tenet)\n"
	"      --no-offload          one frame per system call: no uplink TAP TSO/checksum\n"
	"                            offload (no vnet header), no UDP GSO/GRO\n"
	"                            (also TENET_OFFLOAD=0)\n"
	"      --busy-poll US        after handling packets, keep polling for up to US\n"
	"                            microseconds before sleeping (lower latency for\n"
	"                            request/response traffic; an idle agent never\n"
	"                            polls); 0 or off disables it. Default 100, at most\n"
	"                            1000 (also TENET_BUSY_POLL=US|off)\n"
	"\n"
	"TUN mode:\n"
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
	"      --busy-poll US    poll up to US microseconds after packet work before\n"
	"                        sleeping (default 100, 0/off: never; also\n"
	"                        TENET_BUSY_POLL=US|off)\n"
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
	bool busy_poll_set;        /* --busy-poll given: overrides TENET_BUSY_POLL */
	unsigned busy_poll_us;
	bool fabric;               /* a fabric-mode option was given */
	struct fabric_options fab;
};

/* Long-only options ("-n" is --name). */
enum { OPT_SHOW_PUBLIC_KEY = 1000, OPT_STATE_DIR, OPT_NO_OFFLOAD, OPT_BUSY_POLL };

/* false: not a fabric option. */
static bool fabric_option(struct options *o, int c)
{
	char *end;
	unsigned long port;

	switch (c) {
	case 'n': o->fab.name = optarg; break;
	case 'k': o->fab.key_path = optarg; break;
	case 'C': o->fab.controller = optarg; break;
	case 'K': o->fab.controller_key = optarg; break;
	case 'j': o->fab.join_token = optarg; break;
	case 'e': o->fab.endpoint = optarg; break;
	case 's': o->fab.state_file = optarg; break;
	case OPT_STATE_DIR: o->fab.state_dir = optarg; break;
	case OPT_SHOW_PUBLIC_KEY: o->fab.show_public_key = true; break;
	case 'p':
		port = strtoul(optarg, &end, 10);
		if (*end || !*optarg || port > 65535) {
			fprintf(stderr, "tenet-agent: bad --listen-port \"%s\"\n", optarg);
			exit(2);
		}
		o->fab.listen_port = (uint16_t)port;
		break;
	default:
		return false;
	}
	o->fabric = true;
	return true;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "no-offload", no_argument, NULL, OPT_NO_OFFLOAD },
		{ "busy-poll", required_argument, NULL, OPT_BUSY_POLL },
		{ "help", no_argument, NULL, 'h' },
		{ "name", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "controller", required_argument, NULL, 'C' },
		{ "controller-key", required_argument, NULL, 'K' },
		{ "join", required_argument, NULL, 'j' },
		{ "listen-port", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "state", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "show-public-key", no_argument, NULL, OPT_SHOW_PUBLIC_KEY },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->fab.listen_port = FABRIC_DEFAULT_PORT;
	while ((c = getopt_long(argc, argv, "c:i:fhn:k:C:K:j:p:e:s:", longopts, NULL)) != -1) {
		if (fabric_option(o, c))
			continue;
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
		case OPT_BUSY_POLL:
			if (busypoll_parse(optarg, &o->busy_poll_us) < 0) {
				fprintf(stderr, "tenet-agent: --busy-poll wants off, on or 0..%d "
					"microseconds, got \"%s\"\n", BUSYPOLL_MAX_US, optarg);
				return -1;
			}
			o->busy_poll_set = true;
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
	if (o->fabric && o->config) {
		fprintf(stderr, "tenet-agent: --config (TUN mode) does not combine with fabric options\n");
		return -1;
	}
	if (!o->config && !o->fabric) {
		fprintf(stderr, "tenet-agent: --config PATH or fabric options (--name, --key) are required\n");
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
		fprintf(stderr, "Usage: tenet-agent --name HOST --key PATH (--controller ADDR:PORT "
			"--controller-key KEY | --state FILE) [...]\n"
			"       tenet-agent --config PATH [--interface NAME] [--foreground] [--no-offload]\n"
			"Try \"tenet-agent --help\" for more information.\n");
		return EXIT_USAGE;
	}
	if (o.fabric && o.ifname && !ifname_valid(o.ifname)) {
		fprintf(stderr, "tenet-agent: \"%s\" is not a valid interface name\n", o.ifname);
		return EXIT_USAGE;
	}
	if (!o.fabric && choose_ifname(&o, ifname) < 0)
		return EXIT_USAGE;
	if (sodium_init() < 0) {
		fprintf(stderr, "tenet-agent: libsodium failed to initialise\n");
		return 1;
	}
	log_init_from_env();
	if (o.busy_poll_set)
		runtime_set_busy_poll(o.busy_poll_us);
	if (o.fabric) {
		o.fab.ifname = o.ifname;
		o.fab.foreground = o.foreground;
		o.fab.no_offload = o.no_offload || offload_env_off();
		return fabric_agent_main(&o.fab);
	}
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
