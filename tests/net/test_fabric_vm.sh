#!/usr/bin/env bash
# A VM port in fabric mode: QEMU (tests/vm/lib_vm.sh) opens the persistent TAP
# tenet-agent made for the port (tnv<port-id>) by name, the guest takes its
# address, router and MTU from the agent's DHCP server, and pings a container
# on another host (same subnet), one on another subnet (routed by the agent),
# and an address nobody has.
#
#   h1 (agent): VM v1 52:54:00:13:00:05 -> 10.0.1.5 by DHCP, on tnv31 in tnb1
#   h2 (agent): container a2 10.0.1.12 (subnet s1), container a3 10.0.2.13 (s2)
here=$(cd "$(dirname "$0")" && pwd)
NET_PREFIX=${NET_PREFIX:-h13}
. "$here/lib.sh"
. "$here/fabric_lib.sh"
. "$here/../vm/lib_vm.sh"

BOOT_LIMIT=${VM_BOOT_LIMIT:-90}
VM_MAC=52:54:00:13:00:05
L="fabric vm"
for tool in qemu-system-x86_64 cpio gzip; do
	command -v "$tool" >/dev/null || { fail "$L: $tool not installed (scripts/install-deps.sh)"; finish; }
done

FAB_TENANTS="acme 100"
FAB_SUBNETS="1 acme s1 10.0.1.0/24 10.0.1.1 1418
2 acme s2 10.0.2.0/24 10.0.2.1 1418"
FAB_PORTS="49 acme s1 v1 h1 10.0.1.5 $VM_MAC vm
12 acme s1 a2 h2 10.0.1.12
13 acme s2 a3 h2 10.0.2.13"

setup() {
	fab_underlay h1 h2 || return 1
	fab_container a2 && fab_container a3 || return 1
	fab_write_views || return 1
	fab_agent_start h1 && fab_agent_start h2
}
if ! setup; then
	fail "$L: set-up"
	finish
fi

tap_ok() {
	nsx h1 ip -d link show dev tnv31 | grep -q "tun type tap.*persist on" &&
		nsx h1 ip -o link show dev tnv31 | grep -q "master tnb1"
}
check "$L: persistent TAP tnv31 (port id 0x31) on bridge tnb1" wait_for 8 tap_ok

LOG=$NET_TMP/vm1.log
VM_NETNS=$(ns_name h1) vm_boot vm1 tnv31 "$VM_MAC" "$LOG" \
	"tenet.ping=10.0.1.12,10.0.2.13,10.0.1.99" tenet.ping_tries=3 tenet.timeout=$((BOOT_LIMIT - 5)) ||
	fail "$L: vm_boot on tnv31"
console_tail() { echo "    --- console"; vm_console "$LOG" | tail -n 25 | sed 's/^/    | /'; }
if vm_wait_marker "$LOG" '^TENETVM done' "$BOOT_LIMIT"; then
	pass "$L: guest boots on tnv31 and reports done ($(vm_elapsed_ms vm1) ms)"
else
	fail "$L: guest boots on tnv31 and reports done"
	console_tail
fi
expect_field() { # NAME KEY WANT
	local got
	got=$(vm_field "$LOG" "$2")
	if [ "$got" = "$3" ]; then pass "$L: $1"; else fail "$L: $1" "console says $2='$got', want '$3'"; fi
}
expect_line() { # NAME LINE
	if vm_lines "$LOG" | grep -qxF -- "$2"; then pass "$L: $1"; else fail "$L: $1" "no line 'TENETVM $2'"; fi
}
expect_field "the agent's DHCP gives the port's address" ip "10.0.1.5/24"
expect_field "DHCP router is the subnet gateway" router "10.0.1.1"
expect_field "DHCP MTU is the subnet's 1418" mtu "1418"
expect_line "VM pings a container on another host" "ping 10.0.1.12 ok"
expect_line "VM pings a container on another subnet (routed)" "ping 10.0.2.13 ok"
expect_line "a ping nobody answers reports fail" "ping 10.0.1.99 fail"
vm_stop vm1
finish
