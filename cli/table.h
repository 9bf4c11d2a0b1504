/* Aligned text tables for the human view of `tenet` lists: a header row in
 * capitals, then one row per object, columns padded to their widest cell
 * and separated by two spaces (the last column is not padded). */
#ifndef CLI_TABLE_H
#define CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define CLI_TABLE_MAX_COLS 10

struct cli_table;

/* ncols headers; NULL on allocation failure. */
struct cli_table *cli_table_new(size_t ncols, const char *const headers[]);
/* Copies ncols cells (NULL prints as "-"). 0 or -ENOMEM. */
int cli_table_add(struct cli_table *t, const char *const cells[]);
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

#endif
