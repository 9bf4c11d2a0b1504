/* tenet token: one-time join tokens with which agents enrol themselves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/api_client.h"
#include "cli/noun.h"
#include "cli/table.h"

/* The controller accepts 60 s .. 30 days. */
#define TTL_MAX_SECONDS (30LL * 86400)

/* "90s", "15m", "2h", "7d" or plain seconds. */
static bool parse_duration(const char *s, long long *out)
{
	char *end;
	long long v, unit = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0)
		return false;
	if (*end) {
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return false;
		}
		if (end[1])
			return false;
	}
	if (v > TTL_MAX_SECONDS * 2 / unit)
		return false;
	*out = v * unit;
	return true;
}

static void format_time(json_t *t, char *buf, size_t size)
{
	time_t when = (time_t)json_integer_value(t);
	struct tm tm;

	if (!json_is_integer(t) || !gmtime_r(&when, &tm))
		snprintf(buf, size, "-");
	else
		strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_tokens(const json_t *tokens)
{
	static const char *const head[] = { "ID", "STATE", "EXPIRES", "HOST" };
	struct cli_table *t = cli_table_new(4, head);
	char id[24], expires[32];
	size_t i;
	json_t *o;

	if (!t)
		return CLI_EXIT_FAIL;
	json_array_foreach(tokens, i, o) {
		format_time(json_object_get(o, "expires_at"), expires, sizeof(expires));
		const char *row[] = { cli_json_int(o, "id", id, sizeof(id)),
				      cli_json_str(o, "state"), expires, cli_json_str(o, "host") };

		cli_table_add(t, row);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
	return CLI_EXIT_OK;
}

/* The token alone on stdout (so it can be captured), the rest on stderr. */
static int print_created(const struct cli_command *cmd, const struct cli_options *opt,
			 json_t *out)
{
	const char *token = cli_json_str(out, "token");
	char expires[32];

	if (opt->json)
		return cli_print_json(out);
	if (!token)
		return cli_fail(cmd, "the controller's answer has no token");
	format_time(json_object_get(out, "expires_at"), expires, sizeof(expires));
	printf("%s\n", token);
	fprintf(stderr, "%s %s: token %s expires %s; it is shown only this once\n", CLI_PROG,
		cmd->name, cli_json_int(out, "id", (char[24]){ 0 }, 24), expires);
	return CLI_EXIT_OK;
}

static int token_create(const struct cli_command *cmd, int argc, char **argv,
			const struct cli_options *opt)
{
	const char *ttl_text = NULL;
	const struct cli_flag flags[] = { { "--ttl", &ttl_text, NULL } };
	long long ttl = 3600;
	json_t *body, *out;
	int rc = cli_parse_args(cmd, argc, argv, flags, 1, NULL, 0, 0, NULL);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (ttl_text && !parse_duration(ttl_text, &ttl))
		return cli_usage_error(cmd, "--ttl wants a duration like 90s, 15m, 2h or 7d, "
				       "not '%s'", ttl_text);
	body = json_pack("{s:I}", "ttl_seconds", (json_int_t)ttl);
	rc = cli_request(cmd, opt, "POST", "/v1/tokens", body, &out);
	json_decref(body);
	if (rc == CLI_EXIT_OK)
		rc = print_created(cmd, opt, out);
	json_decref(out);
	return rc;
}

static int token_list(const struct cli_command *cmd, int argc, char **argv,
		      const struct cli_options *opt)
{
	return cli_list_verb(cmd, argc, argv, opt, "/v1/tokens", "tokens", print_tokens);
}

static int token_rm(const struct cli_command *cmd, int argc, char **argv,
		    const struct cli_options *opt)
{
	return cli_rm_verb(cmd, argc, argv, opt, "/v1/tokens", 1, "id");
}

static int token_run(const struct cli_command *self, int argc, char **argv,
		     const struct cli_options *opt)
{
	static const struct cli_verb verbs[] = {
		{ "create", token_create }, { "list", token_list }, { "rm", token_rm },
	};

	return cli_noun_dispatch(self, verbs, sizeof(verbs) / sizeof(verbs[0]), argc, argv, opt);
}

const struct cli_command cli_cmd_token = {
	.name = "token",
	.run = token_run,
	.summary = "Creates, lists and revokes one-time join tokens for agents",
	.usage = "Usage: " CLI_PROG " token create [--ttl DURATION]\n"
		 "       " CLI_PROG " token list\n"
		 "       " CLI_PROG " token rm ID\n"
		 "\n"
		 "create  makes a token an agent presents once, on its first connection, to\n"
		 "        register its public key. It is printed once (the controller keeps\n"
		 "        only its hash) and expires after DURATION: 90s, 15m, 2h, 7d or plain\n"
		 "        seconds, 60 s to 30 days (default 1h).\n"
		 "list    shows every token's state (valid, used, expired), never the token.\n"
		 "rm      revokes a token.\n"
		 "\n"
		 "Examples:\n"
		 "  TOKEN=$(" CLI_PROG " token create --ttl 15m)\n"
		 "  " CLI_PROG " token list\n",
};
