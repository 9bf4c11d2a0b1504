/* Verb dispatch, flags, and one API round trip for the controller nouns. */
#include "cli/noun.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/api_client.h"

int cli_noun_dispatch(const struct cli_command *cmd, const struct cli_verb *verbs, size_t n,
		      int argc, char **argv, const struct cli_options *opt)
{
	size_t i;

	if (argc < 2)
		return cli_usage_error(cmd, "missing verb");
	for (i = 0; i < n; i++)
		if (!strcmp(verbs[i].name, argv[1]))
			return verbs[i].run(cmd, argc - 1, argv + 1, opt);
	return cli_usage_error(cmd, "unknown verb '%s'", argv[1]);
}

static const struct cli_flag *find_flag(const struct cli_flag *flags, size_t n,
					const char *arg, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(flags[i].name) == len && !strncmp(flags[i].name, arg, len))
			return &flags[i];
	return NULL;
}

/* One "--name", "--name=value" or "--name value" at argv[*i]. */
static int take_flag(const struct cli_command *cmd, int argc, char **argv, int *i,
		     const struct cli_flag *flags, size_t nflags)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	const struct cli_flag *f = find_flag(flags, nflags, arg, eq ? (size_t)(eq - arg)
								     : strlen(arg));

	if (!f)
		return cli_usage_error(cmd, "unknown option '%s'", arg);
	if (f->set) {
		if (eq)
			return cli_usage_error(cmd, "option '%s' takes no value", f->name);
		*f->set = true;
		return CLI_EXIT_OK;
	}
	if (eq) {
		*f->value = eq + 1;
	} else if (*i + 1 < argc) {
		*f->value = argv[++*i];
	} else {
		return cli_usage_error(cmd, "option '%s' needs a value", f->name);
	}
	return CLI_EXIT_OK;
}

int cli_parse_args(const struct cli_command *cmd, int argc, char **argv,
		   const struct cli_flag *flags, size_t nflags, const char **pos, size_t min,
		   size_t max, size_t *npos)
{
	bool flags_done = false;
	size_t n = 0;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!flags_done && !strcmp(argv[i], "--")) {
			flags_done = true;
		} else if (!flags_done && argv[i][0] == '-' && argv[i][1]) {
			rc = take_flag(cmd, argc, argv, &i, flags, nflags);
			if (rc != CLI_EXIT_OK)
				return rc;
		} else if (n == max) {
			return cli_usage_error(cmd, "too many arguments for '%s'", argv[0]);
		} else {
			pos[n++] = argv[i];
		}
	}
	if (n < min)
		return cli_usage_error(cmd, "too few arguments for '%s'", argv[0]);
	if (npos)
		*npos = n;
	return CLI_EXIT_OK;
}

int cli_parse_int_flag(const struct cli_command *cmd, const char *flag, const char *text,
		       long long min, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (!*text || *end || errno)
		return cli_usage_error(cmd, "%s wants a number, not '%s'", flag, text);
	if (v < min || v > max) {
		return cli_usage_error(cmd, "%s %lld is out of range %lld..%lld", flag, v, min,
				       max);
	}
	*out = v;
	return CLI_EXIT_OK;
}

int cli_request(const struct cli_command *cmd, const struct cli_options *opt,
		const char *method, const char *path, json_t *body, json_t **out)
{
	struct cli_api_reply reply;
	char err[CLI_API_ERROR_LEN];
	const char *msg;
	int rc = cli_api_call(opt->socket_path, method, path, body, &reply, err);

	if (out)
		*out = NULL;
	if (rc < 0)
		return cli_fail(cmd, "%s", err);
	if (reply.status < 200 || reply.status > 299) {
		msg = cli_json_str(reply.body, "error");
		rc = msg ? cli_fail(cmd, "%s", msg)
			 : cli_fail(cmd, "the controller answered HTTP %d", reply.status);
		json_decref(reply.body);
		return rc;
	}
	if (!reply.body) {
		return cli_fail(cmd, "the controller's answer is not JSON");
	}
	if (out)
		*out = reply.body;
	else
		json_decref(reply.body);
	return CLI_EXIT_OK;
}

int cli_print_json(const json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2)) < 0)
		return CLI_EXIT_FAIL;
	fputc('\n', stdout);
	return CLI_EXIT_OK;
}

const char *cli_json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

const char *cli_json_int(const json_t *obj, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return buf;
}

int cli_create(const struct cli_command *cmd, const struct cli_options *opt, const char *path,
	       json_t *body, cli_rows_fn rows)
{
	json_t *out, *one;
	int rc;

	if (!body)
		return cli_fail(cmd, "out of memory");
	rc = cli_request(cmd, opt, "POST", path, body, &out);
	json_decref(body);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (opt->json) {
		rc = cli_print_json(out);
	} else {
		one = json_pack("[O]", out);
		rc = one ? rows(one) : CLI_EXIT_FAIL;
		json_decref(one);
	}
	json_decref(out);
	return rc;
}

int cli_list(const struct cli_command *cmd, const struct cli_options *opt, const char *path,
	     const char *key, cli_rows_fn rows)
{
	json_t *out;
	int rc = cli_request(cmd, opt, "GET", path, NULL, &out);

	if (rc != CLI_EXIT_OK)
		return rc;
	rc = opt->json ? cli_print_json(out) : rows(json_object_get(out, key));
	json_decref(out);
	return rc;
}

int cli_delete(const struct cli_command *cmd, const struct cli_options *opt, const char *path)
{
	json_t *out;
	int rc = cli_request(cmd, opt, "DELETE", path, NULL, &out);

	if (rc == CLI_EXIT_OK && opt->json)
		rc = cli_print_json(out);
	json_decref(out);
	return rc;
}

int cli_list_verb(const struct cli_command *cmd, int argc, char **argv,
		  const struct cli_options *opt, const char *path, const char *key,
		  cli_rows_fn rows)
{
	int rc = cli_parse_args(cmd, argc, argv, NULL, 0, NULL, 0, 0, NULL);

	return rc != CLI_EXIT_OK ? rc : cli_list(cmd, opt, path, key, rows);
}

int cli_rm_verb(const struct cli_command *cmd, int argc, char **argv,
		const struct cli_options *opt, const char *base, size_t nseg, const char *what)
{
	char path[CLI_API_PATH_LEN];
	const char *pos[CLI_RM_MAX_SEGMENTS];
	size_t i;
	int rc;

	if (nseg == 0 || nseg > CLI_RM_MAX_SEGMENTS)
		return cli_fail(cmd, "internal error: %zu path segments", nseg);
	rc = cli_parse_args(cmd, argc, argv, NULL, 0, pos, nseg, nseg, NULL);
	if (rc != CLI_EXIT_OK)
		return rc;
	if ((size_t)snprintf(path, sizeof(path), "%s", base) >= sizeof(path))
		return cli_fail(cmd, "%s too long", what);
	for (i = 0; i < nseg; i++)
		if (cli_api_path_append(path, sizeof(path), pos[i]) < 0)
			return cli_fail(cmd, "%s too long", what);
	return cli_delete(cmd, opt, path);
}
