/* SQLite file, schema migrations, transactions and the revision log. */
#include "controlplane/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statements kept prepared: parsing and planning a join costs about as
 * much as running it over one tenant, and a host view runs hundreds. */
#define CACHE_SIZE 128

struct cached_stmt {
	const char *key;     /* the caller's SQL pointer (a literal) */
	char *sql;           /* its text: a reused buffer must not hit */
	sqlite3_stmt *stmt;
	int busy;            /* handed out and not yet released */
};

struct cp_store {
	sqlite3 *db;
	int in_tx;   /* a transaction is open: rollback has something to undo */
	struct cached_stmt cache[CACHE_SIZE];
	size_t n_cache;
	int64_t keep_changes;   /* revisions the log keeps */
	int64_t prune_every;    /* prune when the revision is a multiple of it */
};

/* One prune deletes at most this many intervals' worth of rows: a log from
 * before pruning (or a window just narrowed) shrinks over several prunes
 * instead of in one long transaction. */
#define PRUNE_MAX_INTERVALS 8

/* migrations[i] takes a file from user_version i to i + 1. Append only:
 * never edit one that has shipped. */
static const char *const migrations[] = {
	/* 1: the initial schema */
	"CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO meta VALUES ('revision', 0);"
	"CREATE TABLE changes ("
	"  revision INTEGER PRIMARY KEY, kind TEXT NOT NULL, op TEXT NOT NULL,"
	"  tenant TEXT NOT NULL DEFAULT '', key TEXT NOT NULL);"
	"CREATE TABLE hosts ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL,"
	"  name TEXT NOT NULL UNIQUE, public_key BLOB NOT NULL UNIQUE,"
	"  endpoint TEXT NOT NULL);"
	"CREATE TABLE tenants ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL,"
	"  name TEXT NOT NULL UNIQUE,"
	"  vni INTEGER NOT NULL UNIQUE CHECK (vni BETWEEN 1 AND 16777215));"
	"CREATE TABLE subnets ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenants(id), name TEXT NOT NULL,"
	"  addr INTEGER NOT NULL, len INTEGER NOT NULL, gateway INTEGER NOT NULL,"
	"  mtu INTEGER NOT NULL, dhcp INTEGER NOT NULL, UNIQUE (tenant_id, name));"
	"CREATE TABLE ports ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
	"  subnet_id INTEGER NOT NULL REFERENCES subnets(id),"
	"  host_id INTEGER NOT NULL REFERENCES hosts(id),"
	"  name TEXT NOT NULL, kind TEXT NOT NULL, mac INTEGER NOT NULL,"
	"  ip INTEGER NOT NULL, netns TEXT NOT NULL DEFAULT '',"
	"  UNIQUE (tenant_id, name), UNIQUE (tenant_id, ip), UNIQUE (tenant_id, mac));"
	"CREATE INDEX ports_by_subnet ON ports (subnet_id, ip);"
	"CREATE INDEX ports_by_host ON ports (host_id);"
	"CREATE INDEX ports_by_mac ON ports (mac);"
	"CREATE TABLE routes ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL,"
	"  tenant_id INTEGER NOT NULL REFERENCES tenants(id),"
	"  addr INTEGER NOT NULL, len INTEGER NOT NULL, via INTEGER NOT NULL,"
	"  UNIQUE (tenant_id, addr, len));"
	"CREATE INDEX routes_by_via ON routes (tenant_id, via);"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, revision INTEGER NOT NULL DEFAULT 0,"
	"  hash BLOB NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
	"  used_at INTEGER, host TEXT);",
	/* 2: which hosts serve a tenant (change dispatch) and a host's peers
	 * (host views), answered from the index alone */
	"CREATE INDEX ports_by_tenant_host ON ports (tenant_id, host_id);",
};

#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(N_MIGRATIONS == CP_STORE_SCHEMA_VERSION, "one migration per schema version");

int cp_store_fail(struct cp_store *st, const char *what, struct cp_error *err)
{
	return cp_fail(err, EIO, "store: %s: %s", what, sqlite3_errmsg(st->db));
}

static int exec(struct cp_store *st, const char *sql, const char *what, struct cp_error *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return cp_store_fail(st, what, err);
	return 0;
}

int cp_store_prepare(struct cp_store *st, const char *sql, sqlite3_stmt **stmt,
		     struct cp_error *err)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
		*stmt = NULL;
		return cp_store_fail(st, "prepare", err);
	}
	return 0;
}

static struct cached_stmt *cache_find(struct cp_store *st, const char *sql)
{
	size_t i;

	for (i = 0; i < st->n_cache; i++)
		if (st->cache[i].key == sql && !strcmp(st->cache[i].sql, sql))
			return &st->cache[i];
	return NULL;
}

static int cache_add(struct cp_store *st, const char *sql, sqlite3_stmt **stmt,
		     struct cp_error *err)
{
	struct cached_stmt *e = &st->cache[st->n_cache];

	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) !=
	    SQLITE_OK) {
		*stmt = NULL;
		return cp_store_fail(st, "prepare", err);
	}
	e->sql = strdup(sql);
	if (!e->sql)
		return 0; /* not cached: release finalizes it */
	e->key = sql;
	e->stmt = *stmt;
	e->busy = 1;
	st->n_cache++;
	return 0;
}

int cp_store_acquire(struct cp_store *st, const char *sql, sqlite3_stmt **stmt,
		     struct cp_error *err)
{
	struct cached_stmt *e = cache_find(st, sql);

	if (e && !e->busy) {
		e->busy = 1;
		*stmt = e->stmt;
		return 0;
	}
	/* in use (a query run from another's row callback) or no room */
	if (e || st->n_cache == CACHE_SIZE)
		return cp_store_prepare(st, sql, stmt, err);
	return cache_add(st, sql, stmt, err);
}

void cp_store_release(struct cp_store *st, sqlite3_stmt *stmt)
{
	size_t i;

	if (!stmt)
		return;
	for (i = 0; i < st->n_cache; i++) {
		if (st->cache[i].stmt == stmt) {
			/* reset ends its read of the file: no lock outlives a query */
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			st->cache[i].busy = 0;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

static void cache_clear(struct cp_store *st)
{
	size_t i;

	for (i = 0; i < st->n_cache; i++) {
		sqlite3_finalize(st->cache[i].stmt);
		free(st->cache[i].sql);
	}
	st->n_cache = 0;
}

void cp_store_column_text(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);
	size_t n = s ? strnlen((const char *)s, size - 1) : 0;

	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* A single integer from a query without parameters. */
static int query_int(struct cp_store *st, const char *sql, int64_t *out, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int rc = cp_store_prepare(st, sql, &stmt, err);

	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*out = sqlite3_column_int64(stmt, 0);
	else
		rc = cp_store_fail(st, sql, err);
	sqlite3_finalize(stmt);
	return rc;
}

/* journal_mode answers with the mode now in force, which is not WAL when the
 * file system cannot do it; refuse to run with weaker durability. */
static int set_pragmas(struct cp_store *st, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	const unsigned char *mode;
	int rc;

	if (sqlite3_busy_timeout(st->db, 5000) != SQLITE_OK)
		return cp_store_fail(st, "busy_timeout", err);
	rc = cp_store_prepare(st, "PRAGMA journal_mode=WAL", &stmt, err);
	if (rc < 0)
		return rc;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		rc = cp_store_fail(st, "journal_mode", err);
	else if (!(mode = sqlite3_column_text(stmt, 0)) || strcmp((const char *)mode, "wal"))
		rc = cp_fail(err, EIO, "store: cannot use WAL mode (journal mode is %s)",
			     mode ? (const char *)mode : "unknown");
	sqlite3_finalize(stmt);
	if (rc < 0)
		return rc;
	rc = exec(st, "PRAGMA synchronous=FULL", "synchronous", err);
	if (rc == 0)
		rc = exec(st, "PRAGMA foreign_keys=ON", "foreign_keys", err);
	return rc;
}

static int migrate_one(struct cp_store *st, size_t i, struct cp_error *err)
{
	char sql[64];
	int rc = cp_store_begin(st, err);

	if (rc < 0)
		return rc;
	rc = exec(st, migrations[i], "migration", err);
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%zu", i + 1);
	if (rc == 0)
		rc = exec(st, sql, "user_version", err);
	if (rc == 0)
		rc = cp_store_commit(st, err);
	if (rc < 0)
		cp_store_rollback(st);
	return rc;
}

static int migrate(struct cp_store *st, struct cp_error *err)
{
	int64_t version;
	int rc = query_int(st, "PRAGMA user_version", &version, err);

	if (rc < 0)
		return rc;
	if (version < 0 || version > (int64_t)N_MIGRATIONS)
		return cp_fail(err, EPROTO, "store: schema version %lld is newer than this "
			       "controller understands (%zu)", (long long)version, N_MIGRATIONS);
	for (; version < (int64_t)N_MIGRATIONS; version++) {
		rc = migrate_one(st, (size_t)version, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cp_store_open(const char *path, struct cp_store **out, struct cp_error *err)
{
	struct cp_store *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return cp_fail(err, ENOMEM, "store: out of memory");
	st->keep_changes = CP_CHANGES_KEEP;
	st->prune_every = CP_CHANGES_PRUNE_EVERY;
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = cp_fail(err, EIO, "store: cannot open %s: %s", path,
			     st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	rc = set_pragmas(st, err);
	if (rc == 0)
		rc = migrate(st, err);
out:
	if (rc < 0) {
		cp_store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void cp_store_close(struct cp_store *st)
{
	if (!st)
		return;
	cp_store_rollback(st);
	cache_clear(st);
	sqlite3_close(st->db);
	free(st);
}

sqlite3 *cp_store_db(struct cp_store *st)
{
	return st->db;
}

int cp_store_begin(struct cp_store *st, struct cp_error *err)
{
	int rc = exec(st, "BEGIN IMMEDIATE", "begin", err);

	st->in_tx = rc == 0;
	return rc;
}

int cp_store_begin_read(struct cp_store *st, struct cp_error *err)
{
	int rc = exec(st, "BEGIN", "begin", err);

	st->in_tx = rc == 0;
	return rc;
}

int cp_store_commit(struct cp_store *st, struct cp_error *err)
{
	int rc = exec(st, "COMMIT", "commit", err);

	/* A failed COMMIT may leave the transaction open; rollback decides. */
	if (rc == 0)
		st->in_tx = 0;
	return rc;
}

void cp_store_rollback(struct cp_store *st)
{
	if (!st->in_tx)
		return;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->in_tx = 0;
}

int cp_store_revision(struct cp_store *st, int64_t *rev, struct cp_error *err)
{
	return query_int(st, "SELECT value FROM meta WHERE name = 'revision'", rev, err);
}

int cp_store_set_change_window(struct cp_store *st, int64_t keep, int64_t prune_every)
{
	if (keep < 1 || prune_every < 1 || prune_every > INT64_MAX / PRUNE_MAX_INTERVALS)
		return -EINVAL;
	st->keep_changes = keep;
	st->prune_every = prune_every;
	return 0;
}

int cp_store_oldest_change(struct cp_store *st, int64_t *rev, struct cp_error *err)
{
	/* MIN of the rowid: one step down the b-tree; NULL (0) when empty */
	return query_int(st, "SELECT IFNULL(MIN(revision), 0) FROM changes", rev, err);
}

/* At every prune_every-th revision, drops the rows older than the window
 * (rev is the revision just logged, so the window ends there). */
static int prune_changes(struct cp_store *st, int64_t rev, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int64_t cutoff = rev - st->keep_changes;
	int rc;

	if (rev % st->prune_every || cutoff <= 0)
		return 0;
	rc = cp_store_acquire(st, "DELETE FROM changes WHERE revision <= ?1 AND revision < "
			      "(SELECT MIN(revision) FROM changes) + ?2", &stmt, err);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, cutoff);
	sqlite3_bind_int64(stmt, 2, st->prune_every * PRUNE_MAX_INTERVALS);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = cp_store_fail(st, "prune changes", err);
	cp_store_release(st, stmt);
	return rc;
}

static int append_change(struct cp_store *st, int64_t rev, enum cp_kind kind, enum cp_op op,
			 const char *tenant, const char *key, struct cp_error *err)
{
	sqlite3_stmt *stmt;
	int rc = cp_store_prepare(st, "INSERT INTO changes (revision, kind, op, tenant, key) "
				  "VALUES (?, ?, ?, ?, ?)", &stmt, err);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(stmt, 1, rev);
	sqlite3_bind_text(stmt, 2, cp_kind_name(kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, cp_op_name(op), -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, tenant ? tenant : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(stmt, 5, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		rc = cp_store_fail(st, "log change", err);
	sqlite3_finalize(stmt);
	return rc;
}

int cp_store_record_change(struct cp_store *st, enum cp_kind kind, enum cp_op op,
			   const char *tenant, const char *key, int64_t *rev,
			   struct cp_error *err)
{
	int64_t next;
	int rc;

	if (!st->in_tx || sqlite3_get_autocommit(st->db))
		return cp_fail(err, EINVAL, "store: change recorded outside a transaction");
	rc = exec(st, "UPDATE meta SET value = value + 1 WHERE name = 'revision'",
		  "bump revision", err);
	if (rc == 0)
		rc = cp_store_revision(st, &next, err);
	if (rc == 0)
		rc = append_change(st, next, kind, op, tenant, key, err);
	if (rc == 0)
		rc = prune_changes(st, next, err);
	if (rc == 0)
		*rev = next;
	return rc;
}

static int change_from_row(sqlite3_stmt *stmt, struct cp_change *c)
{
	char kind[16], op[16];

	c->revision = sqlite3_column_int64(stmt, 0);
	cp_store_column_text(stmt, 1, kind, sizeof(kind));
	cp_store_column_text(stmt, 2, op, sizeof(op));
	cp_store_column_text(stmt, 3, c->tenant, sizeof(c->tenant));
	cp_store_column_text(stmt, 4, c->key, sizeof(c->key));
	c->kind = cp_kind_from_name(kind);
	c->op = cp_op_from_name(op);
	return c->kind && c->op ? 0 : -EIO;
}

int cp_store_changes_since(struct cp_store *st, int64_t since, size_t max, cp_change_fn fn,
			   void *ctx, struct cp_error *err)
{
	struct cp_change c;
	sqlite3_stmt *stmt;
	int rc = cp_store_prepare(st, "SELECT revision, kind, op, tenant, key FROM changes "
				  "WHERE revision > ? ORDER BY revision LIMIT ?", &stmt, err);
	int step;
	bool first = true;

	if (rc < 0)
		return rc;
	if (since < 0)
		since = 0;
	sqlite3_bind_int64(stmt, 1, since);
	sqlite3_bind_int64(stmt, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (change_from_row(stmt, &c) < 0) {
			rc = cp_fail(err, EIO, "store: corrupt change at revision %lld",
				     (long long)c.revision);
			goto out;
		}
		/* revisions are contiguous, so anything but since + 1 first
		 * means the ones in between were pruned */
		if (first && c.revision != since + 1) {
			rc = cp_fail(err, ESTALE, "changes after revision %lld are no longer "
				     "logged: the oldest revision kept is %lld", (long long)since,
				     (long long)c.revision);
			goto out;
		}
		first = false;
		rc = fn(ctx, &c);
		if (rc < 0)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = cp_store_fail(st, "read changes", err);
out:
	sqlite3_finalize(stmt);
	return rc;
}
