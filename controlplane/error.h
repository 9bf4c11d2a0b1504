/* Why a control-plane operation was refused, in words an operator can act on.
 *
 * Operations return 0 or a negative errno and, on failure, leave a message in
 * a struct cp_error. The errno says what kind of refusal it was and decides
 * the HTTP status the admin API answers with:
 *   -EINVAL  400  malformed input (bad name, CIDR, IP, MAC, key, JSON)
 *   -EACCES  403  a join token that is unknown, spent or expired
 *   -ENOENT  404  the object, or an object it refers to, does not exist
 *   -EEXIST  409  name, VNI, IP, MAC, key or prefix already taken
 *   -EBUSY   409  still referenced by other objects
 *   -ENOSPC  409  nothing left to allocate (subnet full, no free VNI)
 *   -E2BIG   413  request too large
 *   others   500  the store failed (disk full, I/O error)
 */
#ifndef CONTROLPLANE_ERROR_H
#define CONTROLPLANE_ERROR_H

#define CP_ERROR_LEN 256

struct cp_error {
	char message[CP_ERROR_LEN];
};

/* Formats the message (truncated to fit) and returns -errnum, so a caller can
 * write `return cp_fail(err, EINVAL, "bad name \"%s\"", name);`. err may be
 * NULL. */
int cp_fail(struct cp_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The HTTP status for a negative errno returned by an operation. */
int cp_error_http_status(int rc);

#endif
