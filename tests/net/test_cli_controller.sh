#!/usr/bin/env bash
# The tenet CLI's controller nouns end to end against a real controller:
# every verb, aligned tables, --json, exit status 0/1/2 with errors on stderr
# only, and help with an example for every noun. Needs no root.
#   TENET_BUILD=DIR   where tenet and tenet-controller are (default build)
. "$(dirname "$0")/controller_lib.sh" cli

for b in tenet tenet-controller; do
	[ -x "$build/$b" ] || { echo "FAIL: binary_exists ($build/$b)"; exit 1; }
done

ctl_start || { echo "FAIL: controller_starts"; exit 1; }

# t ARGS...: runs tenet against our socket; sets $out, $err, $rc
t() {
	"$build/tenet" --socket "$sock" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# ok NAME ARGS...: exit 0, nothing on stderr
ok() {
	local name=$1; shift
	t "$@"
	if [ "$rc" -eq 0 ] && [ -z "$err" ]; then pass "$name"; else
		fail "$name" "exit $rc: $err"; fi
}

# refused NAME STATUS WORDS ARGS...: exit STATUS, WORDS on stderr, stdout empty
refused() {
	local name=$1 want=$2 words=$3; shift 3
	t "$@"
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, wanted $want: $err"
	elif [[ "$err" != *"$words"* ]]; then
		fail "$name" "stderr lacks '$words': $err"
	elif [ -n "$out" ]; then
		fail "$name" "stdout not empty: $out"
	else
		pass "$name"
	fi
}

# Every line of a table has each column starting at the header's offset.
aligned() {
	"$py" - "$tmp/out" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0]
starts = [m.start() for m in re.finditer(r"(?:(?<=  )|^)\S", head)]
for line in lines[1:]:
    for s in starts[1:]:
        if s >= len(line) or line[s - 1] != " " or line[s] == " ":
            sys.exit("misaligned: %r" % line)
PY
}

key=$("$build/tenet" genkey | "$build/tenet" pubkey)

# --- creating, with the one-row table of what was created -------------
ok tenant_create tenant create acme
[[ "$out" == $'NAME  VNI\nacme  1' ]] && pass tenant_create_table || fail tenant_create_table "$out"
ok tenant_create_vni tenant create beta --vni 4096
ok host_add host add hv1 --public-key "$key" --endpoint 192.0.2.11:51820
ok host_add_second host add hv2 --public-key "$("$build/tenet" genkey | "$build/tenet" pubkey)" \
	--endpoint '[2001:db8::2]:51820'
ok subnet_create subnet create acme web 10.0.1.0/24
ok subnet_create_options subnet create acme storage 10.0.2.0/24 --mtu 8900 --no-dhcp
[[ "$out" == *"8900  off"* ]] && pass subnet_options_shown || fail subnet_options_shown "$out"
ok port_add_container port add acme web web1 --host hv1 --kind container --netns web1
[[ "$out" == *"10.0.1.2"* ]] && pass port_ip_allocated || fail port_ip_allocated "$out"
ok port_add_vm port add acme web vm1 --host hv2 --kind vm --ip 10.0.1.50 --mac 52:54:00:00:00:01
ok port_add_flag_equals port add acme storage st1 --host=hv2 --kind=vm
ok route_add route add acme 0.0.0.0/0 --via 10.0.1.50

# --- tables --------------------------------------------------------------
ok tenant_list tenant list
[ "$(echo "$out" | head -1)" = "NAME  VNI" ] && aligned && [ "$(echo "$out" | wc -l)" = 3 ] &&
	pass tenant_table || fail tenant_table "$out"
ok host_list host list
aligned && [[ "$out" == *"hv2   [2001:db8::2]:51820"* ]] && pass host_table || fail host_table "$out"
ok subnet_list subnet list
aligned && [ "$(echo "$out" | head -1 | tr -s ' ')" = "TENANT NAME CIDR GATEWAY MTU DHCP" ] &&
	pass subnet_table || fail subnet_table "$out"
ok subnet_list_tenant subnet list beta
[ "$(echo "$out" | wc -l)" = 1 ] && pass subnet_list_filtered || fail subnet_list_filtered "$out"
ok port_list port list acme
aligned && [ "$(echo "$out" | wc -l)" = 4 ] && [[ "$out" == *"52:54:00:00:00:01"* ]] &&
	pass port_table || fail port_table "$out"
ok port_list_host port list --host hv1
[ "$(echo "$out" | wc -l)" = 2 ] && pass port_list_by_host || fail port_list_by_host "$out"
ok port_show port show acme web1
[[ "$out" == *"netns     web1"* && "$out" == *"kind      container"* ]] &&
	pass port_show_fields || fail port_show_fields "$out"
# The host-side link the agent makes, named tn<kind><id in hex> (FABRIC.md).
jfield() { printf '%s' "$out" | "$py" -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], "-"))' "$1"; }
t --json port show acme web1
web1_link=tnc$(printf '%x' "$(jfield id)")
[ "$(jfield veth)" = "$web1_link" ] && [ "$(jfield tap)" = - ] &&
	pass json_port_show_veth || fail json_port_show_veth "$out"
t --json port show acme vm1
vm1_link=tnv$(printf '%x' "$(jfield id)")
[ "$(jfield tap)" = "$vm1_link" ] && [ "$(jfield veth)" = - ] &&
	pass json_port_show_tap || fail json_port_show_tap "$out"
ok port_show_container_link port show acme web1
[[ "$out" == *"veth      $web1_link"* && "$out" != *"tap "* && "$out" != *qemu* ]] &&
	pass port_show_veth || fail port_show_veth "$out"
ok port_show_vm_link port show acme vm1
[[ "$out" == *"tap       $vm1_link"* && "$out" != *"veth "* ]] &&
	pass port_show_tap || fail port_show_tap "$out"
want="qemu      -netdev tap,id=n0,ifname=$vm1_link,script=no,downscript=no"
want+=" -device virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01"
[ "$(echo "$out" | grep '^qemu')" = "$want" ] && pass port_show_qemu_args ||
	fail port_show_qemu_args "$out"
ok route_list route list acme
aligned && [[ "$out" == *"0.0.0.0/0  10.0.1.50"* ]] && pass route_table || fail route_table "$out"

# --- --json --------------------------------------------------------------
ok json_port_list --json port list acme
n=$(printf '%s' "$out" | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)["ports"]))')
[ "$n" = 3 ] && pass json_port_list_parses || fail json_port_list_parses "$out"
ok json_port_show --json port show acme vm1
[ "$(printf '%s' "$out" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["ip"])')" = 10.0.1.50 ] &&
	pass json_port_show_parses || fail json_port_show_parses "$out"
ok json_tenant_create --json tenant create gamma
[ "$(printf '%s' "$out" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["vni"])')" = 2 ] &&
	pass json_created_object || fail json_created_object "$out"
ok json_delete --json tenant rm gamma
[[ "$out" == *'"revision"'* ]] && pass json_delete_revision || fail json_delete_revision "$out"

# --- refusals: exit 1, the controller's message on stderr ----------------
refused dup_tenant 1 'tenant "acme" already exists' tenant create acme
refused vni_in_use 1 'VNI 4096 is in use by tenant "beta"' tenant create delta --vni 4096
refused overlap 1 'overlaps subnet "' subnet create acme big 10.0.0.0/16
refused bad_cidr 1 'host bits set' subnet create acme x 10.0.3.1/24
refused unknown_host 1 'unknown host "hv9"' port add acme web p --host hv9 --kind vm
refused ip_gateway 1 'gateway address' port add acme web p --host hv1 --kind vm --ip 10.0.1.1
refused dup_ip 1 'already used by port "web1"' port add acme web p --host hv1 --kind vm --ip 10.0.1.2
refused bad_mac 1 'MAC' port add acme web p --host hv1 --kind vm --mac 52:54
refused needs_netns 1 'needs netns' port add acme web p --host hv1 --kind container
refused bad_key 1 'public key' host add hv9 --public-key nope --endpoint 192.0.2.9:1
refused host_busy 1 'still has' host rm hv1
refused next_hop_busy 1 'next hop' port rm acme vm1
refused unknown_port 1 'unknown port "nope"' port show acme nope
refused bad_route_prefix 1 'not an IPv4 prefix' route rm acme 10.0.0.0
refused unknown_route 1 'unknown route' route rm acme 10.0.0.0/8
refused name_with_slash 1 'malformed' tenant rm 'a/b'
refused no_controller 1 'cannot reach the controller' --socket "$tmp/none.sock" tenant list

# --- usage errors: exit 2 and the usage ----------------------------------
refused missing_verb 2 'Usage: tenet tenant' tenant
refused unknown_verb 2 "unknown verb 'frob'" port frob
refused too_few_args 2 'too few arguments' subnet create acme web
refused too_many_args 2 'too many arguments' tenant create a b
refused unknown_flag 2 "unknown option '--colour'" tenant list --colour
refused missing_required_flag 2 'needs --public-key and --endpoint' host add hv9
refused flag_without_value 2 "needs a value" route add acme 0.0.0.0/0 --via
refused bad_kind 2 '--kind is container or vm' port add acme web p --host hv1 --kind lxc
refused vni_not_number 2 '--vni wants a number' tenant create x --vni ten
refused mtu_not_number 2 '--mtu wants a number' subnet create acme x 10.0.5.0/24 --mtu big
refused bad_ttl 2 '--ttl wants a duration' token create --ttl 5y
refused route_list_needs_tenant 2 'too few arguments' route list

# --- tokens --------------------------------------------------------------
t token create --ttl 15m
[ "$rc" -eq 0 ] && pass token_create || fail token_create "exit $rc: $err"
[[ "$out" =~ ^tj1_[A-Za-z0-9_-]{43}$ ]] && pass token_alone_on_stdout || fail token_alone_on_stdout "$out"
[[ "$err" == *"shown only this once"* ]] && pass token_note_on_stderr || fail token_note_on_stderr "$err"
ok token_list token list
aligned && [[ "$out" == *valid* ]] && [[ "$out" != *tj1_* ]] && pass token_table ||
	fail token_table "$out"
ok token_rm token rm 1
refused token_ttl_range 1 'out of range' token create --ttl 10s

# --- help ----------------------------------------------------------------
ok help help
listing=$out
for noun in host tenant subnet port route token; do
	[[ "$listing" == *"  $noun "* ]] && pass "help_lists_$noun" || fail "help_lists_$noun"
	t "$noun" --help
	if [ "$rc" -eq 0 ] && [[ "$out" == *"Usage: tenet $noun"* && "$out" == *"Example"* ]]; then
		pass "help_$noun"
	else
		fail "help_$noun" "exit $rc: $out"
	fi
	t help "$noun"
	[ "$rc" -eq 0 ] && [[ "$out" == *"Usage: tenet $noun"* ]] && pass "help_command_$noun" ||
		fail "help_command_$noun"
done

# --- cleanup through the CLI ----------------------------------------------
ok route_rm route rm acme 0.0.0.0/0
[ -z "$out" ] && pass rm_is_silent || fail rm_is_silent "$out"
ok port_rm port rm acme vm1
ok port_rm_2 port rm acme web1
ok port_rm_3 port rm acme st1
ok subnet_rm subnet rm acme web
ok subnet_rm_2 subnet rm acme storage
ok tenant_rm tenant rm acme
ok tenant_rm_2 tenant rm beta
ok host_rm host rm hv1
ok host_rm_2 host rm hv2
ok empty_list host list
[ "$out" = "NAME  ENDPOINT  PUBLIC KEY" ] && pass empty_table_has_header || fail empty_table_has_header "$out"
exit $failed
