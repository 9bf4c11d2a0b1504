/* One line per event to stderr. The whole line is formatted first and written
 * with a single write(2), so lines from a daemon and its parent never
 * interleave mid-line. */
#include "dataplane/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

void log_set_level(enum log_level level)
{
	min_level = level;
}

void log_init_from_env(void)
{
	const char *v = getenv("TENET_LOG_LEVEL");

	if (!v)
		return;
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(v, level_names[i]))
			min_level = (enum log_level)i;
	}
}

int log_enabled(enum log_level level)
{
	return level >= min_level;
}

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n, m;

	if (!log_enabled(level) || (unsigned)level > LOG_ERROR)
		return;
	/* At debug level the order of events across processes matters: prefix
	 * the monotonic clock, which every agent on the host shares. */
	if (min_level == LOG_DEBUG) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = snprintf(line, sizeof(line), "%lld.%06ld %s %s: ", (long long)ts.tv_sec,
			     ts.tv_nsec / 1000, level_names[level], component);
	} else {
		n = snprintf(line, sizeof(line), "%s %s: ", level_names[level], component);
	}
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2; /* truncated: still one line */
	line[n++] = '\n';
	/* Best effort: a closed stderr must not stop the daemon. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
