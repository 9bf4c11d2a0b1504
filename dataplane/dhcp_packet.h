/* BOOTP/DHCPv4 messages (RFC 2131, options RFC 2132): a bounded parser for
 * what a client sends (and, for tests, what a server sends) and a builder for
 * the replies of the subnet's DHCP server. Pure: no I/O.
 *
 * Not supported: option overload (52) and long-option concatenation (RFC
 * 3396); the first copy of a repeated option wins. */
#ifndef DATAPLANE_DHCP_PACKET_H
#define DATAPLANE_DHCP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT   67
#define DHCP_CLIENT_PORT   68
#define DHCP_FIXED_LEN     236     /* op .. file */
#define DHCP_MAGIC         0x63825363u
#define DHCP_MIN_LEN       (DHCP_FIXED_LEN + 4)
#define DHCP_BOOTP_MIN_LEN 300     /* replies are padded up to a BOOTP message */
#define DHCP_FLAG_BROADCAST 0x8000
#define DHCP_BOOTREQUEST   1
#define DHCP_BOOTREPLY     2
#define DHCP_CLIENT_ID_MAX 255

enum dhcp_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

enum dhcp_option {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_END = 255,
};

struct dhcp_message {
	uint8_t op;                 /* DHCP_BOOTREQUEST or DHCP_BOOTREPLY */
	uint32_t xid;
	uint16_t flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[6];          /* htype 1, hlen 6 only */
	uint8_t type;               /* option 53; required */
	bool has_requested_ip, has_server_id, has_lease, has_mask, has_router, has_mtu;
	uint32_t requested_ip, server_id, lease, mask, router;
	uint16_t mtu;
	const uint8_t *client_id;   /* option 61's value inside the buffer, or NULL */
	size_t client_id_len;
};

/* False unless: htype 1, hlen 6, the magic cookie, options that stay inside
 * the buffer with the right lengths for the ones read, and a message type. */
bool dhcp_packet_parse(const uint8_t *p, size_t len, struct dhcp_message *out);

/* What the server puts in a reply. */
struct dhcp_reply {
	uint8_t type;               /* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	uint32_t xid;
	uint16_t flags;
	uint32_t ciaddr, yiaddr;
	uint8_t chaddr[6];
	uint32_t server_id;
	bool with_config;           /* mask, router, MTU (not in a NAK) */
	uint32_t mask, router;
	uint16_t mtu;
	uint32_t lease;             /* 0: no lease time, T1 or T2 (reply to INFORM) */
	const uint8_t *client_id;   /* echoed (RFC 6842), NULL for none */
	size_t client_id_len;
};

/* Writes the BOOTP message; returns its length (>= DHCP_BOOTP_MIN_LEN), 0 if
 * cap is too small. Options in order: 53, 54, 51, 58, 59, 1, 3, 26, 61, 255. */
size_t dhcp_packet_build(uint8_t *out, size_t cap, const struct dhcp_reply *r);
/* The most dhcp_packet_build ever writes. */
#define DHCP_REPLY_MAX (DHCP_MIN_LEN + 3 + 6 + 3 * 6 + 6 + 6 + 4 + 2 + DHCP_CLIENT_ID_MAX + 1)

#endif
