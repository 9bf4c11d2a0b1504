/* Running a libevent loop from a unit test: a monotonic millisecond clock,
 * a bounded wait for a condition, a fixed run, and a no-op callback for the
 * periodic tick that keeps each loop pass short. Header-only, like
 * test_tunnel_util.h. */
#ifndef TEST_EVENT_LOOP_UTIL_H
#define TEST_EVENT_LOOP_UTIL_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

static inline uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs base until cond holds or ms pass (the caller asserts cond after). */
#define LOOP_WAIT_FOR(base, cond, ms)                                             \
	do {                                                                      \
		uint64_t end_ = loop_now_ms() + (ms);                             \
		while (!(cond) && loop_now_ms() < end_)                           \
			event_base_loop((base), EVLOOP_ONCE);                     \
	} while (0)

static inline void loop_run_for(struct event_base *base, unsigned ms)
{
	uint64_t end = loop_now_ms() + ms;

	while (loop_now_ms() < end)
		event_base_loop(base, EVLOOP_ONCE);
}

static inline void loop_on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

#endif
