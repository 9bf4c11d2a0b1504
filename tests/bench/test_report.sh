#!/usr/bin/env bash
# bench/report.py on a made-up raw directory with known round trips: the
# ratios make bench reports are the figures the performance work is judged
# by, so their arithmetic is checked here (no namespaces, well under a second).
set -u
cd "$(dirname "$0")/../.."
T=$(mktemp -d /tmp/tenet-report.XXXXXX)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; }

# pings SETUP MS... : one ping.txt of repetition 1 with those round trips.
pings() {
	local dir="$T/raw/$1/1" ms
	shift
	mkdir -p "$dir"
	for ms in "$@"; do echo "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=$ms ms"; done >"$dir/ping.txt"
}

# tcp1 SETUP GBPS : a one-stream iperf3 result.
tcp1() {
	printf '{"end": {"sum_received": {"bits_per_second": %s, "bytes": 1000000000},
	 "sum_sent": {"retransmits": 0}}}\n' "$(($2 * 1000000000))" >"$T/raw/$1/1/tcp1.json"
}

# meta SETUP... : meta.json naming the setups in order; "bridged" is ping-only.
meta() {
	local s sep=""
	{
		printf '{"seconds": 10, "udp_seconds": 5, "reps": 1, "ping_count": 4, "ping_interval": 0.01, "setups": ['
		for s in "$@"; do
			printf '%s{"name": "%s", "label": "L-%s", "status": "ok", "ping_only": %s}' \
				"$sep" "$s" "$s" "$([ "$s" = bridged ] && echo true || echo false)"
			sep=", "
		done
		printf ']}\n'
	} >"$T/raw/meta.json"
}

# value JSON_PATH : one number from results.json, printed with 4 decimals.
value() {
	/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print("%.4f" % d)' "$T/results.json" "$1" 2>/dev/null
}

check() { # NAME JSON_PATH EXPECTED
	local got
	got=$(value "$2")
	if [ "$got" = "$3" ]; then pass "$1"; else fail "$1 ($2 = ${got:-missing}, want $3)"; fi
}

# Medians: veth 0.04, bridged 0.06, fabric 0.24, wggo 0.44 ms.
pings veth 0.03 0.04 0.04 0.05
pings bridged 0.05 0.06 0.06 0.07
pings fabric 0.20 0.24 0.24 0.28
pings wggo 0.40 0.44 0.44 0.48
tcp1 veth 20
tcp1 fabric 4
tcp1 wggo 1
meta veth bridged fabric wggo
if /usr/bin/python3 bench/report.py "$T/raw" "$T/results.json" >"$T/out.txt" 2>&1; then
	pass "report.py runs"
else
	fail "report.py runs: $(tail -n 3 "$T/out.txt")"
fi

check "fabric added RTT over the bare veth" ratios.fabric.vs_wggo.rtt_avg_ms_added 0.2000
check "wireguard-go added RTT over the bare veth" ratios.fabric.vs_wggo.rtt_avg_ms_added_base 0.4000
check "fabric added RTT ratio: (0.24-0.04)/(0.44-0.04)" ratios.fabric.vs_wggo.rtt_avg_ms_added_ratio 0.5000
check "fabric TCP 1x vs wireguard-go" ratios.fabric.vs_wggo.tcp1_gbps 4.0000
check "own path: fabric over the no-tunnel path" ratios.fabric.own_path.rtt_avg_ms_added 0.1800
check "own path ratio: (0.24-0.06)/(0.44-0.04)" ratios.fabric.own_path.rtt_avg_ms_added_ratio 0.4500
check "own path p99 is its nearest rank" ratios.fabric.own_path.rtt_p99_ms_path 0.0700

if /usr/bin/python3 -c 'import json, sys
sys.exit("bridged" in json.load(open(sys.argv[1]))["ratios"])' "$T/results.json"; then
	pass "a ping-only reference gets no ratios of its own"
else
	fail "a ping-only reference gets no ratios of its own"
fi
row=$(grep '^L-bridged ' "$T/out.txt")
if [ "$(echo "$row" | awk '{print $2, $3, $7}')" = "- - 0.060" ]; then
	pass "the reference row shows - for throughput and its round trip"
else
	fail "the reference row shows - for throughput and its round trip: '$row'"
fi

# A run without the reference (an older raw directory) still reports, without
# the own-path line.
rm -rf "$T/raw/bridged"
meta veth fabric wggo
sed -i 's/, "ping_only": false//g' "$T/raw/meta.json"
if /usr/bin/python3 bench/report.py "$T/raw" "$T/results.json" >"$T/out.txt" 2>&1 &&
	! grep -q "own kernel path" "$T/out.txt" && [ "$(value ratios.fabric.vs_wggo.rtt_avg_ms_added_ratio)" = 0.5000 ]; then
	pass "a run without the reference reports as before"
else
	fail "a run without the reference reports as before: $(tail -n 3 "$T/out.txt")"
fi
