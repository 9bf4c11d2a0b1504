#!/usr/bin/env bash
# Fabric mode with the controller: tenet-controller in the underlay namespace,
# three agents connected over the control channel, state made with the tenet
# CLI. Cases: the views arrive (ports created, traffic flows), live updates
# (a port added and removed while everything runs), the controller going away
# (forwarding continues), an agent restarted while the controller is away
# (it resumes from its stored view), changes made while an agent was down
# applied when it comes back, and wg show listing the host peers.
#
#   ul: bridge br0, controller 192.168.77.254:7230, admin socket in $NET_TMP
#   h1 .1, h2 .2, h3 .3: tenet-agent --controller ... (UAPI ${NET_P}hN)
here=$(cd "$(dirname "$0")" && pwd)
NET_PREFIX=${NET_PREFIX:-h13}
. "$here/lib.sh"
. "$here/fabric_lib.sh"

CONTROLLER=${TENET_CONTROLLER:-$TENET_BUILD/tenet-controller}
CTL_ADDR=192.168.77.254:7230
CTL_SOCK=$NET_TMP/controller.sock
L="fabric+controller"

tn() { "$TENET_CLI" --socket "$CTL_SOCK" "$@"; }

controller_start() {
	net_bg ul controller "$CONTROLLER" --db "$NET_TMP/controller.db" --admin-socket "$CTL_SOCK" \
		--key "$NET_TMP/controller.key" --listen "$CTL_ADDR"
	CTL_PID=$NET_BG_PID
	wait_for 10 test -S "$CTL_SOCK" || { show_log "$CTL_PID"; return 1; }
}

# The channel is another component's; say so plainly when it is not there.
channel_served() { nsx ul ss -ltn | grep -qF "${CTL_ADDR}"; }

agent_start() {
	fab_agent_start_controller "$1" "$CTL_ADDR" "$CTL_PUB"
}

setup() {
	local h
	fab_underlay h1 h2 h3 h4 || return 1
	ip -n "$(ns_name ul)" addr add 192.168.77.254/24 dev br0
	CTL_PUB=$("$CONTROLLER" --key "$NET_TMP/controller.key" --show-public-key) || return 1
	controller_start || return 1
	for h in h1 h2 h3; do
		tn host add "$h" --public-key "${FAB_PUB[$h]}" --endpoint "$(fab_ul_ip "$h"):$FAB_PORT" >/dev/null || return 1
	done
	tn tenant create acme --vni 100 >/dev/null && tn tenant create bravo --vni 200 >/dev/null || return 1
	tn subnet create acme s1 10.0.1.0/24 >/dev/null && tn subnet create acme s2 10.0.2.0/24 >/dev/null &&
		tn subnet create bravo s1 10.0.1.0/24 >/dev/null || return 1
	for p in "a1 acme s1 h1 10.0.1.11" "a2 acme s1 h2 10.0.1.12" "a3 acme s2 h3 10.0.2.13" \
		"b1 bravo s1 h1 10.0.1.21" "b2 bravo s1 h2 10.0.1.11"; do
		set -- $p
		fab_container "$1" || return 1
		tn port add "$2" "$3" "$1" --host "$4" --kind container --netns "$(ns_name "c-$1")" --ip "$5" >/dev/null || return 1
	done
	# Namespaces of the ports added later, made here so this shell tracks them.
	for p in a5 a6 a7 a8; do fab_container "$p" || return 1; done
}
if ! setup; then
	fail "$L: set-up (controller, hosts, tenants, ports through the CLI)"
	finish
fi
if ! wait_for 5 channel_served; then
	fail "$L: the controller serves the control channel on $CTL_ADDR" \
		"tenet-controller does not listen there (not implemented yet?)"
	finish
fi
pass "$L: controller up, state made through the CLI, channel served"

agents_up() { agent_start h1 && agent_start h2 && agent_start h3; }
fab_step "$L: three agents connect" agents_up

check "$L: a1 (h1) reaches a2 (h2)" fab_reaches a1 10.0.1.12
check "$L: a1 (h1) reaches a3 (h3, other subnet)" fab_reaches a1 10.0.2.13
check "$L: b1 (h1) reaches b2 (h2), the bravo 10.0.1.11" fab_reaches b1 10.0.1.11
check "$L: b1 cannot reach a2" fab_blocked b1 10.0.1.12
peers_listed() {
	local out
	out=$(wg show "$(fab_if h1)" peers) || return 1
	grep -qF "${FAB_PUB[h2]}" <<<"$out" && grep -qF "${FAB_PUB[h3]}" <<<"$out"
}
check "$L: wg show lists h1's host peers" peers_listed

# --- live updates ---------------------------------------------------------------
live_add() {
	tn port add acme s1 a5 --host h2 --kind container --netns "$(ns_name c-a5)" --ip 10.0.1.15 >/dev/null || return 1
	fab_reaches a1 10.0.1.15
}
check "$L: a port added while running is created and reachable" live_add
live_rm() {
	tn port rm acme a5 >/dev/null || return 1
	wait_for 5 sh -c "! ip netns exec $(ns_name c-a5) ip link show dev eth0 >/dev/null 2>&1"
}
check "$L: a port removed while running loses its veth" live_rm

# --- controller away ---------------------------------------------------------------
controller_away() {
	net_kill_pid "$CTL_PID"
	fab_ping a1 10.0.1.12 >/dev/null && fab_ping a1 10.0.2.13 >/dev/null
}
fab_step "$L: controller stopped: forwarding continues" controller_away
restart_while_away() {
	fab_agent_kill h1
	agent_start h1 || return 1
	wait_for 5 fab_ping a1 10.0.1.12 || { echo "    a1 -> a2 not back within 5 s"; show_log "${FAB_PID[h1]}" 20; return 1; }
}
fab_step "$L: agent restarted with the controller away resumes from its stored view" restart_while_away

# --- changes made while an agent was away --------------------------------------------
changes_while_away() {
	controller_start || return 1
	fab_agent_kill h3
	tn port add acme s2 a6 --host h3 --kind container --netns "$(ns_name c-a6)" --ip 10.0.2.16 >/dev/null || return 1
	agent_start h3 || return 1
	fab_reaches a1 10.0.2.16
}
fab_step "$L: a port added while its agent was down is there when it returns" changes_while_away
reconnect() {
	# h1 and h2 reconnect by themselves (backoff) and get a port added now.
	tn port add acme s1 a7 --host h2 --kind container --netns "$(ns_name c-a7)" --ip 10.0.1.17 >/dev/null || return 1
	wait_for 30 fab_ping a1 10.0.1.17
}
check "$L: agents reconnect to the restarted controller and follow updates" reconnect

# --- a host that enrols itself with a join token ---------------------------------------
join() {
	local token
	token=$(tn token create --ttl 15m) || return 1
	net_bg h4 "agent-h4-$RANDOM" "$TENET_AGENT" --name h4 --key "${FAB_KEY[h4]}" \
		--controller "$CTL_ADDR" --controller-key "$CTL_PUB" --join "$token" \
		--endpoint "$(fab_ul_ip h4):$FAB_PORT" --state-dir "$NET_TMP/state-h4" \
		--interface "$(fab_if h4)" --listen-port "$FAB_PORT" --foreground
	FAB_PID[h4]=$NET_BG_PID
	wait_for 10 sh -c "'$TENET_CLI' --socket '$CTL_SOCK' host list | grep -q '^h4 '" ||
		{ echo "    h4 not registered"; tn host list; show_log "$NET_BG_PID" 20; return 1; }
	tn port add acme s1 a8 --host h4 --kind container --netns "$(ns_name c-a8)" --ip 10.0.1.18 >/dev/null || return 1
	fab_reaches a1 10.0.1.18
}
fab_step "$L: a host joining with a token (--join, --endpoint) gets its port and traffic" join
rejoin() {
	local h old=${FAB_PID[h4]}
	fab_agent_kill h4
	agent_start h4 || return 1
	wait_for 5 fab_ping a1 10.0.1.18 && return 0
	echo "    a1 -> a8 not back within 5 s"
	show_log "$old" 12
	show_log "${FAB_PID[h4]}" 40
	show_log "${FAB_PID[h1]}" 40
	for h in h4 h1; do
		wg show "$(fab_if $h)" dump | sed "s/^/    $h wg /"
		tenet_stats "$(fab_if $h)" | grep -v '=0$' | sed "s/^/    $h /"
	done
	return 1
}
fab_step "$L: the joined host restarts without a token (its key is registered)" rejoin

for h in h1 h2 h3 h4; do
	alive "${FAB_PID[$h]}" || fail "$L: agent on $h died" "$(show_log "${FAB_PID[$h]}")"
done
finish
