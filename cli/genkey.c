/* tenet genkey, genpsk and pubkey: the same keys, in the same format (44
 * characters of base64 and a newline), as wg genkey, genpsk and pubkey, so
 * the two tools' output can be piped into each other either way.
 *
 * Key bytes only ever live in buffers of ours that are wiped before return:
 * input is read with read(2) and output written with write(2), never through
 * stdio's buffers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "tunnel/key.h"

/* Anything longer on stdin than this is not a key and a trailing newline. */
#define PUBKEY_MAX_INPUT 4096

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void warn_if_world_accessible(void)
{
	struct stat st;

	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fputs("Warning: the key is going to a file other users can access;\n"
		      "set the umask to 077 (or chmod the file) and try again.\n", stderr);
}

/* Prints key as base64 and a newline on stdout, then wipes the copy. */
static int print_key(const struct cli_command *cmd, const uint8_t key[32])
{
	char line[WG_KEY_B64_LEN];
	int err;

	wg_key_to_base64(line, key);
	line[WG_KEY_B64_LEN - 1] = '\n';
	err = cli_write_all(STDOUT_FILENO, line, sizeof(line));
	sodium_memzero(line, sizeof(line));
	if (err)
		return cli_fail(cmd, "cannot write the key: %s", strerror(-err));
	return CLI_EXIT_OK;
}

/* genkey clamps the random bytes into a Curve25519 private key; genpsk
 * uses them as they are. */
static int generate(const struct cli_command *self, int argc, bool clamp)
{
	uint8_t key[32];
	int ret;

	if (argc != 1)
		return cli_usage_error(self, "takes no arguments");
	/* As wg does. A file named in a shell redirect already exists by now,
	 * with the shell's umask: hence the warning. */
	umask(077);
	warn_if_world_accessible();
	randombytes_buf(key, sizeof(key));
	if (clamp)
		wg_key_private_from_random(key, key);
	ret = print_key(self, key);
	sodium_memzero(key, sizeof(key));
	return ret;
}

static int genkey_run(const struct cli_command *self, int argc, char **argv,
		      const struct cli_options *opt)
{
	(void)argv;
	(void)opt;
	return generate(self, argc, true);
}

static int genpsk_run(const struct cli_command *self, int argc, char **argv,
		      const struct cli_options *opt)
{
	(void)argv;
	(void)opt;
	return generate(self, argc, false);
}

/* Reads one whitespace-delimited word of at most 44 characters from stdin
 * into b64 (NUL-terminated); whitespace may surround it, nothing else may.
 * Returns 0, -EINVAL (not one short word) or -errno from read. */
static int read_key_text(char b64[WG_KEY_B64_LEN])
{
	unsigned char chunk[64];
	size_t len = 0, total = 0;
	bool after = false; /* the word has ended */
	int ret = 0;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > PUBKEY_MAX_INPUT) {
			ret = -EINVAL;
			goto out;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (is_space(chunk[i])) {
				after = after || len > 0;
				continue;
			}
			if (after || len == WG_KEY_B64_LEN - 1) {
				ret = -EINVAL;
				goto out;
			}
			b64[len++] = (char)chunk[i];
		}
	}
	b64[len] = '\0';
out:
	sodium_memzero(chunk, sizeof(chunk));
	return ret;
}

static int pubkey_run(const struct cli_command *self, int argc, char **argv,
		      const struct cli_options *opt)
{
	char b64[WG_KEY_B64_LEN];
	uint8_t priv[32], pub[32];
	int err, ret;

	(void)argv;
	(void)opt;
	if (argc != 1)
		return cli_usage_error(self, "takes no arguments (the private key is read from stdin)");
	err = read_key_text(b64);
	if (err == -EINVAL || (!err && !wg_key_from_base64(priv, b64))) {
		ret = cli_fail(self, "the private key on stdin is not 44 characters of base64 "
			       "(as printed by genkey)");
		goto out;
	}
	if (err) {
		ret = cli_fail(self, "cannot read stdin: %s", strerror(-err));
		goto out;
	}
	if (!wg_key_public_from_private(pub, priv)) {
		ret = cli_fail(self, "the private key yields no valid public key");
		goto out;
	}
	ret = print_key(self, pub);
out:
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(priv, sizeof(priv));
	return ret;
}

const struct cli_command cli_cmd_genkey = {
	.name = "genkey",
	.run = genkey_run,
	.summary = "Generates a new private key and writes it to stdout",
	.usage = "Usage: " CLI_PROG " genkey\n"
		 "\n"
		 "Writes a new random Curve25519 private key, base64, to stdout (the\n"
		 "format of `wg genkey'). The umask is set to 077 first.\n"
		 "\n"
		 "Example:\n"
		 "  " CLI_PROG " genkey | tee host.key | " CLI_PROG " pubkey > host.pub\n",
};

const struct cli_command cli_cmd_genpsk = {
	.name = "genpsk",
	.run = genpsk_run,
	.summary = "Generates a new preshared key and writes it to stdout",
	.usage = "Usage: " CLI_PROG " genpsk\n"
		 "\n"
		 "Writes 32 random bytes, base64, to stdout (the format of `wg genpsk').\n"
		 "The umask is set to 077 first.\n"
		 "\n"
		 "Example:\n"
		 "  " CLI_PROG " genpsk > peer.psk\n",
};

const struct cli_command cli_cmd_pubkey = {
	.name = "pubkey",
	.run = pubkey_run,
	.summary = "Reads a private key from stdin and writes its public key to stdout",
	.usage = "Usage: " CLI_PROG " pubkey < private-key\n"
		 "\n"
		 "Reads a base64 private key (from genkey or `wg genkey') on stdin and\n"
		 "writes the matching public key, base64, to stdout.\n"
		 "\n"
		 "Example:\n"
		 "  " CLI_PROG " pubkey < host.key\n",
};
