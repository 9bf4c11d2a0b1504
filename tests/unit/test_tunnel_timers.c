/* The timer state machine, one rule per test, on a fake clock. */
#include "test_tunnel_util.h"

#include <errno.h>

#include "tunnel/device.h"
#include "tunnel/peer.h"

/* Moves the clock to the peer's next deadline and runs its timers. */
static unsigned run_next(struct tpair *p, struct wg_device *dev, struct wg_peer *peer)
{
	uint64_t next = wg_peer_timers_next(peer);

	assert_int_not_equal(next, UINT64_MAX);
	assert_true(next >= p->env.now);
	tpair_advance(p, next - p->env.now);
	return wg_peer_timers_run(dev, peer, &p->env);
}

static unsigned run_at(struct tpair *p, struct wg_device *dev, struct wg_peer *peer, uint64_t t)
{
	assert_true(t >= p->env.now);
	tpair_advance(p, t - p->env.now);
	return wg_peer_timers_run(dev, peer, &p->env);
}

static void idle_peer_has_no_timer(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 60);
	assert_int_equal(wg_peer_timers_next(p.a_peer), UINT64_MAX);
	assert_int_equal(wg_peer_timers_run(p.a, p.a_peer, &p.env), 0);
	tpair_free(&p);
}

/* REKEY_TIMEOUT + jitter after an unanswered initiation, another one. */
static void retransmit_after_rekey_timeout(void **state)
{
	struct tpair p;
	uint64_t sent, next;

	(void)state;
	tpair_init(&p, 61);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	sent = p.env.now;
	next = wg_peer_timers_next(p.a_peer);
	assert_true(next >= sent + WG_REKEY_TIMEOUT);
	assert_true(next < sent + WG_REKEY_TIMEOUT + WG_REKEY_TIMEOUT_JITTER_MAX);
	assert_int_equal(run_at(&p, p.a, p.a_peer, next - 1), 0);
	assert_int_equal(run_at(&p, p.a, p.a_peer, next), WG_TIMER_SEND_INITIATION);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	assert_int_equal(p.a_peer->timers.handshake_attempts, 1);
	tpair_free(&p);
}

/* After MAX_TIMER_HANDSHAKES retries (20 initiations in all, ~90 s) the
 * peer gives up, drops staged packets and plans to wipe key material. */
static void retransmit_gives_up(void **state)
{
	struct tpair p;
	uint64_t start;
	unsigned act;
	int sent = 1;

	(void)state;
	tpair_init(&p, 62);
	start = p.env.now;
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	for (;;) {
		act = run_next(&p, p.a, p.a_peer);
		if (act & WG_TIMER_DROP_STAGED)
			break;
		assert_int_equal(act, WG_TIMER_SEND_INITIATION);
		assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
		sent++;
		assert_true(sent <= 100);
	}
	assert_int_equal(sent, WG_MAX_TIMER_HANDSHAKES + 2);
	assert_true(p.env.now - start >= (WG_MAX_TIMER_HANDSHAKES + 1) * WG_REKEY_TIMEOUT);
	assert_true(p.env.now - start <
		    (WG_MAX_TIMER_HANDSHAKES + 2) * (WG_REKEY_TIMEOUT + WG_REKEY_TIMEOUT_JITTER_MAX));
	/* Nothing more but the key wipe, 3 * REJECT_AFTER_TIME later. */
	assert_int_equal(wg_peer_timers_next(p.a_peer), p.env.now + 3 * WG_REJECT_AFTER_TIME);
	assert_true(p.a_peer->handshake.entry.linked);
	assert_int_equal(run_next(&p, p.a, p.a_peer), 0);
	assert_false(p.a_peer->handshake.entry.linked);
	assert_int_equal(p.a_peer->handshake.state, WG_HS_ZEROED);
	assert_int_equal(wg_peer_timers_next(p.a_peer), UINT64_MAX);
	tpair_free(&p);
}

/* A fresh (not timer-driven) initiation request starts the count again,
 * even when the rate limit refuses it. */
static void fresh_request_resets_attempts(void **state)
{
	struct tpair p;
	int i;

	(void)state;
	tpair_init(&p, 63);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(run_next(&p, p.a, p.a_peer), WG_TIMER_SEND_INITIATION);
		assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	}
	assert_int_equal(p.a_peer->timers.handshake_attempts, 5);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), -EALREADY);
	assert_int_equal(p.a_peer->timers.handshake_attempts, 0);
	tpair_free(&p);
}

static void response_stops_retransmit(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 64);
	tpair_handshake(&p);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_RETRANSMIT_HANDSHAKE], WG_TIMER_OFF);
	/* what is left: zero_key_material, and new_handshake? no data yet */
	assert_int_equal(wg_peer_timers_next(p.a_peer), p.env.now + 3 * WG_REJECT_AFTER_TIME);
	tpair_free(&p);
}

/* Data received and nothing sent back for KEEPALIVE_TIMEOUT: keepalive. */
static void passive_keepalive(void **state)
{
	struct tpair p;
	uint64_t got;

	(void)state;
	tpair_init(&p, 65);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "data", 4, NULL), 0);
	tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	got = p.env.now;
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_SEND_KEEPALIVE], got + WG_KEEPALIVE_TIMEOUT);
	assert_int_equal(run_at(&p, p.b, p.b_peer, got + WG_KEEPALIVE_TIMEOUT - 1), 0);
	assert_int_equal(run_at(&p, p.b, p.b_peer, got + WG_KEEPALIVE_TIMEOUT),
			 WG_TIMER_SEND_KEEPALIVE);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_SEND_KEEPALIVE], WG_TIMER_OFF);
	tpair_free(&p);
}

/* A keepalive is not data: receiving one arms nothing. */
static void keepalive_does_not_arm_keepalive(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 66);
	tpair_connect(&p);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_SEND_KEEPALIVE], WG_TIMER_OFF);
	tpair_free(&p);
}

/* Sending anything cancels the pending keepalive: it would be redundant. */
static void sending_cancels_keepalive(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 67);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "data", 4, NULL), 0);
	tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	tpair_advance(&p, SEC(3));
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "reply", 5, NULL), 0);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_SEND_KEEPALIVE], WG_TIMER_OFF);
	assert_int_equal(run_at(&p, p.b, p.b_peer, p.env.now + WG_KEEPALIVE_TIMEOUT) &
			 WG_TIMER_SEND_KEEPALIVE, 0);
	tpair_free(&p);
}

/* More data while the keepalive is pending: one more keepalive after it. */
static void need_another_keepalive(void **state)
{
	struct tpair p;
	int i;

	(void)state;
	tpair_init(&p, 68);
	tpair_connect(&p);
	for (i = 0; i < 2; i++) {
		assert_int_equal(tpair_encrypt(&p, p.a_peer, "data", 4, NULL), 0);
		tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
		tpair_advance(&p, SEC(1));
	}
	assert_int_equal(run_next(&p, p.b, p.b_peer), WG_TIMER_SEND_KEEPALIVE);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_SEND_KEEPALIVE],
			 p.env.now + WG_KEEPALIVE_TIMEOUT);
	assert_int_equal(run_next(&p, p.b, p.b_peer), WG_TIMER_SEND_KEEPALIVE);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_SEND_KEEPALIVE], WG_TIMER_OFF);
	tpair_free(&p);
}

/* Data sent and nothing heard for KEEPALIVE + REKEY_TIMEOUT (+ jitter):
 * the peer may be gone, start a new handshake. */
static void new_handshake_when_unanswered(void **state)
{
	struct tpair p;
	uint64_t sent, at;

	(void)state;
	tpair_init(&p, 69);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "data", 4, NULL), 0);
	sent = p.env.now;
	at = p.a_peer->timers.at[WG_TIMERS_NEW_HANDSHAKE];
	assert_true(at >= sent + WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT);
	assert_true(at < sent + WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT + WG_REKEY_TIMEOUT_JITTER_MAX);
	/* more data does not push it back */
	tpair_advance(&p, SEC(2));
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "data", 4, NULL), 0);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_NEW_HANDSHAKE], at);
	assert_int_equal(run_at(&p, p.a, p.a_peer, at), WG_TIMER_SEND_INITIATION);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	assert_int_equal(p.a_peer->timers.handshake_attempts, 0); /* not a retry */
	tpair_free(&p);
}

/* Anything authenticated coming back (a keepalive) cancels it. */
static void reply_cancels_new_handshake(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 70);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "data", 4, NULL), 0);
	tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(run_next(&p, p.b, p.b_peer), WG_TIMER_SEND_KEEPALIVE);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "", 0, NULL), 0);
	tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_NEW_HANDSHAKE], WG_TIMER_OFF);
	tpair_free(&p);
}

/* 3 * REJECT_AFTER_TIME after the last session was derived, all keys go. */
static void zero_key_material(void **state)
{
	struct tpair p;
	uint64_t derived;

	(void)state;
	tpair_init(&p, 71);
	tpair_connect(&p);
	tpair_advance(&p, SEC(100));
	tpair_connect(&p); /* a new session re-arms it */
	derived = p.env.now;
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_ZERO_KEY_MATERIAL],
			 derived + 3 * WG_REJECT_AFTER_TIME);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_ZERO_KEY_MATERIAL],
			 derived + 3 * WG_REJECT_AFTER_TIME);
	assert_int_equal(run_at(&p, p.a, p.a_peer, derived + 3 * WG_REJECT_AFTER_TIME - 1) &
			 ~(unsigned)WG_TIMER_SEND_INITIATION, 0);
	assert_non_null(p.a_peer->keypairs.current);
	run_at(&p, p.a, p.a_peer, derived + 3 * WG_REJECT_AFTER_TIME);
	assert_null(p.a_peer->keypairs.current);
	assert_null(p.a_peer->keypairs.previous);
	assert_int_equal(wg_index_count(&p.a->indices), 0);
	tpair_free(&p);
}

static void persistent_keepalive(void **state)
{
	struct tpair p;
	uint64_t t;

	(void)state;
	tpair_init(&p, 72);
	assert_true(wg_peer_set_persistent_keepalive(p.a_peer, 25, p.env.now));
	assert_false(wg_peer_set_persistent_keepalive(p.a_peer, 25, p.env.now)); /* already on */
	assert_int_equal(wg_peer_persistent_keepalive(p.a_peer), 25);
	tpair_connect(&p);
	t = p.env.now;
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_PERSISTENT_KEEPALIVE], t + SEC(25));
	assert_int_equal(run_at(&p, p.a, p.a_peer, t + SEC(25)) & WG_TIMER_SEND_KEEPALIVE,
			 WG_TIMER_SEND_KEEPALIVE);
	/* sending the keepalive re-arms it */
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "", 0, NULL), 0);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_PERSISTENT_KEEPALIVE], p.env.now + SEC(25));
	/* so does receiving anything authenticated */
	tpair_advance(&p, SEC(7));
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, NULL), 0);
	tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_PERSISTENT_KEEPALIVE], p.env.now + SEC(25));
	/* off: disarmed */
	assert_false(wg_peer_set_persistent_keepalive(p.a_peer, 0, p.env.now));
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_PERSISTENT_KEEPALIVE], WG_TIMER_OFF);
	tpair_free(&p);
}

/* Rekey on send: the initiator's keypair older than REKEY_AFTER_TIME. */
static void rekey_after_time_on_send(void **state)
{
	struct tpair p;
	bool want;

	(void)state;
	tpair_init(&p, 73);
	tpair_connect(&p);
	tpair_advance(&p, WG_REKEY_AFTER_TIME);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, &want), 0);
	assert_true(want);
	assert_int_equal(tpair_initiation(&p, p.a, p.a_peer), 0);
	tpair_free(&p);
}

/* Rekey on send: past REKEY_AFTER_MESSAGES. */
static void rekey_after_messages_on_send(void **state)
{
	struct tpair p;
	bool want;

	(void)state;
	tpair_init(&p, 74);
	tpair_connect(&p);
	p.a_peer->keypairs.current->send_counter = WG_REKEY_AFTER_MESSAGES;
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, &want), 0);
	assert_true(want);
	tpair_free(&p);
}

/* Neither side sends or accepts past REJECT_AFTER_TIME. */
static void reject_after_time(void **state)
{
	struct tpair p;

	(void)state;
	tpair_init(&p, 75);
	tpair_connect(&p);
	tpair_advance(&p, WG_REJECT_AFTER_TIME);
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), -ENOKEY);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, NULL), -ENOKEY);
	tpair_free(&p);
}

/* The initiator hears from the peer late in the session (the peer sends,
 * we only receive): ask once for a handshake before the keys run out. */
static void last_minute_rekey_on_receive(void **state)
{
	struct tpair p;
	uint64_t born;

	(void)state;
	tpair_init(&p, 76);
	tpair_connect(&p);
	born = p.env.now;
	tpair_advance(&p, WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT - 1);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, NULL), 0);
	tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_WANT_INITIATION], WG_TIMER_OFF);
	tpair_advance(&p, 1);
	assert_int_equal(p.env.now - born,
			 WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, NULL), 0);
	tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(wg_peer_timers_next(p.a_peer), p.env.now); /* due at once */
	assert_int_equal(wg_peer_timers_run(p.a, p.a_peer, &p.env), WG_TIMER_SEND_INITIATION);
	/* only once */
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, NULL), 0);
	tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	assert_int_equal(p.a_peer->timers.at[WG_TIMERS_WANT_INITIATION], WG_TIMER_OFF);
	/* the responder never asks (its peer will) */
	assert_int_equal(tpair_encrypt(&p, p.a_peer, "x", 1, NULL), 0);
	tpair_deliver(&p, p.b, &p.a_ep, p.buf, p.len, false);
	assert_int_equal(p.b_peer->timers.at[WG_TIMERS_WANT_INITIATION], WG_TIMER_OFF);
	/* a completed handshake re-enables it for the next session */
	tpair_connect(&p);
	assert_false(p.a_peer->timers.sent_lastminute_handshake);
	tpair_free(&p);
}

/* Timers that expired together fire in deadline order in one run. */
static void several_due_at_once(void **state)
{
	struct tpair p;
	unsigned act;

	(void)state;
	tpair_init(&p, 77);
	wg_peer_set_persistent_keepalive(p.a_peer, 1, p.env.now);
	tpair_connect(&p);
	assert_int_equal(tpair_encrypt(&p, p.b_peer, "x", 1, NULL), 0);
	tpair_deliver(&p, p.a, &p.b_ep, p.buf, p.len, false);
	/* a: persistent keepalive (1 s) and passive keepalive (10 s) pending */
	act = run_at(&p, p.a, p.a_peer, p.env.now + SEC(3600));
	assert_int_equal(act, WG_TIMER_SEND_KEEPALIVE);
	assert_null(p.a_peer->keypairs.current); /* zero_key_material ran too */
	assert_int_equal(wg_peer_timers_next(p.a_peer), UINT64_MAX);
	tpair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(idle_peer_has_no_timer),
		cmocka_unit_test(retransmit_after_rekey_timeout),
		cmocka_unit_test(retransmit_gives_up),
		cmocka_unit_test(fresh_request_resets_attempts),
		cmocka_unit_test(response_stops_retransmit),
		cmocka_unit_test(passive_keepalive),
		cmocka_unit_test(keepalive_does_not_arm_keepalive),
		cmocka_unit_test(sending_cancels_keepalive),
		cmocka_unit_test(need_another_keepalive),
		cmocka_unit_test(new_handshake_when_unanswered),
		cmocka_unit_test(reply_cancels_new_handshake),
		cmocka_unit_test(zero_key_material),
		cmocka_unit_test(persistent_keepalive),
		cmocka_unit_test(rekey_after_time_on_send),
		cmocka_unit_test(rekey_after_messages_on_send),
		cmocka_unit_test(reject_after_time),
		cmocka_unit_test(last_minute_rekey_on_receive),
		cmocka_unit_test(several_due_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
