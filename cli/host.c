/* tenet host: the machines that run an agent. */
#include <stdio.h>

#include "cli/api_client.h"
#include "cli/noun.h"
#include "cli/table.h"

static int print_hosts(const json_t *hosts)
{
	static const char *const head[] = { "NAME", "ENDPOINT", "PUBLIC KEY" };
	struct cli_table *t = cli_table_new(3, head);
	size_t i;
	json_t *h;

	if (!t)
		return CLI_EXIT_FAIL;
	json_array_foreach(hosts, i, h) {
		const char *row[] = { cli_json_str(h, "name"), cli_json_str(h, "endpoint"),
				      cli_json_str(h, "public_key") };

		cli_table_add(t, row);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

static int host_add(const struct cli_command *cmd, int argc, char **argv,
		    const struct cli_options *opt)
{
	const char *pos[1], *key = NULL, *endpoint = NULL;
	const struct cli_flag flags[] = { { "--public-key", &key, NULL },
					  { "--endpoint", &endpoint, NULL } };
	int rc = cli_parse_args(cmd, argc, argv, flags, 2, pos, 1, 1, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (!key || !endpoint)
		return cli_usage_error(cmd, "host add needs --public-key and --endpoint");
	return cli_create(cmd, opt, "/v1/hosts", json_pack("{s:s, s:s, s:s}", "name", pos[0],
			  "public_key", key, "endpoint", endpoint), print_hosts);
}

static int host_list(const struct cli_command *cmd, int argc, char **argv,
		     const struct cli_options *opt)
{
	return cli_list_verb(cmd, argc, argv, opt, "/v1/hosts", "hosts", print_hosts);
}

static int host_rm(const struct cli_command *cmd, int argc, char **argv,
		   const struct cli_options *opt)
{
	return cli_rm_verb(cmd, argc, argv, opt, "/v1/hosts", 1, "name");
}

static int host_run(const struct cli_command *self, int argc, char **argv,
		    const struct cli_options *opt)
{
	static const struct cli_verb verbs[] = {
		{ "add", host_add }, { "list", host_list }, { "rm", host_rm },
	};

	return cli_noun_dispatch(self, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv, opt);
}

const struct cli_command cli_cmd_host = {
	.name = "host",
	.run = host_run,
	.summary = "Adds, lists and removes hosts (machines running tenet-agent)",
	.usage = "Usage: " CLI_PROG " host add NAME --public-key KEY --endpoint IP:PORT\n"
		 "       " CLI_PROG " host list\n"
		 "       " CLI_PROG " host rm NAME\n"
		 "\n"
		 "add     registers a host by its agent's public key (tenet pubkey) and the\n"
		 "        underlay address other hosts reach it at ([IPv6]:PORT for IPv6).\n"
		 "        Agents can also enrol themselves with a join token: see `tenet token'.\n"
		 "list    shows every host.\n"
		 "rm      removes a host; refused while ports are placed on it.\n"
		 "\n"
		 "Examples:\n"
		 "  " CLI_PROG " host add hv1 --public-key \"$(tenet pubkey < hv1.key)\" "
		 "--endpoint 192.0.2.11:51820\n"
		 "  " CLI_PROG " --json host list\n"
		 "  " CLI_PROG " host rm hv1\n",
};
