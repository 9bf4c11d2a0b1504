#!/usr/bin/env bash
# tenet-agent's offloaded data path (TSO/UDP GSO/GRO) against its plain one
# and against stock wireguard-go, with real kernels on both ends:
#
#   ns h11o<pid>-a                               ns h11o<pid>-b
#   <p>-ta 10.81.1.1 fd81::1 (tenet, offloads)   <p>-tb 10.81.1.2 fd81::2 (tenet, --no-offload)
#   <p>-xa 10.81.3.1 fd83::1 (tenet, offloads)   <p>-xb 10.81.3.2 fd83::2 (wireguard-go)
#   <p>-v 10.81.0.1 fd80::1 ------ veth ------- <p>-v 10.81.0.2 fd80::2
#
# Per pair, both directions: ping (IPv4 and IPv6 inside), a bulk TCP
# transfer with iperf3 (bytes must arrive, checksums are the kernel's
# business: a bad one would stall the transfer), and ping with a full-MTU
# payload; the tenet pair also over an IPv6 underlay. Checks that the
# offloaded side logged its offloads on and the plain side off, and that no
# dataplane drops were counted on the tunnel path.
#   TENET_BUILD=DIR   where tenet-agent is (default build)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${TENET_BUILD:-$root/build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
agent=$build/tenet-agent
# NET_PREFIX (tests/net/lib.sh): the first letters of every name.
p="${NET_PREFIX:-h11}o$(($$ % 10000))"
na="$p-a" nb="$p-b"
tmp=$(mktemp -d "/tmp/$p.XXXXXX")
pids=()
failed=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; failed=1; }

cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip netns del "$na" 2>/dev/null
	ip netns del "$nb" 2>/dev/null
	rm -f /var/run/wireguard/"$p"-*.sock
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in ip wg wireguard-go iperf3 ping timeout; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool installed"; exit 1; }
done
[ -x "$agent" ] || { echo "FAIL: tenet-agent built ($agent)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "FAIL: runs as root"; exit 1; }

wait_for() { # SECONDS CMD...
	local end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

topology() {
	ip netns add "$na" && ip netns add "$nb" || return 1
	ip -n "$na" link set lo up && ip -n "$nb" link set lo up &&
		ip -n "$na" link add "$p-v" type veth peer name "$p-v" netns "$nb" &&
		ip -n "$na" addr add 10.81.0.1/24 dev "$p-v" && ip -n "$nb" addr add 10.81.0.2/24 dev "$p-v" &&
		ip -n "$na" addr add fd80::1/64 dev "$p-v" nodad && ip -n "$nb" addr add fd80::2/64 dev "$p-v" nodad &&
		ip -n "$na" link set "$p-v" up && ip -n "$nb" link set "$p-v" up
}

# tenet_up NS IFACE KEY ADDR4 ADDR6 PEERPUB PEER4 PEER6 ENDPOINT PORT [ARGS...]
tenet_up() {
	local ns=$1 ifc=$2 conf="$tmp/$2.conf"
	(umask 077; cat >"$conf" <<EOC
[Interface]
PrivateKey = $3
ListenPort = ${10}
Address = $4/24, $5/64

[Peer]
PublicKey = $6
AllowedIPs = $7/32, $8/128
Endpoint = $9
EOC
	)
	shift 10
	ip netns exec "$ns" "$agent" --config "$conf" --interface "$ifc" --foreground "$@" \
		>"$tmp/$ifc.log" 2>&1 &
	pids+=($!)
	wait_for 10 wg show "$ifc" public-key
}

# wggo_up NS IFACE KEY ADDR4 ADDR6 PEERPUB PEER4 PEER6 ENDPOINT PORT
wggo_up() {
	local ns=$1 ifc=$2
	ip netns exec "$ns" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ifc" >"$tmp/$ifc.log" 2>&1 &
	pids+=($!)
	wait_for 10 wg show "$ifc" public-key || return 1
	(umask 077; echo "$3" >"$tmp/$ifc.key")
	ip netns exec "$ns" wg set "$ifc" private-key "$tmp/$ifc.key" listen-port "${10}" \
		peer "$6" allowed-ips "$7/32,$8/128" endpoint "$9" &&
		ip -n "$ns" addr add "$4/24" dev "$ifc" && ip -n "$ns" addr add "$5/64" dev "$ifc" nodad &&
		ip -n "$ns" link set "$ifc" mtu 1420 up
}

pings() { ip netns exec "$1" ping -n -c 3 -i 0.2 -W 2 "${@:2}" "$ip" >/dev/null 2>&1; }

# check_pair LABEL A_NS A_IP4 A_IP6 B_NS B_IP4 B_IP6
check_pair() {
	local l=$1 ans=$2 a4=$3 a6=$4 bns=$5 b4=$6 b6=$7 ip srv got
	ip=$b4; wait_for 10 pings "$ans" || true
	ip=$b4; pings "$ans" && pass "$l ping a->b IPv4" || fail "$l ping a->b IPv4"
	ip=$a4; pings "$bns" && pass "$l ping b->a IPv4" || fail "$l ping b->a IPv4"
	ip=$b6; pings "$ans" && pass "$l ping a->b IPv6 inside" || fail "$l ping a->b IPv6 inside"
	ip=$a6; pings "$bns" && pass "$l ping b->a IPv6 inside" || fail "$l ping b->a IPv6 inside"
	ip=$b4; pings "$ans" -s 1392 -M do && pass "$l full-MTU ping" || fail "$l full-MTU ping"
	for dir in "" -R; do
		for ip in "$b4" "$b6"; do
			ip netns exec "$bns" timeout 30 iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
			srv=$!
			pids+=("$srv")
			# ss exits 0 with no match: look for a line.
			wait_for 5 sh -c "ip netns exec $bns ss -Hltn 'sport = :5299' | grep -q ." ||
				echo "    iperf3 server not listening within 5 s"
			# The byte count, or why there is none (iperf3's own error).
			got=$(ip netns exec "$ans" timeout 20 iperf3 -c "$ip" -p 5299 -t 2 $dir -J 2>&1 |
				/usr/bin/python3 -c 'import json,sys
raw = sys.stdin.read()
try: print(int(json.loads(raw)["end"]["sum_received"]["bytes"]))
except Exception:
    try: why = json.loads(raw).get("error", "")
    except Exception: why = raw.strip().replace("\n", " ")[:200]
    print("0 (%s)" % (why or "no result"))')
			wait "$srv" 2>/dev/null
			if [ "${got%% *}" -gt 10000000 ] 2>/dev/null; then
				pass "$l iperf3 ${dir:-(a->b)} to $ip ($got bytes)"
			else
				fail "$l iperf3 ${dir:-(a->b)} to $ip" "got ${got:-0} bytes"
			fi
		done
	done
}

stats_of() { # IFACE: the agent's stats=1 answer, one key=value per line
	/usr/bin/python3 - "$1" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect("/var/run/wireguard/%s.sock" % sys.argv[1])
s.sendall(b"stats=1\n\n")
data = b""
while not data.endswith(b"\n\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode(), end="")
EOP
}

drops_zero() { # IFACE: no dataplane drop on the data path
	local bad
	bad=$(stats_of "$1" | grep '^drop_' | grep -v '=0$' | grep -v -e '^drop_no_route=' -e '^drop_replay=')
	echo "${bad//$'\n'/ }"
	[ -z "$bad" ]
}

stat_of() { stats_of "$1" | awk -F= -v k="$2" '$1 == k {v = $2} END {print v + 0}'; }

# answered_in_pass LABEL PING_NS DST RESPONDER_IFACE: the responder, having
# written an echo request to its TUN, reads the reply the kernel made during
# that write before it polls again (runtime.c, poll_local).
answered_in_pass() {
	local before after
	before=$(stat_of "$4" local_poll_packets)
	if ! ip netns exec "$2" ping -n -q -c 10 -i 0.05 -W 2 "$3" >/dev/null 2>&1; then
		fail "$1" "pings to $3 lost"
		return
	fi
	after=$(stat_of "$4" local_poll_packets)
	[ "$after" -gt "$before" ] && pass "$1 ($((after - before)) of 10 replies)" ||
		fail "$1" "local_poll_packets $before -> $after"
}

topology || { echo "FAIL: topology"; exit 1; }
ka=$(wg genkey) kb=$(wg genkey)
pa=$(echo "$ka" | wg pubkey) pb=$(echo "$kb" | wg pubkey)

# 1. offloads on (a) against --no-offload (b), IPv4 underlay
if tenet_up "$na" "$p-ta" "$ka" 10.81.1.1 fd81::1 "$pb" 10.81.1.2 fd81::2 10.81.0.2:51820 51820 &&
	tenet_up "$nb" "$p-tb" "$kb" 10.81.1.2 fd81::2 "$pa" 10.81.1.1 fd81::1 10.81.0.1:51820 51820 --no-offload; then
	grep -q "offloads: TUN tso, UDP GSO on, GRO on" "$tmp/$p-ta.log" &&
		pass "offloaded side says its offloads are on" ||
		fail "offloaded side says its offloads are on" "$(grep -o 'offloads:.*' "$tmp/$p-ta.log")"
	grep -q "offloads: TUN off, UDP GSO off, GRO off" "$tmp/$p-tb.log" &&
		pass "--no-offload side says they are off" ||
		fail "--no-offload side says they are off" "$(grep -o 'offloads:.*' "$tmp/$p-tb.log")"
	check_pair "[tenet offload / tenet plain]" "$na" 10.81.1.1 fd81::1 "$nb" 10.81.1.2 fd81::2
	answered_in_pass "plain side reads the echo reply right after writing the request" \
		"$na" 10.81.1.2 "$p-tb"
	answered_in_pass "offloaded side reads the echo reply right after writing the request" \
		"$nb" 10.81.1.1 "$p-ta"
	d=$(drops_zero "$p-ta") && pass "no drops on the offloaded side" || fail "no drops on the offloaded side" "$d"
	d=$(drops_zero "$p-tb") && pass "no drops on the plain side" || fail "no drops on the plain side" "$d"
else
	fail "tenet pair up" "$(tail -n 3 "$tmp/$p-ta.log" "$tmp/$p-tb.log" 2>/dev/null | tr '\n' ' ')"
fi

# 2. offloads on against wireguard-go, IPv6 underlay
if tenet_up "$na" "$p-xa" "$ka" 10.81.3.1 fd83::1 "$pb" 10.81.3.2 fd83::2 "[fd80::2]:51822" 51822 &&
	wggo_up "$nb" "$p-xb" "$kb" 10.81.3.2 fd83::2 "$pa" 10.81.3.1 fd83::1 "[fd80::1]:51822" 51822; then
	check_pair "[tenet offload / wireguard-go, IPv6 underlay]" "$na" 10.81.3.1 fd83::1 "$nb" 10.81.3.2 fd83::2
	d=$(drops_zero "$p-xa") && pass "no drops against wireguard-go" || fail "no drops against wireguard-go" "$d"
else
	fail "tenet/wireguard-go pair up" "$(tail -n 3 "$tmp/$p-xa.log" "$tmp/$p-xb.log" 2>/dev/null | tr '\n' ' ')"
fi

exit "$failed"
