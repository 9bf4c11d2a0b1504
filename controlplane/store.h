/* The controller's store: one SQLite file in WAL mode.
 *
 * Durability: synchronous=FULL makes every COMMIT fsync the write-ahead log,
 * so a change acknowledged after cp_store_commit() returned survives SIGKILL
 * and power loss. Every change is one write transaction that bumps the global
 * revision once and appends one row to the revision log
 * (revision, kind, tenant, key, op); "what changed since revision R" is then a
 * range query. The revision never goes backwards: it lives in the same file
 * and moves only inside committed transactions. Revisions in the log are
 * contiguous (one row per bump), so a reader can tell a hole from quiet.
 *
 * The log is bounded: it keeps the newest CP_CHANGES_KEEP revisions. Every
 * CP_CHANGES_PRUNE_EVERY-th revision, inside the transaction that records
 * it, rows older than the window are deleted, so no change pays for a big
 * delete and the log never holds more than keep + prune_every - 1 rows. A
 * reader further behind gets -ESTALE and re-reads the whole state instead.
 *
 * The schema is versioned with PRAGMA user_version; cp_store_open() applies
 * every migration the file has not seen, each in its own transaction, and
 * refuses a file written by a newer controller.
 *
 * Not thread-safe: the controller runs one event loop.
 */
#ifndef CONTROLPLANE_STORE_H
#define CONTROLPLANE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "controlplane/error.h"
#include "controlplane/model.h"

struct cp_store;

/* The schema version this build writes. */
#define CP_STORE_SCHEMA_VERSION 2
/* Longest key in the revision log (a name or a prefix). */
#define CP_CHANGE_KEY_LEN CP_NAME_LEN
/* Revisions kept in the log. A row is a revision, two short words and two
 * names of at most 63 bytes: 30-150 bytes, so the window costs 3-15 MB of
 * file at worst. The channel already rebuilds every view once it is 4096
 * changes behind, and an admin client that far behind is better served by
 * re-reading the lists (a 410 tells it so), so nothing older is worth
 * keeping. */
#define CP_CHANGES_KEEP 100000
/* Prune every this many revisions: one rowid-range delete of ~1000 short
 * rows now and then, instead of a delete on every change. */
#define CP_CHANGES_PRUNE_EVERY 1000

/* Opens or creates the file at path. -EPROTO for a file from a newer
 * controller, -EIO for anything SQLite refuses. */
int cp_store_open(const char *path, struct cp_store **out, struct cp_error *err);
void cp_store_close(struct cp_store *st);
sqlite3 *cp_store_db(struct cp_store *st);

/* A write transaction (BEGIN IMMEDIATE: takes the write lock now, so the
 * checks made inside it stay true until commit). */
int cp_store_begin(struct cp_store *st, struct cp_error *err);
/* A read transaction: one consistent snapshot for several queries. */
int cp_store_begin_read(struct cp_store *st, struct cp_error *err);
/* Returns once the transaction is on disk. */
int cp_store_commit(struct cp_store *st, struct cp_error *err);
/* Safe to call when no transaction is open. */
void cp_store_rollback(struct cp_store *st);

/* Inside a write transaction: bumps the revision and logs one change.
 * tenant is NULL for hosts and tokens. *rev receives the new revision. */
int cp_store_record_change(struct cp_store *st, enum cp_kind kind, enum cp_op op,
			   const char *tenant, const char *key, int64_t *rev,
			   struct cp_error *err);
/* The revision of the latest committed change (0 for a new store). */
int cp_store_revision(struct cp_store *st, int64_t *rev, struct cp_error *err);
/* The log's bounds for this handle (defaults CP_CHANGES_KEEP and
 * CP_CHANGES_PRUNE_EVERY; tests use small ones). Takes effect at the next
 * prune. -EINVAL unless both are at least 1 (and prune_every sane). */
int cp_store_set_change_window(struct cp_store *st, int64_t keep, int64_t prune_every);
/* The oldest revision still in the log; 0 when the log is empty. */
int cp_store_oldest_change(struct cp_store *st, int64_t *rev, struct cp_error *err);

struct cp_change {
	int64_t revision;
	enum cp_kind kind;
	enum cp_op op;
	char tenant[CP_NAME_LEN];        /* "" for hosts and tokens */
	char key[CP_CHANGE_KEY_LEN];     /* the object's name, or a route's prefix */
};

typedef int (*cp_change_fn)(void *ctx, const struct cp_change *c);
/* Calls fn for each change with revision > since, oldest first, at most max
 * of them. A negative return from fn stops the walk and is returned.
 * -ESTALE, before fn is called at all, when revision since + 1 was pruned
 * (err names the oldest revision kept): the caller must resynchronise from
 * the whole state, never treat the rest as complete. */
int cp_store_changes_since(struct cp_store *st, int64_t since, size_t max, cp_change_fn fn,
			   void *ctx, struct cp_error *err);

/* Statement helpers for the state_*.c files. prepare: -EIO with a message. */
int cp_store_prepare(struct cp_store *st, const char *sql, sqlite3_stmt **stmt,
		     struct cp_error *err);
/* The same, kept prepared for the next caller with the same SQL (pass a
 * string literal: the pointer is the key). Give it back with
 * cp_store_release(), never sqlite3_finalize(); release also resets it. A
 * statement still handed out is prepared afresh, so a query may run inside
 * another's row callback. */
int cp_store_acquire(struct cp_store *st, const char *sql, sqlite3_stmt **stmt,
		     struct cp_error *err);
void cp_store_release(struct cp_store *st, sqlite3_stmt *stmt);
/* Turns the last SQLite failure into -EIO and a message naming `what`. */
int cp_store_fail(struct cp_store *st, const char *what, struct cp_error *err);
/* Copies a text column into a fixed buffer (truncating, always terminated). */
void cp_store_column_text(sqlite3_stmt *stmt, int col, char *out, size_t size);

#endif
