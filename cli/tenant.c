/* tenet tenant: isolated virtual networks, each with a 24-bit VNI. */
#include <stdio.h>

#include "cli/api_client.h"
#include "cli/noun.h"
#include "cli/table.h"

static int print_tenants(const json_t *tenants)
{
	static const char *const head[] = { "NAME", "VNI" };
	struct cli_table *t = cli_table_new(2, head);
	char vni[24];
	size_t i;
	json_t *o;

	if (!t)
		return CLI_EXIT_FAIL;
	json_array_foreach(tenants, i, o) {
		const char *row[] = { cli_json_str(o, "name"),
				      cli_json_int(o, "vni", vni, sizeof(vni)) };

		cli_table_add(t, row);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

static int tenant_create(const struct cli_command *cmd, int argc, char **argv,
			 const struct cli_options *opt)
{
	const char *pos[1], *vni_text = NULL;
	const struct cli_flag flags[] = { { "--vni", &vni_text, NULL } };
	long long vni = 0;
	json_t *body;
	int rc = cli_parse_args(cmd, argc, argv, flags, 1, pos, 1, 1, NULL);

	if (rc == CLI_EXIT_OK && vni_text)
		rc = cli_parse_int_flag(cmd, "--vni", vni_text, 0, 1LL << 32, &vni);
	if (rc != CLI_EXIT_OK)
		return rc;
	body = vni_text ? json_pack("{s:s, s:I}", "name", pos[0], "vni", (json_int_t)vni)
			: json_pack("{s:s}", "name", pos[0]);
	return cli_create(cmd, opt, "/v1/tenants", body, print_tenants);
}

static int tenant_list(const struct cli_command *cmd, int argc, char **argv,
		       const struct cli_options *opt)
{
	return cli_list_verb(cmd, argc, argv, opt, "/v1/tenants", "tenants", print_tenants);
}

static int tenant_rm(const struct cli_command *cmd, int argc, char **argv,
		     const struct cli_options *opt)
{
	return cli_rm_verb(cmd, argc, argv, opt, "/v1/tenants", 1, "name");
}

static int tenant_run(const struct cli_command *self, int argc, char **argv,
		      const struct cli_options *opt)
{
	static const struct cli_verb verbs[] = {
		{ "create", tenant_create }, { "list", tenant_list }, { "rm", tenant_rm },
	};

	return cli_noun_dispatch(self, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv, opt);
}

const struct cli_command cli_cmd_tenant = {
	.name = "tenant",
	.run = tenant_run,
	.summary = "Creates, lists and removes tenants (isolated networks with a VNI)",
	.usage = "Usage: " CLI_PROG " tenant create NAME [--vni N]\n"
		 "       " CLI_PROG " tenant list\n"
		 "       " CLI_PROG " tenant rm NAME\n"
		 "\n"
		 "create  makes a tenant. Its VNI (1..16777215) tags its traffic between hosts;\n"
		 "        without --vni the lowest free one is chosen.\n"
		 "list    shows every tenant and its VNI.\n"
		 "rm      removes a tenant; refused while it has subnets, ports or routes.\n"
		 "\n"
		 "Examples:\n"
		 "  " CLI_PROG " tenant create acme\n"
		 "  " CLI_PROG " tenant create beta --vni 4096\n"
		 "  " CLI_PROG " tenant rm beta\n",
};
