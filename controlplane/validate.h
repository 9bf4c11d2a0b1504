/* Syntax checks and text forms for everything an operator types: names,
 * IPv4 addresses and prefixes, MACs, keys, endpoints, VNIs, MTUs; and the
 * address arithmetic the semantic checks need (overlap, usable addresses).
 *
 * Pure: no store, no I/O. Every parser bounds its input before looking at it
 * and, on refusal, returns -EINVAL with a message naming the offending text
 * in quotes. `what` names the field in messages ("tenant name", "via").
 */
#ifndef CONTROLPLANE_VALIDATE_H
#define CONTROLPLANE_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "controlplane/error.h"
#include "controlplane/model.h"

#define CP_IPV4_STR_LEN   16  /* "255.255.255.255" */
#define CP_PREFIX_STR_LEN 19  /* "255.255.255.255/32" */
#define CP_MAC_STR_LEN    18  /* "02:00:00:00:00:00" */

/* 1-63 characters from [A-Za-z0-9._-], starting with a letter or digit:
 * safe in URL paths, file names and log lines. */
int cp_parse_name(const char *s, const char *what, struct cp_error *err);
/* Dotted quad, exactly four decimal parts without leading zeros. */
int cp_parse_ipv4(const char *s, const char *what, uint32_t *out, struct cp_error *err);
/* "A.B.C.D/LEN" with LEN 0..32 and no host bits set. */
int cp_parse_prefix(const char *s, const char *what, struct cp_prefix *out, struct cp_error *err);
/* Six colon-separated hex pairs; refuses multicast and all-zero addresses. */
int cp_parse_mac(const char *s, uint8_t mac[6], struct cp_error *err);
/* A WireGuard public key: 44 characters of base64. Refuses the zero key. */
int cp_parse_public_key(const char *s, uint8_t key[32], struct cp_error *err);
/* "IPv4:PORT" or "[IPv6]:PORT", port 1..65535; out receives the normalised
 * text. */
int cp_parse_endpoint(const char *s, char out[CP_ENDPOINT_LEN], struct cp_error *err);
/* The same for an address to listen on, where port 0 means "any free". */
int cp_parse_listen(const char *s, char out[CP_ENDPOINT_LEN], struct cp_error *err);

int cp_check_vni(int64_t vni, struct cp_error *err);
int cp_check_mtu(int64_t mtu, struct cp_error *err);
/* A tenant subnet: length CP_SUBNET_PLEN_MIN..MAX, outside 0/8, 127/8 and
 * 224/3 (multicast and reserved). */
int cp_check_subnet_cidr(const struct cp_prefix *p, struct cp_error *err);
/* An address a port may take: inside the subnet, and neither its network,
 * gateway nor broadcast address. */
int cp_check_port_ip(const struct cp_subnet *s, uint32_t ip, struct cp_error *err);

uint32_t cp_prefix_mask(uint8_t len);
uint32_t cp_prefix_broadcast(const struct cp_prefix *p);
bool cp_prefix_contains(const struct cp_prefix *p, uint32_t ip);
bool cp_prefix_overlap(const struct cp_prefix *a, const struct cp_prefix *b);
/* The first usable address, which is the gateway of a subnet. */
uint32_t cp_subnet_gateway(const struct cp_prefix *p);

void cp_format_ipv4(uint32_t ip, char out[CP_IPV4_STR_LEN]);
void cp_format_prefix(const struct cp_prefix *p, char out[CP_PREFIX_STR_LEN]);
void cp_format_mac(const uint8_t mac[6], char out[CP_MAC_STR_LEN]);

#endif
