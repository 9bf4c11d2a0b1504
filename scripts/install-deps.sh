#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test tenet.
#   scripts/install-deps.sh              install everything listed below
#   scripts/install-deps.sh --if-missing only run apt when something is absent
set -eu
PACKAGES=(
	build-essential pkg-config clang libclang-rt-14-dev
	libsodium-dev libssl-dev libevent-dev libnl-3-dev libnl-route-3-dev
	libcmocka-dev libjansson-dev libsqlite3-dev
	iproute2 iputils-ping iperf3 wireguard-go wireguard-tools tshark
	python3 python3-cryptography procps curl psmisc
	# The VM-port test boots Debian's kernel with a busybox initramfs under QEMU.
	qemu-system-x86 linux-image-amd64 busybox-static cpio
)
missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${1:-}" = "--if-missing" ] && [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer before it asks.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
