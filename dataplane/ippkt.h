/* The few facts the TUN mode needs from an inner IP packet: its family, its
 * source and destination, and its true length (a decrypted payload carries the
 * sender's zero padding after the packet). Pure: no I/O. */
#ifndef DATAPLANE_IPPKT_H
#define DATAPLANE_IPPKT_H

#include <stddef.h>
#include <stdint.h>

#define IPPKT_V4_HEADER_LEN 20
#define IPPKT_V6_HEADER_LEN 40

struct ippkt {
	int family;          /* AF_INET or AF_INET6 */
	const uint8_t *src;  /* 4 or 16 bytes inside the packet */
	const uint8_t *dst;
	size_t len;          /* the packet's own length, <= the buffer length */
};

/* Reads the header of the IPv4 or IPv6 packet at p[0..len). Errors: -EINVAL
 * (not IPv4/IPv6, truncated header, bad IHL, or a length field larger than
 * len). */
int ippkt_parse(const uint8_t *p, size_t len, struct ippkt *out);

/* Only the destination, for the send path: -EINVAL when the buffer is not
 * long enough to hold one. Does not check lengths beyond the address. */
int ippkt_destination(const uint8_t *p, size_t len, int *family, const uint8_t **dst);

#endif
