# shellcheck shell=bash
# Classic WireGuard (TUN) cases, written once and run with either implementation
# on either side. Source after lib.sh. Every case takes KIND_A KIND_B (wggo|tenet)
# and builds a fresh pair:
#
#   ns a                                         ns b
#   IFACE(a) 10.99.0.1/24 fd99::1/64             IFACE(b) 10.99.0.2/24 fd99::2/64
#     udp 51001                                     udp 51002
#   veth-b 192.168.99.1/24 fd00:99::1/64 ------- veth-a 192.168.99.2/24 fd00:99::2/64
#
# Each side's AllowedIPs for the other are the other's tunnel /32 and /128 only
# (plus b's LAN with lan=1), so any other inner source address is something the
# receiver must drop.

TUN_A4=10.99.0.1 TUN_B4=10.99.0.2
TUN_A6=fd99::1 TUN_B6=fd99::2
UL_A4=192.168.99.1 UL_B4=192.168.99.2 UL_B4_NEW=192.168.99.3
UL_A6=fd00:99::1 UL_B6=fd00:99::2
PORT_A=51001 PORT_B=51002
NAME_A=site-a.tenet.test NAME_B=site-b.tenet.test
LAN_B4=10.98.0.1

# Per-namespace /etc/hosts naming both sites' underlay addresses.
pair_hosts_files() {
	local n dir
	[ -d /etc/netns ] || { mkdir /etc/netns && NET_FILES+=(/etc/netns); }
	for n in a b; do
		dir=/etc/netns/$(ns_name "$n")
		mkdir -p "$dir" || return 1
		NET_FILES=("$dir" "${NET_FILES[@]}")  # before /etc/netns itself
		printf '127.0.0.1 localhost\n%s %s\n%s %s\n' "$UL_A4" "$NAME_A" "$UL_B4" "$NAME_B" >"$dir/hosts"
	done
}

tun_label() { echo "[a=$(tun_kind "$1") b=$(tun_kind "$2")]"; }

# pair_up KIND_A KIND_B [ep=both|a|b] [psk=same|a-only|none] [under=4|6|name]
#         [ka=SECONDS] [mtu=N] [lan=1]
#   ep: which side(s) know the other's endpoint (a: only A can initiate)
#   under=name: endpoints are hostnames (site-a.tenet.test, site-b.tenet.test)
#     resolved through /etc/netns/NS/hosts, which `ip netns exec` mounts
#   lan=1: b also owns $LAN_B4/24 (on lo), in a's AllowedIPs for b: a needs a
#     route for that AllowedIP, not just its connected tunnel subnet
pair_up() {
	local ka=$1 kb=$2 ep=both psk=none under=4 keep=0 mtu=1420 lan=0 opt key
	local psk_a=- psk_b=- ep_a=- ep_b=- allowed_b="$TUN_B4/32,$TUN_B6/128"
	shift 2
	for opt in "$@"; do
		case "$opt" in
		ep=*) ep=${opt#ep=} ;;
		psk=*) psk=${opt#psk=} ;;
		under=*) under=${opt#under=} ;;
		ka=*) keep=${opt#ka=} ;;
		mtu=*) mtu=${opt#mtu=} ;;
		lan=*) lan=${opt#lan=} ;;
		*) echo "pair_up: bad option $opt" >&2; return 1 ;;
		esac
	done
	net_reset
	net_host a && net_host b || return 1
	net_link a b "$UL_A4/24" "$UL_B4/24" "$UL_A6/64" "$UL_B6/64" || return 1
	[ "$under" != name ] || pair_hosts_files || return 1
	if [ "$lan" = 1 ]; then
		nsx b ip addr add "$LAN_B4/24" dev lo || return 1
		allowed_b+=",${LAN_B4%.*}.0/24"
	fi
	TUN_MTU=$mtu tun_side a "$ka" "$PORT_A" "$TUN_A4/24" "$TUN_A6/64"
	TUN_MTU=$mtu tun_side b "$kb" "$PORT_B" "$TUN_B4/24" "$TUN_B6/64"
	case "$psk" in
	same) key=$(wg genpsk); psk_a=$key; psk_b=$key ;;
	a-only) psk_a=$(wg genpsk) ;;
	none) ;;
	esac
	case "$under" in
	6) [ "$ep" = b ] || ep_a="[$UL_B6]:$PORT_B"
	   [ "$ep" = a ] || ep_b="[$UL_A6]:$PORT_A" ;;
	name) [ "$ep" = b ] || ep_a="$NAME_B:$PORT_B"
	   [ "$ep" = a ] || ep_b="$NAME_A:$PORT_A" ;;
	*) [ "$ep" = b ] || ep_a="$UL_B4:$PORT_B"
	   [ "$ep" = a ] || ep_b="$UL_A4:$PORT_A" ;;
	esac
	tun_peer a b "$allowed_b" "$ep_a" "$keep" "$psk_a"
	tun_peer b a "$TUN_A4/32,$TUN_A6/128" "$ep_b" "$keep" "$psk_b"
	tun_start a || return 1
	tun_start b || return 1
}

# pair_fail LABEL WHAT : the pair did not come up; every check of the case fails.
pair_fail() { fail "$1${2:+ $2}" "pair did not come up"; }

# dump_pair : what both sides think, for a failing check.
dump_pair() {
	local n
	for n in a b; do
		[ -n "${SIDE_IF[$n]:-}" ] || continue
		echo "    --- wg show on $n (${SIDE_KIND[$n]})"
		nsx "$n" wg show "${SIDE_IF[$n]}" 2>&1 | sed 's/private key: .*/private key: (hidden)/; s/^/    | /'
		[ -n "${SIDE_PID[$n]:-}" ] && show_log "${SIDE_PID[$n]}" 8
	done
}

# expect NAME CMD... : like check, but dumps both sides when it fails.
expect() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$*"; dump_pair; fi
}

both_handshaked() { handshake_done a && handshake_done b; }

# --- cases --------------------------------------------------------------------

# Only the initiator knows an endpoint, so the handshake can only start there.
case_handshake_initiator() { # KIND_A KIND_B a|b
	local l who=$3 other
	l="$(tun_label "$1" "$2") handshake, $3 initiates"
	[ "$who" = a ] && other=b || other=a
	pair_up "$1" "$2" ep="$who" || { pair_fail "$l" ""; return; }
	if [ "$other" = b ]; then ping_ok a "$TUN_B4" >/dev/null; else ping_ok b "$TUN_A4" >/dev/null; fi
	expect "$l" wait_for 8 both_handshaked
}

# ping_within NODE ADDR SECONDS : an echo answered before the deadline.
ping_within() { wait_for "$3" ping_ok "$1" "$2"; }

iperf_run() { # SERVER_NODE SERVER_ADDR CLIENT_NODE
	local json="$NET_TMP/iperf.json" bps
	net_bg "$1" iperf-server timeout 40 iperf3 -s -1 -B "$2"
	wait_for 5 nsx "$1" sh -c "ss -Hltn 'sport = :5201' | grep -q ."
	net_run "$3" timeout 30 iperf3 -c "$2" -t 10 --json >"$json" 2>&1 || {
		echo "    iperf3 client failed: $(head -c 400 "$json")"
		return 1
	}
	bps=$("$NET_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(int(d["end"]["sum_received"]["bits_per_second"]))' "$json") || return 1
	echo "    iperf3 tcp 10 s $3 -> $1: $((bps / 1000000)) Mbit/s"
	[ "$bps" -gt 0 ]
}

# spoof_blocked FROM TO TO_ADDR SPOOF_ADDR : FROM adds SPOOF_ADDR (outside TO's
# AllowedIPs for FROM) on its tunnel and pings TO from it: the packets reach TO
# (its rx grows) and are dropped there (no reply; tenet counts drop_allowed_ips).
spoof_blocked() {
	local from=$1 to=$2 dst=$3 spoof=$4 rx0 rx1 d0=0 d1=0
	nsx "$from" ip addr add "$spoof/32" dev "${SIDE_IF[$from]}" || return 1
	ping_ok "$from" "$dst" >/dev/null || { echo "    tunnel not working before the spoof"; return 1; }
	rx0=$(rx_bytes "$to")
	[ "${SIDE_KIND[$to]}" = tenet ] && { d0=$(tenet_drop "${SIDE_IF[$to]}" allowed_ips) || return 1; }
	if nsx "$from" ping -n -c3 -i0.2 -W1 -I "$spoof" "$dst" >/dev/null 2>&1; then
		echo "    a reply came back to the spoofed source $spoof"
		nsx "$from" ip addr del "$spoof/32" dev "${SIDE_IF[$from]}"
		return 1
	fi
	nsx "$from" ip addr del "$spoof/32" dev "${SIDE_IF[$from]}"
	rx1=$(rx_bytes "$to")
	if [ "$rx1" -le "$rx0" ]; then
		echo "    $to received nothing ($rx0 -> $rx1 bytes): the test proved nothing"
		return 1
	fi
	if [ "${SIDE_KIND[$to]}" = tenet ]; then
		d1=$(tenet_drop "${SIDE_IF[$to]}" allowed_ips) || return 1
		echo "    $to drop_allowed_ips $d0 -> $d1"
		[ "$d1" -ge $((d0 + 3)) ] || return 1
	fi
	# The real source still works afterwards.
	ping_ok "$from" "$dst" >/dev/null
}

# One pair, several checks: ping both ways (v4 and v6 inside), TCP throughput,
# source checks both ways.
case_traffic() { # KIND_A KIND_B
	local l
	l=$(tun_label "$1" "$2")
	if ! pair_up "$1" "$2"; then
		for c in "ping a->b" "ping b->a" "ping6 inside a->b" "ping6 inside b->a" "iperf3 tcp b->a" \
			"allowed-ips source check at a" "allowed-ips source check at b"; do pair_fail "$l" "$c"; done
		return
	fi
	expect "$l ping a->b" ping_within a "$TUN_B4" 5
	expect "$l ping b->a" ping_within b "$TUN_A4" 5
	expect "$l ping6 inside a->b" ping_within a "$TUN_B6" 5
	expect "$l ping6 inside b->a" ping_within b "$TUN_A6" 5
	expect "$l iperf3 tcp b->a" iperf_run a "$TUN_A4" b
	expect "$l allowed-ips source check at a" spoof_blocked b a "$TUN_A4" 10.99.0.99
	expect "$l allowed-ips source check at b" spoof_blocked a b "$TUN_B4" 10.99.0.98
}

psk_mismatch_blocks() {
	ping_ok a "$TUN_B4" >/dev/null && { echo "    ping passed with mismatched preshared keys"; return 1; }
	ping_ok a "$TUN_B4" >/dev/null && return 1
	handshake_done a && { echo "    a reports a handshake"; return 1; }
	handshake_done b && { echo "    b reports a handshake"; return 1; }
	return 0
}

case_psk() { # KIND_A KIND_B
	local l
	l=$(tun_label "$1" "$2")
	if pair_up "$1" "$2" psk=same; then
		expect "$l preshared key: ping a->b" ping_within a "$TUN_B4" 5
		expect "$l preshared key: ping b->a" ping_within b "$TUN_A4" 5
		expect "$l preshared key: listed on both" psk_listed
	else
		pair_fail "$l" "preshared key: ping a->b"; pair_fail "$l" "preshared key: ping b->a"
		pair_fail "$l" "preshared key: listed on both"
	fi
	if pair_up "$1" "$2" psk=a-only; then
		expect "$l preshared key on one side only: no session" psk_mismatch_blocks
	else
		pair_fail "$l" "preshared key on one side only: no session"
	fi
}

psk_listed() {
	local ka kb
	ka=$(wg_field a preshared-keys); kb=$(wg_field b preshared-keys)
	[ -n "$ka" ] && [ "$ka" != "(none)" ] && [ "$ka" = "$kb" ]
}

case_underlay6() { # KIND_A KIND_B
	local l
	l="$(tun_label "$1" "$2") IPv6 underlay"
	if ! pair_up "$1" "$2" under=6; then
		pair_fail "$l" "ping a->b"; pair_fail "$l" "ping b->a"; return
	fi
	expect "$l ping a->b" ping_within a "$TUN_B4" 5
	expect "$l ping b->a" ping_within b "$TUN_A4" 5
	expect "$l endpoint of b seen by a" endpoint_is a "[$UL_B6]:$PORT_B"
}

endpoint_is() { # NODE EXPECTED
	local e
	e=$(wg_field "$1" endpoints)
	[ "$e" = "$2" ] || { echo "    endpoint on $1 is '$e', expected '$2'"; return 1; }
}

roam_b() {
	local ns
	ns=$(ns_name b)
	# Delete first: deleting a primary address would take its secondaries along.
	ip -n "$ns" addr del "$UL_B4/24" dev veth-a || return 1
	ip -n "$ns" addr add "$UL_B4_NEW/24" dev veth-a || return 1
	# wireguard-go (0.0.20220316) keeps sending from its cached ("sticky") source
	# address after that address is gone: sendmsg fails with ENETUNREACH and it
	# never recovers by itself. Setting the endpoint again clears the cache, as
	# a roaming client's network manager would. The roaming under test is a's.
	if [ "${SIDE_KIND[b]}" = wggo ]; then
		nsx b wg set "${SIDE_IF[b]}" peer "${SIDE_PUB[a]}" endpoint "$UL_A4:$PORT_A" || return 1
	fi
	# b speaks first from its new address, so a learns it from an authenticated packet.
	wait_for 5 ping_ok b "$TUN_A4" || { echo "    b cannot reach a after moving"; return 1; }
	wait_for 5 ping_ok a "$TUN_B4" || { echo "    a cannot reach b after b moved"; return 1; }
	endpoint_is a "$UL_B4_NEW:$PORT_B"
}

case_roaming() { # KIND_A KIND_B
	local l
	l="$(tun_label "$1" "$2") roaming"
	if ! pair_up "$1" "$2"; then pair_fail "$l" "b moves, a follows"; return; fi
	if ! ping_within a "$TUN_B4" 5; then
		fail "$l b moves, a follows" "no traffic before the move"; dump_pair; return
	fi
	expect "$l b moves, a follows" roam_b
}

mtu_is() { # NODE MTU
	local m
	m=$(nsx "$1" cat "/sys/class/net/${SIDE_IF[$1]}/mtu")
	[ "$m" = "$2" ] || { echo "    mtu on $1 is '$m', expected $2"; return 1; }
}

# A packet of exactly the tunnel MTU, don't-fragment, gets through and back.
full_size_ping() { # NODE DST MTU
	ping_ok "$1" "$2" -M "do" -s $(($3 - 28)) >/dev/null && return 0
	echo "    a $3-byte DF ping from $1 to $2 got no answer"
	return 1
}

# Settings from the configuration file: hostname endpoints, a non-default MTU,
# and a route for an AllowedIPs subnet outside the interface's own.
case_settings() { # KIND_A KIND_B
	local l
	l=$(tun_label "$1" "$2")
	if ! pair_up "$1" "$2" under=name mtu=1380 lan=1; then
		for c in "hostname endpoints: ping a->b" "hostname endpoints: ping b->a" "MTU 1380 on both" \
			"full-size packets at MTU 1380" "route for an AllowedIPs subnet behind b"; do
			pair_fail "$l" "$c"
		done
		return
	fi
	expect "$l hostname endpoints: ping a->b" ping_within a "$TUN_B4" 5
	expect "$l hostname endpoints: ping b->a" ping_within b "$TUN_A4" 5
	expect "$l MTU 1380 on both" eval 'mtu_is a 1380 && mtu_is b 1380'
	expect "$l full-size packets at MTU 1380" eval 'full_size_ping a "$TUN_B4" 1380 && full_size_ping b "$TUN_A4" 1380'
	expect "$l route for an AllowedIPs subnet behind b" ping_within a "$LAN_B4" 5
}

# Every case for one pair of kinds.
tun_all_cases() { # KIND_A KIND_B
	case_handshake_initiator "$1" "$2" a
	case_handshake_initiator "$1" "$2" b
	case_traffic "$1" "$2"
	case_psk "$1" "$2"
	case_underlay6 "$1" "$2"
	case_roaming "$1" "$2"
	case_settings "$1" "$2"
	net_reset
}
