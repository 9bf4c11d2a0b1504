/* TUN and TAP file descriptors. */
#ifndef TAP_TUN_H
#define TAP_TUN_H

#include <net/if.h>
#include <stddef.h>

enum tap_kind { TAP_KIND_TUN, TAP_KIND_TAP };

/* Opens (creating if needed) a TUN or TAP device with IFF_NO_PI, non-blocking.
 * name may be a pattern ("tun%d"); the kernel's chosen name is written to
 * out_name. Returns the fd or a negative errno. */
int tap_open(enum tap_kind kind, const char *name, char out_name[IFNAMSIZ]);

#endif
