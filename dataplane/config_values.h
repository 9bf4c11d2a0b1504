/* Parsers for single values of the wg-quick config format, shared by
 * dataplane/config.c. Each works on one NUL-terminated, already trimmed token
 * and returns NULL on success or a short reason (a static string) that the
 * caller puts after the quoted token in its message. Memory only: hostnames
 * are checked for shape, never resolved. */
#ifndef DATAPLANE_CONFIG_VALUES_H
#define DATAPLANE_CONFIG_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/config.h"

/* Decimal digits only (no sign, no spaces), at most `max`. */
bool config_value_number(unsigned long *out, const char *s, unsigned long max);
/* "ADDR" or "ADDR/PLEN"; a missing PLEN means /32 or /128. */
const char *config_value_prefix(struct config_prefix *out, const char *s);
/* "1.2.3.4:51820", "[fd00::1]:51820" (a %zone is allowed) or "host.name:51820";
 * port 1..65535. */
const char *config_value_endpoint(char host[CONFIG_HOST_LEN], uint16_t *port, const char *s);
/* "off" (any case) or 0..65535 seconds; 0 and "off" both mean off. */
const char *config_value_keepalive(uint16_t *out, const char *s);

#endif
