/* Loading and creating the controller's key file. */
#include "controlplane/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "tunnel/key.h"

#define KEYFILE_MAX 128

static int read_key(int fd, const char *path, uint8_t key[32], struct cp_error *err)
{
	char buf[KEYFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t len;
	int rc = 0;

	if (fstat(fd, &st) < 0)
		return cp_fail(err, errno, "key file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cp_fail(err, EINVAL, "key file %s is not a regular file", path);
	if (st.st_mode & 077)
		return cp_fail(err, EPERM, "key file %s is readable by others (mode %03o); "
			       "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	n = read(fd, buf, KEYFILE_MAX);
	if (n < 0)
		return cp_fail(err, errno, "key file %s: %s", path, strerror(errno));
	len = (size_t)n;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	if (len != WG_KEY_B64_LEN - 1 || !wg_key_from_base64(key, buf) || wg_key_is_zero(key))
		rc = cp_fail(err, EINVAL, "key file %s does not hold a base64 private key", path);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

static int write_key(int fd, const char *path, const uint8_t key[32], struct cp_error *err)
{
	char text[WG_KEY_B64_LEN + 1];
	size_t len;
	int rc = 0;

	wg_key_to_base64(text, key);
	len = strlen(text);
	text[len++] = '\n';
	errno = 0;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		rc = cp_fail(err, errno ? errno : EIO, "key file %s: %s", path, strerror(errno));
	sodium_memzero(text, sizeof(text));
	return rc;
}

static int create_key(const char *path, const struct cp_rng *rng, uint8_t key[32],
		      struct cp_error *err)
{
	uint8_t random[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc;

	if (fd < 0 && errno == EEXIST)
		return -EEXIST; /* someone else created it meanwhile: read theirs */
	if (fd < 0)
		return cp_fail(err, errno, "cannot create key file %s: %s", path, strerror(errno));
	rng->fill(rng->ctx, random, sizeof(random));
	wg_key_private_from_random(key, random);
	sodium_memzero(random, sizeof(random));
	rc = write_key(fd, path, key, err);
	close(fd);
	if (rc < 0) {
		unlink(path);
		sodium_memzero(key, 32);
	}
	return rc;
}

int cp_keyfile_load_or_create(const char *path, const struct cp_rng *rng, uint8_t key[32],
			      bool *created, struct cp_error *err)
{
	int fd, rc;

	*created = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		rc = create_key(path, rng, key, err);
		if (rc != -EEXIST) {
			*created = rc == 0;
			return rc;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return cp_fail(err, errno, "key file %s: %s", path, strerror(errno));
	rc = read_key(fd, path, key, err);
	close(fd);
	return rc;
}
