/* Peer timers: events arm or disarm deadlines, expiry handlers decide what
 * the caller must do. Each event names where it fires (send.c, receive.c). */
#include "tunnel/timers.h"

#include "tunnel/device.h"
#include "tunnel/peer.h"

void wg_timers_init(struct wg_timers *t)
{
	int i;

	for (i = 0; i < WG_TIMERS__COUNT; i++)
		t->at[i] = WG_TIMER_OFF;
	t->handshake_attempts = 0;
	t->need_another_keepalive = false;
	t->sent_lastminute_handshake = false;
	t->retrying = false;
}

uint64_t wg_timers_next(const struct wg_timers *t)
{
	uint64_t next = WG_TIMER_OFF;
	int i;

	for (i = 0; i < WG_TIMERS__COUNT; i++)
		if (t->at[i] < next)
			next = t->at[i];
	return next;
}

static bool pending(const struct wg_peer *peer, enum wg_timer_id id)
{
	return peer->timers.at[id] != WG_TIMER_OFF;
}

static void arm(struct wg_peer *peer, enum wg_timer_id id, uint64_t at)
{
	peer->timers.at[id] = at;
}

static void disarm(struct wg_peer *peer, enum wg_timer_id id)
{
	peer->timers.at[id] = WG_TIMER_OFF;
}

/* 0 .. REKEY_TIMEOUT_JITTER_MAX - 1 ns, so peers that lost packets at the
 * same moment do not retry in lockstep. */
static uint64_t jitter(const struct wg_env *env)
{
	uint8_t b[4];
	uint32_t v;

	env->rng.fill(env->rng.ctx, b, sizeof(b));
	v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return v % WG_REKEY_TIMEOUT_JITTER_MAX;
}

/* send.c: a data packet (not a keepalive) was encrypted. */
void wg_timers_event_data_sent(struct wg_peer *peer, const struct wg_env *env)
{
	if (!pending(peer, WG_TIMERS_NEW_HANDSHAKE))
		arm(peer, WG_TIMERS_NEW_HANDSHAKE,
		    env->now + WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT + jitter(env));
}

/* receive.c: a data packet (not a keepalive) was authenticated. */
void wg_timers_event_data_received(struct wg_peer *peer, uint64_t now)
{
	if (!pending(peer, WG_TIMERS_SEND_KEEPALIVE))
		arm(peer, WG_TIMERS_SEND_KEEPALIVE, now + WG_KEEPALIVE_TIMEOUT);
	else
		peer->timers.need_another_keepalive = true;
}

/* send.c: anything authenticated left, data, keepalive or handshake; it
 * carries the acknowledgement a keepalive would. */
void wg_timers_event_any_authenticated_packet_sent(struct wg_peer *peer)
{
	disarm(peer, WG_TIMERS_SEND_KEEPALIVE);
}

/* receive.c: anything authenticated arrived: the peer is alive. */
void wg_timers_event_any_authenticated_packet_received(struct wg_peer *peer)
{
	disarm(peer, WG_TIMERS_NEW_HANDSHAKE);
}

/* send.c and receive.c, before sending or after receiving anything
 * authenticated. */
void wg_timers_event_any_authenticated_packet_traversal(struct wg_peer *peer, uint64_t now)
{
	if (peer->persistent_keepalive)
		arm(peer, WG_TIMERS_PERSISTENT_KEEPALIVE,
		    now + (uint64_t)peer->persistent_keepalive * WG_NSEC_PER_SEC);
}

/* send.c: an initiation was built. */
void wg_timers_event_handshake_initiated(struct wg_peer *peer, const struct wg_env *env)
{
	arm(peer, WG_TIMERS_RETRANSMIT_HANDSHAKE, env->now + WG_REKEY_TIMEOUT + jitter(env));
}

/* receive.c: a response was consumed, or the first data packet confirmed a
 * session we answered. */
void wg_timers_event_handshake_complete(struct wg_peer *peer, const struct wg_env *env)
{
	disarm(peer, WG_TIMERS_RETRANSMIT_HANDSHAKE);
	peer->timers.handshake_attempts = 0;
	peer->timers.sent_lastminute_handshake = false;
	peer->stats.last_handshake_ns = env->wall_ns;
	peer->stats.handshakes++;
}

/* receive.c: new transport keys were derived (response sent or consumed). */
void wg_timers_event_session_derived(struct wg_peer *peer, uint64_t now)
{
	arm(peer, WG_TIMERS_ZERO_KEY_MATERIAL, now + 3 * WG_REJECT_AFTER_TIME);
}

/* receive.c: our keys are about to expire and we are the initiator. */
void wg_timers_event_want_initiation(struct wg_peer *peer, uint64_t now)
{
	if (peer->timers.at[WG_TIMERS_WANT_INITIATION] > now)
		arm(peer, WG_TIMERS_WANT_INITIATION, now);
}

/* peer.c: persistent keepalive turned off. */
void wg_timers_event_persistent_keepalive_off(struct wg_peer *peer)
{
	disarm(peer, WG_TIMERS_PERSISTENT_KEEPALIVE);
}

void wg_timers_initiation_requested(struct wg_peer *peer)
{
	if (!peer->timers.retrying)
		peer->timers.handshake_attempts = 0;
	peer->timers.retrying = false;
}

/* ---- expiry handlers: return enum wg_timer_action bits ---------------- */

static unsigned expired_retransmit_handshake(struct wg_device *dev, struct wg_peer *peer,
					     const struct wg_env *env)
{
	(void)dev;
	if (peer->timers.handshake_attempts > WG_MAX_TIMER_HANDSHAKES) {
		/* Given up: nothing staged will ever be sent. Wipe whatever a
		 * half-done exchange left, later, unless already planned. */
		disarm(peer, WG_TIMERS_SEND_KEEPALIVE);
		if (!pending(peer, WG_TIMERS_ZERO_KEY_MATERIAL))
			arm(peer, WG_TIMERS_ZERO_KEY_MATERIAL, env->now + 3 * WG_REJECT_AFTER_TIME);
		return WG_TIMER_DROP_STAGED;
	}
	peer->timers.handshake_attempts++;
	peer->timers.retrying = true;
	return WG_TIMER_SEND_INITIATION;
}

static unsigned expired_send_keepalive(struct wg_device *dev, struct wg_peer *peer,
				       const struct wg_env *env)
{
	(void)dev;
	if (peer->timers.need_another_keepalive) {
		peer->timers.need_another_keepalive = false;
		arm(peer, WG_TIMERS_SEND_KEEPALIVE, env->now + WG_KEEPALIVE_TIMEOUT);
	}
	return WG_TIMER_SEND_KEEPALIVE;
}

static unsigned expired_new_handshake(struct wg_device *dev, struct wg_peer *peer,
				      const struct wg_env *env)
{
	(void)dev;
	(void)env;
	peer->timers.retrying = false;
	return WG_TIMER_SEND_INITIATION;
}

static unsigned expired_zero_key_material(struct wg_device *dev, struct wg_peer *peer,
					  const struct wg_env *env)
{
	(void)env;
	wg_noise_handshake_clear(&peer->handshake, &dev->indices);
	wg_keypairs_clear(&peer->keypairs, &dev->indices);
	return 0;
}

static unsigned expired_persistent_keepalive(struct wg_device *dev, struct wg_peer *peer,
					     const struct wg_env *env)
{
	(void)dev;
	(void)env;
	return peer->persistent_keepalive ? WG_TIMER_SEND_KEEPALIVE : 0;
}

static unsigned expired_want_initiation(struct wg_device *dev, struct wg_peer *peer,
					const struct wg_env *env)
{
	(void)dev;
	(void)env;
	peer->timers.retrying = false;
	return WG_TIMER_SEND_INITIATION;
}

typedef unsigned (*expiry_fn)(struct wg_device *, struct wg_peer *, const struct wg_env *);

static const expiry_fn expiry[WG_TIMERS__COUNT] = {
	[WG_TIMERS_RETRANSMIT_HANDSHAKE] = expired_retransmit_handshake,
	[WG_TIMERS_SEND_KEEPALIVE] = expired_send_keepalive,
	[WG_TIMERS_NEW_HANDSHAKE] = expired_new_handshake,
	[WG_TIMERS_ZERO_KEY_MATERIAL] = expired_zero_key_material,
	[WG_TIMERS_PERSISTENT_KEEPALIVE] = expired_persistent_keepalive,
	[WG_TIMERS_WANT_INITIATION] = expired_want_initiation,
};

/* The earliest deadline at or before now, -1 if none. */
static int earliest_due(const struct wg_timers *t, uint64_t now)
{
	int i, best = -1;

	for (i = 0; i < WG_TIMERS__COUNT; i++)
		if (t->at[i] <= now && (best < 0 || t->at[i] < t->at[best]))
			best = i;
	return best;
}

unsigned wg_peer_timers_run(struct wg_device *dev, struct wg_peer *peer, const struct wg_env *env)
{
	unsigned actions = 0;
	int id;

	/* In deadline order, as real timers would have fired. Handlers only
	 * re-arm into the future, so this ends. */
	while ((id = earliest_due(&peer->timers, env->now)) >= 0) {
		disarm(peer, (enum wg_timer_id)id);
		actions |= expiry[id](dev, peer, env);
	}
	return actions;
}

uint64_t wg_peer_timers_next(const struct wg_peer *peer)
{
	return wg_timers_next(&peer->timers);
}
