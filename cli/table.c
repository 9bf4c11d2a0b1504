/* Rows are kept as copied strings until printing, when column widths are
 * known. */
#include "cli/table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cli_table {
	size_t ncols;
	size_t nrows, cap;
	char **cells;          /* (nrows + 1) * ncols; row 0 is the header */
};

struct cli_table *cli_table_new(size_t ncols, const char *const headers[])
{
	struct cli_table *t;

	if (ncols == 0 || ncols > CLI_TABLE_MAX_COLS)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	if (cli_table_add(t, headers) < 0) {
		cli_table_free(t);
		return NULL;
	}
	return t;
}

int cli_table_add(struct cli_table *t, const char *const cells[])
{
	char **grown;
	size_t i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		grown = realloc(t->cells, t->cap * t->ncols * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->cells = grown;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : "-");
		if (!t->cells[t->nrows * t->ncols + i]) {
			while (i--)
				free(t->cells[t->nrows * t->ncols + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t width[CLI_TABLE_MAX_COLS] = { 0 }, r, c, len;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			len = strlen(t->cells[r * t->ncols + c]);
			if (len > width[c])
				width[c] = len;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				fprintf(f, "%s\n", cell);
			else
				fprintf(f, "%-*s  ", (int)width[c], cell);
		}
	}
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
