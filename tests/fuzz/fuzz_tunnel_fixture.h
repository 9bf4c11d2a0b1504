/* Shared by the tunnel fuzz harnesses: two devices a and b that know each
 * other as peers, a deterministic RNG and a fixed clock, built afresh for
 * every input so no state is carried between runs. A header because each
 * harness is built from its one .c file. */
#ifndef FUZZ_TUNNEL_FIXTURE_H
#define FUZZ_TUNNEL_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>

#include "tunnel/key.h"
#include "tunnel/tunnel.h"

struct fuzz_pair {
	struct wg_device *a, *b;
	struct wg_peer *pa, *pb;   /* b as a's peer, a as b's peer */
	struct wg_env env;
	uint64_t rng_state;
	struct wg_endpoint ea, eb; /* where a and b send from */
};

/* A small LCG: reproducible inputs matter more here than quality. */
static void fuzz_rng_fill(void *c, uint8_t *buf, size_t len)
{
	uint64_t *s = c;
	size_t i;

	for (i = 0; i < len; i++) {
		*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (uint8_t)(*s >> 56);
	}
}

static inline void fuzz_endpoint(struct wg_endpoint *ep, uint32_t ip, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_addr.s_addr = htonl(ip);
	ep->addr.in4.sin_port = htons(port);
}

/* 0, or -1 if the devices could not be made (the harness aborts). */
static inline int fuzz_pair_setup(struct fuzz_pair *p, uint64_t seed)
{
	uint8_t rnd[32], ska[32], skb[32], pka[32], pkb[32];

	memset(p, 0, sizeof(*p));
	p->rng_state = seed;
	p->env.rng.fill = fuzz_rng_fill;
	p->env.rng.ctx = &p->rng_state;
	p->env.now = 1000ULL * WG_NSEC_PER_SEC;
	p->env.wall_ns = 1700000000ULL * WG_NSEC_PER_SEC;
	fuzz_rng_fill(&p->rng_state, rnd, 32);
	wg_key_private_from_random(ska, rnd);
	fuzz_rng_fill(&p->rng_state, rnd, 32);
	wg_key_private_from_random(skb, rnd);
	if (!wg_key_public_from_private(pka, ska) || !wg_key_public_from_private(pkb, skb))
		return -1;
	p->a = wg_device_create(ska);
	p->b = wg_device_create(skb);
	if (!p->a || !p->b || wg_peer_create(p->a, pkb, &p->pa) ||
	    wg_peer_create(p->b, pka, &p->pb))
		return -1;
	fuzz_endpoint(&p->ea, 0xc0000201, 51820);
	fuzz_endpoint(&p->eb, 0xc0000202, 51820);
	return 0;
}

static inline void fuzz_pair_destroy(struct fuzz_pair *p)
{
	wg_device_destroy(p->a);
	wg_device_destroy(p->b);
}

#endif
