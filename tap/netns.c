/* Network namespaces. Entering a namespace (setns, unshare) is done on a
 * helper thread: the network namespace is per thread in Linux, so the
 * caller's thread (the agent's event loop) never leaves its own, and there is
 * no "switch back" step that could fail and strand it elsewhere. A fork
 * would work too but copies a process that may hold libevent state and
 * other threads; a thread costs less and needs no IPC to return the socket. */
#include "tap/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap/nl_internal.h"

/* A bare name: non-empty, no '/', not "." or "..". */
static int check_ns_name(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, NAME_MAX + 1);
	if (len == 0 || len > NAME_MAX || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

static int ns_path(const char *netns, char path[PATH_MAX])
{
	int n;

	if (netns && netns[0] == '/') {
		n = snprintf(path, PATH_MAX, "%s", netns);
	} else {
		if (check_ns_name(netns) < 0)
			return -EINVAL;
		n = snprintf(path, PATH_MAX, "%s/%s", TAP_NETNS_DIR, netns);
	}
	return n > 0 && n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

int tap_netns_open(const char *netns)
{
	char path[PATH_MAX];
	int fd, rc;

	rc = ns_path(netns, path);
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Runs fn(arg) on a fresh thread and waits for it; fn reports through arg. */
static int run_on_thread(void *(*fn)(void *), void *arg)
{
	pthread_t th;
	int rc;

	rc = pthread_create(&th, NULL, fn, arg);
	if (rc)
		return -rc;
	rc = pthread_join(th, NULL);
	return rc ? -rc : 0;
}

struct create_job {
	const char *path;
	int rc;
};

static void *create_thread(void *arg)
{
	struct create_job *job = arg;

	if (unshare(CLONE_NEWNET) < 0) {
		job->rc = -errno;
		return NULL;
	}
	/* The bind mount pins the namespace after this thread is gone. */
	job->rc = mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) < 0 ? -errno : 0;
	return NULL;
}

int tap_netns_create(const char *name)
{
	char path[PATH_MAX];
	struct create_job job = { path, 0 };
	int fd, rc;

	rc = check_ns_name(name);
	if (rc == 0)
		rc = ns_path(name, path);
	if (rc < 0)
		return rc;
	if (mkdir(TAP_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	rc = run_on_thread(create_thread, &job);
	if (rc == 0)
		rc = job.rc;
	if (rc < 0)
		unlink(path);
	return rc;
}

int tap_netns_delete(const char *name)
{
	char path[PATH_MAX];
	int rc;

	rc = check_ns_name(name);
	if (rc == 0)
		rc = ns_path(name, path);
	if (rc < 0)
		return rc;
	/* EINVAL: not mounted (a half-made entry); remove the file anyway. */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	return unlink(path) < 0 ? -errno : 0;
}

struct nl_job {
	int nsfd;
	struct tap_nl *nl;
	int rc;
};

static void *nl_thread(void *arg)
{
	struct nl_job *job = arg;

	if (setns(job->nsfd, CLONE_NEWNET) < 0) {
		job->rc = -errno;
		return NULL;
	}
	job->rc = tap_nl_open(&job->nl);
	return NULL;
}

int tap_nl_open_netns(const char *netns, struct tap_nl **out)
{
	struct nl_job job = { -1, NULL, 0 };
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	job.nsfd = tap_netns_open(netns);
	if (job.nsfd < 0)
		return job.nsfd;
	rc = run_on_thread(nl_thread, &job);
	if (rc == 0)
		rc = job.rc;
	close(job.nsfd);
	if (rc == 0)
		*out = job.nl;
	return rc;
}

/* -EEXIST if the target namespace already has a link called name. Checked
 * up front because the kernel moves first and renames after, so a clash
 * found by the rename would leave the link moved under its old name. */
static int target_name_free(const char *netns, const char *name)
{
	struct tap_nl *inside;
	int rc;

	rc = tap_nl_open_netns(netns, &inside);
	if (rc < 0)
		return rc;
	rc = tap_link_index(inside, name);
	tap_nl_close(inside);
	if (rc > 0)
		return -EEXIST;
	return rc == -ENODEV ? 0 : rc;
}

int tap_link_move_netns(struct tap_nl *nl, const char *ifname, const char *netns, const char *new_name)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	int fd, rc;

	if (new_name && tap_nl_check_name(new_name) < 0)
		return -EINVAL;
	fd = tap_netns_open(netns);
	if (fd < 0)
		return fd;
	rc = tap_nl_link_get(nl, ifname, &orig);
	if (rc == 0 && new_name)
		rc = target_name_free(netns, new_name);
	if (rc < 0)
		goto out;
	change = rtnl_link_alloc();
	if (!change) {
		rc = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ns_fd(change, fd);
	/* Addressed by ifindex, IFLA_IFNAME means "rename": the kernel moves
	 * the link first, then renames it inside the target namespace. */
	if (new_name)
		rtnl_link_set_name(change, new_name);
	rc = tap_nl_link_change(nl, orig, change);
out:
	if (change)
		rtnl_link_put(change);
	if (orig)
		rtnl_link_put(orig);
	close(fd);
	return rc;
}
