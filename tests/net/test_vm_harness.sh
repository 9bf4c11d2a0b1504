#!/usr/bin/env bash
# The VM harness (tests/vm/lib_vm.sh) on its own: QEMU boots Debian's kernel with
# the busybox initramfs on a TAP in a bridge, the guest takes address, router and
# MTU from a stand-in DHCP server (busybox udhcpd) and pings through it, and the
# test reads all of it from the serial console. The fabric's VM-port test uses
# the same calls with a TAP that tenet-agent made.
#
#   ns host: bridge h10br --- h10tap  <- QEMU (run in this ns) opens it by name
#              |                          guest eth0 52:54:00:10:00:05
#            h10up (veth)
#              |
#   ns dhcp: h10dh  10.0.1.1/24 (router, DHCP server id), 10.0.1.2/24
#            lo     10.0.9.9/32 (reachable only through the router)
#            udhcpd: static lease 10.0.1.5 for the VM's MAC, router 10.0.1.1, MTU 1418
# shellcheck disable=SC2317 # cases are called through step/check
here=$(cd "$(dirname "$0")" && pwd)
NET_PREFIX=${NET_PREFIX:-h10}
. "$here/lib.sh"
. "$here/../vm/lib_vm.sh"

VM_MAC=52:54:00:10:00:05
VM_IP=10.0.1.5
ROUTER=10.0.1.1
ONLINK=10.0.1.2
FAR=10.0.9.9
ABSENT=10.0.1.99
MTU=1418
BOOT_LIMIT=${VM_BOOT_LIMIT:-90}
L="vm harness"

for tool in qemu-system-x86_64 cpio gzip; do
	command -v "$tool" >/dev/null || { fail "$L: $tool not installed (scripts/install-deps.sh)"; finish; }
done
BUSYBOX=$(vm_busybox) || { fail "$L: busybox-static not installed"; finish; }

# step NAME FUNC : like check, but FUNC runs in this shell, not in $(...), so the
# namespaces, daemons and VMs it starts are tracked by this shell's trap.
step() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$*"; fi
}

# --- the initramfs is built once, then reused -----------------------------------------
initramfs_cached() {
	local a b m1 m2 list
	a=$(vm_initramfs) || return 1
	m1=$(stat -c %Y.%s "$a")
	b=$(vm_initramfs) || return 1
	m2=$(stat -c %Y.%s "$b")
	[ "$a" = "$b" ] && [ "$m1" = "$m2" ] || { echo "    rebuilt: $a ($m1) then $b ($m2)"; return 1; }
	case "$a" in "$VM_ROOT/build/vm/initramfs-$(vm_kernel_version)-"*) ;;
	*) [ -n "${VM_CACHE:-}" ] || { echo "    not cached under build/vm: $a"; return 1; } ;; esac
	list=$(zcat "$a" | cpio -t --quiet) || return 1
	for f in init bin/busybox bin/sh lib/modules/tenet/order lib/modules/tenet/virtio_net.ko; do
		grep -qxF "$f" <<<"$list" || { echo "    $f missing from $a"; return 1; }
	done
	# Dependencies before what needs them.
	zcat "$a" | cpio -i --quiet --to-stdout lib/modules/tenet/order | tr '\n' ' ' |
		grep -qE '(^| )virtio_ring .*virtio .*virtio_pci .*failover .*net_failover .*virtio_net ' ||
		{ echo "    bad module order"; return 1; }
}
check "$L: initramfs built for $(vm_kernel_version), cached in build/vm" initramfs_cached

# --- topology ---------------------------------------------------------------------
setup() {
	local h d
	net_host host && net_host dhcp || return 1
	h=$(ns_name host); d=$(ns_name dhcp)
	ip -n "$h" link add h10br type bridge || return 1
	ip -n "$h" link set h10br up
	ip -n "$h" tuntap add dev h10tap mode tap || return 1
	ip -n "$h" link set h10tap master h10br up || return 1
	ip -n "$h" link add h10up type veth peer name h10dh netns "$d" || return 1
	ip -n "$h" link set h10up master h10br up || return 1
	ip -n "$d" addr add "$ROUTER/24" dev h10dh
	ip -n "$d" addr add "$ONLINK/24" dev h10dh
	ip -n "$d" addr add "$FAR/32" dev lo
	ip -n "$d" link set h10dh up
	cat >"$NET_TMP/udhcpd.conf" <<-EOF
		interface h10dh
		start 10.0.1.100
		end 10.0.1.150
		max_leases 51
		lease_file $NET_TMP/udhcpd.leases
		pidfile $NET_TMP/udhcpd.pid
		option subnet 255.255.255.0
		option router $ROUTER
		option mtu $MTU
		option lease 3600
		static_lease $VM_MAC $VM_IP
	EOF
	: >"$NET_TMP/udhcpd.leases"
	net_bg dhcp udhcpd "$BUSYBOX" udhcpd -f "$NET_TMP/udhcpd.conf"
	DHCPD_PID=$NET_BG_PID
	sleep 0.3
	alive "$DHCPD_PID" || { show_log "$DHCPD_PID"; return 1; }
}
if ! step "$L: bridge, TAP and udhcpd in namespaces" setup; then
	finish
fi

# --- a TAP that is not there is refused (QEMU would make an unattached one) --------
refuses_missing_tap() {
	if VM_NETNS=$(ns_name host) vm_boot ghost h10nope 52:54:00:10:00:06 "$NET_TMP/ghost.log"; then
		vm_stop ghost
		echo "    vm_boot started a VM on a missing TAP"
		return 1
	fi
	[ -z "${VM_PID[ghost]:-}" ]
}
step "$L: vm_boot refuses a TAP that does not exist" refuses_missing_tap

# --- boot, DHCP, pings ------------------------------------------------------------
LOG=$NET_TMP/vm1.log
if ! VM_NETNS=$(ns_name host) vm_boot vm1 h10tap "$VM_MAC" "$LOG" \
	"tenet.ping=$ONLINK,$FAR,$ABSENT" tenet.ping_tries=2 tenet.timeout=$((BOOT_LIMIT - 5)); then
	fail "$L: vm_boot starts QEMU"
	finish
fi
console_tail() { echo "    --- console"; vm_console "$LOG" | tail -n 25 | sed 's/^/    | /'; show_log "$LOG.qemu" 5; }

if vm_wait_marker "$LOG" '^TENETVM boot ' "$BOOT_LIMIT"; then
	pass "$L: guest kernel $(vm_field "$LOG" kernel) runs /init ($(vm_elapsed_ms vm1) ms)"
else
	fail "$L: guest boots and runs /init"; console_tail
fi
if vm_wait_marker "$LOG" '^TENETVM done' "$BOOT_LIMIT"; then
	DONE_MS=$(vm_elapsed_ms vm1)
	pass "$L: guest reports done within ${BOOT_LIMIT}s (boot to done: $DONE_MS ms)"
else
	fail "$L: guest reports done within ${BOOT_LIMIT}s"; console_tail
fi

expect_field() { # NAME KEY WANT
	local got
	got=$(vm_field "$LOG" "$2")
	if [ "$got" = "$3" ]; then pass "$L: $1"; else fail "$L: $1" "console says $2='$got', want '$3'"; fi
}
expect_line() { # NAME LINE
	if vm_lines "$LOG" | grep -qxF -- "$2"; then pass "$L: $1"; else fail "$L: $1" "no line 'TENETVM $2'"; fi
}
expect_line "guest loads the virtio NIC modules" "modules ok"
expect_field "DHCP gives the static lease $VM_IP/24" ip "$VM_IP/24"
expect_field "DHCP sets the default route via $ROUTER" router "$ROUTER"
expect_field "DHCP sets MTU $MTU (option 26)" mtu "$MTU"
expect_field "guest NIC has the MAC given to vm_boot" mac "$VM_MAC"
expect_line "guest pings $ONLINK on its subnet" "ping $ONLINK ok"
expect_line "guest pings $FAR through the router" "ping $FAR ok"
expect_line "a ping nobody answers ($ABSENT) reports fail" "ping $ABSENT fail"

# The other side learned the VM's MAC at its leased address (udhcpd writes its
# lease file only now and then, so the neighbour table is the witness).
server_saw_vm() {
	nsx dhcp ip neigh show dev h10dh | grep -qi "$VM_IP .*$VM_MAC"
}
check "$L: the DHCP side has the VM's MAC for $VM_IP" server_saw_vm

# --- the guest ends itself; vm_stop ends a VM that does not ----------------------------
if vm_wait_exit vm1 15; then
	pass "$L: guest powers off after done, QEMU exits"
else
	fail "$L: guest powers off after done, QEMU exits"; console_tail
fi
vm_stop vm1

# --- a second VM: multi-queue TAP, dynamic lease, reachable from outside -------------
# The agent may make its TAPs with IFF_MULTI_QUEUE; QEMU must then open them with
# queues=N (VM_NETDEV_OPTS), or the kernel refuses the flags.
LOG2=$NET_TMP/vm2.log
VM2_MAC=52:54:00:10:00:07
is_qemu() { case "$(readlink "/proc/$1/exe")" in */qemu-system-x86_64) ;; *) false ;; esac; }
boot_held_vm() {
	nsx host ip tuntap add dev h10tapmq mode tap multi_queue || return 1
	nsx host ip link set h10tapmq master h10br up || return 1
	VM_NETNS=$(ns_name host) VM_NETDEV_OPTS=queues=2 VM_NIC_OPTS=mq=on,vectors=6 \
		vm_boot vm2 h10tapmq "$VM2_MAC" "$LOG2" tenet.hold=300 tenet.timeout=400 || return 1
	VM2_PID=${VM_PID[vm2]}
	# The PID the caller's cleanup relies on becomes QEMU's own (ip netns exec
	# execs it), not a wrapper that would outlive or hide it.
	if ! wait_for 5 is_qemu "$VM2_PID"; then
		echo "    vm_boot recorded pid $VM2_PID: $(readlink "/proc/$VM2_PID/exe")"
		return 1
	fi
	vm_wait_marker "$LOG2" '^TENETVM hold ' "$BOOT_LIMIT" || { LOG=$LOG2 console_tail; return 1; }
	VM2_IP=$(vm_field "$LOG2" ip)
	case "$VM2_IP" in
	10.0.1.1[0-4][0-9]/24 | 10.0.1.150/24) ;;
	*) echo "    vm2 has ip '$VM2_IP', not a pool address"; LOG=$LOG2 console_tail; return 1 ;;
	esac
}
step "$L: VM on a multi-queue TAP gets a pool lease (queues=2)" boot_held_vm
vm2_answers() { wait_for 10 ping_ok dhcp "${VM2_IP%/*}"; }
if [ -n "${VM2_IP:-}" ]; then
	step "$L: the running VM answers pings from the DHCP side" vm2_answers
else
	fail "$L: the running VM answers pings from the DHCP side" "no address"
fi

stops_held_vm() {
	local pid=${VM2_PID:-}
	[ -n "$pid" ] && vm_running vm2 || { echo "    vm2 is not running"; return 1; }
	vm_stop vm2
	[ ! -d "/proc/$pid" ] || { echo "    QEMU $pid still there after vm_stop"; return 1; }
	[ -z "${VM_PID[vm2]:-}" ] || { echo "    vm2 still tracked"; return 1; }
	# The TAP is persistent: it outlives QEMU, ready for the next VM.
	nsx host ip link show dev h10tapmq >/dev/null
}
step "$L: vm_stop ends a running VM by PID, the TAP stays" stops_held_vm

finish
