/* A minimal HTTP/1.1 client for the controller's admin API on its unix
 * socket: one request per connection, JSON in and out. Enough for the
 * `tenet` nouns; not a general HTTP client (no chunked bodies, no
 * redirects, no TLS). */
#ifndef CLI_API_CLIENT_H
#define CLI_API_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#define CLI_API_ERROR_LEN   256
#define CLI_API_MAX_REPLY   (16 * 1024 * 1024)
#define CLI_API_TIMEOUT_S   30
#define CLI_API_PATH_LEN    512

struct cli_api_reply {
	int status;     /* HTTP status */
	json_t *body;   /* the parsed body (NULL if it was not JSON); caller frees */
};

/* Sends METHOD path with body (NULL: none) to the socket and waits for the
 * whole reply. Returns 0 with *reply filled, or a negative errno with a
 * message in err (cannot connect, timeout, malformed reply). */
int cli_api_call(const char *socket_path, const char *method, const char *path,
		 const json_t *body, struct cli_api_reply *reply, char err[CLI_API_ERROR_LEN]);

/* Appends "/" and segment to path (size bytes), percent-encoding every byte
 * outside [A-Za-z0-9._-] so an argument can never change the route.
 * -ENAMETOOLONG when it does not fit. */
int cli_api_path_append(char *path, size_t size, const char *segment);

/* Appends "?key=value" (or "&key=value" after the first), with value
 * percent-encoded the same way. */
int cli_api_query_append(char *path, size_t size, const char *key, const char *value);

#endif
