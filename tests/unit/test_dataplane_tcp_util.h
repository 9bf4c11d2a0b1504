/* TCP/IP packet builders and a naive checksum reference for the offload
 * tests (tso, gro, tunbatch). Header-only, like test_tunnel_util.h. */
#ifndef TEST_DATAPLANE_TCP_UTIL_H
#define TEST_DATAPLANE_TCP_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define T_ACK 0x10
#define T_PSH 0x08
#define T_FIN 0x01
#define T_SYN 0x02
#define T_CWR 0x80

struct tcp_spec {
	int family;        /* AF_INET / AF_INET6 */
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	uint16_t ip_id;
	uint16_t sport;    /* 0: 40000 */
	size_t optlen;     /* 0 or 12 (NOP NOP timestamp) */
	uint32_t tsval;
	bool partial;      /* checksum field holds only the pseudo-header sum */
};

/* 16-bit one's complement sum, one byte pair at a time (the reference). */
static inline uint32_t t_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8) | (i + 1 < len ? p[i + 1] : 0);
	return sum;
}

static inline uint16_t t_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline size_t t_thoff(const uint8_t *p)
{
	return p[0] >> 4 == 4 ? (size_t)(p[0] & 15) * 4 : 40;
}

static inline uint32_t t_pseudo(const uint8_t *p, size_t tcp_len, uint8_t proto)
{
	uint8_t tail[4] = { 0, proto, (uint8_t)(tcp_len >> 8), (uint8_t)tcp_len };
	uint32_t sum = 0;

	if (p[0] >> 4 == 4)
		sum = t_sum(sum, p + 12, 8);
	else
		sum = t_sum(sum, p + 8, 32);
	sum += (uint32_t)(tcp_len >> 16);
	return t_sum(sum, tail, 4);
}

/* Both checksums of a complete packet verify. */
static inline bool t_csum_ok(const uint8_t *p, size_t len)
{
	size_t thoff = t_thoff(p);

	if (p[0] >> 4 == 4 && t_fold(t_sum(0, p, thoff)) != 0xffff)
		return false;
	return t_fold(t_sum(t_pseudo(p, len - thoff, p[p[0] >> 4 == 4 ? 9 : 6]), p + thoff,
			    len - thoff)) == 0xffff;
}

static inline void t_put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void t_put32(uint8_t *p, uint32_t v)
{
	t_put16(p, v >> 16);
	t_put16(p + 2, v);
}

static inline uint32_t t_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t t_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Writes one TCP packet carrying payload[0..plen) to buf; returns its length. */
static inline size_t t_build(uint8_t *buf, const struct tcp_spec *s, const uint8_t *payload,
			     size_t plen)
{
	size_t thoff = s->family == AF_INET ? 20 : 40, thl = 20 + s->optlen, len = thoff + thl + plen;
	uint8_t *th = buf + thoff;

	memset(buf, 0, thoff + thl);
	if (s->family == AF_INET) {
		static const uint8_t a[8] = { 10, 0, 0, 1, 10, 0, 0, 2 };

		buf[0] = 0x45;
		t_put16(buf + 2, (uint32_t)len);
		t_put16(buf + 4, s->ip_id);
		buf[6] = 0x40; /* DF */
		buf[8] = 64;
		buf[9] = IPPROTO_TCP;
		memcpy(buf + 12, a, 8);
		t_put16(buf + 10, (uint16_t)~t_fold(t_sum(0, buf, 20)));
	} else {
		buf[0] = 0x60;
		t_put16(buf + 4, (uint32_t)(len - 40));
		buf[6] = IPPROTO_TCP;
		buf[7] = 64;
		buf[8] = 0xfd;
		buf[23] = 1;
		buf[24] = 0xfd;
		buf[39] = 2;
	}
	t_put16(th, s->sport ? s->sport : 40000);
	t_put16(th + 2, 5201);
	t_put32(th + 4, s->seq);
	t_put32(th + 8, s->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = s->flags;
	t_put16(th + 14, s->window);
	if (s->optlen) {
		th[20] = th[21] = 1;
		th[22] = 8;
		th[23] = 10;
		t_put32(th + 24, s->tsval);
	}
	if (plen)
		memcpy(th + thl, payload, plen);
	if (s->partial)
		t_put16(th + 16, t_fold(t_pseudo(buf, thl + plen, IPPROTO_TCP)));
	else
		t_put16(th + 16, (uint16_t)~t_fold(t_sum(t_pseudo(buf, thl + plen, IPPROTO_TCP), th,
							thl + plen)));
	return len;
}

#endif
