/* A bounded busy-poll after packet work, so the reply of a request/response
 * exchange (a ping, an RPC) is picked up without a sleep and a wake-up.
 *
 * A packet through an agent costs a scheduler wake-up per hop; on a VM that
 * wake-up (an idle vCPU woken by an IPI) is most of the round trip the agent
 * adds. After the event loop handled I/O, the runtime keeps polling its
 * descriptors without blocking for at most `budget` nanoseconds; every poll
 * that finds I/O restarts the budget (the agent is busy, not waiting). An
 * agent that saw no I/O does not spin at all, so an idle agent uses no CPU.
 *
 * This is the policy only (pure: the clock is an argument); runtime.c runs
 * the loop. */
#ifndef DATAPLANE_BUSYPOLL_H
#define DATAPLANE_BUSYPOLL_H

#include <stdbool.h>
#include <stdint.h>

/* Default budget, and the most an operator may set (a larger one would only
 * burn CPU: past a millisecond a wake-up is cheap in comparison). */
#define BUSYPOLL_DEFAULT_US 100
#define BUSYPOLL_MAX_US 1000

struct busypoll {
	uint64_t budget_ns;   /* 0: off */
	uint64_t deadline;    /* spin while now < deadline */
};

/* budget_us 0 turns the busy-poll off; larger than BUSYPOLL_MAX_US is capped. */
void busypoll_init(struct busypoll *bp, unsigned budget_us);
/* After a blocking event-loop pass: io says whether it handled packet I/O.
 * Returns true when the caller should start polling. */
bool busypoll_begin(struct busypoll *bp, bool io, uint64_t now);
/* After one non-blocking poll at `now` that found (io) or did not find I/O:
 * true to poll again, false to go back to blocking. */
bool busypoll_next(struct busypoll *bp, bool io, uint64_t now);

/* The budget from a string (TENET_BUSY_POLL, --busy-poll): microseconds
 * 0..BUSYPOLL_MAX_US, or "off"/"no"/"false" (0), "on"/"yes"/"true" (the
 * default). -EINVAL for anything else. */
int busypoll_parse(const char *s, unsigned *budget_us);

#endif
