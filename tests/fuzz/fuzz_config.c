/* libFuzzer harness for the wg-quick config parser: any bytes in, then the
 * promises checked: on failure cfg is empty and the message names the file;
 * on success every prefix and endpoint is well formed. Then free. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/config.h"

static void check_prefix(const struct config_prefix *p)
{
	if (p->family == AF_INET && p->plen <= 32)
		return;
	if (p->family == AF_INET6 && p->plen <= 128)
		return;
	abort();
}

static void check_parsed(const struct config *cfg)
{
	size_t i, j;

	if (cfg->mtu && (cfg->mtu < 576 || cfg->mtu > 9000))
		abort();
	for (i = 0; i < cfg->n_addresses; i++)
		check_prefix(&cfg->addresses[i]);
	for (i = 0; i < cfg->n_peers; i++) {
		const struct config_peer *peer = &cfg->peers[i];

		for (j = 0; j < peer->n_allowed_ips; j++)
			check_prefix(&peer->allowed_ips[j]);
		if (peer->has_endpoint &&
		    (!memchr(peer->endpoint_host, '\0', CONFIG_HOST_LEN) ||
		     !peer->endpoint_host[0] || !peer->endpoint_port))
			abort();
		for (j = 0; j < i; j++)
			if (!memcmp(cfg->peers[j].public_key, peer->public_key, 32))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct config empty;
	char err[CONFIG_ERROR_LEN];
	struct config cfg;
	int ret;

	ret = config_parse(&cfg, "fuzz", (const char *)data, size, err);
	if (ret) {
		if (memcmp(&cfg, &empty, sizeof(cfg)) || strncmp(err, "fuzz:", 5) ||
		    !memchr(err, '\0', sizeof(err)))
			abort();
	} else {
		if (err[0])
			abort();
		check_parsed(&cfg);
	}
	config_free(&cfg);
	return 0;
}
