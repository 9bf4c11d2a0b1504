/* HTTP/1.1 over a unix socket, written out by hand: the admin API needs one
 * request and one Content-Length reply per connection. */
#include "cli/api_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"

static int connect_socket(const char *path, int *out, char err[CLI_API_ERROR_LEN])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLI_API_TIMEOUT_S };
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, CLI_API_ERROR_LEN, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, CLI_API_ERROR_LEN, "socket: %s", strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		snprintf(err, CLI_API_ERROR_LEN, "cannot reach the controller at %s: %s "
			 "(is tenet-controller running? see --socket)", path, strerror(errno));
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static int send_request(int fd, const char *method, const char *path, const json_t *body,
			char err[CLI_API_ERROR_LEN])
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;
	char head[CLI_API_PATH_LEN + 256];
	int n, rc;

	if (body && !text) {
		snprintf(err, CLI_API_ERROR_LEN, "out of memory");
		return -ENOMEM;
	}
	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: tenet\r\nConnection: close\r\n"
		     "Accept: application/json\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n", method, path, len);
	rc = n > 0 && (size_t)n < sizeof(head) ? cli_write_all(fd, head, (size_t)n) : -EINVAL;
	if (rc == 0 && len)
		rc = cli_write_all(fd, text, len);
	free(text);
	if (rc < 0)
		snprintf(err, CLI_API_ERROR_LEN, "sending the request: %s", strerror(-rc));
	return rc;
}

/* Reads until the peer closes (we asked for Connection: close). */
static int read_reply(int fd, char **out, size_t *out_len, char err[CLI_API_ERROR_LEN])
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1), *grown;
	ssize_t n;

	while (buf) {
		if (len == cap) {
			if (cap >= CLI_API_MAX_REPLY) {
				free(buf);
				snprintf(err, CLI_API_ERROR_LEN, "reply larger than %d bytes",
					 CLI_API_MAX_REPLY);
				return -EMSGSIZE;
			}
			cap *= 2;
			grown = realloc(buf, cap + 1);
			if (!grown)
				break;
			buf = grown;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;

			free(buf);
			snprintf(err, CLI_API_ERROR_LEN, "reading the reply: %s",
				 errno == EAGAIN ? "timed out" : strerror(errno));
			return rc;
		}
		if (n == 0) {
			buf[len] = '\0';
			*out = buf;
			*out_len = len;
			return 0;
		}
		len += (size_t)n;
	}
	free(buf);
	snprintf(err, CLI_API_ERROR_LEN, "out of memory");
	return -ENOMEM;
}

/* A Content-Length header's value, or -1 if there is none. */
static long content_length(const char *headers, const char *end)
{
	const char *p = headers;

	while (p && p < end) {
		const char *line = strstr(p, "\r\n");

		if (!line || line >= end)
			break;
		p = line + 2;
		if (!strncasecmp(p, "Content-Length:", 15))
			return strtol(p + 15, NULL, 10);
	}
	return -1;
}

static int parse_reply(char *buf, size_t len, struct cli_api_reply *reply,
		       char err[CLI_API_ERROR_LEN])
{
	char *body = strstr(buf, "\r\n\r\n");
	long clen;
	int status;

	if (len < 12 || strncmp(buf, "HTTP/1.", 7) || sscanf(buf + 9, "%3d", &status) != 1 ||
	    !body) {
		snprintf(err, CLI_API_ERROR_LEN, "malformed reply from the controller");
		return -EPROTO;
	}
	clen = content_length(buf, body);
	body += 4;
	if (clen >= 0 && (size_t)clen <= len - (size_t)(body - buf))
		body[clen] = '\0';
	reply->status = status;
	reply->body = json_loads(body, JSON_DECODE_ANY, NULL);
	return 0;
}

int cli_api_call(const char *socket_path, const char *method, const char *path,
		 const json_t *body, struct cli_api_reply *reply, char err[CLI_API_ERROR_LEN])
{
	char *buf = NULL;
	size_t len = 0;
	int fd = -1, rc;

	reply->status = 0;
	reply->body = NULL;
	rc = connect_socket(socket_path, &fd, err);
	if (rc < 0)
		return rc;
	rc = send_request(fd, method, path, body, err);
	if (rc == 0)
		rc = read_reply(fd, &buf, &len, err);
	close(fd);
	if (rc == 0)
		rc = parse_reply(buf, len, reply, err);
	free(buf);
	return rc;
}

/* Appends sep and the encoded text. */
static int append_encoded(char *path, size_t size, const char *sep, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = strlen(path), n = start;
	const unsigned char *s;

	if (n + strlen(sep) >= size)
		return -ENAMETOOLONG;
	memcpy(path + n, sep, strlen(sep));
	n += strlen(sep);
	for (s = (const unsigned char *)text; *s; s++) {
		bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			     (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-';

		if (n + (plain ? 1 : 3) >= size) {
			path[start] = '\0';
			return -ENAMETOOLONG;
		}
		if (plain) {
			path[n++] = (char)*s;
		} else {
			path[n++] = '%';
			path[n++] = hex[*s >> 4];
			path[n++] = hex[*s & 15];
		}
	}
	path[n] = '\0';
	return 0;
}

int cli_api_path_append(char *path, size_t size, const char *segment)
{
	return append_encoded(path, size, "/", segment);
}

int cli_api_query_append(char *path, size_t size, const char *key, const char *value)
{
	char sep[32];

	snprintf(sep, sizeof(sep), "%c%s=", strchr(path, '?') ? '&' : '?', key);
	return append_encoded(path, size, sep, value);
}
