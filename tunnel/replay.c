/* RFC 6479 replay window. Positions are counter + 1 so that "nothing
 * accepted yet" (next == 0) needs no special case. */
#include "tunnel/replay.h"

#include <string.h>

_Static_assert((WG_REPLAY_WORDS & (WG_REPLAY_WORDS - 1)) == 0, "ring size is a power of two");

void wg_replay_init(struct wg_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool wg_replay_exhausted(const struct wg_replay *r)
{
	return r->next >= WG_REJECT_AFTER_MESSAGES;
}

/* Moves the top of the window to pos, zeroing the words it enters. */
static void slide(struct wg_replay *r, uint64_t pos)
{
	uint64_t word = pos / 64, cur = r->next / 64;
	uint64_t n = word - cur, i;

	if (n > WG_REPLAY_WORDS)
		n = WG_REPLAY_WORDS;
	for (i = 1; i <= n; i++)
		r->ring[(cur + i) & (WG_REPLAY_WORDS - 1)] = 0;
	r->next = pos;
}

bool wg_replay_accept(struct wg_replay *r, uint64_t counter)
{
	uint64_t pos, bit, *word;

	if (counter >= WG_REJECT_AFTER_MESSAGES)
		return false;
	pos = counter + 1;
	if (pos + WG_REPLAY_WINDOW < r->next)
		return false; /* behind the window */
	if (pos > r->next)
		slide(r, pos);
	word = &r->ring[(pos / 64) & (WG_REPLAY_WORDS - 1)];
	bit = 1ULL << (pos & 63);
	if (*word & bit)
		return false;
	*word |= bit;
	return true;
}
