/* Plumbing shared by the nouns that talk to the controller (host, tenant,
 * subnet, port, route, token): verb dispatch, flag parsing, one API call
 * with its error reporting, and the --json view. */
#ifndef CLI_NOUN_H
#define CLI_NOUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cli/cli.h"

/* argv[0] is the verb. */
typedef int (*cli_verb_fn)(const struct cli_command *cmd, int argc, char **argv,
			   const struct cli_options *opt);

struct cli_verb {
	const char *name;
	cli_verb_fn run;
};

/* argv[0] is the noun and argv[1] the verb; a missing or unknown verb is a
 * usage error. */
int cli_noun_dispatch(const struct cli_command *cmd, const struct cli_verb *verbs, size_t n,
		      int argc, char **argv, const struct cli_options *opt);

struct cli_flag {
	const char *name;      /* "--mtu" */
	const char **value;    /* takes a value; NULL for a switch */
	bool *set;             /* a switch; NULL for a value flag */
};

/* Splits argv[1..] into flags ("--f V" or "--f=V") and positional
 * arguments (at most max, at least min). Prints a usage error and returns
 * CLI_EXIT_USAGE on anything wrong, else CLI_EXIT_OK. */
int cli_parse_args(const struct cli_command *cmd, int argc, char **argv,
		   const struct cli_flag *flags, size_t nflags, const char **pos, size_t min,
		   size_t max, size_t *npos);
/* A decimal integer in [min, max], or a usage error naming the flag. */
int cli_parse_int_flag(const struct cli_command *cmd, const char *flag, const char *text,
		       long long min, long long max, long long *out);

/* Calls the admin API. On success (2xx) returns CLI_EXIT_OK and the reply
 * body in *out (caller frees; may be NULL if out is NULL). Otherwise prints
 * "tenet NOUN: <the controller's error>" and returns CLI_EXIT_FAIL. */
int cli_request(const struct cli_command *cmd, const struct cli_options *opt,
		const char *method, const char *path, json_t *body, json_t **out);

/* Prints an array of objects as a table (the human view of a list). */
typedef int (*cli_rows_fn)(const json_t *array);

/* POST body (consumed) to path; shows the created object (--json: as the
 * controller returned it, else as a one-row table). */
int cli_create(const struct cli_command *cmd, const struct cli_options *opt, const char *path,
	       json_t *body, cli_rows_fn rows);
/* GET path; --json: the whole answer, else the array under key as a table. */
int cli_list(const struct cli_command *cmd, const struct cli_options *opt, const char *path,
	     const char *key, cli_rows_fn rows);
/* DELETE path; silent on success unless --json ({"revision": R}). */
int cli_delete(const struct cli_command *cmd, const struct cli_options *opt, const char *path);

/* A `list` verb that takes no arguments: GET path, shown as cli_list does. */
int cli_list_verb(const struct cli_command *cmd, int argc, char **argv,
		  const struct cli_options *opt, const char *path, const char *key,
		  cli_rows_fn rows);

#define CLI_RM_MAX_SEGMENTS 2

/* An `rm` verb: exactly nseg (1..CLI_RM_MAX_SEGMENTS) positional arguments,
 * each appended to base as one path segment, then cli_delete. An over-long
 * path is refused as "WHAT too long" (what: "name", "id"). */
int cli_rm_verb(const struct cli_command *cmd, int argc, char **argv,
		const struct cli_options *opt, const char *base, size_t nseg, const char *what);

/* The body as indented JSON on stdout. */
int cli_print_json(const json_t *j);
/* A string member, or NULL. */
const char *cli_json_str(const json_t *obj, const char *key);
/* An integer member as text ("-" if absent) in buf. */
const char *cli_json_int(const json_t *obj, const char *key, char *buf, size_t size);

#endif
