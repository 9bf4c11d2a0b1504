/* The last applied view on disk, so an agent restarted while the
 * controller is unreachable comes back with its last state. Written whole
 * or not at all: temp file, fsync, rename, fsync of the directory. */
#ifndef DATAPLANE_FABRIC_STORE_H
#define DATAPLANE_FABRIC_STORE_H

#include <jansson.h>

#define FABRIC_STATE_DIR "/var/lib/tenet"

/* 0 or a negative errno. The directory is created (0700) if missing. */
int fabric_store_save(const char *path, const json_t *view);
/* The stored view, or NULL (absent, unreadable, not JSON: logged). */
json_t *fabric_store_load(const char *path);

#endif
