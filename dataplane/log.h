/* Agent logging: one line per event, "LEVEL COMPONENT: message", to stderr
 * (journald adds the timestamp). Never pass a key to these functions. */
#ifndef DATAPLANE_LOG_H
#define DATAPLANE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below `level` are discarded. The default is LOG_INFO, or what the
 * TENET_LOG_LEVEL environment variable names (debug, info, warn, error). */
void log_set_level(enum log_level level);
void log_init_from_env(void);
/* false when a line at `level` would be discarded (skip costly formatting). */
int log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_debug(c, ...) log_msg(LOG_DEBUG, c, __VA_ARGS__)
#define log_info(c, ...)  log_msg(LOG_INFO, c, __VA_ARGS__)
#define log_warn(c, ...)  log_msg(LOG_WARN, c, __VA_ARGS__)
#define log_error(c, ...) log_msg(LOG_ERROR, c, __VA_ARGS__)

#endif
