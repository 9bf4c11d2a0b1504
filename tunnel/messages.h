/* WireGuard wire formats and protocol constants (whitepaper sections 5.4 and 6).
 * All integers on the wire are little-endian. */
#ifndef TUNNEL_MESSAGES_H
#define TUNNEL_MESSAGES_H

#include <stdint.h>

#define WG_KEY_LEN        32
#define WG_HASH_LEN       32
#define WG_AEAD_TAG_LEN   16
#define WG_COOKIE_LEN     16
#define WG_COOKIE_NONCE_LEN 24
#define WG_TIMESTAMP_LEN  12

#define WG_CONSTRUCTION "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define WG_IDENTIFIER   "WireGuard v1 zx2c4 Jason@zx2c4.com"
#define WG_LABEL_MAC1   "mac1----"
#define WG_LABEL_COOKIE "cookie--"

enum wg_message_type {
	WG_MSG_INITIATION = 1,
	WG_MSG_RESPONSE = 2,
	WG_MSG_COOKIE_REPLY = 3,
	WG_MSG_DATA = 4,
};

struct wg_msg_macs {
	uint8_t mac1[WG_COOKIE_LEN];
	uint8_t mac2[WG_COOKIE_LEN];
} __attribute__((packed));

struct wg_msg_initiation {
	uint32_t type;         /* WG_MSG_INITIATION; 3 reserved zero bytes */
	uint32_t sender_index;
	uint8_t ephemeral[WG_KEY_LEN];
	uint8_t encrypted_static[WG_KEY_LEN + WG_AEAD_TAG_LEN];
	uint8_t encrypted_timestamp[WG_TIMESTAMP_LEN + WG_AEAD_TAG_LEN];
	struct wg_msg_macs macs;
} __attribute__((packed));

struct wg_msg_response {
	uint32_t type;
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t ephemeral[WG_KEY_LEN];
	uint8_t encrypted_nothing[WG_AEAD_TAG_LEN];
	struct wg_msg_macs macs;
} __attribute__((packed));

struct wg_msg_cookie_reply {
	uint32_t type;
	uint32_t receiver_index;
	uint8_t nonce[WG_COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[WG_COOKIE_LEN + WG_AEAD_TAG_LEN];
} __attribute__((packed));

struct wg_msg_data {
	uint32_t type;
	uint32_t receiver_index;
	uint64_t counter;
	uint8_t encrypted_data[];
} __attribute__((packed));

_Static_assert(sizeof(struct wg_msg_initiation) == 148, "initiation is 148 bytes");
_Static_assert(sizeof(struct wg_msg_response) == 92, "response is 92 bytes");
_Static_assert(sizeof(struct wg_msg_cookie_reply) == 64, "cookie reply is 64 bytes");
_Static_assert(sizeof(struct wg_msg_data) == 16, "data header is 16 bytes");

#define WG_DATA_HEADER_LEN   16
#define WG_DATA_MIN_LEN      (WG_DATA_HEADER_LEN + WG_AEAD_TAG_LEN)
#define WG_PADDING_MULTIPLE  16
/* Largest packet the tunnel carries inside one transport message. */
#define WG_MAX_PAYLOAD       65535
/* Bytes a transport message adds around a payload, padding not counted. */
#define WG_DATA_OVERHEAD     (WG_DATA_HEADER_LEN + WG_AEAD_TAG_LEN)
#define WG_MAX_REPLY_LEN     148

/* Timers, in nanoseconds (whitepaper section 6.1). */
#define WG_NSEC_PER_SEC            1000000000ULL
#define WG_REKEY_AFTER_MESSAGES    (1ULL << 60)
#define WG_REJECT_AFTER_MESSAGES   (UINT64_MAX - (1ULL << 13))
#define WG_REKEY_AFTER_TIME        (120 * WG_NSEC_PER_SEC)
#define WG_REJECT_AFTER_TIME       (180 * WG_NSEC_PER_SEC)
#define WG_REKEY_ATTEMPT_TIME      (90 * WG_NSEC_PER_SEC)
#define WG_REKEY_TIMEOUT           (5 * WG_NSEC_PER_SEC)
#define WG_REKEY_TIMEOUT_JITTER_MAX (WG_NSEC_PER_SEC / 3)
#define WG_KEEPALIVE_TIMEOUT       (10 * WG_NSEC_PER_SEC)
#define WG_COOKIE_SECRET_MAX_AGE   (120 * WG_NSEC_PER_SEC)
#define WG_COOKIE_SECRET_LATENCY   (5 * WG_NSEC_PER_SEC)
#define WG_MAX_TIMER_HANDSHAKES    (WG_REKEY_ATTEMPT_TIME / WG_REKEY_TIMEOUT)
/* Initiations from one peer closer together than this are dropped (flood guard). */
#define WG_INITIATIONS_PER_SECOND  50
#define WG_REPLAY_WINDOW_BITS      8192
/* The last word of the replay bitmap is being recycled at any time, so the
 * usable window is one word (64 bits) short of the bitmap. */
#define WG_REPLAY_WINDOW           (WG_REPLAY_WINDOW_BITS - 64)
/* Handshake initiation timestamps are whitened to this granularity (2^24 ns,
 * the power of two below 1 s / WG_INITIATIONS_PER_SECOND) so they do not leak
 * a precise clock; wireguard-go and the Linux driver do the same. */
#define WG_TIMESTAMP_WHITEN_MASK   ((1u << 24) - 1)
/* TAI64 label of the Unix epoch: 2^62 + 10 s of TAI-UTC offset. */
#define WG_TAI64_EPOCH             0x400000000000000aULL

#endif
