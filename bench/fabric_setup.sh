#!/usr/bin/env bash
# The fabric case of bench/run.sh (contract: bench/README.md, "The fabric
# case"): one container per host in one tenant subnet, Ethernet frames between
# them in the WireGuard tunnel of two fabric-mode agents.
#
#   FABRIC_HOST_A (10.77.0.1)                          FABRIC_HOST_B (10.77.0.2)
#   tenet-controller 10.77.0.1:7230 (idle in tests)
#   tenet-agent UDP 51830, wg name <FP>a  <- veth ->   tenet-agent UDP 51830, wg name <FP>b
#     bridge tnb1, uplink tnu1, veth tnc1                bridge tnb1, uplink tnu1, veth tnc2
#   netns <FP>ca: eth0 10.78.0.11/24 (client)          netns <FP>cb: eth0 10.78.0.12/24 (server)
#
# <FP> is FABRIC_PREFIX. Tenant "bench" (VNI 1), subnet 10.78.0.0/24 at the
# CLI's default MTU 1418: the largest that never fragments on a 1500-byte
# underlay (the TUN setups use 1420: the fabric frame carries 22 more bytes).
# The controller lives on host A, as it might on a small real fabric; it only
# sets things up and is not in the reported pids (it is idle while measuring).
#
#   bench/fabric_setup.sh up     prints client_ns=, client_ip=, server_ns=, server_ip=, pids=
#   bench/fabric_setup.sh down   stops the daemons, removes the containers and the agents' links
set -u

for v in FABRIC_HOST_A FABRIC_HOST_B FABRIC_UNDERLAY_A FABRIC_UNDERLAY_B FABRIC_PREFIX \
	FABRIC_WORKDIR FABRIC_BUILD; do
	[ -n "${!v:-}" ] || { echo "fabric_setup: $v not set (see bench/README.md)" >&2; exit 2; }
done
W=$FABRIC_WORKDIR
FP=$FABRIC_PREFIX
SOCK=$W/controller.sock
CTL_ADDR=$FABRIC_UNDERLAY_A:7230
PORT=51830
CLIENT_NS=${FP}ca SERVER_NS=${FP}cb
CLIENT_IP=10.78.0.11 SERVER_IP=10.78.0.12

log() { echo "fabric_setup: $*" >&2; }
tn() { "$FABRIC_BUILD/tenet" --socket "$SOCK" "$@" >/dev/null; }

wait_for() { # SECONDS CMD...
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# start NAME NS CMD... : a daemon outliving this script; pid in $W/NAME.pid. Its
# command line names $W (the harness's backstop relies on it).
start() {
	local name=$1 ns=$2
	shift 2
	setsid ip netns exec "$ns" "$@" >"$W/$name.log" 2>&1 </dev/null &
	echo "$!" >"$W/$name.pid"
}

ours() { # PID : still running (not a zombie) the command we started
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in "" | Z*) return 1 ;; esac
	{ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$W/"
}

agent_up() { # SIDE NS
	mkdir -p "$W/$1"
	start "agent-$1" "$2" "$FABRIC_BUILD/tenet-agent" --name "$1" --key "$W/$1.key" \
		--controller "$CTL_ADDR" --controller-key "$CTL_PUB" --listen-port "$PORT" \
		--interface "$FP$1" --state-dir "$W/$1" --foreground
}

has_ip() { ip -n "$1" -4 -o addr show dev eth0 | grep -qF " $2/"; }
reaches() { ip netns exec "$CLIENT_NS" ping -n -c1 -W1 "$SERVER_IP"; }

up() {
	local side
	for side in tenet tenet-agent tenet-controller; do
		[ -x "$FABRIC_BUILD/$side" ] || { log "$FABRIC_BUILD/$side not built"; return 1; }
	done
	CTL_PUB=$("$FABRIC_BUILD/tenet-controller" --key "$W/controller.key" --show-public-key 2>/dev/null) || return 1
	start controller "$FABRIC_HOST_A" "$FABRIC_BUILD/tenet-controller" --db "$W/controller.db" \
		--admin-socket "$SOCK" --key "$W/controller.key" --listen "$CTL_ADDR"
	wait_for 10 test -S "$SOCK" || { log "controller did not start"; tail -n 5 "$W/controller.log" >&2; return 1; }
	for side in a b; do
		"$FABRIC_BUILD/tenet-agent" --key "$W/$side.key" --show-public-key >"$W/$side.pub" 2>/dev/null || return 1
	done
	tn host add a --public-key "$(cat "$W/a.pub")" --endpoint "$FABRIC_UNDERLAY_A:$PORT" &&
		tn host add b --public-key "$(cat "$W/b.pub")" --endpoint "$FABRIC_UNDERLAY_B:$PORT" &&
		tn tenant create bench --vni 1 && tn subnet create bench s 10.78.0.0/24 || return 1
	ip netns add "$CLIENT_NS" && ip -n "$CLIENT_NS" link set lo up &&
		ip netns add "$SERVER_NS" && ip -n "$SERVER_NS" link set lo up || return 1
	tn port add bench s client --host a --kind container --netns "$CLIENT_NS" --ip "$CLIENT_IP" &&
		tn port add bench s server --host b --kind container --netns "$SERVER_NS" --ip "$SERVER_IP" || return 1
	agent_up a "$FABRIC_HOST_A"
	agent_up b "$FABRIC_HOST_B"
	if ! wait_for 20 has_ip "$CLIENT_NS" "$CLIENT_IP" || ! wait_for 20 has_ip "$SERVER_NS" "$SERVER_IP"; then
		log "containers not configured within 20 s"
		tail -n 5 "$W"/agent-*.log >&2
		return 1
	fi
	wait_for 20 reaches || { log "client does not reach server within 20 s"; tail -n 5 "$W"/agent-*.log >&2; return 1; }
	echo "client_ns=$CLIENT_NS"
	echo "client_ip=$CLIENT_IP"
	echo "server_ns=$SERVER_NS"
	echo "server_ip=$SERVER_IP"
	echo "pids=$(cat "$W/agent-a.pid") $(cat "$W/agent-b.pid")"
}

stop() { # NAME
	local pid _
	pid=$(cat "$W/$1.pid" 2>/dev/null) || return 0
	ours "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 30); do
		ours "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

# The agents leave their links in place when stopped (so a restart adopts
# them); here nothing will restart, so they go: bridges, uplinks, container
# and VM links (dataplane/FABRIC.md, kernel names).
links_del() { # NS
	local l
	for l in $(ip -n "$1" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		case "$l" in tn[bucpv]*) [[ "$l" =~ ^tn[bucpv][0-9a-f]+$ ]] && ip -n "$1" link del "$l" 2>/dev/null ;; esac
	done
}

down() {
	local name ns
	for name in agent-a agent-b controller; do stop "$name"; done
	for ns in "$CLIENT_NS" "$SERVER_NS"; do
		[ ! -e "/var/run/netns/$ns" ] || ip netns del "$ns"
	done
	for ns in "$FABRIC_HOST_A" "$FABRIC_HOST_B"; do
		[ ! -e "/var/run/netns/$ns" ] || links_del "$ns"
	done
	rm -f "/var/run/wireguard/${FP}a.sock" "/var/run/wireguard/${FP}b.sock"
	return 0
}

case "${1:-}" in
up) up ;;
down) down ;;
*) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
