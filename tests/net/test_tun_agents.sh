#!/usr/bin/env bash
# tenet-agent against tenet-agent in TUN mode: the interop cases with tenet on
# both sides (tests/net/tun_cases.sh), then the agent's life cycle: SIGTERM
# removes what it made; without --foreground it returns once the interface is
# up and keeps serving as a daemon; the interface name defaults to the config
# file's name; a bad config is refused before anything is created.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/tun_cases.sh"

tun_all_cases tenet tenet

L="[$(tun_kind tenet)] agent"
if [ "$(tun_kind tenet)" != tenet ]; then
	note "TENET_KIND=$TENET_KIND: life-cycle checks need tenet-agent, skipped"
	finish
fi

# --- SIGTERM ------------------------------------------------------------------------
sigterm_cleans() {
	local pid=${SIDE_PID[a]} ifc=${SIDE_IF[a]} rc i
	kill -TERM "$pid"
	for i in $(seq 50); do alive "$pid" || break; sleep 0.1; done
	if alive "$pid"; then echo "    still running 5 s after SIGTERM"; return 1; fi
	wait "$pid"; rc=$?
	[ "$rc" -eq 0 ] || { echo "    exit status $rc after SIGTERM"; show_log "$pid"; return 1; }
	[ ! -e "$WG_SOCK_DIR/$ifc.sock" ] || { echo "    $ifc.sock left behind"; return 1; }
	if nsx a ip link show dev "$ifc" >/dev/null 2>&1; then echo "    interface $ifc left behind"; return 1; fi
	if nsx a ip route show | grep -q "dev $ifc"; then echo "    routes left behind"; return 1; fi
}
if pair_up tenet tenet && ping_within a "$TUN_B4" 5; then
	expect "$L SIGTERM removes interface and socket, exit 0" sigterm_cleans
else
	pair_fail "$L" "SIGTERM removes interface and socket, exit 0"
fi

# --- daemon mode, default interface name ----------------------------------------------
daemon_mode() {
	local conf pid rc
	net_reset
	net_host a && net_host b || return 1
	net_link a b "$UL_A4/24" "$UL_B4/24" || return 1
	tun_side a tenet "$PORT_A" "$TUN_A4/24"
	tun_side b tenet "$PORT_B" "$TUN_B4/24"
	tun_peer a b "$TUN_B4/32" "$UL_B4:$PORT_B"
	tun_peer b a "$TUN_A4/32" "$UL_A4:$PORT_A"
	tun_start b || return 1
	# No --interface: the name comes from the file; no --foreground: the
	# command returns once the interface is up.
	conf="$NET_TMP/${SIDE_IF[a]}.conf"
	tun_write_conf a "$conf"
	net_run a timeout 15 "$TENET_AGENT" --config "$conf" >"$NET_TMP/daemon.log" 2>&1; rc=$?
	[ "$rc" -eq 0 ] || { echo "    exit status $rc"; show_log "$NET_TMP/daemon.log"; return 1; }
	tun_ready a || { echo "    interface ${SIDE_IF[a]} not ready when the command returned"; return 1; }
	pid=$(uapi_pid "${SIDE_IF[a]}") || return 1
	net_adopt "$pid" "$conf"
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$conf" || { echo "    socket served by pid $pid, not our agent"; return 1; }
	wait_for 5 ping_ok a "$TUN_B4" || { echo "    the daemon carries no traffic"; return 1; }
	kill -TERM "$pid"
	wait_for 5 sh -c "! test -d /proc/$pid" || { echo "    daemon alive 5 s after SIGTERM"; return 1; }
	[ ! -e "$WG_SOCK_DIR/${SIDE_IF[a]}.sock" ] || { echo "    socket left behind"; return 1; }
}
expect "$L daemon mode with the interface named after the config file" daemon_mode

# --- bad config ------------------------------------------------------------------------
bad_config() {
	local conf="$NET_TMP/${NET_P}bad.conf" out rc
	net_reset
	net_host a || return 1
	NET_IFACES+=("${NET_P}bad")
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51001\nAddress = 10.99.0.1/24\nBogusKey = 1\n' \
		"$(wg genkey)" >"$conf"
	out=$(nsx a timeout 10 "$TENET_AGENT" --config "$conf" --foreground 2>&1); rc=$?
	printf '%s\n' "$out" | head -3 | sed 's/^/    | /'
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || { echo "    exit status $rc"; return 1; }
	grep -qF "$conf:5" <<<"$out" || { echo "    message does not name $conf:5"; return 1; }
	[ ! -e "$WG_SOCK_DIR/${NET_P}bad.sock" ] || { echo "    socket created"; return 1; }
	if nsx a ip link show dev "${NET_P}bad" >/dev/null 2>&1; then echo "    interface created"; return 1; fi
}
expect "$L bad config refused with file:line, nothing created" bad_config
finish
