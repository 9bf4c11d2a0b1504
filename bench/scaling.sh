#!/usr/bin/env bash
# What a second data-path worker could give on this machine, at best.
#
# Multi-queue (one worker per core, each with its own TUN queue and
# SO_REUSEPORT socket) can at most do what two independent agent pairs do:
# two TUNs, two sockets, two processes per side, nothing shared. So this runs
# 4 TCP streams through one tenet TUN pair, then 2 + 2 streams through two
# pairs at once, alternately, and reports the throughput of each and how busy
# the CPUs were. When two pairs carry no more than one, a worker per core has
# no CPU to win here. Measures; asserts nothing.
#
# Environment: BUILD (build), BENCH_SECONDS (10), BENCH_REPS (3),
# BENCH_PREFIX (s). Needs root, iperf3, wg.
set -u

B_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$B_ROOT/bench/lib.sh"

die() { echo "scaling: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for tool in ip iperf3 ss wg timeout /usr/bin/python3; do
	command -v "$tool" >/dev/null || die "missing $tool (make deps installs it)"
done
S_SECONDS=${BENCH_SECONDS:-10}
S_REPS=${BENCH_REPS:-3}
case "$S_SECONDS$S_REPS" in *[!0-9]*) die "BENCH_SECONDS and BENCH_REPS are whole numbers" ;; esac
[ "$S_SECONDS" -ge 2 ] && [ "$S_SECONDS" -le 60 ] || die "BENCH_SECONDS must be in 2..60"
[ "$S_REPS" -ge 1 ] && [ "$S_REPS" -le 10 ] || die "BENCH_REPS must be in 1..10"
B_BUILD=${BUILD:-build}
case "$B_BUILD" in /*) ;; *) B_BUILD="$B_ROOT/$B_BUILD" ;; esac
B_AGENT=$B_BUILD/tenet-agent
[ -x "$B_AGENT" ] || die "$B_AGENT not built (make)"
B_MTU=1420
b_names s || exit 2

on_exit() {
	trap - EXIT INT TERM
	b_cleanup
	rm -rf "$B_TMP"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# cpu_ticks : busy and total ticks of all CPUs, from /proc/stat.
cpu_ticks() { awk '$1 == "cpu" {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }

gbits() {
	/usr/bin/python3 -c 'import json, sys
t = 0.0
for f in sys.argv[1:]:
    try:
        t += json.load(open(f))["end"]["sum_received"]["bits_per_second"]
    except Exception:
        print("n/a"); sys.exit()
print("%.2f" % (t / 1e9))' "$@"
}

# run LABEL OUT_PREFIX PAIRS : PAIRS iperf3 clients at once (4 streams in all).
run() {
	local label=$1 out=$2 n=$3 i pids=() b0 t0 b1 t1 files=()
	read -r b0 t0 < <(cpu_ticks)
	for i in $(seq "$n"); do
		(B_IPERF_PORT=$((5300 + i)) b_iperf "$B_NS_A" "$B_NS_B" "10.77.$((10 + i)).2" \
			"$out.$i.json" "$S_SECONDS" -P $((4 / n))) &
		pids+=($!)
		files+=("$out.$i.json")
	done
	for i in "${pids[@]}"; do wait "$i"; done
	read -r b1 t1 < <(cpu_ticks)
	printf '%-28s %6s Gbit/s   CPUs %3d%% busy\n' "$label" "$(gbits "${files[@]}")" \
		$(((b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
}

b_topology_up || die "cannot create namespaces"
for i in 1 2; do
	b_genkeys || die "wg genkey failed"
	B_TENET_PORT=$((51900 + i)) b_tenet_side "$B_NS_A" "$B_P-t${i}a" "$B_KEY_A" "10.77.$((10 + i)).1/24" \
		"$B_PUB_B" "10.77.$((10 + i)).2/32" "10.77.0.2:$((51900 + i))" || die "pair $i side a"
	B_TENET_PORT=$((51900 + i)) b_tenet_side "$B_NS_B" "$B_P-t${i}b" "$B_KEY_B" "10.77.$((10 + i)).2/24" \
		"$B_PUB_A" "10.77.$((10 + i)).1/32" "10.77.0.1:$((51900 + i))" || die "pair $i side b"
	b_wait_for 15 b_reachable "$B_NS_A" "10.77.$((10 + i)).2" || die "pair $i passes no traffic"
done
echo "4 TCP streams, $S_SECONDS s each, $S_REPS repetitions, $(nproc) CPUs"
for rep in $(seq "$S_REPS"); do
	run "rep $rep: one pair, 4 streams" "$B_TMP/one.$rep" 1
	run "rep $rep: two pairs, 2 + 2" "$B_TMP/two.$rep" 2
done
