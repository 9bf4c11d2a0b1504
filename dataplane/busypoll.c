/* The busy-poll budget policy (busypoll.h). */
#include "dataplane/busypoll.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

void busypoll_init(struct busypoll *bp, unsigned budget_us)
{
	if (budget_us > BUSYPOLL_MAX_US)
		budget_us = BUSYPOLL_MAX_US;
	bp->budget_ns = (uint64_t)budget_us * 1000;
	bp->deadline = 0;
}

bool busypoll_begin(struct busypoll *bp, bool io, uint64_t now)
{
	if (!bp->budget_ns || !io)
		return false;
	bp->deadline = now + bp->budget_ns;
	return true;
}

bool busypoll_next(struct busypoll *bp, bool io, uint64_t now)
{
	if (!bp->budget_ns)
		return false;
	if (io)
		bp->deadline = now + bp->budget_ns;
	return now < bp->deadline;
}

int busypoll_parse(const char *s, unsigned *budget_us)
{
	static const char *const off[] = { "off", "no", "false" };
	static const char *const on[] = { "on", "yes", "true" };
	unsigned long v;
	char *end;

	if (!s || !*s)
		return -EINVAL;
	for (int i = 0; i < 3; i++) {
		if (!strcasecmp(s, off[i])) {
			*budget_us = 0;
			return 0;
		}
		if (!strcasecmp(s, on[i])) {
			*budget_us = BUSYPOLL_DEFAULT_US;
			return 0;
		}
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > BUSYPOLL_MAX_US)
		return -EINVAL;
	*budget_us = (unsigned)v;
	return 0;
}
