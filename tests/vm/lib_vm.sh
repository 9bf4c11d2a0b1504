# shellcheck shell=bash
# Boots throw-away Linux VMs under QEMU for network tests: Debian's own kernel
# (linux-image-amd64) and a busybox initramfs built from tests/vm/, one
# virtio-net NIC on a TAP that already exists. The guest reports on its serial
# console; tests/vm/README.md lists what it prints and what it understands.
#
#   . tests/vm/lib_vm.sh
#   VM_NETNS=h10-host vm_boot vm1 h10tap0 52:54:00:10:00:05 "$dir/vm1.log" \
#       tenet.ping=10.0.1.7
#   vm_wait_marker "$dir/vm1.log" '^TENETVM done' 90 || ...
#   vm_field "$dir/vm1.log" ip          # -> 10.0.1.5/24
#   vm_stop vm1                         # or vm_stop_all from a trap
#
# Sourcing has no side effects (no traps, no files). When tests/net/lib.sh was
# sourced first, every VM's PID also goes into its NET_PIDS, so its trap and
# net_reset stop the VMs too; otherwise call vm_stop_all from your own trap.
#
# Environment:
#   VM_NETNS            namespace QEMU runs in (where the TAP is); empty: current
#   VM_ACCEL            QEMU accelerator (default tcg: CI machines lack KVM)
#   VM_MEM              guest memory in MiB (default 256)
#   VM_KERNEL_VERSION   kernel to boot (default: linux-image-amd64's)
#   VM_INITRD           an initramfs to use as is (default: vm_initramfs)
#   VM_CACHE            where built initramfs files are kept (default build/vm)
#   VM_APPEND           extra kernel parameters for every VM
#   VM_NETDEV_OPTS      more ",key=value" for -netdev tap (e.g. queues=2 for a
#                       TAP made with IFF_MULTI_QUEUE: QEMU must open it that way)
#   VM_NIC_OPTS         more ",key=value" for -device virtio-net-pci (mq=on,vectors=6)

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_ROOT=$(cd "$VM_DIR/../.." && pwd)
declare -gA VM_PID=() VM_LOG=() VM_T0=()

# --- what to boot -------------------------------------------------------------------

# vm_kernel_version : the kernel release that linux-image-amd64 depends on. The host
# may run (and have in /boot) other kernels; the guest always gets this one, whose
# modules build_initramfs.sh packs.
vm_kernel_version() {
	local dep kver
	if [ -n "${VM_KERNEL_VERSION:-}" ]; then
		echo "$VM_KERNEL_VERSION"
		return 0
	fi
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) || {
		echo "vm: linux-image-amd64 is not installed" >&2
		return 1
	}
	dep=${dep%%[ ,|]*}
	kver=$(dpkg-query -L "$dep" 2>/dev/null | sed -n 's|^/boot/vmlinuz-||p' | head -n1)
	if [ -z "$kver" ]; then
		echo "vm: no /boot/vmlinuz-* in package '$dep'" >&2
		return 1
	fi
	echo "$kver"
}

# vm_kernel : path of the kernel image to boot.
vm_kernel() {
	local kver k
	kver=$(vm_kernel_version) || return 1
	k=/boot/vmlinuz-$kver
	[ -r "$k" ] || { echo "vm: $k missing or unreadable" >&2; return 1; }
	echo "$k"
}

# vm_busybox : the static busybox (the guest has no libc to link against).
vm_busybox() {
	local b
	b=$(dpkg-query -L busybox-static 2>/dev/null | grep -E '/bin/busybox$' | head -n1)
	[ -n "$b" ] && [ -x "$b" ] || { echo "vm: busybox-static is not installed" >&2; return 1; }
	echo "$b"
}

# vm_initramfs : path of the initramfs for vm_kernel, built once and cached by
# kernel version and a hash of everything that goes into it.
vm_initramfs() {
	local kver dir hash out bb
	if [ -n "${VM_INITRD:-}" ]; then
		echo "$VM_INITRD"
		return 0
	fi
	kver=$(vm_kernel_version) || return 1
	bb=$(vm_busybox) || return 1
	[ -f "/lib/modules/$kver/modules.dep" ] || { echo "vm: no modules for $kver" >&2; return 1; }
	dir=${VM_CACHE:-$VM_ROOT/build/vm}
	hash=$({
		cat "$VM_DIR/build_initramfs.sh" "$VM_DIR/init"
		stat -Lc '%n %s %Y' "$bb" "/lib/modules/$kver/modules.dep"
	} | sha256sum | cut -c1-12)
	out=$dir/initramfs-$kver-$hash.cpio.gz
	if [ ! -s "$out" ]; then
		bash "$VM_DIR/build_initramfs.sh" "$out" "$kver" >&2 || return 1
		# Older builds for this kernel are stale; a run still booting one
		# already has it in QEMU's memory.
		find "$dir" -maxdepth 1 -name "initramfs-$kver-*.cpio.gz" ! -name "${out##*/}" \
			-mmin +60 -delete 2>/dev/null
	fi
	echo "$out"
}

# --- running ------------------------------------------------------------------------

vm_ns() { if [ -n "${VM_NETNS:-}" ]; then ip netns exec "$VM_NETNS" "$@"; else "$@"; fi; }

# vm_tap_ok TAP : TAP exists where QEMU will run and is a TAP device. QEMU would
# otherwise create a fresh, unattached TAP of that name and boot a VM that can
# reach nothing.
vm_tap_ok() {
	vm_ns ip -d link show dev "$1" 2>/dev/null | grep -qE '^ +tun type tap' && return 0
	echo "vm: no TAP '$1' in namespace '${VM_NETNS:-(current)}'" >&2
	return 1
}

# vm_boot NAME TAP MAC LOGFILE [KERNEL_PARAM...] : start the VM in the background.
# The serial console goes to LOGFILE, QEMU's own messages to LOGFILE.qemu.
# KERNEL_PARAMs are single words, e.g. tenet.ping=10.0.1.7,10.0.2.9 tenet.timeout=60.
# Call it directly, not in $(...): the VM must be a child of the test's shell.
vm_boot() {
	local name=$1 tap=$2 mac=$3 log=$4 kernel initrd p append pid cmd
	shift 4 || { echo "vm_boot: NAME TAP MAC LOGFILE [KERNEL_PARAM...]" >&2; return 1; }
	[[ "$name" =~ ^[A-Za-z0-9_-]{1,32}$ ]] || { echo "vm_boot: bad name '$name'" >&2; return 1; }
	[ -z "${VM_PID[$name]:-}" ] || { echo "vm_boot: VM '$name' already running" >&2; return 1; }
	[[ "$mac" =~ ^[0-9a-f]{2}(:[0-9a-f]{2}){5}$ ]] || { echo "vm_boot: bad MAC '$mac' (lower-case hex)" >&2; return 1; }
	# QEMU splits option values at commas.
	case "$log$tap" in *,*) echo "vm_boot: commas in '$log' or '$tap'" >&2; return 1 ;; esac
	append="console=ttyS0 panic=-1 quiet ${VM_APPEND:-}"
	for p in "$@"; do
		[[ "$p" =~ ^[A-Za-z0-9_.=,:/-]+$ ]] || { echo "vm_boot: bad kernel parameter '$p'" >&2; return 1; }
		append+=" $p"
	done
	kernel=$(vm_kernel) || return 1
	initrd=$(vm_initramfs) || return 1
	vm_tap_ok "$tap" || return 1
	cmd=(qemu-system-x86_64 -name "tenet-vm-$name"
		-accel "${VM_ACCEL:-tcg}" -m "${VM_MEM:-256}" -smp 1
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$kernel" -initrd "$initrd" -append "$append"
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no${VM_NETDEV_OPTS:+,$VM_NETDEV_OPTS}"
		-device "virtio-net-pci,netdev=n0,mac=$mac${VM_NIC_OPTS:+,$VM_NIC_OPTS}"
		-serial "file:$log")
	# A simple command, not a function: the background child then execs it, so
	# $! is QEMU itself (ip netns exec execs too), the PID vm_stop signals.
	[ -z "${VM_NETNS:-}" ] || cmd=(ip netns exec "$VM_NETNS" "${cmd[@]}")
	: >"$log"
	# lib.sh keeps the suite's stdout open as NET_OUT; a VM holding it would
	# keep a reader of the suite's output waiting.
	if [ -n "${NET_OUT:-}" ]; then
		"${cmd[@]}" >"$log.qemu" 2>&1 </dev/null {NET_OUT}>&- &
	else
		"${cmd[@]}" >"$log.qemu" 2>&1 </dev/null &
	fi
	pid=$!
	VM_PID[$name]=$pid
	VM_LOG[$name]=$log
	VM_T0[$name]=$(date +%s%N)
	if declare -p NET_PIDS >/dev/null 2>&1; then
		NET_PIDS+=("$pid")
		# shellcheck disable=SC2034 # lib.sh's: shown by show_log
		NET_PID_LOG[$pid]=$log.qemu
	fi
	return 0
}

# vm_running NAME : its QEMU has not exited (a zombie counts as exited).
vm_running() {
	local pid=${VM_PID[$1]:-} st
	[ -n "$pid" ] || return 1
	st=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
}

# vm_name_of LOGFILE : the VM writing LOGFILE, if any.
vm_name_of() {
	local n
	for n in "${!VM_LOG[@]}"; do
		[ "${VM_LOG[$n]}" = "$1" ] && { echo "$n"; return 0; }
	done
	return 1
}

# vm_console LOGFILE : the serial log without carriage returns.
vm_console() { tr -d '\r' <"$1" 2>/dev/null; }

# vm_wait_marker LOGFILE REGEX SECONDS : true once a console line matches REGEX
# (extended). False at the deadline, or at once when the VM writing LOGFILE has
# exited without printing it.
vm_wait_marker() {
	local log=$1 re=$2 deadline name
	deadline=$(($(date +%s%N) + ${3%.*} * 1000000000))
	name=$(vm_name_of "$log") || name=""
	while :; do
		vm_console "$log" | grep -qE -- "$re" && return 0
		if [ -n "$name" ] && ! vm_running "$name"; then
			vm_console "$log" | grep -qE -- "$re" && return 0
			echo "vm: '$name' exited without printing /$re/" >&2
			return 1
		fi
		if [ "$(date +%s%N)" -ge "$deadline" ]; then
			echo "vm: no /$re/ in $log within ${3}s" >&2
			return 1
		fi
		sleep 0.2
	done
}

# vm_lines LOGFILE : the guest's report lines ("TENETVM ...", prefix removed).
vm_lines() { vm_console "$1" | sed -n 's/^.*TENETVM //p'; }

# vm_field LOGFILE KEY : the value of the last KEY=VALUE the guest reported.
vm_field() { vm_lines "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | tail -n1; }

# vm_ping_result LOGFILE ADDR : "ok" or "fail" as reported, empty when not yet.
vm_ping_result() {
	vm_lines "$1" | awk -v a="$2" '$1 == "ping" && $2 == a {r = $3} END {print r}'
}

# vm_elapsed_ms NAME : milliseconds since vm_boot started NAME.
vm_elapsed_ms() { echo $((($(date +%s%N) - ${VM_T0[$1]:-0}) / 1000000)); }

# vm_wait_exit NAME SECONDS : true once QEMU ended by itself (the guest powered
# off); its exit status is collected.
vm_wait_exit() {
	local pid=${VM_PID[$1]:-} deadline
	[ -n "$pid" ] || return 1
	deadline=$(($(date +%s%N) + ${2%.*} * 1000000000))
	while vm_running "$1"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
	wait "$pid" 2>/dev/null
	return 0
}

# vm_stop NAME... : end these VMs (TERM, then KILL after 3 s) and forget them.
# Only a QEMU that is still ours is signalled: its command line names our log.
vm_stop() {
	local name pid _
	for name in "$@"; do
		pid=${VM_PID[$name]:-}
		[ -n "$pid" ] || continue
		if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "file:${VM_LOG[$name]}"; then
			kill -TERM "$pid" 2>/dev/null
			for _ in $(seq 30); do
				vm_running "$name" || break
				sleep 0.1
			done
			vm_running "$name" && kill -KILL "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
		unset "VM_PID[$name]" "VM_LOG[$name]" "VM_T0[$name]"
	done
	return 0
}

# vm_stop_all : for traps.
vm_stop_all() {
	local names=("${!VM_PID[@]}")
	[ ${#names[@]} -eq 0 ] || vm_stop "${names[@]}"
}
