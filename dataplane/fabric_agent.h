/* Running tenet-agent in fabric mode: the host key, the first view (a
 * --state file, or the view stored by the previous run), the event loop with
 * the agent's UDP socket and UAPI server, SIGHUP (re-read --state), a
 * periodic kernel reconcile, and the control channel when a controller is
 * named. */
#ifndef DATAPLANE_FABRIC_AGENT_H
#define DATAPLANE_FABRIC_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#define FABRIC_DEFAULT_IFNAME "tenet0"
#define FABRIC_DEFAULT_PORT   51820
/* Kernel links are checked this often, so a container namespace created
 * after its port, or a link deleted by hand, is mended without an update. */
#define FABRIC_RECONCILE_SECS 5

struct fabric_options {
	const char *name;            /* this host's name in the views */
	const char *key_path;        /* private key file (created 0600 if absent) */
	const char *controller;      /* ADDR:PORT, or NULL */
	const char *controller_key;  /* base64 public key, or a file holding one */
	const char *join_token;
	const char *endpoint;        /* our underlay IP:PORT, told to the controller on join */
	const char *state_file;      /* --state: a host-view JSON file (re-read on SIGHUP) */
	const char *state_dir;       /* where the last view is kept (default FABRIC_STATE_DIR) */
	const char *ifname;          /* UAPI name (default FABRIC_DEFAULT_IFNAME) */
	uint16_t listen_port;
	bool foreground;
	bool show_public_key;
	bool no_offload;             /* one datagram per system call (no UDP GSO/GRO) */
};

/* The process exit status. */
int fabric_agent_main(const struct fabric_options *o);

#endif
