/* Shared by the tap/ kernel tests: the test binary moves itself into an
 * empty network namespace of its own before any test runs (so the host's
 * links and routes are out of reach), and reads results back through a libnl
 * socket of its own rather than through tap/. Static inline in a header
 * because any non-test_ .c file here is linked into every unit test. */
#ifndef TAP_TEST_FIXTURE_H
#define TAP_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap/netlink.h"

/* Set by tap_test_enter_netns; tests that need the kernel skip without it. */
static bool tap_test_in_own_netns;

#define NEED_NETNS() do { if (!tap_test_in_own_netns) skip(); } while (0)

/* Called once from main: kernel tests run only as root in a fresh namespace,
 * and say on stderr why they are skipped otherwise. */
static inline void tap_test_enter_netns(void)
{
	if (geteuid() != 0)
		fprintf(stderr, "not root: kernel tests skipped\n");
	else if (unshare(CLONE_NEWNET) < 0)
		fprintf(stderr, "unshare(CLONE_NEWNET): %s: kernel tests skipped\n", strerror(errno));
	else
		tap_test_in_own_netns = true;
}

/* tap/'s own handle plus an independent raw reader; on failure whatever was
 * opened is left in *nl / *raw for tap_test_nl_close. */
static inline int tap_test_nl_open(struct tap_nl **nl, struct nl_sock **raw)
{
	if (tap_nl_open(nl) < 0)
		return -1;
	*raw = nl_socket_alloc();
	return *raw && nl_connect(*raw, NETLINK_ROUTE) == 0 ? 0 : -1;
}

static inline void tap_test_nl_close(struct tap_nl *nl, struct nl_sock *raw)
{
	if (raw)
		nl_socket_free(raw);
	tap_nl_close(nl);
}

/* The usual per-test state: tap/'s handle and the independent reader. */
struct tap_test_fixture {
	struct tap_nl *nl;
	struct nl_sock *raw;
};

/* cmocka setup: one zeroed fixture in *state, opened only inside our own
 * namespace (kernel tests skip otherwise). */
static inline int tap_test_fixture_setup(void **state)
{
	static struct tap_test_fixture f;

	memset(&f, 0, sizeof(f));
	*state = &f;
	if (!tap_test_in_own_netns)
		return 0;
	return tap_test_nl_open(&f.nl, &f.raw);
}

/* cmocka setup for tests that need only tap/'s handle: it is *state itself
 * (NULL outside our own namespace). */
static inline int tap_test_nl_setup(void **state)
{
	struct tap_nl *nl = NULL;

	*state = NULL;
	if (!tap_test_in_own_netns)
		return 0;
	if (tap_nl_open(&nl) < 0)
		return -1;
	*state = nl;
	return 0;
}

/* Straight from the kernel, not through tap/; NULL when there is no such
 * link. The caller puts the reference. */
static inline struct rtnl_link *tap_test_raw_link(struct nl_sock *raw, const char *name)
{
	struct rtnl_link *link = NULL;

	if (rtnl_link_get_kernel(raw, 0, name, &link) < 0)
		return NULL;
	return link;
}

#endif
