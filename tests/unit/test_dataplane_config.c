/* The wg-quick config parser: a table of valid files, each with a check of
 * what was parsed; a numbered table of invalid files, each with the exact
 * line and a piece of the message, and the promises every failure keeps (cfg
 * left empty, free safe, no secret in the message); then keys round-tripped
 * against `wg pubkey`, line and file size limits, many peers, config_load.
 *
 * Keys are fixed literals made with `wg genkey | tee /dev/stderr | wg pubkey`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dataplane/config.h"
#include "tunnel/key.h"

#define PRIV1 "WET80lbo+Qopk/W+3AXOe81srnbBNIxbW6pa82QN7Xo="
#define PUB1  "4dZ9VdriufpBxwDqYBMgAlsDOvG//GBmMKWmkHsm5XY=" /* wg pubkey < PRIV1 */
#define PRIV2 "INfRcl36jNd9p9/7HAQoBESY6bt+oBaHF96efxcawFc="
#define PUB2  "V8ojWTx9LdjRD/yji4sdkSrL8REDMVufYXzlXZtsGVg="
#define PUB3  "vHyE3XGQRB50cCkTr5dmaZNEY00w68wi0FUU5oY6DBU="
#define PUB4  "5hvSQjB3QKsWZ/q0ubzTy4Xr9R+7LtROsb8Rx8eYC2M="
#define PSK   "UrLGAxleBfQaOlIE99gzjbnmTLM6wJGmv1VXtbEk9JA="
#define ZERO  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

#define IFACE "[Interface]\nPrivateKey = " PRIV1 "\n"

static const struct config empty_cfg;

static void assert_key(const uint8_t key[32], const char *b64)
{
	char got[WG_KEY_B64_LEN];

	wg_key_to_base64(got, key);
	assert_string_equal(got, b64);
}

static void assert_prefix(const struct config_prefix *p, const char *text)
{
	char buf[128];
	char addr[64];

	assert_true(p->family == AF_INET || p->family == AF_INET6);
	assert_non_null(inet_ntop(p->family, p->addr, addr, sizeof(addr)));
	snprintf(buf, sizeof(buf), "%s/%u", addr, p->plen);
	assert_string_equal(buf, text);
}

/* Valid files ------------------------------------------------------------- */

struct valid_case {
	const char *name;
	const char *text;
	void (*check)(const struct config *cfg);
};

static void check_minimal(const struct config *cfg)
{
	assert_key(cfg->private_key, PRIV1);
	assert_false(cfg->has_listen_port);
	assert_int_equal(cfg->mtu, 0);
	assert_int_equal(cfg->n_addresses, 0);
	assert_null(cfg->addresses);
	assert_int_equal(cfg->n_peers, 0);
}

static void check_interface_fields(const struct config *cfg)
{
	assert_key(cfg->private_key, PRIV1);
	assert_true(cfg->has_listen_port);
	assert_int_equal(cfg->listen_port, 51820);
	assert_int_equal(cfg->mtu, 1420);
	assert_int_equal(cfg->n_addresses, 4);
	assert_prefix(&cfg->addresses[0], "10.0.0.1/24");
	assert_prefix(&cfg->addresses[1], "fd00::1/64");
	assert_prefix(&cfg->addresses[2], "10.0.0.2/32");
	assert_prefix(&cfg->addresses[3], "fd00::2/128");
}

static void check_peer_fields(const struct config *cfg)
{
	const struct config_peer *p = &cfg->peers[0];

	assert_int_equal(cfg->n_peers, 1);
	assert_int_equal(p->line, 3);
	assert_key(p->public_key, PUB2);
	assert_true(p->has_preshared_key);
	assert_key(p->preshared_key, PSK);
	assert_int_equal(p->n_allowed_ips, 2);
	assert_prefix(&p->allowed_ips[0], "10.0.0.0/24");
	assert_prefix(&p->allowed_ips[1], "fd00::/64");
	assert_true(p->has_endpoint);
	assert_string_equal(p->endpoint_host, "192.0.2.1");
	assert_int_equal(p->endpoint_port, 51820);
	assert_int_equal(p->persistent_keepalive, 25);
}

static void check_peer_defaults(const struct config *cfg)
{
	const struct config_peer *p = &cfg->peers[0];

	assert_int_equal(cfg->n_peers, 1);
	assert_false(p->has_preshared_key);
	assert_false(p->has_endpoint);
	assert_int_equal(p->n_allowed_ips, 0);
	assert_int_equal(p->persistent_keepalive, 0);
}

static void check_three_peers(const struct config *cfg)
{
	assert_int_equal(cfg->n_peers, 3);
	assert_int_equal(cfg->peers[0].line, 3);
	assert_int_equal(cfg->peers[1].line, 6);
	assert_int_equal(cfg->peers[2].line, 10);
	assert_key(cfg->peers[0].public_key, PUB2);
	assert_key(cfg->peers[1].public_key, PUB3);
	assert_key(cfg->peers[2].public_key, PUB4);
	assert_int_equal(cfg->peers[0].n_allowed_ips, 1);
	assert_prefix(&cfg->peers[0].allowed_ips[0], "10.0.1.0/24");
	assert_int_equal(cfg->peers[1].n_allowed_ips, 1);
	assert_prefix(&cfg->peers[1].allowed_ips[0], "10.0.2.0/24");
	assert_true(cfg->peers[1].has_endpoint);
	assert_int_equal(cfg->peers[2].n_allowed_ips, 0);
	assert_false(cfg->peers[2].has_endpoint);
}

static void check_v6_endpoint(const struct config *cfg)
{
	assert_string_equal(cfg->peers[0].endpoint_host, "fd00::1");
	assert_int_equal(cfg->peers[0].endpoint_port, 51820);
}

static void check_zone_endpoint(const struct config *cfg)
{
	assert_string_equal(cfg->peers[0].endpoint_host, "fe80::1%eth0");
	assert_int_equal(cfg->peers[0].endpoint_port, 1);
}

static void check_host_endpoint(const struct config *cfg)
{
	assert_string_equal(cfg->peers[0].endpoint_host, "vpn-1.example.com");
	assert_int_equal(cfg->peers[0].endpoint_port, 443);
}

static void check_one_peer_pub2(const struct config *cfg)
{
	assert_key(cfg->private_key, PRIV1);
	assert_int_equal(cfg->n_peers, 1);
	assert_key(cfg->peers[0].public_key, PUB2);
}

static void check_commented(const struct config *cfg)
{
	check_one_peer_pub2(cfg);
	assert_int_equal(cfg->listen_port, 1234);
	assert_int_equal(cfg->peers[0].line, 9);
	assert_int_equal(cfg->peers[0].n_allowed_ips, 2);
	assert_prefix(&cfg->peers[0].allowed_ips[0], "10.0.0.0/8");
	assert_prefix(&cfg->peers[0].allowed_ips[1], "192.168.0.0/16");
}

static void check_crlf(const struct config *cfg)
{
	check_one_peer_pub2(cfg);
	assert_int_equal(cfg->listen_port, 7);
	assert_string_equal(cfg->peers[0].endpoint_host, "198.51.100.7");
	assert_int_equal(cfg->peers[0].persistent_keepalive, 5);
}

static void check_ignored(const struct config *cfg)
{
	check_minimal(cfg);
}

static void check_keepalive_off(const struct config *cfg)
{
	assert_int_equal(cfg->n_peers, 3);
	assert_int_equal(cfg->peers[0].persistent_keepalive, 0);
	assert_int_equal(cfg->peers[1].persistent_keepalive, 0);
	assert_int_equal(cfg->peers[2].persistent_keepalive, 65535);
}

static void check_allowed_lists(const struct config *cfg)
{
	const struct config_peer *p = &cfg->peers[0];

	assert_int_equal(p->n_allowed_ips, 5);
	assert_prefix(&p->allowed_ips[0], "0.0.0.0/0");
	assert_prefix(&p->allowed_ips[1], "::/0");
	assert_prefix(&p->allowed_ips[2], "10.9.8.7/32");
	assert_prefix(&p->allowed_ips[3], "10.1.2.3/24"); /* host bits kept */
	assert_prefix(&p->allowed_ips[4], "2001:db8::1/128");
}

static void check_peer_first(const struct config *cfg)
{
	check_one_peer_pub2(cfg);
	assert_int_equal(cfg->peers[0].line, 1);
	assert_int_equal(cfg->listen_port, 9);
}

static void check_port_zero(const struct config *cfg)
{
	assert_true(cfg->has_listen_port);
	assert_int_equal(cfg->listen_port, 0);
}

static void check_mtu_1280(const struct config *cfg)
{
	assert_int_equal(cfg->mtu, 1280);
	assert_int_equal(cfg->n_addresses, 1);
}

static void check_mtu_576(const struct config *cfg)
{
	assert_int_equal(cfg->mtu, 576);
}

static void check_mtu_9000(const struct config *cfg)
{
	assert_int_equal(cfg->mtu, 9000);
}

static const struct valid_case valid_cases[] = {
	{ "valid_minimal", IFACE, check_minimal },
	{ "valid_no_final_newline", "[Interface]\nPrivateKey = " PRIV1, check_minimal },
	{ "valid_interface_fields",
	  IFACE "ListenPort = 51820\nAddress = 10.0.0.1/24, fd00::1/64\n"
		"Address = 10.0.0.2\nAddress=fd00::2\nMTU = 1420\n",
	  check_interface_fields },
	{ "valid_peer_fields",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nPresharedKey = " PSK "\n"
		"AllowedIPs = 10.0.0.0/24, fd00::/64\nEndpoint = 192.0.2.1:51820\n"
		"PersistentKeepalive = 25\n",
	  check_peer_fields },
	{ "valid_peer_defaults", IFACE "[Peer]\nPublicKey = " PUB2 "\n", check_peer_defaults },
	{ "valid_three_peers",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 10.0.1.0/24\n"
		"[Peer]\nPublicKey = " PUB3 "\nAllowedIPs = 10.0.2.0/24\nEndpoint = 203.0.113.9:1\n"
		"[Peer]\nPublicKey = " PUB4 "\n",
	  check_three_peers },
	{ "valid_v6_endpoint",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nEndpoint = [fd00::1]:51820\n", check_v6_endpoint },
	{ "valid_zone_endpoint",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nEndpoint = [fe80::1%eth0]:1\n", check_zone_endpoint },
	{ "valid_hostname_endpoint",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nEndpoint = vpn-1.example.com:443\n",
	  check_host_endpoint },
	{ "valid_comments_and_blanks",
	  "# tenet test config\n"
	  "\n"
	  "   [Interface]   # the local side\n"
	  "\tPrivateKey\t=\t" PRIV1 "   # secret\n"
	  "  \n"
	  "ListenPort=1234#no space before the comment\n"
	  "#[Peer]\n"
	  "# PublicKey = " PUB3 "\n"
	  "[ Peer ]\n"
	  "PublicKey = " PUB2 "\n"
	  "AllowedIPs =   10.0.0.0/8 ,\t192.168.0.0/16   \n"
	  "# trailing comment without newline",
	  check_commented },
	{ "valid_crlf",
	  "[Interface]\r\nPrivateKey = " PRIV1 "\r\nListenPort = 7\r\n\r\n[Peer]\r\n"
	  "PublicKey = " PUB2 "\r\nEndpoint = 198.51.100.7:9\r\nPersistentKeepalive = 5\r\n",
	  check_crlf },
	{ "valid_case_insensitive",
	  "[INTERFACE]\nprivatekey = " PRIV1 "\n[peer]\nPUBLICKEY = " PUB2 "\n"
	  "allowedips = 10.0.0.0/8\nENDPOINT = a.example:1\npersistentKEEPALIVE = OFF\n",
	  check_one_peer_pub2 },
	{ "valid_ignored_keys",
	  IFACE "DNS = 1.1.1.1, example.com\nDNS = 9.9.9.9\nTable = off\n"
		"PreUp = echo 'pre up'\nPostUp = iptables -A FORWARD -i %i -j ACCEPT\n"
		"PostUp = echo a=b\nPreDown = true\nPostDown = ip rule del table 51820\n"
		"SaveConfig = true\nFwMark = 0x1234\nfwmark = off\ndns =\n",
	  check_ignored },
	{ "valid_keepalive_off_zero_max",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nPersistentKeepalive = off\n"
		"[Peer]\nPublicKey = " PUB3 "\nPersistentKeepalive = 0\n"
		"[Peer]\nPublicKey = " PUB4 "\nPersistentKeepalive = 65535\n",
	  check_keepalive_off },
	{ "valid_allowed_ips_lists",
	  IFACE "[Peer]\nPublicKey = " PUB2 "\nAllowedIPs = 0.0.0.0/0,::/0\nAllowedIPs =\n"
		"AllowedIPs = 10.9.8.7 , 10.1.2.3/24\nAllowedIPs = 2001:db8::1\n",
	  check_allowed_lists },
	{ "valid_peer_before_interface",
	  "[Peer]\nPublicKey = " PUB2 "\n[Interface]\nPrivateKey = " PRIV1 "\nListenPort = 9\n",
	  check_peer_first },
	{ "valid_utf8_bom", "\xef\xbb\xbf" IFACE, check_minimal },
	{ "valid_listen_port_zero", IFACE "ListenPort = 0\n", check_port_zero },
	{ "valid_mtu_1280_with_ipv6", IFACE "Address = fd00::1/64\nMTU = 1280\n", check_mtu_1280 },
	{ "valid_mtu_576_ipv4_only", IFACE "Address = 10.0.0.1/24\nMTU = 576\n", check_mtu_576 },
	{ "valid_mtu_9000", IFACE "MTU = 9000\n", check_mtu_9000 },
};

static void test_valid(void **state)
{
	const struct valid_case *c = *state;
	char err[CONFIG_ERROR_LEN] = "stale";
	struct config cfg;
	int ret;

	ret = config_parse(&cfg, "test.conf", c->text, strlen(c->text), err);
	if (ret)
		fail_msg("%s: %d %s", c->name, ret, err);
	assert_string_equal(err, "");
	c->check(&cfg);
	config_free(&cfg);
	assert_memory_equal(&cfg, &empty_cfg, sizeof(cfg));
	config_free(&cfg);
}

/* Invalid files ------------------------------------------------------------ */

struct invalid_case {
	const char *name;
	const char *text;
	size_t len;       /* 0: strlen(text) */
	unsigned line;
	const char *message;
};

#define PEER2 "[Peer]\nPublicKey = " PUB2 "\n"

static const struct invalid_case invalid_cases[] = {
	/* 1 */ { "bad_key_outside_section", "PrivateKey = " PRIV1 "\n" IFACE, 0, 1,
		  "'PrivateKey' is outside any section" },
	/* 2 */ { "bad_unknown_section", IFACE "[Interfaces]\n", 0, 3, "unknown section '[Interfaces]'" },
	/* 3 */ { "bad_unknown_key", IFACE "Foo = bar\n", 0, 3, "unknown key 'Foo' in [Interface]" },
	/* 4 */ { "bad_peer_key_in_interface", IFACE "PublicKey = " PUB2 "\n", 0, 3,
		  "PublicKey belongs in [Peer], not in [Interface]" },
	/* 5 */ { "bad_interface_key_in_peer", IFACE PEER2 "Address = 10.0.0.1/24\n", 0, 5,
		  "Address belongs in [Interface], not in [Peer]" },
	/* 6 */ { "bad_missing_equals", IFACE "ListenPort 51820\n", 0, 3, "no '=' after 'ListenPort'" },
	/* 7 */ { "bad_no_key_name", IFACE "= 5\n", 0, 3, "no key name before '='" },
	/* 8 */ { "bad_private_key_base64", "[Interface]\nPrivateKey = WET80lbo+Qopk/W+3AXOe81srnbBNIxbW6pa82QN7Xo\n",
		  0, 2, "PrivateKey is not a base64 key" },
	/* 9 */ { "bad_private_key_char", "[Interface]\nPrivateKey = WET80lbo+Qopk/W+3AXOe81srnbBNIxbW6pa82QN7X!=\n",
		  0, 2, "(value not shown)" },
	/* 10 */ { "bad_public_key_base64", IFACE "[Peer]\nPublicKey = V8ojWTx9\n", 0, 4,
		   "bad PublicKey 'V8ojWTx9'" },
	/* 11 */ { "bad_preshared_key", IFACE PEER2 "PresharedKey = UrLGAxleBfQaOlIE99gzjbnmTLM6wJGmv1VXtbEk9JA\n",
		   0, 5, "PresharedKey is not a base64 key" },
	/* 12 */ { "bad_private_key_zero", "[Interface]\nPrivateKey = " ZERO "\n", 0, 2, "all zeros" },
	/* 13 */ { "bad_public_key_zero", IFACE "[Peer]\nPublicKey = " ZERO "\n", 0, 4, "all zeros" },
	/* 14 */ { "bad_listen_port_big", IFACE "ListenPort = 65536\n", 0, 3, "bad ListenPort '65536'" },
	/* 15 */ { "bad_listen_port_negative", IFACE "ListenPort = -1\n", 0, 3, "bad ListenPort '-1'" },
	/* 16 */ { "bad_listen_port_name", IFACE "ListenPort = wireguard\n", 0, 3, "bad ListenPort 'wireguard'" },
	/* 17 */ { "bad_listen_port_empty", IFACE "ListenPort =\n", 0, 3, "bad ListenPort ''" },
	/* 18 */ { "bad_address_plen_v4", IFACE "Address = 10.0.0.1/24, 10.0.0.2/33\n", 0, 3,
		   "bad Address entry '10.0.0.2/33': the prefix length is over 32" },
	/* 19 */ { "bad_address_plen_v6", IFACE "Address = fd00::1/129\n", 0, 3, "over 128" },
	/* 20 */ { "bad_address_octet", IFACE "Address = 10.0.0.256/24\n", 0, 3,
		   "'10.0.0.256/24': not an IPv4 or IPv6 address" },
	/* 21 */ { "bad_address_inner_space", IFACE "Address = 10.0.0.1 /24\n", 0, 3,
		   "bad Address entry '10.0.0.1 /24'" },
	/* 22 */ { "bad_allowed_ips_plen_empty", IFACE PEER2 "AllowedIPs = 10.0.0.0/\n", 0, 5,
		   "the prefix length is not a number" },
	/* 23 */ { "bad_allowed_ips_empty_entry", IFACE PEER2 "AllowedIPs = 10.0.0.0/24,,10.1.0.0/24\n", 0, 5,
		   "empty entry in the AllowedIPs list" },
	/* 24 */ { "bad_allowed_ips_trailing_comma", IFACE PEER2 "AllowedIPs = 10.0.0.0/24,\n", 0, 5,
		   "empty entry" },
	/* 25 */ { "bad_allowed_ips_hostname", IFACE PEER2 "AllowedIPs = example.com/32\n", 0, 5,
		   "not an IPv4 or IPv6 address" },
	/* 26 */ { "bad_mtu_low", IFACE "MTU = 575\n", 0, 3, "bad MTU '575'" },
	/* 27 */ { "bad_mtu_high", IFACE "MTU = 9001\n", 0, 3, "bad MTU '9001'" },
	/* 28 */ { "bad_mtu_text", IFACE "MTU = auto\n", 0, 3, "bad MTU 'auto'" },
	/* 29 */ { "bad_mtu_below_ipv6_after", IFACE "Address = 10.0.0.1/24, fd00::1/64\nMTU = 1279\n", 0, 4,
		   "MTU 1279 (line 4) is below 1280" },
	/* 30 */ { "bad_mtu_below_ipv6_before", IFACE "MTU = 1000\nAddress = 10.0.0.1/24\nAddress = fd00::1\n",
		   0, 5, "IPv6 Address (line 5)" },
	/* 31 */ { "bad_duplicate_private_key", IFACE "PrivateKey = " PRIV2 "\n", 0, 3,
		   "duplicate PrivateKey in one [Interface] section (first at line 2)" },
	/* 32 */ { "bad_duplicate_listen_port", IFACE "ListenPort = 1\nDNS = 1.1.1.1\nlistenport = 1\n", 0, 5,
		   "duplicate ListenPort" },
	/* 33 */ { "bad_duplicate_mtu", IFACE "MTU = 1420\nMTU = 1420\n", 0, 4, "duplicate MTU" },
	/* 34 */ { "bad_duplicate_public_key_in_peer", IFACE PEER2 "PublicKey = " PUB3 "\n", 0, 5,
		   "duplicate PublicKey in one [Peer] section (first at line 4)" },
	/* 35 */ { "bad_duplicate_endpoint", IFACE PEER2 "Endpoint = 1.2.3.4:5\nEndpoint = 1.2.3.4:6\n", 0, 6,
		   "duplicate Endpoint" },
	/* 36 */ { "bad_missing_private_key", "[Interface]\nListenPort = 1\n" PEER2, 0, 1,
		   "[Interface] has no PrivateKey" },
	/* 37 */ { "bad_missing_private_key_at_eof", "# x\n[Interface]\nListenPort = 1\n", 0, 2,
		   "[Interface] has no PrivateKey" },
	/* 38 */ { "bad_missing_public_key_last", IFACE "[Peer]\nAllowedIPs = 10.0.0.0/8\n", 0, 3,
		   "[Peer] has no PublicKey" },
	/* 39 */ { "bad_missing_public_key_middle", IFACE PEER2 "\n[Peer]\nEndpoint = 1.2.3.4:5\n[Peer]\nPublicKey = " PUB3 "\n",
		   0, 6, "[Peer] has no PublicKey" },
	/* 40 */ { "bad_no_interface", PEER2, 0, 1, "no [Interface] section" },
	/* 41 */ { "bad_empty_file", "", 0, 1, "no [Interface] section" },
	/* 42 */ { "bad_only_comments", "# nothing\n\n", 0, 1, "no [Interface] section" },
	/* 43 */ { "bad_two_interfaces", IFACE PEER2 "[interface]\n", 0, 5,
		   "a second [Interface] section (the first is at line 1)" },
	/* 44 */ { "bad_duplicate_peer", IFACE PEER2 "[Peer]\nPublicKey = " PUB3 "\n[Peer]\nPublicKey = " PUB2 "\n",
		   0, 8, "PublicKey '" PUB2 "' is also the key of the [Peer] at line 3" },
	/* 45 */ { "bad_own_key_as_peer", IFACE "[Peer]\nPublicKey = " PUB1 "\n", 0, 4,
		   "PublicKey '" PUB1 "' is this interface's own public key" },
	/* 46 */ { "bad_own_key_as_earlier_peer", "[Peer]\nPublicKey = " PUB1 "\n" IFACE, 0, 4,
		   "the public key of this PrivateKey is the PublicKey of the [Peer] at line 1" },
	/* 47 */ { "bad_nul_byte", IFACE "DNS = 1.1.1.1\0x\nListenPort = 1\n", sizeof(IFACE "DNS = 1.1.1.1\0x\nListenPort = 1\n") - 1,
		   3, "a NUL byte in the line" },
	/* 48 */ { "bad_endpoint_no_port", IFACE PEER2 "Endpoint = 1.2.3.4\n", 0, 5, "bad Endpoint '1.2.3.4': no ':PORT'" },
	/* 49 */ { "bad_endpoint_port_zero", IFACE PEER2 "Endpoint = 1.2.3.4:0\n", 0, 5, "port 0" },
	/* 50 */ { "bad_endpoint_port_big", IFACE PEER2 "Endpoint = 1.2.3.4:65536\n", 0, 5,
		   "the port is not a number in 1..65535" },
	/* 51 */ { "bad_endpoint_port_empty", IFACE PEER2 "Endpoint = host:\n", 0, 5, "the port is missing" },
	/* 52 */ { "bad_endpoint_v6_no_brackets", IFACE PEER2 "Endpoint = fd00::1:51820\n", 0, 5,
		   "must be in brackets" },
	/* 53 */ { "bad_endpoint_v6_no_colon", IFACE PEER2 "Endpoint = [fd00::1]51820\n", 0, 5, "no ':PORT' after ']'" },
	/* 54 */ { "bad_endpoint_v6_unclosed", IFACE PEER2 "Endpoint = [fd00::1:51820\n", 0, 5, "no ']'" },
	/* 55 */ { "bad_endpoint_v4_in_brackets", IFACE PEER2 "Endpoint = [1.2.3.4]:1\n", 0, 5,
		   "not an IPv6 address between the brackets" },
	/* 56 */ { "bad_endpoint_short_v4", IFACE PEER2 "Endpoint = 10.1:51820\n", 0, 5,
		   "neither an IPv4 address nor a hostname" },
	/* 57 */ { "bad_endpoint_hex_v4", IFACE PEER2 "Endpoint = 0x7f.1:51820\n", 0, 5, "neither" },
	/* 58 */ { "bad_endpoint_hostname_chars", IFACE PEER2 "Endpoint = bad!host:1\n", 0, 5, "neither" },
	/* 59 */ { "bad_endpoint_empty_host", IFACE PEER2 "Endpoint = :51820\n", 0, 5, "the host is missing" },
	/* 60 */ { "bad_endpoint_empty", IFACE PEER2 "Endpoint =\n", 0, 5, "the endpoint is empty" },
	/* 61 */ { "bad_keepalive_big", IFACE PEER2 "PersistentKeepalive = 65536\n", 0, 5,
		   "bad PersistentKeepalive '65536'" },
	/* 62 */ { "bad_keepalive_on", IFACE PEER2 "PersistentKeepalive = on\n", 0, 5, "bad PersistentKeepalive 'on'" },
	/* 63 */ { "bad_header_unclosed", IFACE "[Peer\n", 0, 3, "does not end with ']'" },
	/* 64 */ { "bad_pasted_key_line", IFACE PRIV2 "\n", 0, 3, "unknown key '(not shown)' in [Interface]" },
	/* 65 */ { "bad_line_count_crlf", "[Interface]\r\n\r\nPrivateKey = " PRIV1 "\r\n# c\r\nMTU = 1\r\n", 0, 5,
		   "bad MTU '1'" },
	/* 66 */ { "bad_line_count_after_bom", "\xef\xbb\xbf\n[Interface]\nPrivateKey = x\n", 0, 3,
		   "PrivateKey is not a base64 key" },
	/* 67 */ { "bad_value_unprintable_quoted", IFACE "ListenPort = 1\x01\n", 0, 3, "bad ListenPort '1?'" },
};

static void test_invalid(void **state)
{
	const struct invalid_case *c = *state;
	char err[CONFIG_ERROR_LEN], prefix[64];
	size_t len = c->len ? c->len : strlen(c->text);
	struct config cfg;
	int ret;

	memset(&cfg, 0xa5, sizeof(cfg)); /* parse must not trust what it is given */
	ret = config_parse(&cfg, "test.conf", c->text, len, err);
	assert_int_equal(ret, -EINVAL);
	snprintf(prefix, sizeof(prefix), "test.conf:%u: ", c->line);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, c->message))
		fail_msg("%s: got \"%s\", want \"%s...%s...\"", c->name, err, prefix, c->message);
	assert_null(strstr(err, PRIV1));
	assert_null(strstr(err, PRIV2));
	assert_null(strstr(err, PSK));
	assert_memory_equal(&cfg, &empty_cfg, sizeof(cfg));
	config_free(&cfg);
	config_free(&cfg);
}

/* Other properties --------------------------------------------------------- */

/* No part of a bad secret value may appear in the message. */
static void test_secret_fragments_not_quoted(void **state)
{
	static const char *texts[] = {
		"[Interface]\nPrivateKey = WET80lbo+Qopk/W+3AXOe81srnbBNIxbW6pa82QN7X!=\n",
		IFACE PEER2 "PresharedKey = UrLGAxleBfQaOlIE99gzjbnmTLM6wJGmv1VXtbEk9J\n",
		IFACE "WET80lbo+Qopk/W+3AXOe81srnbBNIxbW6pa82QN7Xo\n",
		IFACE "INfRcl36jNd9p9/7HAQoBESY6bt+oBaHF96efxcawFc=\n",
	};
	char err[CONFIG_ERROR_LEN];
	struct config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(config_parse(&cfg, "s.conf", texts[i], strlen(texts[i]), err), -EINVAL);
		assert_null(strstr(err, "WET80"));
		assert_null(strstr(err, "UrLGA"));
		assert_null(strstr(err, "INfRc"));
	}
}

/* The private key's public half, computed by us, is what `wg pubkey` printed;
 * every key encodes back to the text it was read from. */
static void test_keys_round_trip(void **state)
{
	static const char text[] = IFACE "[Peer]\nPublicKey = " PUB2 "\nPresharedKey = " PSK "\n";
	char err[CONFIG_ERROR_LEN];
	uint8_t pub[32];
	struct config cfg;

	(void)state;
	assert_int_equal(config_parse(&cfg, "k.conf", text, sizeof(text) - 1, err), 0);
	assert_key(cfg.private_key, PRIV1);
	assert_true(wg_key_public_from_private(pub, cfg.private_key));
	assert_key(pub, PUB1);
	assert_key(cfg.peers[0].public_key, PUB2);
	assert_key(cfg.peers[0].preshared_key, PSK);
	config_free(&cfg);
}

/* A line of exactly 4096 bytes (a CR before the LF not counted) is fine;
 * one more byte is an error naming that line. */
static void test_line_length_limit(void **state)
{
	char err[CONFIG_ERROR_LEN];
	struct config cfg;
	size_t head = strlen(IFACE), n;
	char *text = malloc(head + 4098 + 32);

	(void)state;
	assert_non_null(text);
	memcpy(text, IFACE, head);
	memset(text + head, '#', 4096);
	memcpy(text + head + 4096, "\r\nMTU = 1420\n", 13);
	n = head + 4096 + 13;
	assert_int_equal(config_parse(&cfg, "l.conf", text, n, err), 0);
	assert_int_equal(cfg.mtu, 1420);
	config_free(&cfg);

	memset(text + head, '#', 4097);
	memcpy(text + head + 4097, "\nMTU = 1420\n", 12);
	n = head + 4097 + 12;
	assert_int_equal(config_parse(&cfg, "l.conf", text, n, err), -EINVAL);
	assert_string_equal(err, "l.conf:3: the line is longer than 4096 bytes");
	assert_memory_equal(&cfg, &empty_cfg, sizeof(cfg));
	free(text);
}

/* Enough peers and AllowedIPs to grow every array several times. */
static void test_many_peers(void **state)
{
	enum { N = 300, M = 20 };
	char err[CONFIG_ERROR_LEN], b64[WG_KEY_B64_LEN];
	size_t cap = 64 + (size_t)N * (80 + M * 32), len;
	char *text = malloc(cap);
	uint8_t key[32];
	struct config cfg;
	int i, j;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%s", IFACE);
	for (i = 0; i < N; i++) {
		memset(key, 0, sizeof(key));
		key[0] = (uint8_t)(i + 1);
		key[1] = (uint8_t)((i + 1) >> 8);
		wg_key_to_base64(b64, key);
		len += (size_t)snprintf(text + len, cap - len, "[Peer]\nPublicKey = %s\n", b64);
		for (j = 0; j < M; j++)
			len += (size_t)snprintf(text + len, cap - len, "AllowedIPs = 10.%d.%d.0/24\n",
						i % 256, j);
		assert_true(len < cap);
	}
	assert_true(len < cap);
	assert_int_equal(config_parse(&cfg, "m.conf", text, len, err), 0);
	assert_int_equal(cfg.n_peers, N);
	for (i = 0; i < N; i++) {
		assert_int_equal(cfg.peers[i].line, 3 + (unsigned)i * (M + 2));
		assert_int_equal(cfg.peers[i].public_key[0], (uint8_t)(i + 1));
		assert_int_equal(cfg.peers[i].public_key[1], (uint8_t)((i + 1) >> 8));
		assert_int_equal(cfg.peers[i].n_allowed_ips, M);
		assert_int_equal(cfg.peers[i].allowed_ips[M - 1].addr[2], M - 1);
	}
	config_free(&cfg);
	free(text);
}

static void test_free_null_and_empty(void **state)
{
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	config_free(NULL);
	config_free(&cfg);
	assert_memory_equal(&cfg, &empty_cfg, sizeof(cfg));
}

static void test_null_path_in_message(void **state)
{
	char err[CONFIG_ERROR_LEN];
	struct config cfg;

	(void)state;
	assert_int_equal(config_parse(&cfg, NULL, "x", 1, err), -EINVAL);
	assert_string_equal(err, "(config):1: no '=' after 'x': want Key = Value or a [Section]");
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* config_load reads the file, names it in messages, and takes 1 MiB but not
 * one byte more. */
static void test_load(void **state)
{
	static const char text[] = IFACE "ListenPort = 4242\n";
	char dir[] = "/tmp/h5-config-XXXXXX", path[64], err[CONFIG_ERROR_LEN], want[128];
	size_t big = 1024 * 1024;
	struct config cfg;
	char *data;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wg0.conf", dir);

	assert_int_equal(config_load(&cfg, path, err), -ENOENT);
	snprintf(want, sizeof(want), "%s: cannot open: ", path);
	assert_memory_equal(err, want, strlen(want));

	write_file(path, text, sizeof(text) - 1);
	assert_int_equal(config_load(&cfg, path, err), 0);
	assert_int_equal(cfg.listen_port, 4242);
	config_free(&cfg);

	write_file(path, IFACE "MTU = 10\n", strlen(IFACE "MTU = 10\n"));
	assert_int_equal(config_load(&cfg, path, err), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: bad MTU '10'", path);
	assert_memory_equal(err, want, strlen(want));

	/* Exactly 1 MiB: a valid file padded with a comment. */
	data = malloc(big + 1);
	assert_non_null(data);
	memset(data, '\n', big + 1);
	memcpy(data, text, sizeof(text) - 1);
	write_file(path, data, big);
	assert_int_equal(config_load(&cfg, path, err), 0);
	config_free(&cfg);
	write_file(path, data, big + 1);
	assert_int_equal(config_load(&cfg, path, err), -EFBIG);
	assert_non_null(strstr(err, "larger than 1 MiB"));
	assert_memory_equal(&cfg, &empty_cfg, sizeof(cfg));
	free(data);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Table rows become named tests -------------------------------------------- */

#define N_VALID   (sizeof(valid_cases) / sizeof(valid_cases[0]))
#define N_INVALID (sizeof(invalid_cases) / sizeof(invalid_cases[0]))

int main(void)
{
	static const struct CMUnitTest other[] = {
		cmocka_unit_test(test_secret_fragments_not_quoted),
		cmocka_unit_test(test_keys_round_trip),
		cmocka_unit_test(test_line_length_limit),
		cmocka_unit_test(test_many_peers),
		cmocka_unit_test(test_free_null_and_empty),
		cmocka_unit_test(test_null_path_in_message),
		cmocka_unit_test(test_load),
	};
	struct CMUnitTest valid[N_VALID], invalid[N_INVALID];
	size_t i;
	int failed = 0;

	for (i = 0; i < N_VALID; i++)
		valid[i] = (struct CMUnitTest){ valid_cases[i].name, test_valid, NULL, NULL,
						(void *)&valid_cases[i] };
	for (i = 0; i < N_INVALID; i++)
		invalid[i] = (struct CMUnitTest){ invalid_cases[i].name, test_invalid, NULL, NULL,
						  (void *)&invalid_cases[i] };
	failed += _cmocka_run_group_tests("config_valid", valid, N_VALID, NULL, NULL);
	failed += _cmocka_run_group_tests("config_invalid", invalid, N_INVALID, NULL, NULL);
	failed += cmocka_run_group_tests_name("config_other", other, NULL, NULL);
	return failed ? 1 : 0;
}
