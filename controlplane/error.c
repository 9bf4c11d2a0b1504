/* Refusal messages and their HTTP statuses. */
#include "controlplane/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int cp_fail(struct cp_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -errnum;
}

int cp_error_http_status(int rc)
{
	switch (-rc) {
	case EINVAL:
		return 400;
	case EACCES:
		return 403;
	case ENOENT:
		return 404;
	case EEXIST:
	case EBUSY:
	case ENOSPC:
		return 409;
	case E2BIG:
		return 413;
	default:
		return 500;
	}
}
