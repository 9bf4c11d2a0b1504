#!/usr/bin/env bash
# tenet in classic WireGuard (TUN) mode next to a stock WireGuard peer, on one
# machine: two network namespaces joined by a veth "wire".
#
#   examples/tun-quickstart.sh up     build the two sites, ping, show; stays up
#   examples/tun-quickstart.sh down   remove everything "up" made
#
#   netns <P>-a  "site A"                       netns <P>-b  "site B"
#   tenet-agent, interface <P>-tenet            wireguard-go, interface <P>-wggo
#     10.77.0.1/24  udp 51820                     10.77.0.2/24  udp 51820
#   veth 192.168.77.1/24 ---------------------- veth 192.168.77.2/24
#
# Environment: DEMO_PREFIX (<P>, default "tdemo"), TENET_BUILD (default build),
# DEMO_A_KIND=wggo runs wireguard-go on site A too (to check this script
# itself without tenet-agent). Needs root.
set -eu

P=${DEMO_PREFIX:-tdemo}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TENET_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
A_KIND=${DEMO_A_KIND:-tenet}
NS_A="$P-a" NS_B="$P-b"
IF_A="$P-tenet" IF_B="$P-wggo"
[ "$A_KIND" = tenet ] || IF_A="$P-wggo-a"
STATE=/run/$P-demo
UL_A=192.168.77.1 UL_B=192.168.77.2
TUN_A=10.77.0.1 TUN_B=10.77.0.2
PORT=51820

say() {
	if [ -t 1 ]; then printf '\n\033[1m==> %s\033[0m\n' "$*"; else printf '\n==> %s\n' "$*"; fi
}
run() { # echo a command, then run it
	printf '    $ %s\n' "$*"
	"$@"
}
die() { echo "tun-quickstart: $*" >&2; exit 1; }

wait_sock() { # IFACE : up to 10 s for its UAPI socket to answer
	local i
	for i in $(seq 100); do
		wg show "$1" public-key >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# start NAME NS CMD... : a daemon that outlives this script, pid in $STATE/NAME.pid.
start() {
	local name=$1 ns=$2
	shift 2
	printf '    $ ip netns exec %s %s &\n' "$ns" "$*"
	setsid ip netns exec "$ns" "$@" >"$STATE/$name.log" 2>&1 </dev/null &
	echo $! >"$STATE/$name.pid"
}

keygen() { # prints a private key; tenet's own tool when built
	if [ -x "$BUILD/tenet" ]; then "$BUILD/tenet" genkey; else wg genkey; fi
}
pubkey() {
	if [ -x "$BUILD/tenet" ]; then "$BUILD/tenet" pubkey; else wg pubkey; fi
}

start_wggo() { # NAME NS IFACE PRIVFILE PEER_PUB PEER_TUN PEER_ENDPOINT ADDR
	start "$1" "$2" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$3"
	wait_sock "$3" || { tail "$STATE/$1.log"; die "wireguard-go did not start"; }
	run ip netns exec "$2" wg set "$3" private-key "$4" listen-port $PORT \
		peer "$5" allowed-ips "$6/32" endpoint "$7:$PORT"
	run ip -n "$2" addr add "$8/24" dev "$3"
	run ip -n "$2" link set "$3" mtu 1420 up
}

up() {
	local priv_a priv_b pub_a pub_b
	[ ! -d "$STATE" ] || die "already up (run: $0 down)"
	command -v wireguard-go >/dev/null && command -v wg >/dev/null ||
		die "needs wireguard-go and wireguard-tools (make deps)"
	if [ "$A_KIND" = tenet ] && [ ! -x "$BUILD/tenet-agent" ]; then
		die "$BUILD/tenet-agent not built (run: make)"
	fi
	mkdir -m 700 "$STATE"
	# A demo that fails half-way leaves nothing behind.
	trap 'echo "tun-quickstart: up failed, tearing down" >&2; down' EXIT

	say "Two namespaces, $NS_A (site A) and $NS_B (site B), joined by a veth"
	run ip netns add "$NS_A"
	run ip netns add "$NS_B"
	run ip -n "$NS_A" link set lo up
	run ip -n "$NS_B" link set lo up
	run ip link add "$P-va" netns "$NS_A" type veth peer name "$P-vb" netns "$NS_B"
	run ip -n "$NS_A" addr add "$UL_A/24" dev "$P-va"
	run ip -n "$NS_B" addr add "$UL_B/24" dev "$P-vb"
	run ip -n "$NS_A" link set "$P-va" up
	run ip -n "$NS_B" link set "$P-vb" up

	say "Keys: one X25519 key pair per site$([ -x "$BUILD/tenet" ] && echo " (tenet genkey | tenet pubkey)")"
	priv_a=$(keygen); pub_a=$(printf '%s\n' "$priv_a" | pubkey)
	priv_b=$(keygen); pub_b=$(printf '%s\n' "$priv_b" | pubkey)
	(umask 077; printf '%s\n' "$priv_a" >"$STATE/a.key"; printf '%s\n' "$priv_b" >"$STATE/b.key")
	echo "    site A public key: $pub_a"
	echo "    site B public key: $pub_b"

	if [ "$A_KIND" = tenet ]; then
		say "Site A: tenet-agent reads a wg-quick file and sets up $IF_A itself"
		(umask 077; cat >"$STATE/$IF_A.conf" <<-EOF
		[Interface]
		PrivateKey = $priv_a
		ListenPort = $PORT
		Address = $TUN_A/24
		MTU = 1420

		[Peer]
		# site B, stock wireguard-go
		PublicKey = $pub_b
		AllowedIPs = $TUN_B/32
		Endpoint = $UL_B:$PORT
		EOF
		)
		sed 's/^PrivateKey = .*/PrivateKey = (hidden)/; s/^/    | /' "$STATE/$IF_A.conf"
		start a "$NS_A" "$BUILD/tenet-agent" --config "$STATE/$IF_A.conf" --interface "$IF_A" --foreground
		wait_sock "$IF_A" || { tail "$STATE/a.log"; die "tenet-agent did not start"; }
	else
		say "Site A: wireguard-go (DEMO_A_KIND=$A_KIND)"
		start_wggo a "$NS_A" "$IF_A" "$STATE/a.key" "$pub_b" "$TUN_B" "$UL_B" "$TUN_A"
	fi

	say "Site B: stock wireguard-go, configured with wg set and ip"
	start_wggo b "$NS_B" "$IF_B" "$STATE/b.key" "$pub_a" "$TUN_A" "$UL_A" "$TUN_B"

	say "Ping across the tunnel, both ways"
	run ip netns exec "$NS_A" ping -c3 -i0.3 -W2 "$TUN_B"
	run ip netns exec "$NS_B" ping -c3 -i0.3 -W2 "$TUN_A"

	say "What the stock wg tool sees on each side"
	run ip netns exec "$NS_A" wg show "$IF_A"
	run ip netns exec "$NS_B" wg show "$IF_B"

	say "Up. Try:"
	echo "    ip netns exec $NS_A ping $TUN_B"
	echo "    wg show $IF_A"
	echo "    ip netns exec $NS_A ip addr show $IF_A"
	echo "    logs: $STATE/a.log $STATE/b.log"
	echo "    tear down: $0 down   (or: make demo-down)"
	trap - EXIT
}

stop_pid() { # PIDFILE : kill the daemon it names, if it still is ours
	local pid i
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qE 'tenet-agent|wireguard-go' || return 0
	run kill "$pid"
	for i in $(seq 30); do
		[ -d "/proc/$pid" ] || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

down() {
	say "Stopping the daemons and removing $NS_A, $NS_B"
	for f in "$STATE"/*.pid; do [ -e "$f" ] && stop_pid "$f"; done
	for ns in "$NS_A" "$NS_B"; do
		if ip netns list | grep -qw "^$ns"; then run ip netns del "$ns"; fi
	done
	rm -f "/var/run/wireguard/$P-tenet.sock" "/var/run/wireguard/$P-wggo-a.sock" "/var/run/wireguard/$IF_B.sock"
	rm -rf "$STATE"
	echo "    done"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
case "${1:-}" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
