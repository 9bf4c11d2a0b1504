/* Backgrounding like wireguard-go: the parent returns to its caller only once
 * the daemon reports that the interface is up (exit 0), or prints the
 * daemon's error and exits 1. The report travels over a pipe.
 *
 * The daemon gets its own session, no inherited descriptor beyond 0-2, and
 * /dev/null as stdin and stdout. Its
 * stderr (the log) is kept when it is a file or a terminal, and replaced by
 * /dev/null when it is a pipe or a socket: otherwise a caller reading our
 * output until end of file, such as $(tenet-agent ...), would wait for the
 * daemon to exit. */
#ifndef DATAPLANE_DAEMON_H
#define DATAPLANE_DAEMON_H

struct daemon_report {
	int fd;   /* write end in the daemon; -1 in the foreground */
};

/* In the parent: waits for the report and exits; never returns. In the
 * daemon: returns 0 with r->fd set. A fork failure returns a negative errno
 * (still in the foreground, nothing reported). */
int daemon_start(struct daemon_report *r);
/* In the daemon (no-ops when r->fd is -1): the interface is up, or start-up
 * failed with `msg`. Either closes the pipe. */
void daemon_report_ready(struct daemon_report *r);
void daemon_report_error(struct daemon_report *r, const char *msg);

#endif
