#!/usr/bin/env bash
# The controller's admin API over its unix socket, with curl --unix-socket:
# every resource (create, get, list, delete), every validation refusal, bad
# requests (malformed JSON, wrong types, unknown fields, oversized bodies,
# unknown paths, wrong methods), the socket's mode, restart and shutdown.
# Needs no root and no network namespace.
#   TENET_BUILD=DIR   where tenet-controller is (default build)
. "$(dirname "$0")/controller_lib.sh" api

[ -x "$controller" ] || { echo "FAIL: controller_binary_exists ($controller)"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl_installed"; exit 1; }

# req METHOD PATH [BODY]: sets $status and $body
req() {
	local args=(-s --max-time 10 --unix-socket "$sock" -o "$tmp/body" -w '%{http_code}' -X "$1")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	status=$(curl "${args[@]}" "http://tenet$2")
	body=$(cat "$tmp/body" 2>/dev/null)
}

# jget EXPR: evaluates a Python expression over the last body as `j`
jget() { printf '%s' "$body" | "$py" -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# expect NAME STATUS [SUBSTRING] -- METHOD PATH [BODY]
expect() {
	local name=$1 want=$2 sub=${3:-}
	shift 4
	req "$@"
	if [ "$status" != "$want" ]; then
		fail "$name" "status $status, wanted $want: $body"
	elif [ -n "$sub" ] && [[ "$body" != *"$sub"* ]]; then
		fail "$name" "body lacks '$sub': $body"
	elif [ "$want" -ge 400 ] && [ "$name" != huge_body_refused_unread ] &&
		[[ "$body" != '{"error":'* ]]; then
		fail "$name" "error is not JSON: $body"
	else
		pass "$name"
	fi
}

ctl_start || { echo "FAIL: controller_starts"; exit 1; }
pass controller_starts

mode=$(stat -c %a "$sock")
[ "$mode" = 600 ] && pass socket_mode_0600 || fail socket_mode_0600 "mode $mode"
kmode=$(stat -c %a "$tmp/controller.key")
[ "$kmode" = 600 ] && pass key_file_mode_0600 || fail key_file_mode_0600 "mode $kmode"
pub=$("$controller" --key "$tmp/controller.key" --show-public-key 2>/dev/null)
[[ "$pub" =~ ^[A-Za-z0-9+/]{43}=$ ]] && pass show_public_key || fail show_public_key "$pub"

K1=$(printf '\001%.0s' $(seq 32) | base64)
K2=$(printf '\002%.0s' $(seq 32) | base64)
K3=$(printf '\003%.0s' $(seq 32) | base64)
host() { printf '{"name":"%s","public_key":"%s","endpoint":"%s"}' "$1" "$2" "$3"; }

# --- hosts --------------------------------------------------------------
expect host_create 201 '"name":"h1"' -- POST /v1/hosts "$(host h1 "$K1" 192.0.2.1:51820)"
expect host_create_ipv6_endpoint 201 '"endpoint":"[2001:db8::2]:51820"' -- \
	POST /v1/hosts "$(host h2 "$K2" '[2001:DB8:0::2]:51820')"
expect host_create_third 201 '' -- POST /v1/hosts "$(host h3 "$K3" 192.0.2.3:51820)"
expect host_duplicate_name 409 'host \"h1\" already exists' -- \
	POST /v1/hosts "$(host h1 "$K3" 192.0.2.9:1)"
expect host_duplicate_key 409 'already used by host \"h1\"' -- \
	POST /v1/hosts "$(host h9 "$K1" 192.0.2.9:1)"
expect host_malformed_key 400 'public key' -- POST /v1/hosts "$(host h9 abc 192.0.2.9:1)"
expect host_zero_key 400 'zero key' -- \
	POST /v1/hosts "$(host h9 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= 192.0.2.9:1)"
expect host_malformed_endpoint 400 'endpoint' -- POST /v1/hosts "$(host h9 "$K3" 192.0.2.9)"
expect host_malformed_name 400 'host name' -- POST /v1/hosts "$(host 'h 9' "$K3" 192.0.2.9:1)"
expect host_missing_field 400 'missing field \"endpoint\"' -- \
	POST /v1/hosts "{\"name\":\"h9\",\"public_key\":\"$K3\"}"
expect host_get 200 "\"public_key\":\"$K1\"" -- GET /v1/hosts/h1
expect host_get_unknown 404 'unknown host \"h9\"' -- GET /v1/hosts/h9
expect host_list 200 '"name":"h3"' -- GET /v1/hosts
[ "$(jget 'len(j["hosts"])')" = 3 ] && pass host_list_count || fail host_list_count "$body"

# --- tenants ------------------------------------------------------------
expect tenant_create_allocates_vni 201 '"vni":1' -- POST /v1/tenants '{"name":"acme"}'
expect tenant_create_given_vni 201 '"vni":100' -- POST /v1/tenants '{"name":"beta","vni":100}'
expect tenant_create_next_vni 201 '"vni":2' -- POST /v1/tenants '{"name":"gamma"}'
expect tenant_vni_in_use 409 'VNI 100 is in use by tenant \"beta\"' -- \
	POST /v1/tenants '{"name":"delta","vni":100}'
expect tenant_vni_zero 400 'out of range' -- POST /v1/tenants '{"name":"delta","vni":0}'
expect tenant_vni_too_big 400 'out of range' -- POST /v1/tenants '{"name":"delta","vni":16777216}'
expect tenant_vni_max 201 '"vni":16777215' -- POST /v1/tenants '{"name":"delta","vni":16777215}'
expect tenant_duplicate 409 'already exists' -- POST /v1/tenants '{"name":"acme"}'
expect tenant_malformed_name 400 'tenant name' -- POST /v1/tenants '{"name":"-acme"}'
expect tenant_name_too_long 400 'longer than 63' -- \
	POST /v1/tenants "{\"name\":\"$(printf 'a%.0s' $(seq 64))\"}"
expect tenant_get 200 '"name":"beta"' -- GET /v1/tenants/beta
expect tenant_get_unknown 404 'unknown tenant' -- GET /v1/tenants/nope
expect tenant_list 200 '"tenants":[' -- GET /v1/tenants

# --- subnets ------------------------------------------------------------
sub() { printf '{"tenant":"%s","name":"%s","cidr":"%s"%s}' "$1" "$2" "$3" "${4:-}"; }
expect subnet_create 201 '"gateway":"10.0.1.1"' -- POST /v1/subnets "$(sub acme web 10.0.1.0/24)"
[ "$(jget 'j["mtu"], j["dhcp"]')" = "1418 True" ] && pass subnet_defaults || fail subnet_defaults "$body"
expect subnet_options 201 '"dhcp":false' -- \
	POST /v1/subnets "$(sub acme db 10.0.2.0/24 ',"mtu":9000,"dhcp":false')"
expect subnet_overlap_in_tenant 409 'overlaps subnet \"db\" (10.0.2.0/24)' -- \
	POST /v1/subnets "$(sub acme big 10.0.0.0/16)"
expect subnet_overlap_inside 409 'overlaps' -- POST /v1/subnets "$(sub acme small 10.0.1.64/26)"
expect subnet_overlap_other_tenant_ok 201 '' -- POST /v1/subnets "$(sub beta web 10.0.1.0/24)"
expect subnet_unknown_tenant 404 'unknown tenant \"nope\"' -- \
	POST /v1/subnets "$(sub nope web 10.0.1.0/24)"
expect subnet_malformed_cidr 400 'not an IPv4 prefix' -- POST /v1/subnets "$(sub acme x 10.0.3.0)"
expect subnet_host_bits 400 'host bits set (did you mean 10.0.3.0/24?)' -- \
	POST /v1/subnets "$(sub acme x 10.0.3.7/24)"
expect subnet_too_small 400 'prefix length' -- POST /v1/subnets "$(sub acme x 10.0.3.0/31)"
expect subnet_reserved 400 'reserved' -- POST /v1/subnets "$(sub acme x 224.0.0.0/24)"
expect subnet_mtu_range 400 'MTU 100' -- POST /v1/subnets "$(sub acme x 10.0.3.0/24 ',"mtu":100')"
expect subnet_duplicate 409 'already exists' -- POST /v1/subnets "$(sub acme web 10.0.9.0/24)"
expect subnet_get 200 '"cidr":"10.0.2.0/24"' -- GET /v1/subnets/acme/db
expect subnet_get_unknown 404 'unknown subnet' -- GET /v1/subnets/acme/nope
expect subnet_list_tenant 200 '' -- GET '/v1/subnets?tenant=acme'
[ "$(jget 'sorted(s["name"] for s in j["subnets"])')" = "['db', 'web']" ] &&
	pass subnet_list_filtered || fail subnet_list_filtered "$body"
expect subnet_list_unknown_tenant 404 'unknown tenant' -- GET '/v1/subnets?tenant=nope'

# --- ports --------------------------------------------------------------
port() { printf '{"tenant":"%s","subnet":"%s","name":"%s","host":"%s","kind":"%s"%s}' "$@"; }
expect port_create_container 201 '"ip":"10.0.1.2"' -- \
	POST /v1/ports "$(port acme web c1 h1 container ',"netns":"ctr1"')"
mac=$(jget 'j["mac"]')
first=$((16#${mac:0:2}))
[ $((first & 3)) -eq 2 ] && pass port_mac_local_unicast || fail port_mac_local_unicast "$mac"
expect port_create_vm 201 '"ip":"10.0.1.3"' -- POST /v1/ports "$(port acme web vm1 h2 vm)"
[ "$(jget 'j["netns"]')" = None ] && pass port_vm_no_netns || fail port_vm_no_netns "$body"
expect port_given_ip_mac 201 '"mac":"52:54:00:aa:bb:cc"' -- \
	POST /v1/ports "$(port acme web vm2 h2 vm ',"ip":"10.0.1.200","mac":"52:54:00:AA:BB:CC"')"
expect port_ip_outside 400 'outside subnet' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"ip":"10.0.2.5"')"
expect port_ip_network 400 'network address' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"ip":"10.0.1.0"')"
expect port_ip_gateway 400 'gateway address' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"ip":"10.0.1.1"')"
expect port_ip_broadcast 400 'broadcast address' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"ip":"10.0.1.255"')"
expect port_duplicate_ip 409 'IP 10.0.1.2 is already used by port \"c1\"' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"ip":"10.0.1.2"')"
expect port_duplicate_mac 409 'already used by port \"vm2\"' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"mac":"52:54:00:aa:bb:cc"')"
expect port_same_ip_mac_other_tenant 201 '' -- \
	POST /v1/ports "$(port beta web x h3 vm ',"ip":"10.0.1.200","mac":"52:54:00:aa:bb:cc"')"
expect port_duplicate_name 409 'already exists' -- POST /v1/ports "$(port acme web c1 h1 vm)"
expect port_unknown_tenant 404 'unknown tenant' -- POST /v1/ports "$(port nope web x h1 vm)"
expect port_unknown_subnet 404 'unknown subnet \"nope\"' -- POST /v1/ports "$(port acme nope x h1 vm)"
expect port_unknown_host 404 'unknown host \"h9\"' -- POST /v1/ports "$(port acme web x h9 vm)"
expect port_malformed_ip 400 'not an IPv4 address' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"ip":"10.0.1.300"')"
expect port_malformed_mac 400 'MAC' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"mac":"52:54:00:aa:bb"')"
expect port_multicast_mac 400 'multicast' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"mac":"01:00:5e:00:00:01"')"
expect port_bad_kind 400 'kind' -- POST /v1/ports "$(port acme web x h1 lxc)"
expect port_container_needs_netns 400 'needs netns' -- POST /v1/ports "$(port acme web x h1 container)"
expect port_vm_refuses_netns 400 'only for container' -- \
	POST /v1/ports "$(port acme web x h1 vm ',"netns":"n"')"
expect port_get 200 '"netns":"ctr1"' -- GET /v1/ports/acme/c1
expect port_get_unknown 404 'unknown port' -- GET /v1/ports/acme/nope
expect port_list_tenant 200 '' -- GET '/v1/ports?tenant=acme'
[ "$(jget 'len(j["ports"])')" = 3 ] && pass port_list_filtered || fail port_list_filtered "$body"
expect port_list_host 200 '' -- GET '/v1/ports?host=h2'
[ "$(jget 'sorted(p["name"] for p in j["ports"])')" = "['vm1', 'vm2']" ] &&
	pass port_list_by_host || fail port_list_by_host "$body"

# --- routes -------------------------------------------------------------
route() { printf '{"tenant":"%s","prefix":"%s","via":"%s"}' "$@"; }
expect route_create 201 '"prefix":"0.0.0.0/0"' -- POST /v1/routes "$(route acme 0.0.0.0/0 10.0.1.3)"
expect route_create_specific 201 '' -- POST /v1/routes "$(route acme 192.168.0.0/16 10.0.1.2)"
expect route_via_not_a_port 404 'not the IP of any port' -- \
	POST /v1/routes "$(route acme 172.16.0.0/12 10.0.1.99)"
expect route_via_other_tenant_port 404 'not the IP' -- \
	POST /v1/routes "$(route gamma 172.16.0.0/12 10.0.1.2)"
expect route_duplicate 409 'already exists' -- POST /v1/routes "$(route acme 0.0.0.0/0 10.0.1.2)"
expect route_malformed_prefix 400 'IPv4 prefix' -- POST /v1/routes "$(route acme 172.16.0.0/40 10.0.1.2)"
expect route_malformed_via 400 'via' -- POST /v1/routes "$(route acme 172.16.0.0/12 nowhere)"
expect route_unknown_tenant 404 'unknown tenant' -- POST /v1/routes "$(route nope 172.16.0.0/12 10.0.1.2)"
expect route_get 200 '"via":"10.0.1.2"' -- GET /v1/routes/acme/192.168.0.0/16
expect route_get_unknown 404 'unknown route' -- GET /v1/routes/acme/10.0.0.0/8
expect route_list 200 '' -- GET '/v1/routes?tenant=acme'
[ "$(jget 'len(j["routes"])')" = 2 ] && pass route_list_count || fail route_list_count "$body"

# --- references block deletion -----------------------------------------
expect delete_host_with_ports 409 'still has' -- DELETE /v1/hosts/h1
expect delete_tenant_with_objects 409 'tenant \"acme\" still has' -- DELETE /v1/tenants/acme
expect delete_subnet_with_ports 409 'still has 3 port(s)' -- DELETE /v1/subnets/acme/web
expect delete_port_next_hop 409 'next hop of route 0.0.0.0/0' -- DELETE /v1/ports/acme/vm1

# --- what a host is sent -----------------------------------------------
expect host_view_h3 200 '' -- GET /v1/hosts/h3/view
[ "$(jget '[t["name"] for t in j["tenants"]]')" = "['beta']" ] && [[ "$body" != *acme* ]] &&
	pass host_view_only_own_tenants || fail host_view_only_own_tenants "$body"
expect host_view_h1 200 '' -- GET /v1/hosts/h1/view
[ "$(jget '[p["name"] for p in j["peers"]]')" = "['h2']" ] &&
	pass host_view_peers || fail host_view_peers "$body"

# --- bad requests -------------------------------------------------------
expect malformed_json 400 'malformed JSON' -- POST /v1/tenants '{"name":'
expect json_not_object 400 'must be a JSON object' -- POST /v1/tenants '["acme"]'
expect json_duplicate_key 400 'malformed JSON' -- POST /v1/tenants '{"name":"a","name":"b"}'
expect wrong_type_string 400 'field \"name\" must be a string' -- POST /v1/tenants '{"name":5}'
expect wrong_type_integer 400 'field \"vni\" must be an integer' -- \
	POST /v1/tenants '{"name":"x","vni":"5"}'
expect wrong_type_bool 400 'field \"dhcp\" must be true or false' -- \
	POST /v1/subnets "$(sub acme x 10.0.7.0/24 ',"dhcp":"yes"')"
expect unknown_field 400 'unknown field \"colour\"' -- POST /v1/tenants '{"name":"x","colour":"red"}'
expect empty_body 400 'malformed JSON' -- POST /v1/tenants ''
head -c 70000 /dev/zero | tr '\0' ' ' >"$tmp/big"
printf '{"name":"x"}' >>"$tmp/big"
expect oversized_body 413 'request body over 65536 bytes' -- POST /v1/tenants "@$tmp/big"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$tmp/huge"
expect huge_body_refused_unread 413 '' -- POST /v1/tenants "@$tmp/huge"
expect limit_is_exact 400 'malformed JSON' -- POST /v1/tenants "$(head -c 65536 /dev/zero | tr '\0' '[')"
expect unknown_path 404 'no such path' -- GET /v1/widgets
expect unknown_version 404 'no such path' -- GET /v2/tenants
expect unknown_subpath 404 'no such path' -- GET /v1/tenants/acme/extra
expect wrong_method 405 'method not allowed' -- PUT /v1/tenants '{"name":"x"}'
expect wrong_method_patch 405 'method not allowed' -- PATCH /v1/hosts/h1 '{}'
expect unknown_query_parameter 400 'unknown query parameter' -- GET '/v1/ports?colour=red'
expect body_on_get 400 'takes no body' -- GET /v1/tenants '{}'
req GET /v1/revision
[ "$(jget 'j["revision"]')" -gt 0 ] 2>/dev/null && pass revision_endpoint || fail revision_endpoint "$body"
rev_before=$(jget 'j["revision"]')
expect nothing_changed_by_refusals 200 "\"revision\":$rev_before" -- GET /v1/revision

# --- tokens -------------------------------------------------------------
expect token_create 201 '"token":"tj1_' -- POST /v1/tokens '{"ttl_seconds":600}'
[ "$(jget 'j["expires_at"] - j["created_at"]')" = 600 ] && pass token_ttl || fail token_ttl "$body"
expect token_create_default 201 '"state":"valid"' -- POST /v1/tokens ''
expect token_ttl_too_short 400 'out of range' -- POST /v1/tokens '{"ttl_seconds":1}'
expect token_list 200 '"tokens":[' -- GET /v1/tokens
[[ "$body" != *tj1_* ]] && pass token_list_hides_secret || fail token_list_hides_secret "$body"
expect token_revoke 200 '' -- DELETE /v1/tokens/1
expect token_revoke_unknown 404 'unknown token' -- DELETE /v1/tokens/1

# --- the revision log ---------------------------------------------------
expect changes_since 200 '"kind":"host"' -- GET '/v1/changes?since=0&limit=2'
[ "$(jget '[c["revision"] for c in j["changes"]]')" = "[1, 2]" ] &&
	pass changes_range || fail changes_range "$body"

# --- restart keeps everything ------------------------------------------
req GET /v1/revision; rev=$(jget 'j["revision"]')
if ctl_stop; then pass sigterm_clean_exit; else fail sigterm_clean_exit "exit $?"; fi
[ ! -e "$sock" ] && pass socket_removed_on_exit || fail socket_removed_on_exit
ctl_start || { echo "FAIL: controller_restarts"; exit 1; }
expect revision_survives_restart 200 "\"revision\":$rev" -- GET /v1/revision
expect state_survives_restart 200 '"ip":"10.0.1.200"' -- GET /v1/ports/acme/vm2

"$controller" --db "$tmp/other.db" --admin-socket "$sock" --key "$tmp/controller.key" \
	2>"$tmp/second.log" &
second=$!
for _ in $(seq 100); do kill -0 "$second" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$second" 2>/dev/null; then
	kill "$second"; wait "$second"
	fail second_controller_refused "it kept running"
else
	wait "$second"; rc=$?
	[ "$rc" = 1 ] && grep -q 'in use' "$tmp/second.log" && pass second_controller_refused ||
		fail second_controller_refused "exit $rc: $(cat "$tmp/second.log")"
fi
expect first_controller_unaffected 200 '' -- GET /v1/revision

# --- everything deletes in dependency order -----------------------------
for path in /v1/routes/acme/0.0.0.0/0 /v1/routes/acme/192.168.0.0/16 /v1/ports/acme/c1 \
	/v1/ports/acme/vm1 /v1/ports/acme/vm2 /v1/ports/beta/x /v1/subnets/acme/web \
	/v1/subnets/acme/db /v1/subnets/beta/web /v1/tenants/acme /v1/tenants/beta \
	/v1/tenants/gamma /v1/tenants/delta /v1/hosts/h1 /v1/hosts/h2 /v1/hosts/h3; do
	expect "delete_${path//\//_}" 200 '"revision":' -- DELETE "$path"
done
expect all_gone 200 '"hosts":[]' -- GET /v1/hosts
expect delete_again 404 'unknown host' -- DELETE /v1/hosts/h1

# errors of ours, and sanitizer reports when run on an ASan build
bad='^error |Sanitizer|runtime error'
grep -qE "$bad" "$tmp/controller.log" && fail no_errors_logged "$(grep -E "$bad" "$tmp/controller.log" | head -3)" ||
	pass no_errors_logged
exit $failed
