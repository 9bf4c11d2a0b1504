/* fork + setsid with a readiness pipe. */
#include "dataplane/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READY_MSG "ready\n"

/* Parent side: everything the daemon wrote, until it closes the pipe. */
static void wait_and_exit(int fd)
{
	char buf[1024];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (!strcmp(buf, READY_MSG))
		exit(0);
	if (len == 0)
		fprintf(stderr, "tenet-agent: the daemon exited during start-up\n");
	else
		fprintf(stderr, "tenet-agent: %s%s", buf, buf[len - 1] == '\n' ? "" : "\n");
	exit(1);
}

static int keep_stderr(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode);
}

static void detach_stdio(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	if (!keep_stderr())
		dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
}

/* A descriptor inherited from the caller (say, the write end of a pipe a
 * script reads until end of file) must not live as long as the daemon. */
static void close_inherited(int keep)
{
	if (keep > 3 && close_range(3, (unsigned)keep - 1, 0) == 0 &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < 1024; fd++) {
		if (fd != keep)
			close(fd);
	}
}

int daemon_start(struct daemon_report *r)
{
	int p[2];
	pid_t pid;

	r->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid > 0) {
		close(p[1]);
		wait_and_exit(p[0]);
	}
	close(p[0]);
	setsid();
	/* Do not keep a mount point busy. */
	if (chdir("/") < 0)
		_exit(1); /* the parent reports "exited during start-up" */
	detach_stdio();
	close_inherited(p[1]);
	r->fd = p[1];
	return 0;
}

static void report(struct daemon_report *r, const char *msg)
{
	size_t len = strlen(msg), off = 0;
	ssize_t n;

	if (r->fd < 0)
		return;
	while (off < len) {
		n = write(r->fd, msg + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(r->fd);
	r->fd = -1;
}

void daemon_report_ready(struct daemon_report *r)
{
	report(r, READY_MSG);
}

void daemon_report_error(struct daemon_report *r, const char *msg)
{
	report(r, msg && *msg ? msg : "start-up failed");
}
