# shellcheck shell=bash
# Harness for network test suites: hosts are network namespaces on this machine.
# Source it from a suite (tests/net/test_*.sh, tests/interop/test_*.sh):
#
#   . "$(dirname "$0")/../net/lib.sh"
#   net_host a; net_host b
#   net_link a b 192.168.99.1/24 192.168.99.2/24
#   check "a reaches b" nsx a ping -c1 -W1 192.168.99.2
#   finish
#
# Everything a run creates (namespaces, processes, UAPI sockets, temp files) is
# named from one per-run prefix, because interface names share the global
# /var/run/wireguard/NAME.sock namespace with every other run on the machine,
# and is torn down by a trap even when a suite dies half-way.
#
# Environment:
#   NET_PREFIX    first letters of every name (default "tn"); helpers use theirs
#   TENET_BUILD   where tenet-agent and tenet are (default build)
#   TENET_KIND    what a suite means by "tenet" (default tenet; set to wggo to
#                 prove a suite with stock wireguard-go on every side)
#   NET_KEEP=1    keep the temp dir (configs, daemon logs) after the run
#   NET_VERBOSE=1 print every command the helpers run in a namespace

set -u
[ "$(id -u)" -eq 0 ] || { echo "FAIL: net suites need root"; exit 1; }

NET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NET_PY=/usr/bin/python3
TENET_BUILD=${TENET_BUILD:-build}
case "$TENET_BUILD" in /*) ;; *) TENET_BUILD="$NET_ROOT/$TENET_BUILD" ;; esac
TENET_AGENT=${TENET_AGENT:-$TENET_BUILD/tenet-agent}
TENET_CLI=${TENET_CLI:-$TENET_BUILD/tenet}
TENET_KIND=${TENET_KIND:-tenet}
WG_SOCK_DIR=/var/run/wireguard

# A short prefix so "<prefix><node><generation>" stays within IFNAMSIZ-1 = 15.
NET_PREFIX=${NET_PREFIX:-tn}
[ "${#NET_PREFIX}" -le 4 ] || { echo "FAIL: NET_PREFIX '$NET_PREFIX' longer than 4 characters"; exit 1; }
NET_P="$NET_PREFIX$(($$ % 100000))"
NET_GEN=0            # bumped by net_reset so names are never reused in a run
NET_TMP=$(mktemp -d "/tmp/${NET_P}.XXXXXX")
NET_PASSED=0
NET_FAILED=0
NET_START=$(date +%s)
NET_NSES=()          # full namespace names we created
NET_PIDS=()          # daemons we started
NET_ADOPTED=()       # "pid|match" of daemons that left us (net_adopt)
NET_IFACES=()        # UAPI interface names we own (socket files to remove)
NET_FILES=()         # other files outside NET_TMP we created
declare -A NET_PID_LOG=()

# --- reporting --------------------------------------------------------------

pass() { echo "PASS: $1"; NET_PASSED=$((NET_PASSED + 1)); }
fail() {
	echo "FAIL: $1"
	shift
	[ $# -eq 0 ] || echo "    $*"
	NET_FAILED=$((NET_FAILED + 1))
}
note() { echo "    $*"; }

# check NAME CMD... : runs CMD, its output indented, and reports.
check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1); rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | tail -20 | sed 's/^/    | /'
	if [ "$rc" -eq 0 ]; then pass "$name"; else fail "$name" "exit $rc: $*"; fi
	return "$rc"
}

# finish: summary line, non-zero exit when anything failed (the trap cleans up).
finish() {
	echo "# $NET_PASSED passed, $NET_FAILED failed in $(($(date +%s) - NET_START))s"
	[ "$NET_FAILED" -eq 0 ] && [ "$NET_PASSED" -gt 0 ]
	exit $?
}

# --- waiting ---------------------------------------------------------------

# wait_for SECONDS CMD... : true as soon as CMD succeeds, false at the deadline.
wait_for() {
	local deadline=$(($(date +%s%N) + ${1%.*} * 1000000000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# --- namespaces and links --------------------------------------------------

ns_name() { echo "${NET_P}-$1"; }

# nsx NODE CMD... : run CMD inside NODE's namespace.
nsx() {
	local ns
	ns=$(ns_name "$1")
	shift
	[ "${NET_VERBOSE:-0}" = 1 ] && echo "    + [$ns] $*" >&2
	ip netns exec "$ns" "$@"
}

# net_host NODE : a fresh namespace with lo up.
net_host() {
	local ns
	ns=$(ns_name "$1")
	ip netns add "$ns" || return 1
	NET_NSES+=("$ns")
	ip -n "$ns" link set lo up
	nsx "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 2>/dev/null
	return 0
}

# net_link A B ADDR_A ADDR_B [ADDR6_A ADDR6_B] : a veth pair "veth-<peer>" in each
# namespace, with IPv4 (and optionally IPv6, nodad) addresses, both ends up.
net_link() {
	local a=$1 b=$2 tmp_a="${NET_P}x$RANDOM" tmp_b="${NET_P}y$RANDOM"
	ip link add "$tmp_a" type veth peer name "$tmp_b" || return 1
	ip link set "$tmp_a" netns "$(ns_name "$a")" name "veth-$b" || { ip link del "$tmp_a"; return 1; }
	ip link set "$tmp_b" netns "$(ns_name "$b")" name "veth-$a" || return 1
	ip -n "$(ns_name "$a")" addr add "$3" dev "veth-$b"
	ip -n "$(ns_name "$b")" addr add "$4" dev "veth-$a"
	if [ $# -ge 6 ]; then
		ip -n "$(ns_name "$a")" -6 addr add "$5" dev "veth-$b" nodad
		ip -n "$(ns_name "$b")" -6 addr add "$6" dev "veth-$a" nodad
	fi
	ip -n "$(ns_name "$a")" link set "veth-$b" up
	ip -n "$(ns_name "$b")" link set "veth-$a" up
}

# net_bg NODE NAME CMD... : start a daemon in NODE's namespace; its PID goes in
# NET_BG_PID and the tracking list, its output in $NET_TMP/NAME.log.
net_bg() {
	local node=$1 name=$2 log
	shift 2
	log="$NET_TMP/$name.log"
	[ "${NET_VERBOSE:-0}" = 1 ] && echo "    + [$(ns_name "$node")] $* &" >&2
	ip netns exec "$(ns_name "$node")" "$@" >"$log" 2>&1 </dev/null &
	NET_BG_PID=$!
	NET_PIDS+=("$NET_BG_PID")
	NET_PID_LOG[$NET_BG_PID]=$log
}

# net_run NODE CMD... : run CMD in NODE's namespace in the foreground, but as a
# tracked child, so a signal interrupts the suite at once (bash defers traps
# until a foreground command ends) and the trap kills CMD too. CMD must be a
# program (not a function): the tracked PID is CMD itself. Returns its status.
net_run() {
	local pid rc p keep=() ns
	ns=$(ns_name "$1")
	shift
	[ "${NET_VERBOSE:-0}" = 1 ] && echo "    + [$ns] $*" >&2
	ip netns exec "$ns" "$@" &
	pid=$!
	NET_PIDS+=("$pid")
	wait "$pid"; rc=$?
	for p in "${NET_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
	NET_PIDS=("${keep[@]}")
	return "$rc"
}

# alive PID : is this daemon of ours still running (not a zombie)?
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$st" in Z*) return 1 ;; esac
	return 0
}

# show_log PID|FILE [LINES] : tail of a daemon's log, indented.
show_log() {
	local f=${NET_PID_LOG[$1]:-$1}
	[ -f "$f" ] || return 0
	echo "    --- $(basename "$f") (last ${2:-15} lines)"
	tail -n "${2:-15}" "$f" | sed 's/^/    | /'
}

# ours PID : PID is still a child of this shell (not a reused number).
ours() { [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]; }

# net_check_log PID : a daemon built with ASan/UBSan that reported an error
# fails the suite, even if every case passed (the report may only come at exit).
net_check_log() {
	local log=${NET_PID_LOG[$1]:-}
	[ -n "$log" ] && [ -f "$log" ] || return 0
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" || return 0
	fail "sanitizer report from $(basename "$log" .log)"
	grep -m1 -A25 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" | sed 's/^/    | /' >&"$NET_OUT"
	unset "NET_PID_LOG[$1]"
}

net_kill_pid() {
	local pid=$1 _
	if ours "$pid" && kill -TERM "$pid" 2>/dev/null; then
		for _ in $(seq 30); do
			alive "$pid" || break
			sleep 0.1
		done
		alive "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	net_check_log "$pid"
	return 0
}

# net_adopt PID MATCH : track a daemon that is not our child (it forked away),
# killed at reset only while its command line still contains MATCH (a path
# unique to this run), so a reused PID is never hit.
net_adopt() { NET_ADOPTED+=("$1|$2"); }

net_kill_adopted() {
	local pid=${1%%|*} match=${1#*|} _
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$match" || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 30); do
		[ -d "/proc/$pid" ] || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# net_reset : tear down everything made so far (between cases); names of the
# next generation never collide with the previous one.
net_reset() {
	local pid ns ifc f
	for pid in "${NET_PIDS[@]}"; do net_kill_pid "$pid"; done
	for pid in "${NET_ADOPTED[@]}"; do net_kill_adopted "$pid"; done
	for ns in "${NET_NSES[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for ifc in "${NET_IFACES[@]}"; do rm -f "$WG_SOCK_DIR/$ifc.sock"; done
	# Ours are single paths; a shared parent we created (/etc/netns) is only
	# removed when empty, as someone else may have started using it.
	for f in "${NET_FILES[@]}"; do
		if [ "$f" = /etc/netns ]; then rmdir "$f" 2>/dev/null; else rm -rf "$f"; fi
	done
	NET_PIDS=(); NET_ADOPTED=(); NET_NSES=(); NET_IFACES=(); NET_FILES=()
	unset SIDE_KIND SIDE_IF SIDE_PRIV SIDE_PUB SIDE_PORT SIDE_ADDRS SIDE_MTU SIDE_PEERS SIDE_PID
	declare -gA SIDE_KIND=() SIDE_IF=() SIDE_PRIV=() SIDE_PUB=() SIDE_PORT=() SIDE_ADDRS=() \
		SIDE_MTU=() SIDE_PEERS=() SIDE_PID=()
	NET_GEN=$((NET_GEN + 1))
}

net_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	net_reset
	# A failure found while tearing down (a sanitizer report) still fails.
	[ "$NET_FAILED" -eq 0 ] || [ "$rc" -ne 0 ] || rc=1
	if [ "${NET_KEEP:-0}" = 1 ]; then
		echo "# kept $NET_TMP" >&2
	else
		rm -rf "$NET_TMP"
	fi
	exit "$rc"
}
trap net_cleanup EXIT
# The suite's real stdout, for messages from a trap that may run while a
# function has stdout redirected.
exec {NET_OUT}>&1
trap 'echo "FAIL: interrupted" >&"$NET_OUT"; exit 130' INT TERM
net_reset
NET_GEN=0

# --- WireGuard sides: one description, either implementation ----------------
#
# A "side" is a WireGuard interface in a node's namespace, run by KIND:
#   wggo   stock wireguard-go, configured with wg set / ip
#   tenet  tenet-agent --config FILE (wg-quick format), which does it all itself
# tun_side NODE KIND PORT ADDR...   declare the interface (keys generated here)
# tun_peer NODE PEER_NODE ALLOWED [ENDPOINT [KEEPALIVE [PSK]]]
#                                   ALLOWED is comma-separated, ENDPOINT "-" for none
# tun_start NODE                    bring it up; fails (with the log) if it does not
# Kind "tenet" is replaced by $TENET_KIND so a suite can be proven on wggo alone.

tun_kind() { if [ "$1" = tenet ]; then echo "$TENET_KIND"; else echo "$1"; fi; }

tun_side() {
	local node=$1 kind
	kind=$(tun_kind "$2")
	SIDE_KIND[$node]=$kind
	SIDE_IF[$node]="${NET_P}${node}${NET_GEN}"
	SIDE_PORT[$node]=$3
	shift 3
	SIDE_ADDRS[$node]="$*"
	SIDE_MTU[$node]=${TUN_MTU:-1420}
	SIDE_PRIV[$node]=$(wg genkey)
	SIDE_PUB[$node]=$(printf '%s\n' "${SIDE_PRIV[$node]}" | wg pubkey)
	SIDE_PEERS[$node]=""
	NET_IFACES+=("${SIDE_IF[$node]}")
}

tun_peer() {
	local node=$1 peer=$2 allowed=$3 endpoint=${4:--} keepalive=${5:-0} psk=${6:--}
	SIDE_PEERS[$node]+="${SIDE_PUB[$peer]}|$allowed|$endpoint|$keepalive|$psk"$'\n'
}

# tun_write_conf NODE FILE : the side as a wg-quick file.
tun_write_conf() {
	local node=$1 file=$2 pub allowed endpoint keepalive psk
	{
		echo "[Interface]"
		echo "PrivateKey = ${SIDE_PRIV[$node]}"
		echo "ListenPort = ${SIDE_PORT[$node]}"
		echo "Address = ${SIDE_ADDRS[$node]// /, }"
		echo "MTU = ${SIDE_MTU[$node]}"
		while IFS='|' read -r pub allowed endpoint keepalive psk; do
			[ -n "$pub" ] || continue
			echo
			echo "[Peer]"
			echo "PublicKey = $pub"
			[ "$psk" = - ] || echo "PresharedKey = $psk"
			echo "AllowedIPs = ${allowed//,/, }"
			[ "$endpoint" = - ] || echo "Endpoint = $endpoint"
			[ "$keepalive" = 0 ] || echo "PersistentKeepalive = $keepalive"
		done <<<"${SIDE_PEERS[$node]}"
	} >"$file"
}

# uapi_answers IFACE : the UAPI socket exists and answers a get.
uapi_answers() { wg show "$1" public-key >/dev/null 2>&1; }

# tun_wait_ready NODE : interface up, first address on it, UAPI answering.
tun_ready() {
	local node=$1 ifc=${SIDE_IF[$1]} first=${SIDE_ADDRS[$1]%% *}
	uapi_answers "$ifc" || return 1
	ip -n "$(ns_name "$node")" -o link show dev "$ifc" 2>/dev/null | grep -qE '<([^>]*,)?UP[,>]' || return 1
	ip -n "$(ns_name "$node")" addr show dev "$ifc" 2>/dev/null | grep -qF " ${first%/*}/" || return 1
}

tun_start() {
	case "${SIDE_KIND[$1]}" in
	wggo) tun_start_wggo "$1" ;;
	tenet) tun_start_tenet "$1" ;;
	*) echo "tun_start: unknown kind '${SIDE_KIND[$1]}'" >&2; return 1 ;;
	esac
}

tun_start_tenet() {
	local node=$1 ifc=${SIDE_IF[$1]} conf
	if [ ! -x "$TENET_AGENT" ]; then
		echo "    tenet-agent not built: $TENET_AGENT"
		return 1
	fi
	conf="$NET_TMP/$ifc.conf"
	tun_write_conf "$node" "$conf"
	net_bg "$node" "$ifc" "$TENET_AGENT" --config "$conf" --interface "$ifc" --foreground
	SIDE_PID[$node]=$NET_BG_PID
	if ! wait_for 10 tun_ready "$node"; then
		echo "    tenet-agent on $node ($ifc) not ready within 10s (alive: $(alive "$NET_BG_PID" && echo yes || echo no))"
		show_log "$NET_BG_PID"
		return 1
	fi
}

tun_start_wggo() {
	local node=$1 ifc=${SIDE_IF[$1]} ns key pskf addr pub allowed endpoint keepalive psk a args
	ns=$(ns_name "$node")
	net_bg "$node" "$ifc" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$ifc"
	SIDE_PID[$node]=$NET_BG_PID
	if ! wait_for 10 uapi_answers "$ifc"; then
		echo "    wireguard-go on $node ($ifc) not ready within 10s"
		show_log "$NET_BG_PID"
		return 1
	fi
	key="$NET_TMP/$ifc.key"
	(umask 077; printf '%s\n' "${SIDE_PRIV[$node]}" >"$key")
	nsx "$node" wg set "$ifc" private-key "$key" listen-port "${SIDE_PORT[$node]}" || return 1
	while IFS='|' read -r pub allowed endpoint keepalive psk; do
		[ -n "$pub" ] || continue
		args=(peer "$pub" allowed-ips "$allowed")
		[ "$endpoint" = - ] || args+=(endpoint "$endpoint")
		[ "$keepalive" = 0 ] || args+=(persistent-keepalive "$keepalive")
		if [ "$psk" != - ]; then
			pskf="$NET_TMP/$ifc.psk$RANDOM"
			(umask 077; printf '%s\n' "$psk" >"$pskf")
			args+=(preshared-key "$pskf")
		fi
		nsx "$node" wg set "$ifc" "${args[@]}" || return 1
	done <<<"${SIDE_PEERS[$node]}"
	for addr in ${SIDE_ADDRS[$node]}; do
		ip -n "$ns" addr add "$addr" dev "$ifc" nodad 2>/dev/null ||
			ip -n "$ns" addr add "$addr" dev "$ifc" || return 1
	done
	ip -n "$ns" link set dev "$ifc" mtu "${SIDE_MTU[$node]}" up || return 1
	# As wg-quick does: a route for every AllowedIP (replace: the connected
	# route of an address may already cover it).
	while IFS='|' read -r pub allowed endpoint keepalive psk; do
		[ -n "$pub" ] || continue
		for a in ${allowed//,/ }; do
			case "$a" in
			*:*) ip -n "$ns" -6 route replace "$a" dev "$ifc" ;;
			*) ip -n "$ns" route replace "$a" dev "$ifc" ;;
			esac || return 1
		done
	done <<<"${SIDE_PEERS[$node]}"
	wait_for 5 tun_ready "$node"
}

# --- reading state ------------------------------------------------------------

# wg_field NODE FIELD : `wg show IFACE FIELD` value for the only peer (2nd column).
wg_field() { nsx "$1" wg show "${SIDE_IF[$1]}" "$2" | awk -F'\t' 'NR==1 {print $2}'; }

# handshake_done NODE : the side has a non-zero latest handshake with its peer.
handshake_done() {
	local t
	t=$(wg_field "$1" latest-handshakes)
	[ -n "$t" ] && [ "$t" != 0 ]
}

# rx_bytes NODE / tx_bytes NODE : transfer counters of the only peer.
rx_bytes() { nsx "$1" wg show "${SIDE_IF[$1]}" transfer | awk -F'\t' 'NR==1 {print $2}'; }
tx_bytes() { nsx "$1" wg show "${SIDE_IF[$1]}" transfer | awk -F'\t' 'NR==1 {print $3}'; }

# tenet_stats IFACE : the tenet UAPI extension "stats=1", as key=value lines.
tenet_stats() {
	"$NET_PY" - "$WG_SOCK_DIR/$1.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
s.sendall(b"stats=1\n\n")
buf = b""
while not buf.endswith(b"\n\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
    if len(buf) > 1 << 20:
        sys.exit("stats answer too long")
s.close()
lines = buf.decode("ascii", "replace").split("\n")
if "errno=0" not in lines:
    sys.exit("stats answer without errno=0: %r" % buf[:200])
sys.stdout.write("\n".join(l for l in lines if l) + "\n")
EOF
}

# tenet_drop IFACE REASON : one drop counter (drop_REASON), 0 when absent;
# REASON "all" sums every drop_* counter. Fails when the socket does not answer.
tenet_drop() {
	local out
	out=$(tenet_stats "$1") || return 1
	if [ "$2" = all ]; then
		printf '%s\n' "$out" | awk -F= '/^drop_/ {s += $2} END {print s + 0}'
	else
		printf '%s\n' "$out" | awk -F= -v k="drop_$2" '$1 == k {v = $2} END {print v + 0}'
	fi
}

# uapi_pid IFACE : the PID of the process serving IFACE's UAPI socket.
uapi_pid() {
	"$NET_PY" - "$WG_SOCK_DIR/$1.sock" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)
s.connect(sys.argv[1])
pid, _, _ = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
print(pid)
EOF
}

# ping_ok NODE ADDR [ping args...] : one echo answered within a second.
ping_ok() {
	local node=$1 addr=$2
	shift 2
	case "$addr" in
	*:*) nsx "$node" ping -6 -n -c1 -W1 "$@" "$addr" ;;
	*) nsx "$node" ping -n -c1 -W1 "$@" "$addr" ;;
	esac
}
