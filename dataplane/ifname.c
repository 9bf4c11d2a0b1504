/* Interface-name rules. */
#include "dataplane/ifname.h"

#include <string.h>

bool ifname_valid(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ);

	if (len == 0 || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ':')
			return false;
	}
	return true;
}

bool ifname_from_config_path(const char *path, char out[IFNAMSIZ])
{
	const char *base = strrchr(path, '/');
	char name[IFNAMSIZ];
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".conf"))
		len -= 5;
	if (len == 0 || len >= IFNAMSIZ)
		return false;
	memcpy(name, base, len);
	name[len] = '\0';
	if (!ifname_valid(name))
		return false;
	memcpy(out, name, len + 1);
	return true;
}
