/* The wg-quick configuration file format ([Interface] and [Peer] sections),
 * as read by `tenet-agent --config PATH`. Parsing touches nothing but memory:
 * hostnames in Endpoint are kept as text and resolved by the caller. */
#ifndef DATAPLANE_CONFIG_H
#define DATAPLANE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_ERROR_LEN 512
#define CONFIG_HOST_LEN  256

struct config_prefix {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* 4 or 16 bytes used; as written (host bits kept) */
	uint8_t plen;
};

struct config_peer {
	uint8_t public_key[32];
	bool has_preshared_key;
	uint8_t preshared_key[32];
	struct config_prefix *allowed_ips;
	size_t n_allowed_ips;
	bool has_endpoint;
	char endpoint_host[CONFIG_HOST_LEN]; /* IPv4 literal, IPv6 literal without brackets, or hostname */
	uint16_t endpoint_port;
	uint16_t persistent_keepalive;       /* seconds, 0 = off */
	unsigned line;                       /* line of the [Peer] header, for messages */
};

struct config {
	uint8_t private_key[32];
	bool has_listen_port;
	uint16_t listen_port;
	struct config_prefix *addresses;
	size_t n_addresses;
	unsigned mtu;                        /* 0 = not given (default 1420) */
	struct config_peer *peers;
	size_t n_peers;
};

/* Parses a whole file's text. On failure returns a negative errno (-EINVAL for
 * bad content, -ENOMEM) and writes "PATH:LINE: what is wrong" into err; cfg is
 * then empty. `path` is used only in messages. Keys wg-quick knows but tenet
 * does not act on (DNS, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig,
 * FwMark) are accepted and ignored with no error; unknown keys and sections
 * are errors. */
int config_parse(struct config *cfg, const char *path, const char *text, size_t len,
		 char err[CONFIG_ERROR_LEN]);
/* Reads and parses a file (refusing files over 1 MiB). */
int config_load(struct config *cfg, const char *path, char err[CONFIG_ERROR_LEN]);
/* Frees what parse allocated and wipes the keys. */
void config_free(struct config *cfg);

#endif
