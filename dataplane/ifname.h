/* Kernel interface names for the TUN mode: validation and wg-quick's
 * "the interface is named after the configuration file" convention. Pure. */
#ifndef DATAPLANE_IFNAME_H
#define DATAPLANE_IFNAME_H

#include <net/if.h>
#include <stdbool.h>

/* 1..15 bytes, not "." or "..", no '/', ':', whitespace or control bytes
 * (what the kernel's dev_valid_name accepts, minus ':' which ip(8) reads as
 * an alias label). */
bool ifname_valid(const char *name);
/* "/etc/wireguard/wg0.conf" -> "wg0": the base name without a final
 * ".conf". false (out untouched) when the result is not a valid name. */
bool ifname_from_config_path(const char *path, char out[IFNAMSIZ]);

#endif
