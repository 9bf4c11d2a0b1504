/* The desired-state objects the controller holds, as plain values.
 *
 * Every object is immutable once created (no update verbs: delete and create
 * again), has an id that is never reused (agents derive kernel names from it)
 * and records the revision that created it. Tenant-scoped objects carry their
 * tenant's name, and ports their subnet's and host's names, so an object can
 * be shown or sent without further lookups. IPv4 addresses are host byte order.
 */
#ifndef CONTROLPLANE_MODEL_H
#define CONTROLPLANE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CP_NAME_MAX     63          /* tenant, subnet, port, host and netns names */
#define CP_NAME_LEN     (CP_NAME_MAX + 1)
#define CP_ENDPOINT_LEN 64          /* "[" IPv6 "]:" port and a NUL, with room */
#define CP_VNI_MIN      1u
#define CP_VNI_MAX      16777215u   /* 24 bits */
#define CP_MTU_MIN      576
#define CP_MTU_MAX      9000
/* The largest inner MTU that never fragments on a 1500-byte IPv4 underlay:
 * 1472 bytes of UDP payload hold a 16-byte transport header, a 16-byte tag
 * and at most 1440 bytes of padded plaintext, which is the 8-byte fabric
 * header, the 14-byte inner Ethernet header and the packet (see
 * fabric_mtu_for_underlay in dataplane/fabric_frame.h). */
#define CP_MTU_DEFAULT  1418
#define CP_SUBNET_PLEN_MIN 8
#define CP_SUBNET_PLEN_MAX 30       /* a /30 holds network, gateway, one port, broadcast */

struct cp_prefix {
	uint32_t addr;   /* host bits zero */
	uint8_t len;     /* 0..32 */
};

enum cp_port_kind {
	CP_PORT_CONTAINER = 1, /* a veth moved into netns */
	CP_PORT_VM,            /* a persistent TAP QEMU opens by name */
};

struct cp_host {
	int64_t id;
	int64_t revision;
	char name[CP_NAME_LEN];
	uint8_t public_key[32];
	char endpoint[CP_ENDPOINT_LEN];  /* "IPv4:port" or "[IPv6]:port", normalised */
};

struct cp_tenant {
	int64_t id;
	int64_t revision;
	char name[CP_NAME_LEN];
	uint32_t vni;
};

struct cp_subnet {
	int64_t id;
	int64_t revision;
	char tenant[CP_NAME_LEN];
	char name[CP_NAME_LEN];
	struct cp_prefix cidr;
	uint32_t gateway;   /* the first usable address */
	unsigned mtu;
	bool dhcp;
};

struct cp_port {
	int64_t id;
	int64_t revision;
	char tenant[CP_NAME_LEN];
	char subnet[CP_NAME_LEN];
	char name[CP_NAME_LEN];
	char host[CP_NAME_LEN];
	enum cp_port_kind kind;
	uint8_t mac[6];
	uint32_t ip;
	char netns[CP_NAME_LEN]; /* container ports only; "" for VMs */
};

struct cp_route {
	int64_t id;
	int64_t revision;
	char tenant[CP_NAME_LEN];
	struct cp_prefix prefix;
	uint32_t via;       /* the IP of a port in the tenant */
};

/* Kinds of object in the revision log; the names are what the log stores. */
enum cp_kind {
	CP_KIND_HOST = 1,
	CP_KIND_TENANT,
	CP_KIND_SUBNET,
	CP_KIND_PORT,
	CP_KIND_ROUTE,
	CP_KIND_TOKEN,
};

enum cp_op {
	CP_OP_CREATE = 1,
	CP_OP_DELETE,
};

const char *cp_kind_name(enum cp_kind kind);
const char *cp_op_name(enum cp_op op);
/* 0 for an unknown name. */
enum cp_kind cp_kind_from_name(const char *name);
enum cp_op cp_op_from_name(const char *name);
const char *cp_port_kind_name(enum cp_port_kind kind);
/* 0 (not a kind) for anything but "container" and "vm". */
enum cp_port_kind cp_port_kind_from_name(const char *name);

/* JSON views, as the admin API returns them and agents receive them. NULL on
 * allocation failure. */
json_t *cp_host_to_json(const struct cp_host *h);
json_t *cp_tenant_to_json(const struct cp_tenant *t);
json_t *cp_subnet_to_json(const struct cp_subnet *s);
json_t *cp_port_to_json(const struct cp_port *p);
json_t *cp_route_to_json(const struct cp_route *r);

#endif
