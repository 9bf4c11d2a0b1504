/* tenet route: per-tenant prefixes reached through a port. */
#include <stdio.h>
#include <string.h>

#include "cli/api_client.h"
#include "cli/noun.h"
#include "cli/table.h"

static int print_routes(const json_t *routes)
{
	static const char *const head[] = { "TENANT", "PREFIX", "VIA" };
	struct cli_table *t = cli_table_new(3, head);
	size_t i;
	json_t *r;

	if (!t)
		return CLI_EXIT_FAIL;
	json_array_foreach(routes, i, r) {
		const char *row[] = { cli_json_str(r, "tenant"), cli_json_str(r, "prefix"),
				      cli_json_str(r, "via") };

		cli_table_add(t, row);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

static int route_add(const struct cli_command *cmd, int argc, char **argv,
		     const struct cli_options *opt)
{
	const char *pos[2], *via = NULL;
	const struct cli_flag flags[] = { { "--via", &via, NULL } };
	int rc = cli_parse_args(cmd, argc, argv, flags, 1, pos, 2, 2, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (!via)
		return cli_usage_error(cmd, "route add needs --via");
	return cli_create(cmd, opt, "/v1/routes", json_pack("{s:s, s:s, s:s}", "tenant", pos[0],
			  "prefix", pos[1], "via", via), print_routes);
}

static int route_list(const struct cli_command *cmd, int argc, char **argv,
		      const struct cli_options *opt)
{
	char path[CLI_API_PATH_LEN] = "/v1/routes";
	const char *pos[1];
	int rc = cli_parse_args(cmd, argc, argv, NULL, 0, pos, 1, 1, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (cli_api_query_append(path, sizeof(path), "tenant", pos[0]) < 0)
		return cli_fail(cmd, "name too long");
	return cli_list(cmd, opt, path, "routes", print_routes);
}

/* The route's URL is /v1/routes/TENANT/A.B.C.D/LEN: the prefix's own slash
 * separates two path segments. */
static int route_rm(const struct cli_command *cmd, int argc, char **argv,
		    const struct cli_options *opt)
{
	char path[CLI_API_PATH_LEN] = "/v1/routes", addr[64];
	const char *pos[2], *slash;
	int rc = cli_parse_args(cmd, argc, argv, NULL, 0, pos, 2, 2, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	slash = strchr(pos[1], '/');
	if (!slash || (size_t)(slash - pos[1]) >= sizeof(addr))
		return cli_fail(cmd, "prefix \"%.64s\" is not an IPv4 prefix like 10.0.1.0/24",
				pos[1]);
	memcpy(addr, pos[1], (size_t)(slash - pos[1]));
	addr[slash - pos[1]] = '\0';
	if (cli_api_path_append(path, sizeof(path), pos[0]) < 0 ||
	    cli_api_path_append(path, sizeof(path), addr) < 0 ||
	    cli_api_path_append(path, sizeof(path), slash + 1) < 0)
		return cli_fail(cmd, "argument too long");
	return cli_delete(cmd, opt, path);
}

static int route_run(const struct cli_command *self, int argc, char **argv,
		     const struct cli_options *opt)
{
	static const struct cli_verb verbs[] = {
		{ "add", route_add }, { "list", route_list }, { "rm", route_rm },
	};

	return cli_noun_dispatch(self, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv, opt);
}

const struct cli_command cli_cmd_route = {
	.name = "route",
	.run = route_run,
	.summary = "Adds, lists and removes a tenant's routes",
	.usage = "Usage: " CLI_PROG " route add TENANT PREFIX --via IP\n"
		 "       " CLI_PROG " route list TENANT\n"
		 "       " CLI_PROG " route rm TENANT PREFIX\n"
		 "\n"
		 "add     sends the tenant's traffic for PREFIX to the port whose IP is the\n"
		 "        --via address (a router VM, a gateway to a branch office).\n"
		 "list    shows a tenant's routes.\n"
		 "rm      removes a route.\n"
		 "\n"
		 "Examples:\n"
		 "  " CLI_PROG " route add acme 0.0.0.0/0 --via 10.0.1.2\n"
		 "  " CLI_PROG " route add acme 192.168.10.0/24 --via 10.0.1.3\n"
		 "  " CLI_PROG " route rm acme 0.0.0.0/0\n",
};
