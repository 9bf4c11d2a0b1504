/* Ethernet, ARP, IPv4, UDP and ICMP headers as the virtual switch sees them:
 * bounded parsers (every length is checked against the buffer before a byte is
 * read), small writers for the frames the switch builds, and the Internet
 * checksum (RFC 1071) with its incremental update (RFC 1624). Pure: no I/O.
 *
 * IPv4 addresses are uint32_t in host byte order (10.0.1.2 is 0x0a000102);
 * MACs are 6-byte arrays. Parsers return false for anything malformed and
 * never read past `len`. */
#ifndef DATAPLANE_NETPKT_H
#define DATAPLANE_NETPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETPKT_MAC_LEN        6
#define NETPKT_ETH_HLEN       14
#define NETPKT_ETHERTYPE_IPV4 0x0800
#define NETPKT_ETHERTYPE_ARP  0x0806
#define NETPKT_ARP_LEN        28   /* Ethernet/IPv4 ARP body */
#define NETPKT_ARP_REQUEST    1
#define NETPKT_ARP_REPLY      2
#define NETPKT_IPV4_HLEN      20   /* without options */
#define NETPKT_IPV4_MIN_MTU   68
#define NETPKT_IP_PROTO_ICMP  1
#define NETPKT_IP_PROTO_UDP   17
#define NETPKT_IPV4_DF        0x4000
#define NETPKT_IPV4_MF        0x2000
#define NETPKT_IPV4_OFFSET    0x1fff
#define NETPKT_UDP_HLEN       8
#define NETPKT_ICMP_HLEN      8
#define NETPKT_ICMP_ECHO_REPLY     0
#define NETPKT_ICMP_UNREACH        3
#define NETPKT_ICMP_UNREACH_NEEDFRAG 4
#define NETPKT_ICMP_ECHO_REQUEST   8
#define NETPKT_ICMP_TIME_EXCEEDED  11
#define NETPKT_IPV4_BROADCAST 0xffffffffu

static inline uint16_t netpkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t netpkt_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void netpkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void netpkt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Group bit: broadcast and multicast destinations, never a valid source. */
static inline bool netpkt_mac_is_group(const uint8_t mac[NETPKT_MAC_LEN])
{
	return mac[0] & 1;
}

bool netpkt_mac_is_broadcast(const uint8_t mac[NETPKT_MAC_LEN]);
bool netpkt_mac_is_zero(const uint8_t mac[NETPKT_MAC_LEN]);
/* The MAC as a 48-bit integer (for hashing and tables). */
uint64_t netpkt_mac_to_u64(const uint8_t mac[NETPKT_MAC_LEN]);

struct netpkt_eth {
	const uint8_t *dst;
	const uint8_t *src;
	uint16_t type;
	const uint8_t *payload;
	size_t payload_len;   /* everything after the header, trailer padding included */
};

/* 802.1Q tags are not parsed: a tagged frame has type 0x8100. */
bool netpkt_eth_parse(const uint8_t *frame, size_t len, struct netpkt_eth *out);
/* Writes the 14-byte header; returns NETPKT_ETH_HLEN. */
size_t netpkt_eth_write(uint8_t *p, const uint8_t dst[NETPKT_MAC_LEN],
			const uint8_t src[NETPKT_MAC_LEN], uint16_t type);

struct netpkt_arp {
	uint16_t op;
	uint8_t sha[NETPKT_MAC_LEN];
	uint32_t spa;
	uint8_t tha[NETPKT_MAC_LEN];
	uint32_t tpa;
};

/* Only Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4). The op is
 * returned as read; callers decide which ops they accept. */
bool netpkt_arp_parse(const uint8_t *p, size_t len, struct netpkt_arp *out);
/* Writes the 28-byte body; returns NETPKT_ARP_LEN. */
size_t netpkt_arp_write(uint8_t *p, const struct netpkt_arp *arp);

struct netpkt_ipv4 {
	const uint8_t *hdr;
	size_t hdr_len;          /* IHL * 4 */
	uint16_t total_len;      /* the packet, header included; <= the buffer */
	uint16_t frag;           /* flags and fragment offset as on the wire */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
	const uint8_t *payload;  /* hdr + hdr_len */
	size_t payload_len;      /* total_len - hdr_len: trailer padding excluded */
};

/* Version 4, IHL >= 5, header inside the buffer, IHL*4 <= total length <= len.
 * The header checksum is not checked here: see netpkt_ipv4_csum_ok. */
bool netpkt_ipv4_parse(const uint8_t *p, size_t len, struct netpkt_ipv4 *out);
bool netpkt_ipv4_csum_ok(const struct netpkt_ipv4 *ip);
/* A whole datagram: not a fragment (MF clear, offset 0). */
bool netpkt_ipv4_is_whole(const struct netpkt_ipv4 *ip);
/* Writes a 20-byte header (no options, id 0, DF clear) with its checksum for a
 * payload of payload_len bytes; returns NETPKT_IPV4_HLEN. */
size_t netpkt_ipv4_write(uint8_t *p, uint8_t proto, uint8_t ttl, uint32_t src,
			 uint32_t dst, size_t payload_len);

struct netpkt_udp {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;            /* header included, <= the IP payload */
	uint16_t csum;
	const uint8_t *payload;
	size_t payload_len;
};

/* The UDP header of a whole (unfragmented) datagram. The checksum is not
 * verified: see netpkt_udp_csum_ok. */
bool netpkt_udp_parse(const struct netpkt_ipv4 *ip, struct netpkt_udp *out);
/* True for a zero (absent) checksum or a correct one. */
bool netpkt_udp_csum_ok(const struct netpkt_ipv4 *ip, const struct netpkt_udp *udp);
/* Writes the 8-byte header in front of the payload already at p + 8 and its
 * checksum (pseudo-header included); returns NETPKT_UDP_HLEN. */
size_t netpkt_udp_write(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t dport, size_t payload_len);

/* Internet checksum: add bytes to a running 32-bit sum, then fold and
 * complement. A buffer that contains its own correct checksum folds to 0.
 * When summing in pieces, every piece but the last must have even length. */
uint32_t netpkt_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t netpkt_csum_fold(uint32_t sum);
/* The UDP/TCP pseudo-header's contribution. */
uint32_t netpkt_csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len);
/* RFC 1624 eqn. 3: the checksum field at csum (network order) after a 16-bit
 * word of the covered data changed from old_word to new_word. */
void netpkt_csum_update16(uint8_t csum[2], uint16_t old_word, uint16_t new_word);

#endif
