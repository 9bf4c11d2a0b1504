/* Handshake throughput of the tunnel/ engine, against the X25519 floor.
 *
 * Two in-memory devices that know each other run complete handshakes through
 * the public API only (tunnel/tunnel.h): the initiator builds an initiation,
 * the responder consumes it and answers, the initiator consumes the answer.
 * Every step is checked, so a broken engine stops the benchmark instead of
 * timing a fast failure. Rates are per core: each measurement runs on one
 * thread and divides by that thread's CPU time, so other load on the machine
 * does not show up as a slower engine.
 *
 * How many X25519 operations a full handshake costs (both sides together).
 * Noise_IKpsk2:  -> e, es, s, ss    <- e, ee, se, psk
 *   initiator, create initiation: e  = 1 fixed-base multiplication (new key)
 *                                 es = 1 DH
 *                                 ss = 0: the engine computes DH(s_i, S_r)
 *                                      once per peer, when the peer is added
 *   responder, consume initiation: es = 1 DH, ss = 0 (precomputed likewise)
 *   responder, create response:    e  = 1 fixed-base, ee = 1 DH, se = 1 DH
 *   initiator, consume response:   ee = 1 DH, se = 1 DH
 * Total: 6 variable-base DH + 2 fixed-base = N = 8 scalar multiplications
 * (10 without the ss precomputation). The ratio printed is
 * handshake time / (8 x one crypto_scalarmult), so 1.0 would mean the
 * handshake is nothing but its X25519 work; the fixed-base key generation is
 * cheaper in libsodium than a variable-base DH, so the exact floor
 * 6 x DH + 2 x base is printed too. What is above it is BLAKE2s/HKDF, the
 * AEADs, mac1, index and keypair bookkeeping.
 *
 * Usage: handshake [--seconds S] [--json FILE]
 *   S: CPU seconds per measurement (default 1; each is the median of 3 trials)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tunnel/tunnel.h"

#define DH_PER_HANDSHAKE 6
#define BASE_PER_HANDSHAKE 2
#define X25519_PER_HANDSHAKE (DH_PER_HANDSHAKE + BASE_PER_HANDSHAKE)
#define TRIALS 3
/* Between two handshakes the fake clock moves past the initiator's
 * REKEY_TIMEOUT rate limit (which also covers the responder's
 * 1/WG_INITIATIONS_PER_SECOND flood guard and the 2^24 ns TAI64N
 * whitening), so every initiation is fresh and accepted. */
#define CLOCK_STEP (WG_REKEY_TIMEOUT + 1000000ULL)

struct pair {
	struct wg_device *a, *b;       /* a initiates, b responds */
	struct wg_peer *a_peer;        /* b, as a knows it */
	struct wg_endpoint a_ep, b_ep;
	struct wg_env env;
	struct wg_rx_result res;
	uint8_t buf[sizeof(struct wg_msg_initiation)];
};

static void rng_fill(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void endpoint4(struct wg_endpoint *ep, uint32_t addr, uint16_t port)
{
	memset(ep, 0, sizeof(*ep));
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_addr.s_addr = htonl(addr);
	ep->addr.in4.sin_port = htons(port);
}

static int pair_init(struct pair *p)
{
	uint8_t a_priv[WG_KEY_LEN], b_priv[WG_KEY_LEN], a_pub[WG_KEY_LEN], b_pub[WG_KEY_LEN];
	struct wg_peer *b_peer;
	int ret = -ENOMEM;

	memset(p, 0, sizeof(*p));
	randombytes_buf(a_priv, sizeof(a_priv));
	randombytes_buf(b_priv, sizeof(b_priv));
	p->a = wg_device_create(a_priv);
	p->b = wg_device_create(b_priv);
	if (!p->a || !p->b)
		goto out;
	ret = -EINVAL;
	if (!wg_device_public_key(p->a, a_pub) || !wg_device_public_key(p->b, b_pub))
		goto out;
	ret = wg_peer_create(p->a, b_pub, &p->a_peer);
	if (!ret)
		ret = wg_peer_create(p->b, a_pub, &b_peer);
	if (ret)
		goto out;
	endpoint4(&p->a_ep, 0xc0000201, 51820); /* 192.0.2.1 */
	endpoint4(&p->b_ep, 0xc0000202, 51821);
	wg_peer_set_endpoint(p->a_peer, &p->b_ep);
	wg_peer_set_endpoint(b_peer, &p->a_ep);
	p->env.now = 1000 * WG_NSEC_PER_SEC;
	p->env.wall_ns = 1700000000ULL * WG_NSEC_PER_SEC;
	p->env.rng.fill = rng_fill;
out:
	sodium_memzero(a_priv, sizeof(a_priv));
	sodium_memzero(b_priv, sizeof(b_priv));
	return ret;
}

static void pair_free(struct pair *p)
{
	wg_device_destroy(p->a);
	wg_device_destroy(p->b);
}

/* One full handshake; 0, or -EPROTO with the failing step on stderr. */
static int handshake_once(struct pair *p)
{
	int ret;

	p->env.now += CLOCK_STEP;
	p->env.wall_ns += CLOCK_STEP;
	ret = wg_peer_create_initiation(p->a, p->a_peer, &p->env, p->buf);
	if (ret) {
		fprintf(stderr, "handshake: create_initiation: %s\n", strerror(-ret));
		return -EPROTO;
	}
	wg_device_receive(p->b, &p->env, false, &p->a_ep, p->buf,
			  sizeof(struct wg_msg_initiation), &p->res);
	if (p->res.kind != WG_RX_REPLY || p->res.reply_len != sizeof(struct wg_msg_response)) {
		fprintf(stderr, "handshake: initiation refused: %s\n",
			wg_drop_reason_name(p->res.drop));
		return -EPROTO;
	}
	memcpy(p->buf, p->res.reply, p->res.reply_len);
	wg_device_receive(p->a, &p->env, false, &p->b_ep, p->buf,
			  sizeof(struct wg_msg_response), &p->res);
	if (p->res.kind != WG_RX_HANDSHAKE || !p->res.session_ready) {
		fprintf(stderr, "handshake: response refused: %s\n",
			wg_drop_reason_name(p->res.drop));
		return -EPROTO;
	}
	return 0;
}

/* Handshakes per CPU second over `seconds` of CPU time, in *rate. */
static int trial_handshakes(struct pair *p, double seconds, double *rate)
{
	double start = cpu_now(), elapsed;
	uint64_t n = 0;
	int ret;

	do {
		for (int i = 0; i < 16; i++) {
			ret = handshake_once(p);
			if (ret)
				return ret;
		}
		n += 16;
		elapsed = cpu_now() - start;
	} while (elapsed < seconds);
	*rate = (double)n / elapsed;
	return 0;
}

/* Variable-base X25519 per CPU second. Each output is the next input point,
 * so no call can be skipped. */
static double trial_dh(double seconds)
{
	uint8_t scalar[32], point[32], out[32];
	double start = cpu_now(), elapsed;
	uint64_t n = 0;

	randombytes_buf(scalar, sizeof(scalar));
	crypto_scalarmult_base(point, scalar);
	do {
		for (int i = 0; i < 16; i++) {
			if (crypto_scalarmult(out, scalar, point) == 0)
				memcpy(point, out, sizeof(point));
		}
		n += 16;
		elapsed = cpu_now() - start;
	} while (elapsed < seconds);
	sodium_memzero(scalar, sizeof(scalar));
	return (double)n / elapsed;
}

/* Fixed-base X25519 (public key from private) per CPU second. */
static double trial_base(double seconds)
{
	uint8_t scalar[32], out[32];
	double start = cpu_now(), elapsed;
	uint64_t n = 0;

	randombytes_buf(scalar, sizeof(scalar));
	do {
		for (int i = 0; i < 16; i++) {
			crypto_scalarmult_base(out, scalar);
			scalar[0] ^= out[0];
		}
		n += 16;
		elapsed = cpu_now() - start;
	} while (elapsed < seconds);
	sodium_memzero(scalar, sizeof(scalar));
	return (double)n / elapsed;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median3(double v[TRIALS])
{
	qsort(v, TRIALS, sizeof(v[0]), cmp_double);
	return v[TRIALS / 2];
}

struct results {
	double handshakes, dh, base;
	double ratio_n;      /* handshake time / (N x DH time) */
	double ratio_exact;  /* handshake time / (6 x DH + 2 x base time) */
};

static int measure(double seconds, struct results *r)
{
	double hs[TRIALS], dh[TRIALS], base[TRIALS];
	struct pair p;
	int ret;

	ret = pair_init(&p);
	if (ret)
		goto out;
	for (int t = 0; t < TRIALS; t++) {
		ret = trial_handshakes(&p, seconds / TRIALS, &hs[t]);
		if (ret)
			goto out;
		dh[t] = trial_dh(seconds / TRIALS);
		base[t] = trial_base(seconds / TRIALS / 2);
	}
	r->handshakes = median3(hs);
	r->dh = median3(dh);
	r->base = median3(base);
	r->ratio_n = (1.0 / r->handshakes) / (X25519_PER_HANDSHAKE / r->dh);
	r->ratio_exact = (1.0 / r->handshakes) /
			 (DH_PER_HANDSHAKE / r->dh + BASE_PER_HANDSHAKE / r->base);
out:
	pair_free(&p);
	return ret;
}

static int write_json(const char *path, const struct results *r)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f,
		"{\"handshakes_per_sec_per_core\": %.1f, \"x25519_per_sec\": %.1f, "
		"\"x25519_base_per_sec\": %.1f, \"x25519_per_handshake\": %d, "
		"\"ratio_handshake_to_n_x25519\": %.3f, \"ratio_handshake_to_exact_floor\": %.3f}\n",
		r->handshakes, r->dh, r->base, X25519_PER_HANDSHAKE, r->ratio_n, r->ratio_exact);
	return fclose(f) ? -errno : 0;
}

static int parse_args(int argc, char **argv, double *seconds, const char **json)
{
	char *end;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			*seconds = strtod(argv[++i], &end);
			if (*end || !(*seconds >= 0.01 && *seconds <= 600)) {
				fprintf(stderr, "handshake: bad --seconds \"%s\"\n", argv[i]);
				return -EINVAL;
			}
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			*json = argv[++i];
		} else {
			fprintf(stderr, "usage: handshake [--seconds S] [--json FILE]\n");
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *json = NULL;
	double seconds = 1.0;
	struct results r;
	int ret;

	if (parse_args(argc, argv, &seconds, &json))
		return 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "handshake: sodium_init failed\n");
		return 1;
	}
	ret = measure(seconds, &r);
	if (ret)
		return 1;
	printf("handshake: %.0f handshakes/s per core; X25519 %.0f ops/s (fixed-base %.0f/s); "
	       "handshake = %.2f x (%d x X25519), %.2f x exact floor (%d DH + %d base)\n",
	       r.handshakes, r.dh, r.base, r.ratio_n, X25519_PER_HANDSHAKE, r.ratio_exact,
	       DH_PER_HANDSHAKE, BASE_PER_HANDSHAKE);
	if (json) {
		ret = write_json(json, &r);
		if (ret) {
			fprintf(stderr, "handshake: %s: %s\n", json, strerror(-ret));
			return 1;
		}
	}
	return 0;
}
