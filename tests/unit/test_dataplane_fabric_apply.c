/* Fabric mode in memory (no kernel): applying views creates, re-keys and
 * removes host peers, keeps one uplink per subnet with a local port, and the
 * packet paths do what the switch decides: replies out the uplink, frames
 * for a remote port staged behind a handshake to the right host as fabric
 * frames, frames from a host delivered only in tenants it serves. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "dataplane/agent.h"
#include "dataplane/fabric.h"
#include "dataplane/fabric_frame.h"
#include "tunnel/key.h"

struct fx {
	struct agent *a;
	struct fabric *f;
	uint8_t key[4][32];     /* private keys of h1 (self), h2, h3, and a spare */
	char pub[4][WG_KEY_B64_LEN];
	int sv[2];              /* sv[0] plays the uplink fd of acme's subnet */
};

static json_t *host(struct fx *x, const char *name, int k, const char *ep)
{
	return json_pack("{s:i, s:i, s:s, s:s, s:s}", "id", k + 1, "revision", 1, "name", name,
			 "public_key", x->pub[k], "endpoint", ep);
}

static json_t *port(int id, const char *tenant, const char *subnet, const char *name, const char *h,
		    const char *mac, const char *ip)
{
	return json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "revision", 1,
			 "tenant", tenant, "subnet", subnet, "name", name, "host", h, "kind", "container",
			 "mac", mac, "ip", ip, "netns", name);
}

static json_t *subnet(int id, const char *tenant, const char *name, const char *cidr, const char *gw)
{
	return json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:i, s:b}", "id", id, "revision", 1, "tenant",
			 tenant, "name", name, "cidr", cidr, "gateway", gw, "mtu", 1418, "dhcp", 1);
}

/* acme (100): 10.0.1.0/24 id 1 with a1 on h1, a2 on h2, a3 on h3, and
 * 10.0.2.0/24 id 2 with nothing local; bravo (200): 10.0.1.0/24 id 3 with
 * b2 on h2 only (so h3 does not serve bravo). key_h2 picks h2's key. */
static json_t *view(struct fx *x, int key_h2, bool with_h3, bool with_a1)
{
	json_t *acme_ports = json_array(), *peers = json_array();

	if (with_a1)
		json_array_append_new(acme_ports, port(11, "acme", "s1", "a1", "h1", "02:00:00:00:00:0b", "10.0.1.11"));
	json_array_append_new(acme_ports, port(12, "acme", "s1", "a2", "h2", "02:00:00:00:00:0c", "10.0.1.12"));
	if (with_h3)
		json_array_append_new(acme_ports, port(13, "acme", "s1", "a3", "h3", "02:00:00:00:00:0d", "10.0.1.13"));
	json_array_append_new(peers, host(x, "h2", key_h2, "192.0.2.2:51820"));
	if (with_h3)
		json_array_append_new(peers, host(x, "h3", 2, "192.0.2.3:51820"));
	return json_pack("{s:i, s:o, s:o, s:[{s:i, s:s, s:i, s:[o, o], s:o, s:[]}, "
			 "{s:i, s:s, s:i, s:[o], s:[o], s:[]}]}",
			 "revision", 3, "host", host(x, "h1", 0, "192.0.2.1:51820"), "peers", peers,
			 "tenants",
			 "id", 1, "name", "acme", "vni", 100, "subnets",
			 subnet(1, "acme", "s1", "10.0.1.0/24", "10.0.1.1"),
			 subnet(2, "acme", "s2", "10.0.2.0/24", "10.0.2.1"), "ports", acme_ports, "routes",
			 "id", 2, "name", "bravo", "vni", 200, "subnets",
			 subnet(3, "bravo", "s1", "10.0.1.0/24", "10.0.1.1"), "ports",
			 port(22, "bravo", "s1", "b2", "h2", "02:00:00:00:00:16", "10.0.1.11"), "routes");
}

static void apply(struct fx *x, json_t *v)
{
	char err[FABRIC_ERR_LEN];

	assert_non_null(v);
	if (fabric_apply_json(x->f, v, err) < 0)
		fail_msg("view refused: %s", err);
	json_decref(v);
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	uint8_t rnd[32], pub[32];

	assert_int_equal(sodium_init() >= 0, 1);
	for (int i = 0; i < 4; i++) {
		randombytes_buf(rnd, sizeof(rnd));
		wg_key_private_from_random(x->key[i], rnd);
		assert_true(wg_key_public_from_private(pub, x->key[i]));
		wg_key_to_base64(x->pub[i], pub);
	}
	assert_int_equal(agent_create("fab-test", &x->a), 0);
	agent_set_private_key(x->a, x->key[0]);
	assert_int_equal(fabric_create(x->a, "h1", 42, &x->f), 0);
	x->a->tx_buf = calloc(1, AGENT_BUF_LEN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, x->sv), 0);
	apply(x, view(x, 1, true, true));
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	struct fabric_uplink *up = fabric_uplink_find(x->f, 100, 1);

	if (up)
		up->fd = -1; /* ours, closed below */
	fabric_destroy(x->f);
	free(x->a->tx_buf);
	x->a->tx_buf = NULL;
	agent_destroy(x->a);
	close(x->sv[0]);
	close(x->sv[1]);
	free(x);
	return 0;
}

static struct wg_peer *peer_of(struct fx *x, int k)
{
	uint8_t pub[32];

	assert_true(wg_key_public_from_private(pub, x->key[k]));
	return wg_peer_lookup(x->a->dev, pub);
}

static size_t n_peers(struct fx *x)
{
	size_t n = 0;

	for (struct wg_peer *p = wg_device_first_peer(x->a->dev); p; p = wg_peer_next(p))
		n++;
	return n;
}

static void test_peers_follow_the_view(void **state)
{
	struct fx *x = *state;
	struct fabric_host *h2 = fabric_host_by_name(x->f, "h2"), *h3 = fabric_host_by_name(x->f, "h3");
	uint32_t id2;

	assert_int_equal(n_peers(x), 2);
	assert_non_null(h2);
	assert_non_null(h3);
	assert_true(h2->id && h3->id && h2->id != h3->id);
	assert_ptr_equal(h2->peer, peer_of(x, 1));
	assert_int_equal(agent_peer_state(h2->peer)->host_id, h2->id);
	assert_int_equal(wg_peer_endpoint(h2->peer)->addr.sa.sa_family, AF_INET);
	id2 = h2->id;

	/* h3 leaves, h2 gets a new key: the old peer goes, the id stays. */
	apply(x, view(x, 3, false, true));
	assert_int_equal(n_peers(x), 1);
	assert_null(fabric_host_by_name(x->f, "h3"));
	assert_null(peer_of(x, 1));
	assert_null(peer_of(x, 2));
	h2 = fabric_host_by_name(x->f, "h2");
	assert_ptr_equal(h2->peer, peer_of(x, 3));
	assert_int_equal(h2->id, id2);
	assert_int_equal(agent_peer_state(h2->peer)->host_id, id2);
}

static void test_uplinks_only_for_local_subnets(void **state)
{
	struct fx *x = *state;

	assert_int_equal(x->f->n_uplinks, 1);
	assert_non_null(fabric_uplink_find(x->f, 100, 1));
	assert_string_equal(fabric_uplink_find(x->f, 100, 1)->name, "tnu1");
	assert_string_equal(fabric_uplink_find(x->f, 100, 1)->bridge, "tnb1");
	assert_null(fabric_uplink_find(x->f, 100, 2));
	assert_null(fabric_uplink_find(x->f, 200, 3));
	apply(x, view(x, 1, true, false)); /* a1, the only local port, removed */
	assert_int_equal(x->f->n_uplinks, 0);
}

static void test_bad_view_changes_nothing(void **state)
{
	struct fx *x = *state;
	char err[FABRIC_ERR_LEN];
	json_t *v = view(x, 3, false, false);
	struct vswitch_sizes before, after;

	vswitch_get_sizes(x->f->vs, &before);
	json_object_set_new(v, "revision", json_string("x"));
	assert_int_equal(fabric_apply_json(x->f, v, err), -EINVAL);
	json_decref(v);
	vswitch_get_sizes(x->f->vs, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(n_peers(x), 2);
	assert_ptr_equal(fabric_host_by_name(x->f, "h2")->peer, peer_of(x, 1));
	assert_int_equal(x->f->n_uplinks, 1);
}

/* ---- packets ---------------------------------------------------------- */

static const uint8_t MAC_A1[6] = { 2, 0, 0, 0, 0, 0x0b };
static const uint8_t MAC_A2[6] = { 2, 0, 0, 0, 0, 0x0c };
static const uint8_t MAC_B2[6] = { 2, 0, 0, 0, 0, 0x16 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static size_t arp_request(uint8_t *p, const uint8_t src[6], const uint8_t spa[4], const uint8_t tpa[4])
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memcpy(p, BCAST, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, hdr, 8);
	memcpy(p + 22, src, 6);
	memcpy(p + 28, spa, 4);
	memset(p + 32, 0, 6);
	memcpy(p + 38, tpa, 4);
	return 42;
}

/* A frame from a1 to a2 (unicast to a remote port): an IPv4/UDP header is
 * enough, the switch checks the header, not the checksum of the payload. */
static size_t a1_to(uint8_t *p, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint8_t src_last)
{
	static const uint8_t ip[20] = { 0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 17, 0, 0,
					10, 0, 1, 11, 10, 0, 1, 12 };
	uint32_t sum = 0;

	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memcpy(p + 14, ip, 20);
	p[14 + 15] = src_last;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(p[14 + i] << 8 | p[15 + i]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p[24] = (uint8_t)(~sum >> 8);
	p[25] = (uint8_t)~sum;
	memset(p + 34, 0, 8); /* UDP header, checksum 0 */
	p[34 + 5] = 8;
	return 42;
}

#define HEADROOM (WG_DATA_HEADER_LEN + FABRIC_HEADER_LEN)

static void test_arp_for_gateway_answered_on_uplink(void **state)
{
	struct fx *x = *state;
	struct fabric_uplink *up = fabric_uplink_find(x->f, 100, 1);
	static const uint8_t spa[4] = { 10, 0, 1, 11 }, tpa[4] = { 10, 0, 1, 1 };
	struct wg_env env = { .now = 1 };
	uint8_t got[128];
	size_t n;

	up->fd = x->sv[0];
	n = arp_request(x->a->tx_buf + HEADROOM, MAC_A1, spa, tpa);
	fabric_handle_uplink_frame(x->f, up, &env, x->a->tx_buf, n);
	assert_true(read(x->sv[1], got, sizeof(got)) >= 42);
	assert_memory_equal(got, MAC_A1, 6);                    /* to a1 */
	assert_memory_equal(got + 6, "\x0e\x00\x00\x64\x00\x01", 6); /* from acme s1's gateway MAC */
	assert_int_equal(got[21], 2);                            /* ARP reply */
	assert_int_equal(x->f->worker.actions[VSWITCH_REPLY], 1);
}

static void test_frame_to_remote_port_staged_for_its_host(void **state)
{
	struct fx *x = *state;
	struct fabric_uplink *up = fabric_uplink_find(x->f, 100, 1);
	struct wg_peer *h2 = peer_of(x, 1);
	struct staged_pkt *p;
	struct fabric_frame fr;
	struct wg_env env;
	size_t n;

	agent_env(&env); /* a handshake draws randomness */
	up->fd = x->sv[0];
	n = a1_to(x->a->tx_buf + HEADROOM, MAC_A2, MAC_A1, 11);
	fabric_handle_uplink_frame(x->f, up, &env, x->a->tx_buf, n);
	/* No session yet: staged behind a handshake, for h2 and nobody else. */
	assert_int_equal(staged_count(&agent_peer_state(h2)->staged), 1);
	assert_int_equal(staged_count(&agent_peer_state(peer_of(x, 2))->staged), 0);
	p = staged_peek(&agent_peer_state(h2)->staged);
	assert_int_equal(fabric_frame_decode(p->data + p->headroom, p->len, &fr), FABRIC_FRAME_OK);
	assert_int_equal(fr.vni, 100);
	assert_int_equal(fr.eth_len, n);
	assert_memory_equal(fr.eth, MAC_A2, 6);

	/* The same frame with a spoofed source IP goes nowhere, counted. */
	n = a1_to(x->a->tx_buf + HEADROOM, MAC_A2, MAC_A1, 99);
	fabric_handle_uplink_frame(x->f, up, &env, x->a->tx_buf, n);
	assert_int_equal(staged_count(&agent_peer_state(h2)->staged), 1);
	assert_int_equal(x->f->worker.reasons[VSWITCH_DROP_SPOOF_SRC_IP], 1);
}

/* A fabric payload as it leaves decryption: header, frame, zero padding. */
static size_t wrap(uint8_t *out, uint32_t vni, const uint8_t *eth, size_t len)
{
	int n = fabric_frame_encode(out, 256, vni, eth, len);

	assert_true(n > 0);
	return (size_t)n;
}

static void test_fabric_frames_delivered_only_in_served_tenants(void **state)
{
	struct fx *x = *state;
	struct fabric_uplink *up = fabric_uplink_find(x->f, 100, 1);
	uint8_t eth[64], wire[256], got[128];
	size_t n;

	up->fd = x->sv[0];
	/* a2 (on h2) to a1: delivered to acme's uplink. */
	n = a1_to(eth, MAC_A1, MAC_A2, 12);
	memcpy(eth + 26, "\x0a\x00\x01\x0c\x0a\x00\x01\x0b", 8);
	eth[24] = eth[25] = 0;
	{
		uint32_t sum = 0;

		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)(eth[14 + i] << 8 | eth[15 + i]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		eth[24] = (uint8_t)(~sum >> 8);
		eth[25] = (uint8_t)~sum;
	}
	fabric_on_data(x->a, peer_of(x, 1), wire, wrap(wire, 100, eth, n));
	assert_int_equal(read(x->sv[1], got, sizeof(got)), (ssize_t)n);
	assert_memory_equal(got, eth, n);

	/* The same from h3, which holds no a2: refused as a spoofed source. */
	fabric_on_data(x->a, peer_of(x, 2), wire, wrap(wire, 100, eth, n));
	assert_int_equal(x->f->worker.reasons[VSWITCH_DROP_FABRIC_SPOOF_SRC_MAC], 1);

	/* bravo from h3 (serves no bravo) to a MAC in bravo: not ours either. */
	memcpy(eth + 6, MAC_B2, 6);
	fabric_on_data(x->a, peer_of(x, 2), wire, wrap(wire, 200, eth, n));
	assert_int_equal(x->f->worker.reasons[VSWITCH_DROP_FABRIC_VNI_NOT_LOCAL] +
			 x->f->worker.reasons[VSWITCH_DROP_FABRIC_VNI_NOT_PEERS], 1);
	assert_true(read(x->sv[1], got, sizeof(got)) < 0);

	/* A classic IP packet, and garbage, from a host peer. */
	wire[0] = 0x45;
	fabric_on_data(x->a, peer_of(x, 1), wire, 40);
	wire[0] = 0x20;
	fabric_on_data(x->a, peer_of(x, 1), wire, 40);
	assert_int_equal(x->f->drops[FABRIC_DROP_IP_PAYLOAD], 1);
	assert_int_equal(x->f->drops[FABRIC_DROP_BAD_PAYLOAD], 1);
}

/* wg set ... remove on a host peer: nothing dangles, frames for that host
 * are counted, and the periodic refresh makes the peer again. */
static void test_peer_removed_through_uapi_is_mended(void **state)
{
	struct fx *x = *state;
	struct fabric_uplink *up = fabric_uplink_find(x->f, 100, 1);
	struct fabric_host *h2 = fabric_host_by_name(x->f, "h2");
	struct wg_env env;
	size_t n;

	agent_env(&env);
	up->fd = x->sv[0];
	agent_peer_remove(x->a, peer_of(x, 1));
	n = a1_to(x->a->tx_buf + HEADROOM, MAC_A2, MAC_A1, 11);
	fabric_handle_uplink_frame(x->f, up, &env, x->a->tx_buf, n);
	assert_int_equal(x->f->drops[FABRIC_DROP_NO_PEER], 1);

	fabric_refresh(x->f);
	assert_non_null(peer_of(x, 1));
	assert_ptr_equal(fabric_host_peer(x->f, h2), peer_of(x, 1));
	assert_int_equal(agent_peer_state(peer_of(x, 1))->host_id, h2->id);
	assert_int_equal(wg_peer_endpoint(peer_of(x, 1))->addr.sa.sa_family, AF_INET);
	n = a1_to(x->a->tx_buf + HEADROOM, MAC_A2, MAC_A1, 11);
	fabric_handle_uplink_frame(x->f, up, &env, x->a->tx_buf, n);
	assert_int_equal(staged_count(&agent_peer_state(peer_of(x, 1))->staged), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_peers_follow_the_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uplinks_only_for_local_subnets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_view_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_for_gateway_answered_on_uplink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_to_remote_port_staged_for_its_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fabric_frames_delivered_only_in_served_tenants, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_peer_removed_through_uapi_is_mended, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
