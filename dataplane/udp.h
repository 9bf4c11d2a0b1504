/* The agent's UDP socket: one dual-stack socket (AF_INET6 with IPV6_V6ONLY
 * off) carries IPv4 and IPv6 peers. IPv4 peers appear on it as v4-mapped
 * addresses (::ffff:a.b.c.d); this module converts them to and from plain
 * AF_INET wg_endpoints so the engine and the UAPI only ever see real IPv4
 * endpoints. Where IPv6 is unavailable (kernel built or booted without it)
 * the socket falls back to AF_INET only. */
#ifndef DATAPLANE_UDP_H
#define DATAPLANE_UDP_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "tunnel/tunnel.h"

struct udp_sock {
	int fd;          /* -1 when closed */
	int family;      /* AF_INET6 (dual-stack) or AF_INET */
	uint16_t port;   /* the bound port (the kernel's choice when 0 was asked) */
};

/* Binds to `port` (0: any) on every address, non-blocking and close-on-exec,
 * with fwmark applied when non-zero. Errors: negative errno (-EADDRINUSE...). */
int udp_open(struct udp_sock *s, uint16_t port, uint32_t fwmark);
void udp_close(struct udp_sock *s);
/* SO_MARK on the socket (0 clears it). */
int udp_set_fwmark(struct udp_sock *s, uint32_t fwmark);

/* An endpoint as a destination address for a socket of `sock_family`:
 * IPv4 becomes v4-mapped on an AF_INET6 socket. -EAFNOSUPPORT when the socket
 * cannot reach that family, -EDESTADDRREQ when the endpoint is empty. */
int udp_sockaddr_from_endpoint(int sock_family, const struct wg_endpoint *ep,
			       struct sockaddr_storage *out, socklen_t *out_len);
/* A received source address as an endpoint: v4-mapped becomes AF_INET.
 * Anything else than AF_INET/AF_INET6 gives AF_UNSPEC. */
void udp_endpoint_from_sockaddr(const struct sockaddr_storage *ss, socklen_t len,
				struct wg_endpoint *out);

/* 0 or a negative errno (-EAGAIN when the socket buffer is full). */
int udp_send(const struct udp_sock *s, const struct wg_endpoint *ep, const uint8_t *buf, size_t len);
/* The datagram's length, or a negative errno (-EAGAIN: nothing to read).
 * A datagram longer than cap is reported as -EMSGSIZE (and consumed). */
ssize_t udp_recv(const struct udp_sock *s, uint8_t *buf, size_t cap, struct wg_endpoint *src);

#endif
