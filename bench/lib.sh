# shellcheck shell=bash disable=SC2034  # globals set here are read by run.sh
# Helpers for bench/run.sh: namespaces, tracked processes, the tunnels under
# test and the measurements. Everything created is named from one per-run
# prefix ($B_P) and torn down by b_cleanup, which run.sh calls from a trap.
#
# Nothing here decides whether a number is good: it measures and records.

B_PIDS=()     # processes we started (killed at cleanup)
B_NSES=()     # namespaces we created
B_IFACES=()   # interface names whose UAPI socket we remove at cleanup
B_FABRIC_UP=0 # bench/fabric_setup.sh up succeeded: call down
WG_SOCK_DIR=/var/run/wireguard

b_log() { echo "bench: $*" >&2; }

# b_names DEFAULT_PREFIX : B_P (BENCH_PREFIX, else DEFAULT_PREFIX, then the
# PID modulo 10^5), the namespace names B_NS_A/B_NS_B and the temp dir B_TMP.
# Fails, saying why, on a prefix that is not 1-4 lowercase letters/digits.
b_names() {
	local prefix=${BENCH_PREFIX:-$1}
	case "$prefix" in '' | *[!a-z0-9]*)
		b_log "BENCH_PREFIX must be lowercase letters/digits"
		return 1
		;;
	esac
	[ "${#prefix}" -le 4 ] || { b_log "BENCH_PREFIX longer than 4 characters"; return 1; }
	# <prefix><pid mod 10^5>-ta: at most 12 characters, under IFNAMSIZ.
	B_P="$prefix$(($$ % 100000))"
	B_NS_A="$B_P-a"
	B_NS_B="$B_P-b"
	B_TMP=$(mktemp -d "/tmp/$B_P.XXXXXX")
}

# --- processes -------------------------------------------------------------

# b_alive PID : running and not a zombie.
b_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
}

b_gone() { ! b_alive "$1"; }

# b_ours PID : still a child of this shell (not a reused number).
b_ours() { [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]; }

# b_kill PID : TERM, up to 3 s, then KILL; only our own children.
b_kill() {
	local pid=$1 _
	if b_ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 30); do
			b_alive "$pid" || break
			sleep 0.1
		done
		b_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

b_untrack() {
	local p keep=()
	for p in "${B_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	B_PIDS=("${keep[@]}")
}

# b_bg NS LOG CMD... : start CMD in namespace NS in the background, output to
# LOG; its PID (CMD itself: ip netns exec execs it) is in B_BG_PID.
b_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	B_BG_PID=$!
	B_PIDS+=("$B_BG_PID")
}

# b_run SECONDS NS OUT CMD... : run CMD in NS with a deadline, stdout to OUT,
# stderr to OUT.err. Backgrounded and waited for, so a signal reaches the
# trap at once instead of after CMD. Returns CMD's status (124: timed out).
b_run() {
	local secs=$1 ns=$2 out=$3 pid rc
	shift 3
	ip netns exec "$ns" timeout -k 5 "$secs" "$@" >"$out" 2>"$out.err" </dev/null &
	pid=$!
	B_PIDS+=("$pid")
	wait "$pid"; rc=$?
	b_untrack "$pid"
	return "$rc"
}

# b_wait_for SECONDS CMD... : true as soon as CMD succeeds, false at the deadline.
b_wait_for() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# b_cpu_ticks PID... : utime + stime of the processes (all their threads,
# live and exited), in clock ticks. Fails if one is gone.
b_cpu_ticks() {
	local pid stat fields sum=0
	for pid in "$@"; do
		stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
		# Field 2 (comm) may hold spaces: split after its closing
		# parenthesis, where field 3 is index 0, so utime (14) and stime
		# (15) are indices 11 and 12.
		read -r -a fields <<<"${stat##*) }"
		sum=$((sum + fields[11] + fields[12]))
	done
	echo "$sum"
}

b_cleanup_fabric() {
	local pid
	[ "$B_FABRIC_UP" = 1 ] || return 0
	B_FABRIC_UP=0
	timeout -k 5 60 "$B_ROOT/bench/fabric_setup.sh" down >>"$B_TMP/fabric.log" 2>&1 ||
		b_log "fabric_setup.sh down failed (see log); removing what it left"
	# Backstop for processes the script reported: only while their command
	# line still names this run's work dir, so a reused PID is never hit.
	for pid in ${B_FABRIC_PIDS:-}; do
		{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$FABRIC_WORKDIR" &&
			kill -KILL "$pid" 2>/dev/null
	done
}

# b_cleanup : everything this run created, in reverse order of dependence.
b_cleanup() {
	local pid ns ifc left
	b_cleanup_fabric
	for pid in "${B_PIDS[@]}"; do b_kill "$pid"; done
	B_PIDS=()
	for ns in "${B_NSES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	# Namespaces a fabric script made under our prefix.
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in "$B_P"-*) ip netns del "$ns" 2>/dev/null ;; esac
	done
	B_NSES=()
	for ifc in "${B_IFACES[@]}"; do rm -f "$WG_SOCK_DIR/$ifc.sock"; done
	B_IFACES=()
	left=$(ip netns list 2>/dev/null | awk -v p="$B_P-" 'index($1, p) == 1 {print $1}')
	[ -z "$left" ] || b_log "WARNING: namespaces left behind: $left"
}

# --- the shared topology -----------------------------------------------------
#
#   $B_NS_A                                  $B_NS_B
#   $B_P-v 10.77.0.1/24 ------ veth ------- $B_P-v 10.77.0.2/24   (bare veth)
#   $B_P-ta 10.77.1.1/24 ..tenet-agent..... $B_P-tb 10.77.1.2/24  (UDP 51820)
#   $B_P-wa 10.77.2.1/24 ..wireguard-go.... $B_P-wb 10.77.2.2/24  (UDP 51821)
#
# Both tunnels ride the same veth; only the one being measured carries
# traffic. Tunnel interface names differ per side because UAPI sockets
# (/var/run/wireguard/NAME.sock) share one directory across namespaces.

b_topology_up() {
	local ns
	for ns in "$B_NS_A" "$B_NS_B"; do
		ip netns add "$ns" || return 1
		B_NSES+=("$ns")
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$B_NS_A" link add "$B_P-v" type veth peer name "$B_P-v" netns "$B_NS_B" || return 1
	ip -n "$B_NS_A" addr add 10.77.0.1/24 dev "$B_P-v" &&
		ip -n "$B_NS_B" addr add 10.77.0.2/24 dev "$B_P-v" &&
		ip -n "$B_NS_A" link set "$B_P-v" up &&
		ip -n "$B_NS_B" link set "$B_P-v" up
}

b_genkeys() {
	B_KEY_A=$(wg genkey) && B_KEY_B=$(wg genkey) || return 1
	B_PUB_A=$(printf '%s\n' "$B_KEY_A" | wg pubkey) &&
		B_PUB_B=$(printf '%s\n' "$B_KEY_B" | wg pubkey)
}

# b_iface_ready NS IFACE ADDR : UAPI answers, link up, address on it.
b_iface_ready() {
	wg show "$2" public-key >/dev/null 2>&1 || return 1
	ip -n "$1" -o link show dev "$2" 2>/dev/null | grep -qE '<([^>]*,)?UP[,>]' || return 1
	ip -n "$1" -o addr show dev "$2" 2>/dev/null | grep -qF " ${3%/*}/"
}

# b_tenet_side NS IFACE KEY ADDR PEER_PUB PEER_ALLOWED PEER_ENDPOINT (port B_TENET_PORT, 51820)
b_tenet_side() {
	local ns=$1 ifc=$2 conf="$B_TMP/$2.conf"
	(umask 077; cat >"$conf" <<EOF
[Interface]
PrivateKey = $3
ListenPort = ${B_TENET_PORT:-51820}
Address = $4
MTU = $B_MTU

[Peer]
PublicKey = $5
AllowedIPs = $6
Endpoint = $7
EOF
	)
	B_IFACES+=("$ifc")
	b_bg "$ns" "$B_TMP/$ifc.log" "$B_AGENT" --config "$conf" --interface "$ifc" --foreground
	B_SIDE_PID=$B_BG_PID
	b_wait_for 10 b_iface_ready "$ns" "$ifc" "$4" && return 0
	b_log "tenet-agent $ifc not ready within 10 s; its log:"
	tail -n 15 "$B_TMP/$ifc.log" >&2
	return 1
}

b_tenet_up() {
	local a b
	b_tenet_side "$B_NS_A" "$B_P-ta" "$B_KEY_A" 10.77.1.1/24 "$B_PUB_B" 10.77.1.2/32 \
		10.77.0.2:51820 || return 1
	a=$B_SIDE_PID
	b_tenet_side "$B_NS_B" "$B_P-tb" "$B_KEY_B" 10.77.1.2/24 "$B_PUB_A" 10.77.1.1/32 \
		10.77.0.1:51820 || return 1
	b=$B_SIDE_PID
	B_TENET_PIDS="$a $b"
}

# b_wggo_side NS IFACE KEYFILE ADDR PEER_PUB PEER_ALLOWED PEER_ENDPOINT
# Configured as wg-quick would: wg set, address, MTU, one route per AllowedIP.
b_wggo_side() {
	local ns=$1 ifc=$2
	B_IFACES+=("$ifc")
	b_bg "$ns" "$B_TMP/$ifc.log" env WG_PROCESS_FOREGROUND=1 "$B_WGGO" -f "$ifc"
	B_SIDE_PID=$B_BG_PID
	if ! b_wait_for 10 wg show "$ifc" public-key; then
		b_log "wireguard-go $ifc not ready within 10 s; its log:"
		tail -n 15 "$B_TMP/$ifc.log" >&2
		return 1
	fi
	ip netns exec "$ns" wg set "$ifc" private-key "$3" listen-port 51821 \
		peer "$5" allowed-ips "$6" endpoint "$7" &&
		ip -n "$ns" addr add "$4" dev "$ifc" &&
		ip -n "$ns" link set dev "$ifc" mtu "$B_MTU" up &&
		ip -n "$ns" route replace "$6" dev "$ifc" &&
		b_wait_for 5 b_iface_ready "$ns" "$ifc" "$4"
}

b_wggo_up() {
	local a b ka="$B_TMP/wggo-a.key" kb="$B_TMP/wggo-b.key"
	(umask 077; printf '%s\n' "$B_KEY_A" >"$ka"; printf '%s\n' "$B_KEY_B" >"$kb")
	b_wggo_side "$B_NS_A" "$B_P-wa" "$ka" 10.77.2.1/24 "$B_PUB_B" 10.77.2.2/32 \
		10.77.0.2:51821 || return 1
	a=$B_SIDE_PID
	b_wggo_side "$B_NS_B" "$B_P-wb" "$kb" 10.77.2.2/24 "$B_PUB_A" 10.77.2.1/32 \
		10.77.0.1:51821 || return 1
	b=$B_SIDE_PID
	B_WGGO_PIDS="$a $b"
}

# b_fabric_up : the pluggable fabric case (contract in bench/README.md).
# Sets B_FABRIC_{CLIENT_NS,CLIENT_IP,SERVER_NS,SERVER_IP,PIDS}.
b_fabric_up() {
	local out="$B_TMP/fabric.out" key val
	export FABRIC_HOST_A=$B_NS_A FABRIC_HOST_B=$B_NS_B
	export FABRIC_UNDERLAY_A=10.77.0.1 FABRIC_UNDERLAY_B=10.77.0.2
	export FABRIC_PREFIX="$B_P-f" FABRIC_WORKDIR="$B_TMP/fabric" FABRIC_BUILD=$B_BUILD
	mkdir -p "$FABRIC_WORKDIR"
	B_FABRIC_UP=1
	timeout -k 5 120 "$B_ROOT/bench/fabric_setup.sh" up >"$out" 2>"$B_TMP/fabric.log" || {
		b_log "fabric_setup.sh up failed; its log:"
		tail -n 15 "$B_TMP/fabric.log" >&2
		return 1
	}
	while IFS='=' read -r key val; do
		case "$key" in
		client_ns) B_FABRIC_CLIENT_NS=$val ;;
		client_ip) B_FABRIC_CLIENT_IP=$val ;;
		server_ns) B_FABRIC_SERVER_NS=$val ;;
		server_ip) B_FABRIC_SERVER_IP=$val ;;
		pids) B_FABRIC_PIDS=$val ;;
		esac
	done <"$out"
	if [ -z "${B_FABRIC_CLIENT_NS:-}" ] || [ -z "${B_FABRIC_SERVER_NS:-}" ] ||
		[ -z "${B_FABRIC_SERVER_IP:-}" ]; then
		b_log "fabric_setup.sh up did not print client_ns, server_ns and server_ip"
		return 1
	fi
}

# b_bridged_up : the kernel path of the fabric case with no tunnel in it, a
# reference for its round trip: on each host a container namespace whose veth
# is a port of a bridge, the two hosts' bridges joined by a veth where the
# fabric has its uplink TAPs, agents and the encrypted hop. Client
# B_BRIDGED_NS[0] 10.79.0.1, server B_BRIDGED_NS[1] 10.79.0.2.
b_bridged_up() {
	local i hosts=("$B_NS_A" "$B_NS_B")
	B_BRIDGED_NS=("$B_P-ra" "$B_P-rb")
	for i in 0 1; do
		ip netns add "${B_BRIDGED_NS[i]}" || return 1
		B_NSES+=("${B_BRIDGED_NS[i]}")
		ip -n "${B_BRIDGED_NS[i]}" link set lo up &&
			ip -n "${hosts[i]}" link add "$B_P-rbr" type bridge &&
			ip -n "${hosts[i]}" link add "$B_P-rc" type veth peer name eth0 \
				netns "${B_BRIDGED_NS[i]}" &&
			ip -n "${hosts[i]}" link set "$B_P-rc" master "$B_P-rbr" up &&
			ip -n "${B_BRIDGED_NS[i]}" addr add "10.79.0.$((i + 1))/24" dev eth0 &&
			ip -n "${B_BRIDGED_NS[i]}" link set eth0 up || return 1
	done
	ip -n "$B_NS_A" link add "$B_P-rl" type veth peer name "$B_P-rl" netns "$B_NS_B" || return 1
	for i in 0 1; do
		ip -n "${hosts[i]}" link set "$B_P-rl" master "$B_P-rbr" up &&
			ip -n "${hosts[i]}" link set "$B_P-rbr" up || return 1
	done
}

# b_reachable NS IP : one echo answered within a second.
b_reachable() { ip netns exec "$1" ping -n -c1 -W1 "$2"; }

# --- measurements --------------------------------------------------------------

B_IPERF_PORT=5201

b_iperf_listening() {
	ip netns exec "$1" ss -Hltn "sport = :$B_IPERF_PORT" 2>/dev/null | grep -q .
}

# b_iperf CLIENT_NS SERVER_NS SERVER_IP OUT SECONDS ARGS... : one iperf3 test
# against a fresh one-off server (a server never carries state from a test
# that went wrong into the next one). OUT gets the client's --json output.
b_iperf() {
	local cns=$1 sns=$2 ip=$3 out=$4 secs=$5 spid rc
	shift 5
	b_bg "$sns" "$out.server" timeout -k 5 $((secs + 30)) iperf3 -s -1 -p "$B_IPERF_PORT"
	spid=$B_BG_PID
	if ! b_wait_for 5 b_iperf_listening "$sns"; then
		b_log "iperf3 server in $sns did not listen"
		b_kill "$spid"; b_untrack "$spid"
		return 1
	fi
	b_run $((secs + 20)) "$cns" "$out" iperf3 -c "$ip" -p "$B_IPERF_PORT" -t "$secs" \
		--connect-timeout 3000 --json "$@"
	rc=$?
	b_wait_for 5 b_gone "$spid"
	b_kill "$spid"; b_untrack "$spid"
	[ "$rc" -eq 0 ] || b_log "iperf3 $* to $ip failed (exit $rc)"
	return "$rc"
}

# b_ping CLIENT_NS IP OUT [COUNT] : COUNT (B_PING_COUNT) echoes at B_PING_INTERVAL.
b_ping() {
	local count=${4:-$B_PING_COUNT}
	b_run $((count / 20 + 15)) "$1" "$3" ping -n -c "$count" -i "$B_PING_INTERVAL" -W 1 "$2"
}
