/* SQL plumbing shared by the state_*.c files: run a query with text or
 * integer parameters and hand each row to a callback; count rows; resolve
 * names to ids with the "unknown X" refusals every operation needs. Private
 * to controlplane/. */
#ifndef CONTROLPLANE_STATE_QUERY_H
#define CONTROLPLANE_STATE_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "controlplane/store.h"

/* A query parameter: text (NULL binds SQL NULL) or an integer. */
struct cp_param {
	const char *text;
	int64_t num;
	int is_num;
};

#define CP_TEXT(s) ((struct cp_param){ .text = (s) })
#define CP_NUM(n)  ((struct cp_param){ .num = (n), .is_num = 1 })

typedef int (*cp_row_fn)(void *ctx, sqlite3_stmt *row);

/* Binds params as ?1..?n, calls fn per row. Returns the number of rows seen
 * (>= 0), fn's negative return, or -EIO. These four keep their statements
 * prepared (cp_store_acquire): pass the SQL as a string literal. */
int cp_query(struct cp_store *st, const char *sql, const struct cp_param *params, size_t n,
	     cp_row_fn fn, void *ctx, struct cp_error *err);
/* The first column of the first row as an integer in *out; 0 rows: -ENOENT
 * without a message. */
int cp_query_int(struct cp_store *st, const char *sql, const struct cp_param *params,
		 size_t n, int64_t *out, struct cp_error *err);
/* The first column of the first row as text (truncated to size); 0 rows:
 * -ENOENT without a message. */
int cp_query_text(struct cp_store *st, const char *sql, const struct cp_param *params,
		  size_t n, char *out, size_t size, struct cp_error *err);
/* A statement that returns no rows (INSERT, DELETE). *last_id (if not NULL)
 * receives the new row's id. */
int cp_exec(struct cp_store *st, const char *sql, const struct cp_param *params, size_t n,
	    int64_t *last_id, struct cp_error *err);

/* Name -> id, or -ENOENT with "unknown tenant \"x\"" (and so on). */
int cp_tenant_id(struct cp_store *st, const char *tenant, int64_t *id, struct cp_error *err);
int cp_host_id(struct cp_store *st, const char *host, int64_t *id, struct cp_error *err);

/* Ends a write operation: commit when rc is 0, otherwise roll back. */
int cp_finish(struct cp_store *st, int rc, struct cp_error *err);

#endif
