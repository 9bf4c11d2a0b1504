/* Kernel link names of fabric mode. */
#include "dataplane/fabric_names.h"

#include <stdio.h>
#include <string.h>

void fabric_link_name(enum fabric_link_kind kind, uint32_t id, char out[IFNAMSIZ])
{
	snprintf(out, IFNAMSIZ, FABRIC_NAME_PREFIX "%c%x", (char)kind, id);
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool fabric_name_parse(const char *name, enum fabric_link_kind *kind, uint32_t *id)
{
	size_t len = strlen(name);
	uint64_t v = 0;

	if (len < 4 || len > 11 || strncmp(name, FABRIC_NAME_PREFIX, 2))
		return false;
	if (!strchr("bucpv", name[2]) || name[3] == '0')
		return false;
	for (size_t i = 3; i < len; i++) {
		int d = hex_value(name[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (v == 0 || v > 0xffffffffu)
		return false;
	*kind = (enum fabric_link_kind)name[2];
	*id = (uint32_t)v;
	return true;
}
