/* The tenet command line: the command table's row type, global options, and
 * the few helpers every command shares. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_PROG "tenet"
/* Where the controller's admin API listens unless --socket says otherwise. */
#define CLI_DEFAULT_SOCKET "/run/tenet/controller.sock"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,  /* the command ran and failed */
	CLI_EXIT_USAGE = 2, /* the command line was wrong */
};

/* Options given before the command, parsed once in main.c. */
struct cli_options {
	const char *socket_path; /* --socket PATH */
	bool json;               /* --json: machine-readable output */
};

struct cli_command;

/* argv[0] is the command's name; argv[1..argc) its arguments. Returns an
 * enum cli_exit value. */
typedef int (*cli_run_fn)(const struct cli_command *self, int argc, char **argv,
			  const struct cli_options *opt);

/* One row of the command table (main.c lists the rows). */
struct cli_command {
	const char *name;
	cli_run_fn run;
	const char *summary; /* one line, for `tenet help` */
	const char *usage;   /* full usage with an example, for `tenet COMMAND --help` */
};

/* Each command file defines its rows under these names. */
#define CLI_COMMAND_DECLARE(noun) extern const struct cli_command cli_cmd_##noun;

/* "tenet CMD: message" on stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "tenet CMD: message" and the command's usage on stderr; returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Writes all of buf to fd, retrying on EINTR and short writes; 0 or -errno. */
int cli_write_all(int fd, const void *buf, size_t len);

#endif
