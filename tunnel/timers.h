/* The per-peer timer state machine (whitepaper section 6, modelled on the
 * Linux driver's timers.c). Timers are deadlines in monotonic ns; the caller
 * asks for the earliest (wg_peer_timers_next) and calls wg_peer_timers_run
 * when it is due. Names split as in OpenBSD's wg(4): wg_timers_event_* say
 * something happened and (re)arm or disarm; the expiry handlers in timers.c
 * say what to do when a deadline passes.
 *
 *   retransmit_handshake  REKEY_TIMEOUT + jitter after an initiation with no
 *                         response: send another, give up after
 *                         MAX_TIMER_HANDSHAKES retries (drop staged packets)
 *   send_keepalive        KEEPALIVE_TIMEOUT after receiving data while we
 *                         sent nothing back (passive keepalive)
 *   new_handshake         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT + jitter after
 *                         sending data while we received nothing
 *   zero_key_material     3 * REJECT_AFTER_TIME after the last session was
 *                         derived: wipe every key of the peer
 *   persistent_keepalive  every N s after any authenticated packet
 *   want_initiation       due at once: the receive path asked for a rekey
 */
#ifndef TUNNEL_TIMERS_H
#define TUNNEL_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

#include "tunnel/tunnel.h"

#define WG_TIMER_OFF UINT64_MAX

enum wg_timer_id {
	WG_TIMERS_RETRANSMIT_HANDSHAKE,
	WG_TIMERS_SEND_KEEPALIVE,
	WG_TIMERS_NEW_HANDSHAKE,
	WG_TIMERS_ZERO_KEY_MATERIAL,
	WG_TIMERS_PERSISTENT_KEEPALIVE,
	WG_TIMERS_WANT_INITIATION,
	WG_TIMERS__COUNT
};

struct wg_timers {
	uint64_t at[WG_TIMERS__COUNT];  /* deadline, WG_TIMER_OFF when disarmed */
	unsigned handshake_attempts;   /* retransmissions of the current try */
	bool need_another_keepalive;   /* data arrived while send_keepalive was armed */
	bool sent_lastminute_handshake;/* the receive-side rekey was asked already */
	bool retrying;                 /* the next initiation is a retransmission */
};

void wg_timers_init(struct wg_timers *t);
uint64_t wg_timers_next(const struct wg_timers *t);

/* Events, named after what happened. `now` is monotonic ns; jitter comes
 * from env->rng (4 bytes per draw). */
void wg_timers_event_data_sent(struct wg_peer *peer, const struct wg_env *env);
void wg_timers_event_data_received(struct wg_peer *peer, uint64_t now);
void wg_timers_event_any_authenticated_packet_sent(struct wg_peer *peer);
void wg_timers_event_any_authenticated_packet_received(struct wg_peer *peer);
void wg_timers_event_any_authenticated_packet_traversal(struct wg_peer *peer, uint64_t now);
void wg_timers_event_handshake_initiated(struct wg_peer *peer, const struct wg_env *env);
void wg_timers_event_handshake_complete(struct wg_peer *peer, const struct wg_env *env);
void wg_timers_event_session_derived(struct wg_peer *peer, uint64_t now);
void wg_timers_event_want_initiation(struct wg_peer *peer, uint64_t now);
void wg_timers_event_persistent_keepalive_off(struct wg_peer *peer);

/* Called by wg_peer_create_initiation: a fresh (non-retry) attempt resets the
 * retransmission count. */
void wg_timers_initiation_requested(struct wg_peer *peer);

#endif
