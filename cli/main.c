/* tenet: global options, the command table and dispatch.
 *
 *   tenet [--socket PATH] [--json] COMMAND [ARGS...]
 *
 * Adding a noun: write cli/NOUN.c defining `const struct cli_command
 * cli_cmd_NOUN` (name, function, summary, usage with an example) and add one
 * X(NOUN) line to CLI_COMMANDS below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"

/* The command table, in the order `tenet help` lists it. */
#define CLI_COMMANDS(X) \
	X(genkey)       \
	X(genpsk)       \
	X(pubkey)       \
	X(host)         \
	X(tenant)       \
	X(subnet)       \
	X(port)         \
	X(route)        \
	X(token)        \
	X(help)

CLI_COMMANDS(CLI_COMMAND_DECLARE)

#define CLI_COMMAND_ROW(noun) &cli_cmd_##noun,
static const struct cli_command *const commands[] = { CLI_COMMANDS(CLI_COMMAND_ROW) };
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *command_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void print_table(FILE *f)
{
	fprintf(f, "Usage: %s [--socket PATH] [--json] <command> [<args>]\n\nCommands:\n", CLI_PROG);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nGlobal options (before the command):\n"
		   "  --socket PATH  controller admin socket (default %s)\n"
		   "  --json         machine-readable output, where a command has one\n"
		   "\nRun `%s <command> --help' for a command's usage and an example.\n",
		CLI_DEFAULT_SOCKET, CLI_PROG);
}

static int help_run(const struct cli_command *self, int argc, char **argv,
		    const struct cli_options *opt)
{
	const struct cli_command *cmd;

	(void)opt;
	if (argc == 1) {
		print_table(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2)
		return cli_usage_error(self, "too many arguments");
	cmd = command_find(argv[1]);
	if (!cmd)
		return cli_usage_error(self, "unknown command '%s'", argv[1]);
	fputs(cmd->usage, stdout);
	return CLI_EXIT_OK;
}

const struct cli_command cli_cmd_help = {
	.name = "help",
	.run = help_run,
	.summary = "Lists the commands, or shows one command's usage",
	.usage = "Usage: " CLI_PROG " help [<command>]\n"
		 "\n"
		 "Without a command, lists every command; with one, shows its usage.\n"
		 "\n"
		 "Example:\n"
		 "  " CLI_PROG " help pubkey\n",
};

static bool is_help_flag(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* Parses the options before the command; returns the index of the command
 * in argv (argc if none), or -1 after printing a usage error. *help is set
 * by -h/--help, which ends the parse. */
static int parse_global_options(int argc, char **argv, struct cli_options *opt, bool *help)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--json")) {
			opt->json = true;
		} else if (!strcmp(a, "--socket")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "%s: option '--socket' needs a path\n", CLI_PROG);
				return -1;
			}
			opt->socket_path = argv[++i];
		} else if (!strncmp(a, "--socket=", 9) && a[9]) {
			opt->socket_path = a + 9;
		} else if (is_help_flag(a)) {
			*help = true;
			return argc;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", CLI_PROG, a);
			return -1;
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	struct cli_options opt = { .socket_path = CLI_DEFAULT_SOCKET, .json = false };
	const struct cli_command *cmd;
	bool help = false;
	int first;

	first = parse_global_options(argc, argv, &opt, &help);
	if (first < 0) {
		fprintf(stderr, "Run `%s help' for usage.\n", CLI_PROG);
		return CLI_EXIT_USAGE;
	}
	if (first >= argc) {
		/* Bare `tenet` is a usage error; `tenet --help` is not. */
		print_table(help ? stdout : stderr);
		return help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	cmd = command_find(argv[first]);
	if (!cmd) {
		fprintf(stderr, "%s: unknown command '%s'\nRun `%s help' for the list of commands.\n",
			CLI_PROG, argv[first], CLI_PROG);
		return CLI_EXIT_USAGE;
	}
	if (first + 1 < argc && is_help_flag(argv[first + 1])) {
		fputs(cmd->usage, stdout);
		return CLI_EXIT_OK;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: cannot initialise libsodium\n", CLI_PROG);
		return CLI_EXIT_FAIL;
	}
	return cmd->run(cmd, argc - first, argv + first, &opt);
}
