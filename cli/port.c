/* tenet port: workload interfaces (container veths, VM taps). */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "cli/api_client.h"
#include "cli/noun.h"
#include "cli/table.h"
#include "dataplane/fabric_names.h"

static int print_ports(const json_t *ports)
{
	static const char *const head[] = { "TENANT", "NAME", "SUBNET", "HOST", "KIND", "IP",
					    "MAC", "NETNS" };
	struct cli_table *t = cli_table_new(8, head);
	size_t i;
	json_t *p;

	if (!t)
		return CLI_EXIT_FAIL;
	json_array_foreach(ports, i, p) {
		const char *row[] = { cli_json_str(p, "tenant"), cli_json_str(p, "name"),
				      cli_json_str(p, "subnet"), cli_json_str(p, "host"),
				      cli_json_str(p, "kind"), cli_json_str(p, "ip"),
				      cli_json_str(p, "mac"), cli_json_str(p, "netns") };

		cli_table_add(t, row);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

/* The host-side link the agent makes for the port, named by the agent's own
 * rule (dataplane/fabric_names.h): "tap" for a VM (what QEMU opens), "veth"
 * for a container (its end on the bridge). Nothing if the controller's
 * answer lacks a usable id or kind. */
static void add_link_name(json_t *p)
{
	const json_t *id = json_object_get(p, "id");
	const char *kind = cli_json_str(p, "kind");
	char name[IFNAMSIZ];
	bool vm;

	if (!json_is_integer(id) || json_integer_value(id) < 1 ||
	    json_integer_value(id) > 0xffffffff || !kind)
		return;
	vm = !strcmp(kind, "vm");
	if (!vm && strcmp(kind, "container"))
		return;
	fabric_link_name(vm ? FABRIC_LINK_VM : FABRIC_LINK_CONTAINER,
			 (uint32_t)json_integer_value(id), name);
	json_object_set_new(p, vm ? "tap" : "veth", json_string(name));
}

/* `port show`: one "field: value" line each, in a fixed order; the link
 * name only for the port's kind, and for a VM the QEMU arguments that
 * attach it (script=no: the agent has already put the tap on its bridge). */
static void print_port_fields(const json_t *p)
{
	static const char *const fields[] = { "tenant", "subnet", "name", "host", "kind", "ip",
					      "mac", "netns" };
	const char *tap = cli_json_str(p, "tap"), *veth = cli_json_str(p, "veth");
	const char *mac = cli_json_str(p, "mac");
	char num[24];
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = cli_json_str(p, fields[i]);

		printf("%-9s %s\n", fields[i], v ? v : "-");
	}
	if (veth)
		printf("%-9s %s\n", "veth", veth);
	if (tap)
		printf("%-9s %s\n", "tap", tap);
	printf("%-9s %s\n", "id", cli_json_int(p, "id", num, sizeof(num)));
	printf("%-9s %s\n", "revision", cli_json_int(p, "revision", num, sizeof(num)));
	if (tap && mac)
		printf("%-9s -netdev tap,id=n0,ifname=%s,script=no,downscript=no "
		       "-device virtio-net-pci,netdev=n0,mac=%s\n", "qemu", tap, mac);
}

static int port_add(const struct cli_command *cmd, int argc, char **argv,
		    const struct cli_options *opt)
{
	const char *pos[3], *host = NULL, *kind = NULL, *netns = NULL, *ip = NULL, *mac = NULL;
	const struct cli_flag flags[] = {
		{ "--host", &host, NULL }, { "--kind", &kind, NULL }, { "--netns", &netns, NULL },
		{ "--ip", &ip, NULL },     { "--mac", &mac, NULL },
	};
	json_t *body;
	int rc = cli_parse_args(cmd, argc, argv, flags, 5, pos, 3, 3, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (!host || !kind)
		return cli_usage_error(cmd, "port add needs --host and --kind");
	if (strcmp(kind, "container") && strcmp(kind, "vm"))
		return cli_usage_error(cmd, "--kind is container or vm, not '%s'", kind);
	body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "tenant", pos[0],
			 "subnet", pos[1], "name", pos[2], "host", host, "kind", kind,
			 "netns", netns, "ip", ip, "mac", mac);
	return cli_create(cmd, opt, "/v1/ports", body, print_ports);
}

static int port_list(const struct cli_command *cmd, int argc, char **argv,
		     const struct cli_options *opt)
{
	char path[CLI_API_PATH_LEN] = "/v1/ports";
	const char *pos[1], *host = NULL;
	const struct cli_flag flags[] = { { "--host", &host, NULL } };
	size_t n;
	int rc = cli_parse_args(cmd, argc, argv, flags, 1, pos, 0, 1, &n);

	if (rc != CLI_EXIT_OK)
		return rc;
	if ((n && cli_api_query_append(path, sizeof(path), "tenant", pos[0]) < 0) ||
	    (host && cli_api_query_append(path, sizeof(path), "host", host) < 0))
		return cli_fail(cmd, "name too long");
	return cli_list(cmd, opt, path, "ports", print_ports);
}

/* /v1/ports/TENANT/NAME from the two positional arguments. */
static int port_path(const struct cli_command *cmd, int argc, char **argv,
		     char path[CLI_API_PATH_LEN])
{
	const char *pos[2];
	int rc = cli_parse_args(cmd, argc, argv, NULL, 0, pos, 2, 2, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	snprintf(path, CLI_API_PATH_LEN, "/v1/ports");
	if (cli_api_path_append(path, CLI_API_PATH_LEN, pos[0]) < 0 ||
	    cli_api_path_append(path, CLI_API_PATH_LEN, pos[1]) < 0)
		return cli_fail(cmd, "name too long");
	return CLI_EXIT_OK;
}

static int port_show(const struct cli_command *cmd, int argc, char **argv,
		     const struct cli_options *opt)
{
	char path[CLI_API_PATH_LEN];
	json_t *out;
	int rc = port_path(cmd, argc, argv, path);

	if (rc == CLI_EXIT_OK)
		rc = cli_request(cmd, opt, "GET", path, NULL, &out);
	if (rc != CLI_EXIT_OK)
		return rc;
	add_link_name(out);
	if (opt->json)
		rc = cli_print_json(out);
	else
		print_port_fields(out);
	json_decref(out);
	return rc;
}

static int port_rm(const struct cli_command *cmd, int argc, char **argv,
		   const struct cli_options *opt)
{
	char path[CLI_API_PATH_LEN];
	int rc = port_path(cmd, argc, argv, path);

	return rc != CLI_EXIT_OK ? rc : cli_delete(cmd, opt, path);
}

static int port_run(const struct cli_command *self, int argc, char **argv,
		    const struct cli_options *opt)
{
	static const struct cli_verb verbs[] = {
		{ "add", port_add }, { "list", port_list }, { "show", port_show },
		{ "rm", port_rm },
	};

	return cli_noun_dispatch(self, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv, opt);
}

const struct cli_command cli_cmd_port = {
	.name = "port",
	.run = port_run,
	.summary = "Adds, lists, shows and removes ports (container and VM interfaces)",
	.usage = "Usage: " CLI_PROG " port add TENANT SUBNET NAME --host HOST --kind container|vm\n"
		 "                [--netns NS] [--ip IP] [--mac MAC]\n"
		 "       " CLI_PROG " port list [TENANT] [--host HOST]\n"
		 "       " CLI_PROG " port show TENANT NAME\n"
		 "       " CLI_PROG " port rm TENANT NAME\n"
		 "\n"
		 "add     places a workload's interface on a host. A container port needs\n"
		 "        --netns (the container's network namespace); a VM port is a tap that\n"
		 "        QEMU opens by name. Without --ip the lowest free address of the\n"
		 "        subnet is assigned; without --mac a random locally administered one.\n"
		 "list    shows every port, or one tenant's, or one host's.\n"
		 "show    shows one port, field by field, with the host-side link the agent\n"
		 "        makes for it (veth: a container's end on the bridge; tap: the name\n"
		 "        a VM's QEMU opens) and, for a VM, the QEMU arguments that attach it.\n"
		 "rm      removes a port; refused while a route uses it as next hop.\n"
		 "\n"
		 "Examples:\n"
		 "  " CLI_PROG " port add acme web web1 --host hv1 --kind container --netns web1\n"
		 "  " CLI_PROG " port add acme web vm1 --host hv2 --kind vm --ip 10.0.1.50\n"
		 "  " CLI_PROG " port show acme vm1\n",
};
