/* tenet subnet: IPv4 ranges inside a tenant. */
#include <stdio.h>

#include "cli/api_client.h"
#include "cli/noun.h"
#include "cli/table.h"

static int print_subnets(const json_t *subnets)
{
	static const char *const head[] = { "TENANT", "NAME", "CIDR", "GATEWAY", "MTU", "DHCP" };
	struct cli_table *t = cli_table_new(6, head);
	char mtu[24];
	size_t i;
	json_t *s;

	if (!t)
		return CLI_EXIT_FAIL;
	json_array_foreach(subnets, i, s) {
		const char *row[] = { cli_json_str(s, "tenant"), cli_json_str(s, "name"),
				      cli_json_str(s, "cidr"), cli_json_str(s, "gateway"),
				      cli_json_int(s, "mtu", mtu, sizeof(mtu)),
				      json_is_true(json_object_get(s, "dhcp")) ? "on" : "off" };

		cli_table_add(t, row);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

static int subnet_create(const struct cli_command *cmd, int argc, char **argv,
			 const struct cli_options *opt)
{
	const char *pos[3], *mtu_text = NULL;
	bool no_dhcp = false;
	const struct cli_flag flags[] = { { "--mtu", &mtu_text, NULL },
					  { "--no-dhcp", NULL, &no_dhcp } };
	long long mtu = 0;
	json_t *body;
	int rc = cli_parse_args(cmd, argc, argv, flags, 2, pos, 3, 3, NULL);

	if (rc == CLI_EXIT_OK && mtu_text)
		rc = cli_parse_int_flag(cmd, "--mtu", mtu_text, 0, 1 << 20, &mtu);
	if (rc != CLI_EXIT_OK)
		return rc;
	body = json_pack("{s:s, s:s, s:s, s:b}", "tenant", pos[0], "name", pos[1], "cidr",
			 pos[2], "dhcp", !no_dhcp);
	if (body && mtu_text && json_object_set_new(body, "mtu", json_integer(mtu)) < 0) {
		json_decref(body);
		body = NULL;
	}
	return cli_create(cmd, opt, "/v1/subnets", body, print_subnets);
}

static int subnet_list(const struct cli_command *cmd, int argc, char **argv,
		       const struct cli_options *opt)
{
	char path[CLI_API_PATH_LEN] = "/v1/subnets";
	const char *pos[1];
	size_t n;
	int rc = cli_parse_args(cmd, argc, argv, NULL, 0, pos, 0, 1, &n);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (n && cli_api_query_append(path, sizeof(path), "tenant", pos[0]) < 0)
		return cli_fail(cmd, "name too long");
	return cli_list(cmd, opt, path, "subnets", print_subnets);
}

static int subnet_rm(const struct cli_command *cmd, int argc, char **argv,
		     const struct cli_options *opt)
{
	return cli_rm_verb(cmd, argc, argv, opt, "/v1/subnets", 2, "name");
}

static int subnet_run(const struct cli_command *self, int argc, char **argv,
		      const struct cli_options *opt)
{
	static const struct cli_verb verbs[] = {
		{ "create", subnet_create }, { "list", subnet_list }, { "rm", subnet_rm },
	};

	return cli_noun_dispatch(self, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv, opt);
}

const struct cli_command cli_cmd_subnet = {
	.name = "subnet",
	.run = subnet_run,
	.summary = "Creates, lists and removes subnets of a tenant",
	.usage = "Usage: " CLI_PROG " subnet create TENANT NAME CIDR [--mtu N] [--no-dhcp]\n"
		 "       " CLI_PROG " subnet list [TENANT]\n"
		 "       " CLI_PROG " subnet rm TENANT NAME\n"
		 "\n"
		 "create  adds an IPv4 subnet (prefix length 8..30) to a tenant. Its gateway is\n"
		 "        the first usable address; the MTU defaults to 1418 (576..9000); the\n"
		 "        agents answer DHCP in it unless --no-dhcp. Subnets of one tenant may\n"
		 "        not overlap; different tenants may use the same ranges.\n"
		 "list    shows every subnet, or one tenant's.\n"
		 "rm      removes a subnet; refused while it has ports.\n"
		 "\n"
		 "Examples:\n"
		 "  " CLI_PROG " subnet create acme web 10.0.1.0/24\n"
		 "  " CLI_PROG " subnet create acme storage 10.0.2.0/24 --mtu 8900 --no-dhcp\n"
		 "  " CLI_PROG " subnet list acme\n",
};
