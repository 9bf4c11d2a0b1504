#!/usr/bin/env bash
# tenet-agent under garbage: for GARBAGE_SECONDS (20) send its UDP port random
# bytes and truncated, bit-flipped and replayed copies of real WireGuard
# messages (captured from a real session with a stock wireguard-go peer), then
# check that the agent is alive, counted about one drop per datagram, and still
# carries traffic.
#
#   ns a: tenet-agent (A)  <-- veth -->  ns b: wireguard-go (B) + garbage.py send
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/tun_cases.sh"

SECONDS_=${GARBAGE_SECONDS:-20}
RATE=${GARBAGE_RATE:-400}
L="[a=$(tun_kind tenet) b=wggo] garbage:"

if ! pair_up tenet wggo; then
	fail "$L pair up"
	finish
fi

# 1. Capture real messages arriving at A: a response (A initiates), then an
#    initiation (B forgets A and initiates), and transport data both times.
cap="$NET_TMP/capture.hex"
net_bg a sniffer "$NET_PY" "$here/garbage.py" sniff veth-b "$PORT_A" "$cap" 20
sniffer=$NET_BG_PID
wait_for 5 test -f "$cap" || fail "$L sniffer started"
wait_for 5 ping_ok a "$TUN_B4"
nsx a ping -n -c3 -i0.2 -W1 "$TUN_B4" >/dev/null
nsx b wg set "${SIDE_IF[b]}" peer "${SIDE_PUB[a]}" remove
nsx b wg set "${SIDE_IF[b]}" peer "${SIDE_PUB[a]}" allowed-ips "$TUN_A4/32,$TUN_A6/128" endpoint "$UL_A4:$PORT_A"
wait_for 5 ping_ok b "$TUN_A4"
nsx b ping -n -c3 -i0.2 -W1 "$TUN_A4" >/dev/null
net_kill_pid "$sniffer"
captured() { # TYPE : how many captured messages of that type
	grep -c "^0${1}000000" "$cap"
}
note "captured at a: $(captured 1) initiations, $(captured 2) responses, $(captured 4) transport"
if [ "$(captured 1)" -ge 1 ] && [ "$(captured 2)" -ge 1 ] && [ "$(captured 4)" -ge 2 ]; then
	pass "$L captured real handshake and transport messages"
else
	fail "$L captured real handshake and transport messages"
	dump_pair
fi

# 2. Garbage.
pid=${SIDE_PID[a]}
ifc=${SIDE_IF[a]}
is_tenet=0
[ "${SIDE_KIND[a]}" = tenet ] && is_tenet=1
if [ "$is_tenet" = 1 ]; then
	tenet_stats "$ifc" >"$NET_TMP/stats0" || fail "$L stats=1 answers before"
	d0=$(tenet_drop "$ifc" all)
fi
net_run b timeout $((SECONDS_ + 15)) "$NET_PY" "$here/garbage.py" send \
	"$UL_A4" "$PORT_A" "$cap" "$SECONDS_" "$RATE" >"$NET_TMP/garbage.json"
summary=$(cat "$NET_TMP/garbage.json")
note "garbage: $summary"
sent=$(printf '%s' "$summary" | "$NET_PY" -c 'import json,sys; print(json.load(sys.stdin)["sent"])' 2>/dev/null)
if [ -n "$sent" ] && [ "$sent" -ge $((SECONDS_ * RATE / 2)) ]; then
	pass "$L sent $sent invalid datagrams in ${SECONDS_}s"
else
	fail "$L sent invalid datagrams" "sent='${sent:-}'"
	sent=0
fi

# 3. Survived, counted, still works.
if alive "$pid" && uapi_answers "$ifc"; then
	pass "$L agent alive and answering UAPI"
else
	fail "$L agent alive and answering UAPI"
	show_log "$pid" 30
fi
if [ "$is_tenet" = 1 ]; then
	if tenet_stats "$ifc" >"$NET_TMP/stats1"; then
		d1=$(tenet_drop "$ifc" all)
		grown=$((d1 - d0))
		note "drop counters grew by $grown for $sent datagrams:" \
			"$(awk -F= 'NR == FNR {v[$1] = $2; next}
				/^drop_/ && $2 != v[$1] {printf "%s+%d ", $1, $2 - v[$1]}' "$NET_TMP/stats0" "$NET_TMP/stats1")"
		# Roughly one drop per datagram: none may go uncounted, a few real
		# packets (keepalives racing a rekey) may add some.
		if [ "$sent" -gt 0 ] && [ "$grown" -ge $((sent * 9 / 10)) ] && [ "$grown" -le $((sent * 11 / 10 + 50)) ]; then
			pass "$L drop counters grew by about the datagrams sent"
		else
			fail "$L drop counters grew by about the datagrams sent" "grew by $grown, sent $sent"
		fi
	else
		fail "$L drop counters grew by about the datagrams sent" "stats=1 did not answer"
	fi
else
	note "a is ${SIDE_KIND[a]}: no drop counters to read"
fi
expect "$L tunnel still carries a->b" ping_within a "$TUN_B4" 10
expect "$L tunnel still carries b->a" ping_within b "$TUN_A4" 10
finish
