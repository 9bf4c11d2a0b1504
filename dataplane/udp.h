/* The agent's UDP socket: one dual-stack socket (AF_INET6 with IPV6_V6ONLY
 * off) carries IPv4 and IPv6 peers. IPv4 peers appear on it as v4-mapped
 * addresses (::ffff:a.b.c.d); this module converts them to and from plain
 * AF_INET wg_endpoints so the engine and the UAPI only ever see real IPv4
 * endpoints. Where IPv6 is unavailable (kernel built or booted without it)
 * the socket falls back to AF_INET only. */
#ifndef DATAPLANE_UDP_H
#define DATAPLANE_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "tunnel/tunnel.h"

struct udp_sock {
	int fd;          /* -1 when closed */
	int family;      /* AF_INET6 (dual-stack) or AF_INET */
	uint16_t port;   /* the bound port (the kernel's choice when 0 was asked) */
	bool gso;        /* UDP_SEGMENT is tried on send (cleared when refused) */
	bool gro;        /* UDP_GRO is on: a receive may hold several datagrams */
};

/* The most a UDP_SEGMENT send may carry: one IP packet's worth of payload,
 * and the kernel's UDP_MAX_SEGMENTS. */
#define UDP_GSO_MAX_BYTES 65507
#define UDP_GSO_MAX_SEGS  64

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
/* Turns on UDP GSO (tried on first use) and UDP GRO where the kernel has
 * them. Without this a socket sends and receives one datagram per call. */
void udp_enable_offloads(struct udp_sock *s);

/* Sends buf[0..len) as datagrams of seg bytes (the last may be shorter): one
 * UDP_SEGMENT sendmsg when s->gso, else one sendto each. A kernel refusing
 * UDP_SEGMENT (EIO, EINVAL) clears s->gso and the datagrams go one by one.
 * len <= UDP_GSO_MAX_BYTES and at most UDP_GSO_MAX_SEGS datagrams.
 * Returns the datagrams that could not be sent (0: all). */
unsigned udp_send_segments(struct udp_sock *s, const struct wg_endpoint *ep, const uint8_t *buf,
			   size_t len, size_t seg);

/* Sends n datagrams, datagram i being iov[i], all to ep: one UDP_SEGMENT
 * sendmsg gathering them when s->gso and every datagram but the last has the
 * same length (the last no longer), else one sendto each; the same fallback
 * as udp_send_segments. n <= UDP_GSO_MAX_SEGS, total <= UDP_GSO_MAX_BYTES.
 * Returns the datagrams that could not be sent. */
struct iovec;
unsigned udp_send_iov(struct udp_sock *s, const struct wg_endpoint *ep, const struct iovec *iov,
		      size_t n);

/* As udp_recv, with UDP GRO: several datagrams of *seg bytes each (the last
 * may be shorter) may arrive as one; *seg is the length when only one did. */
ssize_t udp_recv_gro(const struct udp_sock *s, uint8_t *buf, size_t cap, struct wg_endpoint *src,
		     size_t *seg);

/* The datagram's length, or a negative errno (-EAGAIN: nothing to read).
 * A datagram longer than cap is reported as -EMSGSIZE (and consumed). */
ssize_t udp_recv(const struct udp_sock *s, uint8_t *buf, size_t cap, struct wg_endpoint *src);

#endif
