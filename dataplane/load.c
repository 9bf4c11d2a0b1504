/* Fixed-window handshake rate meter with a one-second hold. */
#include "dataplane/load.h"

void load_init(struct load_meter *m, uint64_t now)
{
	m->window_start = now;
	m->count = 0;
	m->until = 0;
}

void load_hit(struct load_meter *m, uint64_t now)
{
	if (now - m->window_start >= LOAD_WINDOW_NS || now < m->window_start) {
		m->window_start = now;
		m->count = 0;
	}
	if (m->count < UINT32_MAX)
		m->count++;
	if (m->count > LOAD_THRESHOLD)
		m->until = now + LOAD_WINDOW_NS;
}

bool load_under(const struct load_meter *m, uint64_t now)
{
	return now < m->until;
}
