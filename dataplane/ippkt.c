/* Inner IP header parsing for the TUN mode. */
#include "dataplane/ippkt.h"

#include <errno.h>
#include <sys/socket.h>

static int parse_v4(const uint8_t *p, size_t len, struct ippkt *out)
{
	size_t ihl, total;

	if (len < IPPKT_V4_HEADER_LEN)
		return -EINVAL;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	total = ((size_t)p[2] << 8) | p[3];
	if (ihl < IPPKT_V4_HEADER_LEN || total < ihl || total > len)
		return -EINVAL;
	out->family = AF_INET;
	out->src = p + 12;
	out->dst = p + 16;
	out->len = total;
	return 0;
}

static int parse_v6(const uint8_t *p, size_t len, struct ippkt *out)
{
	size_t payload;

	if (len < IPPKT_V6_HEADER_LEN)
		return -EINVAL;
	payload = ((size_t)p[4] << 8) | p[5];
	/* As the kernel's WireGuard does, a zero payload length is taken
	 * literally (a jumbogram cannot cross a 64 KiB tunnel anyway). */
	if (payload > len - IPPKT_V6_HEADER_LEN)
		return -EINVAL;
	out->family = AF_INET6;
	out->src = p + 8;
	out->dst = p + 24;
	out->len = IPPKT_V6_HEADER_LEN + payload;
	return 0;
}

int ippkt_parse(const uint8_t *p, size_t len, struct ippkt *out)
{
	if (len < 1)
		return -EINVAL;
	switch (p[0] >> 4) {
	case 4:
		return parse_v4(p, len, out);
	case 6:
		return parse_v6(p, len, out);
	default:
		return -EINVAL;
	}
}

int ippkt_destination(const uint8_t *p, size_t len, int *family, const uint8_t **dst)
{
	if (len < 1)
		return -EINVAL;
	if ((p[0] >> 4) == 4 && len >= IPPKT_V4_HEADER_LEN) {
		*family = AF_INET;
		*dst = p + 16;
		return 0;
	}
	if ((p[0] >> 4) == 6 && len >= IPPKT_V6_HEADER_LEN) {
		*family = AF_INET6;
		*dst = p + 24;
		return 0;
	}
	return -EINVAL;
}
