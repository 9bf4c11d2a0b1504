/* The controller's private key file: one line of base64, as `wg genkey`
 * writes it, mode 0600. Created with a fresh key when absent. The agent side
 * of the control channel authenticates the controller by the matching public
 * key (`tenet-controller --show-public-key`). */
#ifndef CONTROLPLANE_KEYFILE_H
#define CONTROLPLANE_KEYFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "controlplane/error.h"
#include "controlplane/mac.h"

/* Reads the key at path, or creates the file (0600, never replacing an
 * existing one) with a key drawn from rng. *created says which happened.
 * A file readable by group or others is refused (-EPERM): the key would
 * already be exposed. */
int cp_keyfile_load_or_create(const char *path, const struct cp_rng *rng, uint8_t key[32],
			      bool *created, struct cp_error *err);

#endif
