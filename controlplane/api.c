/* The admin API on libevent's evhttp, listening on a unix socket we bind
 * ourselves so its mode is 0600 from the first moment it exists. */
#include "controlplane/api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "controlplane/log.h"

struct cp_api {
	struct evhttp *http;        /* owns the listening socket once bound */
	struct cp_api_ctx ctx;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static enum cp_method method_of(struct evhttp_request *r)
{
	switch (evhttp_request_get_command(r)) {
	case EVHTTP_REQ_GET:
		return CP_METHOD_GET;
	case EVHTTP_REQ_POST:
		return CP_METHOD_POST;
	case EVHTTP_REQ_DELETE:
		return CP_METHOD_DELETE;
	default:
		return CP_METHOD_OTHER;
	}
}

static const char *reason_of(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	default: return "Internal Server Error";
	}
}

/* Changes and failures are logged; reads that succeed are not. */
static void log_request(const struct cp_api_request *req, int status)
{
	static const char *const names[] = { "?", "GET", "POST", "DELETE" };
	char path[72];
	size_t i;

	if (req->method == CP_METHOD_GET && status < 400)
		return;
	snprintf(path, sizeof(path), "%s", req->path ? req->path : "");
	for (i = 0; path[i]; i++)
		if ((unsigned char)path[i] < 0x20 || (unsigned char)path[i] >= 0x7f)
			path[i] = '?';
	cp_log(status >= 500 ? CP_LOG_ERROR : CP_LOG_INFO, "api", "%s %s -> %d",
	       names[req->method], path, status);
}

static void send_json(struct evhttp_request *r, int status, json_t *body)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(r);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	evhttp_add_header(evhttp_request_get_output_headers(r), "Content-Type",
			  "application/json");
	if (!text) {
		status = 500;
		evbuffer_add_printf(out, "{\"error\":\"out of memory\"}\n");
	} else {
		evbuffer_add_printf(out, "%s\n", text);
	}
	free(text);
	evhttp_send_reply(r, status, reason_of(status), out);
}

static void on_request(struct evhttp_request *r, void *arg)
{
	struct cp_api *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r);
	struct evbuffer *in = evhttp_request_get_input_buffer(r);
	struct cp_api_request req = {
		.method = method_of(r),
		.path = uri ? evhttp_uri_get_path(uri) : NULL,
		.query = uri ? evhttp_uri_get_query(uri) : NULL,
		.body_len = evbuffer_get_length(in),
	};
	struct cp_api_response res;

	/* evhttp refused anything over CP_API_HARD_BODY before calling us */
	if (req.body_len > CP_API_MAX_BODY) {
		json_t *e = json_pack("{s:s}", "error", "request body over 65536 bytes");

		log_request(&req, 413);
		send_json(r, 413, e);
		json_decref(e);
		return;
	}
	req.body = req.body_len ? (const char *)evbuffer_pullup(in, -1) : "";
	if (!req.body) {
		send_json(r, 500, NULL);
		return;
	}
	cp_api_handle(&api->ctx, &req, &res);
	log_request(&req, res.status);
	if (req.method != CP_METHOD_GET && res.status >= 200 && res.status < 300 && api->ctx.changed)
		api->ctx.changed(api->ctx.changed_ctx);
	send_json(r, res.status, res.body);
	json_decref(res.body);
}

/* A socket file left by a controller that died is replaced; a live one (it
 * accepts a connection) or a file of any other type is not. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa,
			      struct cp_error *err)
{
	struct stat stbuf;
	int fd, live;

	if (lstat(path, &stbuf) < 0)
		return errno == ENOENT ? 0 : cp_fail(err, errno, "admin socket %s: %s", path,
						     strerror(errno));
	if (!S_ISSOCK(stbuf.st_mode))
		return cp_fail(err, EEXIST, "admin socket %s exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cp_fail(err, errno, "socket: %s", strerror(errno));
	live = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	if (live)
		return cp_fail(err, EADDRINUSE, "admin socket %s is in use: is another "
			       "tenet-controller running?", path);
	if (unlink(path) < 0)
		return cp_fail(err, errno, "cannot remove stale socket %s: %s", path,
			       strerror(errno));
	return 0;
}

static int bind_socket(const char *path, int *out, struct cp_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return cp_fail(err, ENAMETOOLONG, "admin socket path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = clear_stale_socket(path, &sa, err);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cp_fail(err, errno, "socket: %s", strerror(errno));
	/* the umask makes the file 0600 at creation; chmod says so explicitly */
	old_mask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		rc = cp_fail(err, errno, "admin socket %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	*out = fd;
	return 0;
}

static void configure(struct evhttp *http)
{
	evhttp_set_max_body_size(http, CP_API_HARD_BODY);
	evhttp_set_max_headers_size(http, CP_API_MAX_HEADERS);
	evhttp_set_timeout(http, CP_API_TIMEOUT_S);
	/* accepted so that they get a JSON 405 from us, not evhttp's page */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_DELETE |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(http, "application/json");
}

int cp_api_start(struct event_base *base, const struct cp_api_ctx *ctx, const char *socket_path,
		 struct cp_api **out, struct cp_error *err)
{
	struct cp_api *api = calloc(1, sizeof(*api));
	int fd = -1, rc;

	if (!api)
		return cp_fail(err, ENOMEM, "out of memory");
	api->ctx = *ctx;
	api->http = evhttp_new(base);
	if (!api->http) {
		rc = cp_fail(err, ENOMEM, "evhttp_new failed");
		goto out;
	}
	configure(api->http);
	evhttp_set_gencb(api->http, on_request, api);
	rc = bind_socket(socket_path, &fd, err);
	if (rc < 0)
		goto out;
	snprintf(api->path, sizeof(api->path), "%s", socket_path);
	if (!evhttp_accept_socket_with_handle(api->http, fd)) {
		close(fd);
		unlink(socket_path);
		rc = cp_fail(err, EIO, "cannot serve admin socket %s", socket_path);
	}
out:
	if (rc < 0) {
		if (api->http)
			evhttp_free(api->http);
		free(api);
		return rc;
	}
	*out = api;
	return 0;
}

void cp_api_stop(struct cp_api *api)
{
	if (!api)
		return;
	evhttp_free(api->http);
	if (api->path[0])
		unlink(api->path);
	free(api);
}
