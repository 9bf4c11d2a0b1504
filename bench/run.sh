#!/usr/bin/env bash
# tenet data-path benchmark (`make bench`). Measures; asserts nothing about speed.
#
# In one run, on one pair of network namespaces joined by a veth, measures:
#   veth    the bare veth (the ceiling)
#   bridged the fabric's kernel path with no tunnel (container veths, a bridge
#           per host, a veth between the bridges): pinged only, a reference
#   tenet   tenet-agent in TUN mode on both sides
#   fabric  tenet fabric mode, container to container across two hosts: only
#           when bench/fabric_setup.sh exists (contract in bench/README.md)
#   wggo    stock wireguard-go on both sides, configured with wg
# For each of the others: iperf3 TCP 1 stream and 4 streams (+ retransmits),
# UDP 64-byte packet rate and loss, ping RTT avg/p99, tunnel CPU seconds per GB
# moved.
# Repetitions are interleaved (rep 1 of every setup, then rep 2, ...) so a
# change in background load hits every setup alike; medians are reported.
# Each repetition ends with the pings, the setups taking turns in chunks.
# Then bench/handshake (handshakes/s per core vs X25519). Table and ratios on
# stdout, JSON in $BUILD/bench/results.json, raw iperf3/ping output in
# $BUILD/bench/raw/.
#
# Environment:
#   BUILD          build directory with tenet-agent and bench/handshake (build)
#   BENCH_SECONDS  seconds per iperf3 TCP test (10; UDP runs half, at least 2)
#   BENCH_REPS     repetitions (3)
#   BENCH_QUICK=1  smoke run: 1 repetition of 3 s, shorter handshake bench
#   BENCH_PREFIX   first letters of every namespace/interface name (b)
#   BENCH_TIMEOUT  hard bound on the whole run in seconds (derived from the above)
#   BENCH_KEEP=1   keep the temp dir (configs, daemon logs)
set -u

B_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$B_ROOT/bench/lib.sh"

die() { echo "bench: $*" >&2; exit 2; }

# bounded_int NAME VALUE MIN MAX
bounded_int() {
	case "$2" in '' | *[!0-9]*) die "$1 must be a whole number, got \"$2\"" ;; esac
	if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then die "$1 must be in $3..$4, got \"$2\""; fi
}

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	B_SECONDS=${BENCH_SECONDS:-3}
	B_REPS=${BENCH_REPS:-1}
	B_HS_SECONDS=0.3
else
	B_SECONDS=${BENCH_SECONDS:-10}
	B_REPS=${BENCH_REPS:-3}
	B_HS_SECONDS=1
fi
bounded_int BENCH_SECONDS "$B_SECONDS" 1 120
bounded_int BENCH_REPS "$B_REPS" 1 20
B_UDP_SECONDS=$((B_SECONDS / 2 < 2 ? 2 : B_SECONDS / 2))
B_PING_COUNT=200
B_PING_CHUNKS=4
B_PING_INTERVAL=0.01
B_MTU=1420
# About twice the expected time (4 setups, each repetition ~2.5 x S plus a
# few seconds of ping and start-up): ends a hung run, never a healthy one.
B_TIMEOUT=${BENCH_TIMEOUT:-$((60 + B_REPS * 4 * (3 * B_SECONDS + 25)))}
bounded_int BENCH_TIMEOUT "$B_TIMEOUT" 30 86400

# The whole run under a hard time bound. --foreground: keep the terminal's
# Ctrl-C reaching us; on expiry our TERM trap kills what we started.
if [ -z "${BENCH_UNDER_TIMEOUT:-}" ]; then
	export BENCH_UNDER_TIMEOUT=1
	exec timeout --foreground -k 30 "$B_TIMEOUT" "$0" "$@"
fi

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for tool in ip iperf3 ping ss wg timeout /usr/bin/python3; do
	command -v "$tool" >/dev/null || die "missing $tool (make deps installs it)"
done

B_BUILD=${BUILD:-build}
case "$B_BUILD" in /*) ;; *) B_BUILD="$B_ROOT/$B_BUILD" ;; esac
B_AGENT=$B_BUILD/tenet-agent
B_HANDSHAKE=$B_BUILD/bench/handshake
B_WGGO=$(command -v wireguard-go || true)
B_OUT=$B_BUILD/bench
B_RAW=$B_OUT/raw
B_HZ=$(getconf CLK_TCK)

b_names b || exit 2
B_START=$(date +%s)

on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	b_cleanup
	if [ "${BENCH_KEEP:-0}" = 1 ]; then b_log "kept $B_TMP"; else rm -rf "$B_TMP"; fi
	exit "$rc"
}
trap on_exit EXIT
trap 'b_log "interrupted (signal or the ${B_TIMEOUT}s time bound): cleaning up"; exit 130' INT TERM

# --- setups ----------------------------------------------------------------

B_SETUPS=(veth bridged tenet fabric wggo)
declare -A LABEL=([veth]="bare veth" [bridged]="fabric, no tunnel" [tenet]="tenet TUN"
	[fabric]="tenet fabric" [wggo]="wireguard-go")
# Baselines only pinged: what the fabric's kernel path costs by itself.
declare -A PING_ONLY=([bridged]=1)
declare -A STATUS=() CLIENT_NS=() SERVER_NS=() SERVER_IP=() PIDS=()
# The server side's WireGuard interface: its rx counter must grow by at least
# what iperf3 moved, or the traffic did not cross the tunnel under test.
declare -A WG_IF=([tenet]="$B_P-tb" [wggo]="$B_P-wb")
B_FAILED=0

# ready NAME CLIENT_NS SERVER_NS SERVER_IP PIDS : the setup passes traffic
# (the first echo also completes a tunnel's handshake before any test).
ready() {
	if ! b_wait_for 15 b_reachable "$2" "$4"; then
		STATUS[$1]="n/a (no traffic through it: setup broken)"
		B_FAILED=1
		return 1
	fi
	STATUS[$1]=ok CLIENT_NS[$1]=$2 SERVER_NS[$1]=$3 SERVER_IP[$1]=$4 PIDS[$1]=$5
}

setups_up() {
	b_topology_up || die "cannot create namespaces $B_NS_A/$B_NS_B"
	b_genkeys || die "wg genkey failed"
	ready veth "$B_NS_A" "$B_NS_B" 10.77.0.2 ""
	if b_bridged_up; then
		ready bridged "${B_BRIDGED_NS[0]}" "${B_BRIDGED_NS[1]}" 10.79.0.2 ""
	else
		STATUS[bridged]="n/a (bridges and veths could not be made)"
		B_FAILED=1
	fi

	if [ ! -x "$B_AGENT" ]; then
		STATUS[tenet]="n/a (tenet-agent not built: $B_AGENT)"
		B_FAILED=1
	elif b_tenet_up; then
		ready tenet "$B_NS_A" "$B_NS_B" 10.77.1.2 "$B_TENET_PIDS"
	else
		STATUS[tenet]="n/a (tenet-agent did not start)"
		B_FAILED=1
	fi

	if [ ! -x "$B_ROOT/bench/fabric_setup.sh" ]; then
		STATUS[fabric]="n/a (fabric mode not built)"
	elif b_fabric_up; then
		ready fabric "$B_FABRIC_CLIENT_NS" "$B_FABRIC_SERVER_NS" "$B_FABRIC_SERVER_IP" \
			"${B_FABRIC_PIDS:-}"
	else
		STATUS[fabric]="n/a (bench/fabric_setup.sh up failed)"
		B_FAILED=1
	fi

	if [ -z "$B_WGGO" ]; then
		STATUS[wggo]="n/a (wireguard-go not installed)"
		B_FAILED=1
	elif b_wggo_up; then
		ready wggo "$B_NS_A" "$B_NS_B" 10.77.2.2 "$B_WGGO_PIDS"
	else
		STATUS[wggo]="n/a (wireguard-go did not start)"
		B_FAILED=1
	fi
}

# --- one repetition of one setup ---------------------------------------------

# The CPU of the tunnels not under test, so a busy-polling idle daemon shows.
bystander_pids() {
	local s
	for s in "${B_SETUPS[@]}"; do
		[ "$s" = "$1" ] || [ "${STATUS[$s]:-}" != ok ] || echo "${PIDS[$s]}"
	done
}

# wg_rx SETUP : bytes the server-side tunnel received from its peer (empty
# when the setup has no WireGuard interface of ours).
wg_rx() {
	[ -n "${WG_IF[$1]:-}" ] || return 0
	wg show "${WG_IF[$1]}" transfer 2>/dev/null | awk -F'\t' 'NR == 1 {print $2}'
}

iperf_rx_bytes() {
	/usr/bin/python3 -c 'import json, sys
try:
    print(json.load(open(sys.argv[1]))["end"]["sum_received"]["bytes"])
except Exception:
    pass' "$1"
}

measure() {
	local s=$1 rep=$2 dir="$B_RAW/$1/$2" cns=${CLIENT_NS[$1]} sns=${SERVER_NS[$1]}
	local ip=${SERVER_IP[$1]} pids=${PIDS[$1]} others t0 t1 o0 o1 r0 r1 moved ok=0
	mkdir -p "$dir"
	others=$(bystander_pids "$s" | tr '\n' ' ')
	t0=$( [ -z "$pids" ] || b_cpu_ticks $pids)
	o0=$( [ -z "$others" ] || b_cpu_ticks $others)
	r0=$(wg_rx "$s")
	b_iperf "$cns" "$sns" "$ip" "$dir/tcp1.json" "$B_SECONDS" && ok=1
	[ "$ok" = 1 ] || B_FAILED=1
	r1=$(wg_rx "$s")
	t1=$( [ -z "$pids" ] || b_cpu_ticks $pids)
	o1=$( [ -z "$others" ] || b_cpu_ticks $others)
	if [ -n "$pids" ] && [ -n "$t0" ] && [ -n "$t1" ] && [ "$ok" = 1 ]; then
		echo "ticks=$((t1 - t0)) clk_tck=$B_HZ" >"$dir/cpu.txt"
	fi
	moved=$(iperf_rx_bytes "$dir/tcp1.json")
	if [ -n "$r0" ] && [ -n "$r1" ] && [ -n "$moved" ] && [ $((r1 - r0)) -lt "$moved" ]; then
		b_log "WARNING: ${WG_IF[$s]} received $((r1 - r0)) bytes for $moved moved:" \
			"traffic bypassed the tunnel?"
		B_FAILED=1
	fi
	if [ -n "$others" ] && [ -n "$o0" ] && [ -n "$o1" ] &&
		[ $(((o1 - o0) * 100)) -gt $((B_SECONDS * B_HZ * 2)) ]; then
		b_log "WARNING: idle tunnels used $(((o1 - o0) * 100 / (B_SECONDS * B_HZ)))% of a CPU" \
			"during $s's test"
	fi
	b_iperf "$cns" "$sns" "$ip" "$dir/tcp4.json" "$B_SECONDS" -P 4 || B_FAILED=1
	b_iperf "$cns" "$sns" "$ip" "$dir/udp.json" "$B_UDP_SECONDS" -u -l 64 -b 0 || B_FAILED=1
}

# ping_round REP : the repetition's echoes for every setup, in B_PING_CHUNKS
# turns of B_PING_COUNT / B_PING_CHUNKS each, the setups taking turns: a
# round trip is a few tenths of a millisecond, so background load that drifts
# within a repetition would otherwise move one setup's figure and not the
# next one's. No tunnel carries other traffic meanwhile.
ping_round() {
	local rep=$1 chunk s dir n=$((B_PING_COUNT / B_PING_CHUNKS)) lost=()
	for chunk in $(seq "$B_PING_CHUNKS"); do
		for s in "${B_SETUPS[@]}"; do
			[ "${STATUS[$s]}" = ok ] || continue
			mkdir -p "$B_RAW/$s/$rep"
			b_ping "${CLIENT_NS[$s]}" "${SERVER_IP[$s]}" "$B_RAW/$s/$rep/ping.$chunk.txt" "$n" ||
				lost+=("$s")
		done
	done
	for s in "${B_SETUPS[@]}"; do
		[ "${STATUS[$s]}" = ok ] || continue
		dir="$B_RAW/$s/$rep"
		cat "$dir"/ping.[0-9]*.txt >"$dir/ping.txt" &&
			cat "$dir"/ping.[0-9]*.txt.err >"$dir/ping.txt.err" &&
			rm -f "$dir"/ping.[0-9]*.txt "$dir"/ping.[0-9]*.txt.err
	done
	[ ${#lost[@]} = 0 ] || b_log "ping rep $rep: some echoes lost through: $(printf '%s\n' "${lost[@]}" | sort -u | tr '\n' ' ')"
}

# json_safe TEXT : TEXT without the characters that would need JSON escapes.
json_safe() { printf '%s' "$1" | tr -d '"\\\000-\037'; }

write_meta() {
	local s sep=""
	{
		printf '{"seconds": %d, "udp_seconds": %d, "reps": %d, "ping_count": %d, ' \
			"$B_SECONDS" "$B_UDP_SECONDS" "$B_REPS" "$B_PING_COUNT"
		printf '"ping_interval": %s, "mtu": %d, "quick": %s, "cpus": %d, ' \
			"$B_PING_INTERVAL" "$B_MTU" "$([ "${BENCH_QUICK:-0}" = 1 ] && echo true || echo false)" \
			"$(nproc)"
		printf '"loadavg_start": "%s", "loadavg_end": "%s", "kernel": "%s", ' \
			"$B_LOAD_START" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(uname -r)"
		printf '"wireguard_go": "%s", "iperf3": "%s", "tenet_commit": "%s", ' \
			"$(json_safe "${B_WGGO:+$("$B_WGGO" --version 2>&1 | head -n1)}")" \
			"$(json_safe "$(iperf3 --version 2>&1 | head -n1)")" \
			"$(json_safe "$(git -C "$B_ROOT" rev-parse --short HEAD 2>/dev/null)")"
		printf '"started": %d, "run_seconds": %d, "setups": [' "$B_START" "$(($(date +%s) - B_START))"
		for s in "${B_SETUPS[@]}"; do
			printf '%s{"name": "%s", "label": "%s", "status": "%s", "ping_only": %s}' "$sep" \
				"$s" "${LABEL[$s]}" "${STATUS[$s]}" "$([ -n "${PING_ONLY[$s]:-}" ] && echo true || echo false)"
			sep=", "
		done
		printf ']}\n'
	} >"$B_RAW/meta.json"
}

# Before any tunnel exists, so nothing else of ours competes for the CPU; its
# line is printed after the table.
run_handshake() {
	local out="$B_RAW/handshake.txt" err
	if [ ! -x "$B_HANDSHAKE" ]; then
		echo "handshake: n/a ($B_HANDSHAKE not built)" >"$out"
		return
	fi
	b_log "handshake benchmark (bench/handshake --seconds $B_HS_SECONDS)"
	timeout -k 5 120 "$B_HANDSHAKE" --seconds "$B_HS_SECONDS" \
		--json "$B_RAW/handshake.json" >"$out" 2>&1 ||
		{
			err=$(tail -n1 "$out")
			echo "handshake: n/a (bench/handshake failed: $err)" >"$out"
			B_FAILED=1
		}
}

main() {
	local rep s t
	rm -rf "$B_RAW"
	mkdir -p "$B_RAW" || die "cannot create $B_RAW"
	B_LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	b_log "$B_REPS repetition(s), ${B_SECONDS}s TCP / ${B_UDP_SECONDS}s UDP per test," \
		"namespaces $B_NS_A $B_NS_B, bound ${B_TIMEOUT}s, load $B_LOAD_START"
	run_handshake
	setups_up
	for rep in $(seq "$B_REPS"); do
		for s in "${B_SETUPS[@]}"; do
			[ "${STATUS[$s]}" = ok ] && [ -z "${PING_ONLY[$s]:-}" ] || continue
			t=$(date +%s)
			measure "$s" "$rep"
			b_log "rep $rep/$B_REPS ${LABEL[$s]}: $(($(date +%s) - t))s"
		done
		t=$(date +%s)
		ping_round "$rep"
		b_log "rep $rep/$B_REPS ping: $(($(date +%s) - t))s"
	done
	write_meta
	/usr/bin/python3 "$B_ROOT/bench/report.py" "$B_RAW" "$B_OUT/results.json" || B_FAILED=1
	echo
	cat "$B_RAW/handshake.txt"
	echo "results: $B_OUT/results.json (raw: $B_RAW), run time $(($(date +%s) - B_START))s"
	return "$B_FAILED"
}

main
