#!/usr/bin/env bash
# The tenet fabric on one machine: a controller, three hosts, two tenants that
# both use 10.0.1.0/24, a container per tenant on every host. Narrated: every
# command that makes something is printed before it runs. Walk-through in
# examples/QUICKSTART.md.
#
#   examples/quickstart.sh up       build it, show the CLI's view and a ping matrix; stays up
#   examples/quickstart.sh status   is it up; the CLI's view and the matrix again
#   examples/quickstart.sh down     stop what "up" started, remove what it made
#
#                      netns tq-ul: bridge br0, tenet-controller 192.168.100.254:7230
#              .------------------------+------------------------.
#   netns tq-h1 .1               netns tq-h2 .2               netns tq-h3 .3   (underlay 192.168.100.0/24)
#   tenet-agent (wg: tq-h1)      tenet-agent (wg: tq-h2)      tenet-agent (wg: tq-h3)
#     tq-acme1  acme web           tq-acme2  acme web           tq-acme3  acme db
#     tq-bravo1 bravo web          tq-bravo2 bravo web          tq-bravo3 bravo web
#
#   acme (VNI 100): web 10.0.1.0/24, db 10.0.2.0/24     bravo (VNI 200): web 10.0.1.0/24
#   Containers are network namespaces; addresses come from the controller's IPAM,
#   so acme1 and bravo1 are both 10.0.1.2, acme2 and bravo2 both 10.0.1.3.
#
# "up" when already up says so and exits 0 (run "down" first to rebuild); "up"
# after an interrupted "up" tears the leftovers down first; "down" when nothing
# is up does nothing. If setting up fails, "up" removes what it made and exits
# 1. If the matrix has surprises, "up" exits 1 but leaves everything up to
# look at.
#
# Environment: TENET_BUILD (default build: tenet, tenet-agent, tenet-controller),
# QUICKSTART_PREFIX (default tq: first letters of every name; state in
# /run/tenet-demo, or /run/tenet-demo-PREFIX for another prefix). Needs root.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TENET_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
P=${QUICKSTART_PREFIX:-tq}
case "$P" in *[!a-z0-9]* | "" | ?????????*) echo "quickstart: QUICKSTART_PREFIX must be 1-8 of [a-z0-9]" >&2; exit 2 ;; esac
STATE=/run/tenet-demo
[ "$P" = tq ] || STATE=/run/tenet-demo-$P
SOCK=$STATE/controller.sock
UL=$P-ul
HOSTS=(h1 h2 h3)
CTL_ADDR=192.168.100.254:7230
AGENT_PORT=51820
# name tenant subnet host, in matrix order
CONTAINERS=(
	"acme1 acme web h1" "acme2 acme web h2" "acme3 acme db h3"
	"bravo1 bravo web h1" "bravo2 bravo web h2" "bravo3 bravo web h3"
)
declare -A C_TENANT=() C_IP=()

# --- narration ---------------------------------------------------------------

if [ -t 1 ]; then BOLD=$'\033[1m' GREEN=$'\033[32m' RED=$'\033[31m' OFF=$'\033[0m'; else BOLD='' GREEN='' RED='' OFF=''; fi
say() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$OFF"; }
# shown PATH : a path as the reader would type it from where they are.
shown() { local p=$1; [ "${p#"$PWD"/}" = "$p" ] || p=${p#"$PWD"/}; echo "$p"; }
run() { # print a command, then run it
	printf '    $ %s\n' "$*"
	"$@"
}
# tn ARGS : the tenet CLI on the demo's controller, printed as the reader types it.
tn() {
	printf '    $ tenet %s\n' "$*"
	"$BUILD/tenet" --socket "$SOCK" "$@"
}
quiet_tn() { "$BUILD/tenet" --socket "$SOCK" "$@"; }
die() { echo "quickstart: $*" >&2; exit 1; }

# wait_for SECONDS CMD... : true as soon as CMD succeeds, false at the deadline.
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

ns_exists() { [ -e "/var/run/netns/$1" ]; }

# start NAME NS CMD... : a daemon that outlives this script; pid in $STATE/NAME.pid,
# output in $STATE/NAME.log. setsid puts it in a session of its own (no signal
# from this terminal) and, here not a group leader, execs rather than forks, as
# does ip netns exec: $! is the daemon itself.
start() {
	local name=$1 ns=$2 pid
	shift 2
	printf '    $ ip netns exec %s %s &\n' "$ns" "$(shown "$1") ${*:2}"
	setsid ip netns exec "$ns" "$@" >"$STATE/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$STATE/$name.pid"
}

daemon_alive() { # NAME : its recorded pid still runs the program we started
	local pid
	pid=$(cat "$STATE/$1.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$STATE/"
}

# --- up ------------------------------------------------------------------------

underlay_up() {
	local i=0 h
	say "The underlay: namespace $UL with a bridge, one namespace per host on it"
	echo "    (on real machines this is your LAN; here each host is a network namespace)"
	run ip netns add "$UL" || return 1
	run ip -n "$UL" link set lo up
	run ip -n "$UL" link add br0 type bridge
	run ip -n "$UL" addr add "${CTL_ADDR%:*}/24" dev br0
	run ip -n "$UL" link set br0 up
	for h in "${HOSTS[@]}"; do
		i=$((i + 1))
		run ip netns add "$P-$h" || return 1
		run ip -n "$P-$h" link set lo up
		run ip link add "$P-u$i" netns "$UL" type veth peer name ul0 netns "$P-$h" || return 1
		run ip -n "$UL" link set "$P-u$i" master br0 up
		run ip -n "$P-$h" addr add "192.168.100.$i/24" dev ul0
		run ip -n "$P-$h" link set ul0 up
	done
}

controller_up() {
	say "The controller, in $UL: desired state in SQLite, admin API on a unix socket"
	printf '    $ %s --key %s --show-public-key\n' "$(shown "$BUILD/tenet-controller")" "$STATE/controller.key"
	CTL_PUB=$("$BUILD/tenet-controller" --key "$STATE/controller.key" --show-public-key) || return 1
	echo "    controller public key: $CTL_PUB"
	start controller "$UL" "$BUILD/tenet-controller" --db "$STATE/controller.db" \
		--admin-socket "$SOCK" --key "$STATE/controller.key" --listen "$CTL_ADDR"
	wait_for 10 test -S "$SOCK" || { tail "$STATE/controller.log"; echo "    controller did not start"; return 1; }
	mkdir -p "$STATE/bin"
	printf '#!/bin/sh\nexec %s --socket %s "$@"\n' "$BUILD/tenet" "$SOCK" >"$STATE/bin/tenet"
	chmod 755 "$STATE/bin/tenet"
	echo "    \"tenet\" below is $(shown "$BUILD/tenet") --socket $SOCK;"
	echo "    to type the commands yourself: export PATH=$STATE/bin:\$PATH"
}

hosts_add() {
	local i=0 h pub
	say "Register the three hosts: each agent's public key and underlay endpoint"
	for h in "${HOSTS[@]}"; do
		i=$((i + 1))
		printf '    $ %s --key %s --show-public-key\n' "$(shown "$BUILD/tenet-agent")" "$STATE/$h.key"
		pub=$("$BUILD/tenet-agent" --key "$STATE/$h.key" --show-public-key) || return 1
		tn host add "$h" --public-key "$pub" --endpoint "192.168.100.$i:$AGENT_PORT" || return 1
	done
}

tenants_add() {
	say "Two tenants, both using 10.0.1.0/24 (acme also has 10.0.2.0/24)"
	tn tenant create acme --vni 100 && tn tenant create bravo --vni 200 &&
		tn subnet create acme web 10.0.1.0/24 && tn subnet create acme db 10.0.2.0/24 &&
		tn subnet create bravo web 10.0.1.0/24
}

ports_add() {
	local c name tenant subnet host
	say "Containers: one network namespace each, and a port for it (the controller picks the address)"
	for c in "${CONTAINERS[@]}"; do
		read -r name tenant subnet host <<<"$c"
		run ip netns add "$P-$name" || return 1
		tn port add "$tenant" "$subnet" "$name" --host "$host" --kind container --netns "$P-$name" || return 1
	done
}

agent_ready() { wg show "$P-$1" public-key; }

agents_up() {
	local h
	say "Start an agent on every host: it connects to the controller and builds its share"
	for h in "${HOSTS[@]}"; do
		mkdir -p "$STATE/$h"
		start "agent-$h" "$P-$h" "$BUILD/tenet-agent" --name "$h" --key "$STATE/$h.key" \
			--controller "$CTL_ADDR" --controller-key "$CTL_PUB" --listen-port "$AGENT_PORT" \
			--interface "$P-$h" --state-dir "$STATE/$h" --foreground
	done
	for h in "${HOSTS[@]}"; do
		wait_for 10 agent_ready "$h" || { tail "$STATE/agent-$h.log"; echo "    agent on $h not ready"; return 1; }
	done
}

# load_ports : C_TENANT and C_IP from the controller (the addresses IPAM chose).
load_ports() {
	local name tenant ip
	while read -r tenant name ip; do
		C_TENANT[$name]=$tenant C_IP[$name]=$ip
	done < <(quiet_tn --json port list | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
for p in d["ports"] if isinstance(d, dict) else d:
    print(p["tenant"], p["name"], p["ip"])')
	[ "${#C_IP[@]}" -eq "${#CONTAINERS[@]}" ]
}

has_address() { ip -n "$P-$1" -4 -o addr show dev eth0 2>/dev/null | grep -qF " ${C_IP[$1]}/"; }

addresses_wait() {
	local c name missing=""
	say "Wait until every container has its interface and address (the agents make them)"
	load_ports || { echo "    could not read the ports back from the controller"; return 1; }
	for c in "${CONTAINERS[@]}"; do
		name=${c%% *}
		wait_for 20 has_address "$name" || missing+=" $name"
	done
	[ -z "$missing" ] || { echo "    no address within 20 s:$missing"; return 1; }
	run ip netns exec "$P-acme1" ip -4 addr show dev eth0
	run ip netns exec "$P-acme1" ip route
}

show_views() {
	say "The CLI's view"
	tn host list
	tn subnet list
	tn port list
}

# --- the reachability matrix ---------------------------------------------------
#
# A reply alone does not prove that the target answered: the tenants share
# addresses, so a ping from acme2 to bravo1's 10.0.1.2 is answered by acme1,
# acme's own 10.0.1.2. A cell is a tick only if the ping was answered and the
# target's own echo-request counter (Icmp InEchos, per namespace) went up.
# Pings to one target from every other container run together (one second
# each); when more pings were answered than the target received, each answered
# one is repeated alone to find who answered it.

# shellcheck disable=SC2016
in_echos() {
	ip netns exec "$P-$1" awk '$1 == "Icmp:" { if (!n++) { for (i = 2; i <= NF; i++) if ($i == "InEchos") f = i } else print $f }' /proc/net/snmp
}
ping_one() { ip netns exec "$P-$1" ping -n -q -c1 -W1 "$2" >/dev/null 2>&1; }

# matrix_target T : fills CELL[S,T] (1 reached, 0 not) for every S, and NOTE[S,T]
# when S's ping was answered by someone else.
matrix_target() {
	local t=$1 s before after replied=() pids=() c u
	declare -A was=()
	before=$(in_echos "$t")
	for s in "${NAMES[@]}"; do
		[ "$s" = "$t" ] && continue
		ping_one "$s" "${C_IP[$t]}" &
		pids+=("$s:$!")
	done
	for s in "${pids[@]}"; do
		if wait "${s#*:}"; then replied+=("${s%%:*}"); fi
		CELL[${s%%:*},$t]=0
	done
	after=$(in_echos "$t")
	if [ "${#replied[@]}" -le $((after - before)) ]; then
		for s in "${replied[@]}"; do CELL[$s,$t]=1; done
		replied=()
	fi
	for s in "${replied[@]}"; do
		for c in "${NAMES[@]}"; do was[$c]=$(in_echos "$c"); done
		ping_one "$s" "${C_IP[$t]}" || continue
		for c in "${NAMES[@]}"; do
			u=$(in_echos "$c")
			[ "$u" -gt "${was[$c]}" ] || continue
			if [ "$c" = "$t" ]; then CELL[$s,$t]=1; else NOTE[$s,$t]=$c; fi
		done
	done
	# On a loaded machine one echo may miss its second: a same-tenant miss gets
	# one more try alone, with two. (A cross-tenant leak shows on the first.)
	for s in "${NAMES[@]}"; do
		if [ "$s" = "$t" ] || [ "${C_TENANT[$s]}" != "${C_TENANT[$t]}" ] || [ "${CELL[$s,$t]}" = 1 ]; then
			continue
		fi
		before=$(in_echos "$t")
		ip netns exec "$P-$s" ping -n -q -c1 -W2 "${C_IP[$t]}" >/dev/null 2>&1 &&
			[ "$(in_echos "$t")" -gt "$before" ] && CELL[$s,$t]=1
	done
}

# Same-tenant first contact between hosts: the handshakes (all tenants share one
# session per pair of hosts).
warm_up() {
	wait_for 5 ping_one acme1 "${C_IP[acme2]}"
	wait_for 5 ping_one acme1 "${C_IP[acme3]}"
	wait_for 5 ping_one acme2 "${C_IP[acme3]}"
}

matrix() {
	local s t row expect got ok=0 want=0 bad=() c
	declare -gA CELL=() NOTE=()
	NAMES=()
	for c in "${CONTAINERS[@]}"; do NAMES+=("${c%% *}"); done
	say "Reachability: one ping from every container (row) to every other (column)"
	echo "    (ip netns exec $P-ROW ping -c1 -W1 COLUMN's address; a tick only if that container answered)"
	warm_up
	for t in "${NAMES[@]}"; do matrix_target "$t"; done
	row=$(printf '%-18s' "")
	for t in "${NAMES[@]}"; do row+=$(printf '%-8s' "$t"); done
	echo "    $row"
	for s in "${NAMES[@]}"; do
		row=$(printf '%-18s' "$s ${C_IP[$s]}")
		for t in "${NAMES[@]}"; do
			if [ "$s" = "$t" ]; then row+=$(printf '%-8s' " -"); continue; fi
			expect=0
			[ "${C_TENANT[$s]}" != "${C_TENANT[$t]}" ] || expect=1
			got=${CELL[$s,$t]}
			[ "$expect" = 0 ] || want=$((want + 1))
			[ "$expect" = 0 ] || [ "$got" = 0 ] || ok=$((ok + 1))
			[ "$got" = "$expect" ] || bad+=("$s -> $t (${C_IP[$t]}): $([ "$got" = 1 ] && echo "reached, but they are in different tenants" || echo "not reached, but both are in ${C_TENANT[$s]}")")
			if [ "$got" = 1 ]; then row+="${GREEN} ✓${OFF}      "; else row+="${RED} ✗${OFF}      "; fi
		done
		echo "    $row"
	done
	[ "${#NOTE[@]}" -eq 0 ] ||
		echo "    Answered, but not by that container: the address exists in the sender's own tenant too"
	for s in "${NAMES[@]}"; do
		for t in "${NAMES[@]}"; do
			c=${NOTE[$s,$t]:-}
			[ -n "$c" ] || continue
			[ "$c" != "$s" ] || c="$s itself"
			printf '      %-7s -> %-9s (%s) answered by %s (%s)\n' "$s" "${C_IP[$t]}" "$t" "$c" "${C_TENANT[$s]}"
		done
	done
	if [ "${#bad[@]}" -eq 0 ]; then
		echo
		echo "    all $want same-tenant pairs reach each other; no cross-tenant pair does"
		return 0
	fi
	echo
	echo "    surprises:"
	printf '      %s\n' "${bad[@]}"
	return 1
}

up() {
	local f
	[ "$(id -u)" -eq 0 ] || die "run as root"
	if [ -e "$STATE/up.done" ]; then
		echo "quickstart: already up (status: $0 status; to rebuild: $0 down, then $0 up)"
		return 0
	fi
	if [ -d "$STATE" ] || ns_exists "$UL"; then
		echo "quickstart: an earlier \"up\" did not finish; removing what it left first"
		down >/dev/null
	fi
	for f in tenet tenet-agent tenet-controller; do
		[ -x "$BUILD/$f" ] || die "$BUILD/$f not built (run: make)"
	done
	command -v wg >/dev/null || die "needs wireguard-tools (make deps)"
	mkdir -m 700 "$STATE" || die "cannot make $STATE"
	trap 'echo "quickstart: interrupted, tearing down" >&2; down >/dev/null; exit 130' INT TERM
	if ! { underlay_up && controller_up && hosts_add && tenants_add && ports_add && agents_up &&
		addresses_wait; }; then
		echo "quickstart: setting up failed; removing what was made (logs were in $STATE)" >&2
		for f in "$STATE"/*.log; do [ -e "$f" ] && { echo "--- $f"; tail -n 5 "$f"; } >&2; done
		down >/dev/null
		exit 1
	fi
	touch "$STATE/up.done"
	trap - INT TERM
	show_views
	matrix
	local rc=$?
	say "Up. Look around:"
	echo "    export PATH=$STATE/bin:\$PATH     # then: tenet port show acme acme1, tenet host list"
	echo "    ip netns exec $P-acme1 ping ${C_IP[acme2]}      # acme1 (h1) -> acme2 (h2), through the tunnel"
	echo "    ip netns exec $P-h1 ip -br link                 # the bridges, uplinks and veths on host h1"
	echo "    wg show $P-h1                                   # h1's WireGuard peers: the other hosts"
	echo "    logs: $STATE/*.log"
	echo "    tear down: $0 down   (or: make demo-down)"
	return "$rc"
}

# --- down ----------------------------------------------------------------------

stop_daemon() { # NAME : TERM, up to 3 s, then KILL; only if the pid is still ours
	local pid i
	daemon_alive "$1" || return 0
	pid=$(cat "$STATE/$1.pid")
	run kill "$pid"
	for i in $(seq 30); do
		daemon_alive "$1" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

down() {
	local f c h i=0 ns
	[ "$(id -u)" -eq 0 ] || die "run as root"
	say "Stopping the quickstart's daemons and removing its namespaces"
	if [ -d "$STATE" ]; then
		for f in "$STATE"/*.pid; do
			[ -e "$f" ] || continue
			f=${f##*/}
			stop_daemon "${f%.pid}"
		done
	fi
	# Containers first: their eth0 goes with them, the other veth end with the host.
	for c in "${CONTAINERS[@]}"; do
		ns=$P-${c%% *}
		ns_exists "$ns" && run ip netns del "$ns"
	done
	for h in "${HOSTS[@]}"; do
		i=$((i + 1))
		ns_exists "$P-$h" && run ip netns del "$P-$h"
		# an underlay veth end left in this namespace by an interrupted "up"
		ip link show "$P-u$i" >/dev/null 2>&1 && run ip link del "$P-u$i"
		rm -f "/var/run/wireguard/$P-$h.sock"
	done
	ns_exists "$UL" && run ip netns del "$UL"
	rm -rf "$STATE"
	echo "    done"
}

# --- status --------------------------------------------------------------------

status() {
	local f sick=0
	[ "$(id -u)" -eq 0 ] || die "run as root"
	if [ ! -e "$STATE/up.done" ]; then
		echo "quickstart: not up"
		return 3
	fi
	say "Daemons"
	for f in controller agent-h1 agent-h2 agent-h3; do
		if daemon_alive "$f"; then echo "    $f: running, pid $(cat "$STATE/$f.pid")"; else echo "    $f: NOT running"; sick=1; fi
	done
	show_views
	load_ports || return 1
	matrix || sick=1
	return "$sick"
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|status|down" >&2; exit 2 ;;
esac
