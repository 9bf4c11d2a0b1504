#!/usr/bin/env bash
# Builds the test guest's initramfs: busybox-static, tests/vm/init as /init, and
# the kernel modules the guest's virtio NIC needs, in load order.
#
#   tests/vm/build_initramfs.sh OUT.cpio.gz [KERNEL_VERSION]
#
# KERNEL_VERSION defaults to the one lib_vm.sh boots (Debian's linux-image-amd64).
# The archive is newc cpio, gzip; OUT is replaced atomically, so a concurrent run
# never reads a half-written file. Tests do not call this directly: vm_initramfs in
# lib_vm.sh caches its output under build/vm/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib_vm.sh
. "$here/lib_vm.sh"

# The guest's NIC is virtio-net-pci: the PCI transport plus the net driver. The
# rest (virtio core, ring, failover...) comes from modules.dep.
ROOT_MODULES=(virtio_pci virtio_net)

die() { echo "build_initramfs: $*" >&2; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: $0 OUT.cpio.gz [KERNEL_VERSION]"
out=$1
kver=${2:-$(vm_kernel_version)} || die "no kernel version"
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep missing (kernel $kver not installed?)"
busybox=$(vm_busybox) || die "busybox-static is not installed"
for tool in cpio gzip; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/tenet-initramfs.XXXXXX")
tmp_out=""
cleanup() { rm -rf "$stage"; [ -z "$tmp_out" ] || rm -f "$tmp_out"; }
trap cleanup EXIT

# dep_line MODULE : the modules.dep line of MODULE (its file, then its
# dependencies), empty when the kernel has it built in or lacks it.
dep_line() {
	awk -v m="$1" '{
		f = $1; sub(/:$/, "", f); n = f; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
		gsub(/-/, "_", n)
		if (n == m) { print; exit }
	}' "$moddir/modules.dep"
}

builtin() { grep -qE "/$1\.ko$" "$moddir/modules.builtin" 2>/dev/null; }

# copy_module PATH : the module as plain .ko (busybox insmod reads no xz/zstd)
# under lib/modules/tenet/, named by its module name.
copy_module() {
	local src=$moddir/$1 name
	name=$(basename "$1"); name=${name%%.ko*}; name=${name//-/_}
	case "$src" in
	*.ko) cp "$src" "$stage/lib/modules/tenet/$name.ko" ;;
	*.ko.xz) xz -dc "$src" >"$stage/lib/modules/tenet/$name.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$stage/lib/modules/tenet/$name.ko" ;;
	*.ko.gz) gzip -dc "$src" >"$stage/lib/modules/tenet/$name.ko" ;;
	*) die "unknown module file $src" ;;
	esac || die "cannot unpack $src (xz/zstd missing?)"
	echo "$name"
}

# add_module NAME : NAME after everything it depends on (depth first, so the
# order does not rely on how depmod happens to list dependencies).
declare -A seen=()
order=()
add_module() {
	local name=${1//-/_} line file dep
	[ -z "${seen[$name]:-}" ] || return 0
	seen[$name]=1
	line=$(dep_line "$name")
	if [ -z "$line" ]; then
		builtin "$name" && return 0
		die "module $name is neither built into $kver nor in modules.dep"
	fi
	file=${line%%:*}
	for dep in ${line#*:}; do
		dep=$(basename "$dep"); dep=${dep%%.ko*}
		add_module "$dep"
	done
	name=$(copy_module "$file") || exit 1
	order+=("$name")
}

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,lib/modules/tenet}
cp "$busybox" "$stage/bin/busybox"
# Every applet as a relative symlink, so /bin/sh exists before /init runs.
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	case "$applet" in
	*/*/*) ln -sf ../../bin/busybox "$stage/$applet" ;;
	*/*) ln -sf ../bin/busybox "$stage/$applet" ;;
	*) ln -sf bin/busybox "$stage/$applet" ;;
	esac
done
install -m 0755 "$here/init" "$stage/init"

for m in "${ROOT_MODULES[@]}"; do add_module "$m"; done
printf '%s\n' "${order[@]+"${order[@]}"}" >"$stage/lib/modules/tenet/order"
echo "$kver" >"$stage/lib/modules/tenet/kernel"

mkdir -p "$(dirname "$out")"
tmp_out=$(mktemp "$out.XXXXXX")
# Sorted names, root-owned entries and no gzip timestamp: the same inputs give
# the same bytes.
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet) | gzip -9n >"$tmp_out"
chmod 0644 "$tmp_out"
mv -f "$tmp_out" "$out"
tmp_out=""
echo "build_initramfs: $out (kernel $kver, modules: ${order[*]:-none})" >&2
