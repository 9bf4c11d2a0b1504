/* Controller logging: one line per event, "LEVEL component: message", to
 * stderr (journald adds the time). Never pass key material. */
#ifndef CONTROLPLANE_LOG_H
#define CONTROLPLANE_LOG_H

enum cp_log_level { CP_LOG_ERROR, CP_LOG_WARN, CP_LOG_INFO, CP_LOG_DEBUG };

/* Messages above this level are dropped (default CP_LOG_INFO). */
void cp_log_set_level(enum cp_log_level level);
void cp_log(enum cp_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
