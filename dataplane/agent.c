/* Agent state: identity, peers and their dataplane state, AllowedIPs. */
#include "dataplane/agent.h"

#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tunnel/key.h"

static const char *const drop_names[AGENT_DROP__COUNT] = {
	[AGENT_DROP_ALLOWED_IPS] = "allowed_ips",
	[AGENT_DROP_NO_ROUTE] = "no_route",
	[AGENT_DROP_BAD_INNER_PACKET] = "bad_inner_packet",
	[AGENT_DROP_BAD_TUN_PACKET] = "bad_tun_packet",
	[AGENT_DROP_NO_ENDPOINT] = "no_endpoint",
	[AGENT_DROP_STAGED_OVERFLOW] = "staged_overflow",
	[AGENT_DROP_STAGED_EXPIRED] = "staged_expired",
	[AGENT_DROP_TOO_BIG] = "too_big",
	[AGENT_DROP_UDP_SEND] = "udp_send",
	[AGENT_DROP_UDP_RECV] = "udp_recv",
	[AGENT_DROP_TUN_WRITE] = "tun_write",
	[AGENT_DROP_NO_MEMORY] = "no_memory",
};

const char *agent_drop_name(enum agent_drop d)
{
	return (unsigned)d < AGENT_DROP__COUNT ? drop_names[d] : "unknown";
}

int agent_create(const char *ifname, struct agent **out)
{
	struct agent *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->mtu = AGENT_DEFAULT_MTU;
	a->udp.fd = -1;
	a->tun_fd = -1;
	a->offload = true;
	a->dev = wg_device_create(NULL);
	a->allowed = lpm_create();
	if (!a->dev || !a->allowed) {
		agent_destroy(a);
		return -ENOMEM;
	}
	load_init(&a->load, agent_now());
	*out = a;
	return 0;
}

void agent_destroy(struct agent *a)
{
	if (!a)
		return;
	if (a->dev)
		agent_peers_clear(a);
	wg_device_destroy(a->dev);
	lpm_destroy(a->allowed);
	free(a->addresses);
	free(a->routes);
	free(a);
}

/* Small draws (timer jitter on every data packet sent while no reply has
 * come back, indices) come from a pool refilled from the kernel 256 bytes at
 * a time: randombytes_buf is one getrandom system call per call, which sat
 * on the latency path of every ping. Used bytes are wiped at once, so the
 * pool never holds anything that was handed out (ephemeral keys included). */
#define RNG_POOL 256
#define RNG_POOL_MAX_DRAW 64

static _Thread_local uint8_t rng_pool[RNG_POOL];
static _Thread_local size_t rng_left;

static void rng_fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (len > RNG_POOL_MAX_DRAW) {
		randombytes_buf(buf, len);
		return;
	}
	if (rng_left < len) {
		randombytes_buf(rng_pool, sizeof(rng_pool));
		rng_left = sizeof(rng_pool);
	}
	rng_left -= len;
	memcpy(buf, rng_pool + rng_left, len);
	sodium_memzero(rng_pool + rng_left, len);
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t agent_now(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

void agent_env(struct wg_env *env)
{
	env->now = clock_ns(CLOCK_MONOTONIC);
	env->wall_ns = clock_ns(CLOCK_REALTIME);
	env->rng.fill = rng_fill;
	env->rng.ctx = NULL;
}

void agent_set_private_key(struct agent *a, const uint8_t *key)
{
	uint8_t pub[32];
	struct wg_peer *self;

	if (key && wg_key_is_zero(key))
		key = NULL;
	/* The engine would drop a peer that now has our own key behind our
	 * back; remove it here so its AllowedIPs and queue go with it. */
	if (key && wg_key_public_from_private(pub, key)) {
		self = wg_peer_lookup(a->dev, pub);
		if (self)
			agent_peer_remove(a, self);
	}
	wg_device_set_private_key(a->dev, key);
	sodium_memzero(pub, sizeof(pub));
}

int agent_peer_create(struct agent *a, const uint8_t public_key[32], struct wg_peer **out)
{
	struct agent_peer *ap = calloc(1, sizeof(*ap));
	struct wg_peer *peer;
	int rc;

	if (!ap)
		return -ENOMEM;
	rc = wg_peer_create(a->dev, public_key, &peer);
	if (rc < 0) {
		free(ap);
		return rc;
	}
	ap->agent = a;
	ap->peer = peer;
	ap->timer_at = UINT64_MAX;
	ap->greet_at = UINT64_MAX;
	staged_init(&ap->staged);
	wg_peer_set_user(peer, ap);
	*out = peer;
	return 0;
}

struct agent_peer *agent_peer_state(const struct wg_peer *peer)
{
	return wg_peer_user(peer);
}

void agent_peer_remove(struct agent *a, struct wg_peer *peer)
{
	struct agent_peer *ap = wg_peer_user(peer);

	lpm_remove_by_value(a->allowed, peer);
	if (ap) {
		if (ap->timer)
			event_free(ap->timer);
		staged_clear(&ap->staged);
		free(ap);
	}
	wg_peer_set_user(peer, NULL);
	wg_peer_remove(a->dev, peer);
}

void agent_peers_clear(struct agent *a)
{
	struct wg_peer *peer;

	while ((peer = wg_device_first_peer(a->dev)))
		agent_peer_remove(a, peer);
}

int agent_allowed_ip_add(struct agent *a, struct wg_peer *peer, int family, const uint8_t *addr,
			 uint8_t plen)
{
	return lpm_insert(a->allowed, family, addr, plen, peer);
}

void agent_allowed_ips_clear(struct agent *a, struct wg_peer *peer)
{
	lpm_remove_by_value(a->allowed, peer);
}

void agent_count_drop(struct agent *a, enum agent_drop d, uint64_t n)
{
	if ((unsigned)d < AGENT_DROP__COUNT)
		a->drops[d] += n;
}
