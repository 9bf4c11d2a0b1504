/* Line-per-event logging to stderr. The level is the one piece of global
 * state: set once at start-up. */
#include "controlplane/log.h"

#include <stdarg.h>
#include <stdio.h>

static enum cp_log_level max_level = CP_LOG_INFO;

void cp_log_set_level(enum cp_log_level level)
{
	max_level = level;
}

void cp_log(enum cp_log_level level, const char *component, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[512];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write per line, so lines from concurrent writers do not interleave */
	fprintf(stderr, "%s %s: %s\n", names[level], component, line);
}
