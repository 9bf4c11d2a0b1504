#!/usr/bin/env bash
# Sustained overload: far more offered than the tunnel can carry, in both
# directions at once (iperf3 --bidir), for OVL_SECONDS: 4 parallel TCP
# streams all along, with UDP at -b 20G, 1400-byte payloads for the first
# half, then 64-byte payloads (the per-packet cost) for the second.
#
#   [tun]     two tenet-agent TUN peers (tests/net/tun_cases.sh's pair:
#             10.99.0.1 <-> 10.99.0.2 over a veth)
#   [fabric]  two fabric-mode agents (tests/net/fabric_lib.sh), container a1
#             10.0.1.11 on h1 <-> container a2 10.0.1.12 on h2, same subnet
#
# Per mode:
#   memory bounded   each agent's VmRSS sampled every 0.5 s during the
#                    overload; the peak stays under idle + OVL_MARGIN_MIB and
#                    the last third's peak is at most OVL_GROWTH_MIB above the
#                    first third's (no steady growth).
#   recovers         the same processes (same PIDs, still serving their UAPI
#                    socket) carry a ping within 5 s and 8 MiB of TCP in each
#                    direction.
#   counted drops    the agents' UAPI drop counters (stats=1) and the kernel's
#                    per-namespace drop counters (interfaces, qdiscs, UDP
#                    sockets) moved, no allocation failed, and there are at
#                    least as many counted drops as UDP datagrams iperf3 sent
#                    and never got: the excess went to bounded, counted
#                    places, none vanished.
#
# Why the margin: the agent's packet buffers are allocated once (rx/tx
# buffers of ~64 KiB each, tunbatch's segment and pending slots, ~200 KiB
# together; fabric mode one frame scratch buffer), and the only per-packet
# allocation, the staged queue, holds at most STAGED_MAX (128) packets of one
# transport message each per peer: under 1 MiB in all, whether or not those
# pages were touched before the idle sample. Socket and TUN queues are kernel
# memory, not the agent's RSS. 16 MiB is many times that, yet a leak of a few
# bytes per packet over the millions of packets of a run crosses it, and
# steady growth fails the growth check first. Under ASan, fabric mode's
# 5-second reconcile tick adds ~0.6 MiB per tick (freed libnl buffers held in
# the allocator's quarantine; flat without ASan): fine for the default
# OVL_SECONDS, not for runs of a minute or more.
#
# Heavy: run it alone (other heavy runs take flock /tmp/tenet-bench.lock).
#   OVL_SECONDS     overload per mode (default 15)
#   OVL_MARGIN_MIB  allowed RSS above idle (default 16)
#   OVL_GROWTH_MIB  allowed rise of the last third over the first (default 4)
#   OVL_FABRIC=0    skip the fabric mode
here=$(cd "$(dirname "$0")" && pwd)
NET_PREFIX=${NET_PREFIX:-ovl}
. "$here/lib.sh"
. "$here/tun_cases.sh"
. "$here/fabric_lib.sh"

OVL_SECONDS=${OVL_SECONDS:-15}
OVL_MARGIN_MIB=${OVL_MARGIN_MIB:-16}
OVL_GROWTH_MIB=${OVL_GROWTH_MIB:-4}
OVL_PORTS="5311 5312 5313"  # u1400, u64, tcp

for tool in iperf3 tc ss timeout; do
	command -v "$tool" >/dev/null || { fail "$tool installed"; finish; }
done
if [ "$(tun_kind tenet)" != tenet ]; then
	note "TENET_KIND=$TENET_KIND: the overload checks measure tenet-agent, skipped"
	pass "overload suite skipped for TENET_KIND=$TENET_KIND"
	finish
fi

# --- measuring ------------------------------------------------------------------

# rss_kib PID : VmRSS in KiB into RSS_V, without a fork (sampled often while
# the CPUs are saturated). Tried twice: a read under load can come short.
rss_kib() {
	local k v _
	for _ in 1 2; do
		while read -r k v _; do
			[ "$k" = VmRSS: ] && { RSS_V=$v; return 0; }
		done <"/proc/$1/status"
	done 2>/dev/null
	return 1
}

# rss_sampler OUT SECONDS PID... : one line "rss_1 rss_2 ..." (KiB, "-" for a
# sample that could not be read) every 0.5 s until killed or SECONDS passed.
rss_sampler() {
	local out=$1 end=$((EPOCHSECONDS + $2)) pid line
	shift 2
	while [ "$EPOCHSECONDS" -lt "$end" ]; do
		line=""
		for pid in "$@"; do
			if rss_kib "$pid"; then line+="$RSS_V "; else line+="- "; fi
		done
		echo "$line" >>"$out"
		sleep 0.5
	done
}

# idle_rss PID : the largest of 3 samples over 0.4 s, in KiB.
idle_rss() {
	local m=0 _
	for _ in 1 2 3; do
		rss_kib "$1" || return 1
		[ "$RSS_V" -gt "$m" ] && m=$RSS_V
		sleep 0.2
	done
	echo "$m"
}

# rss_verdict SAMPLES COLUMN IDLE_KIB NAME : prints "NAME: idle X, peak Y, first
# third F, last third L" (MiB); fails if the peak or the growth is out of
# bounds, or if more than a third of the samples could not be read.
rss_verdict() {
	awk -v c="$2" -v idle="$3" -v name="$4" -v margin="$OVL_MARGIN_MIB" -v growth="$OVL_GROWTH_MIB" '
		{ if ($c == "-") missing++; else v[++n] = $c }
		END {
			t = int(n / 3); if (t < 1) t = 1
			for (i = 1; i <= n; i++) {
				if (v[i] > peak) peak = v[i]
				if (i <= t && v[i] > first) first = v[i]
				if (i > n - t && v[i] > last) last = v[i]
			}
			printf "%s: idle %.1f MiB, peak %.1f MiB (bound %.1f), first third %.1f, last third %.1f MiB, %d samples",
				name, idle / 1024, peak / 1024, idle / 1024 + margin, first / 1024, last / 1024, n
			if (missing) printf " (%d unreadable)", missing
			exit (n < 6 || missing * 2 > n || peak > idle + margin * 1024 || last > first + growth * 1024)
		}' "$1"
}

# kern_counters NODE : the namespace's own drop counters as NODE:key=value:
# per-interface rx/tx drops (/proc/net/dev), UDP socket errors
# (/proc/net/snmp), qdisc drops.
kern_counters() {
	local n=$1
	nsx "$n" awk -v n="$n" '
		FILENAME ~ /snmp/ && $1 == "Udp:" {
			if (!hdr) { for (i = 2; i <= NF; i++) col[i] = $i; hdr = 1; next }
			for (i = 2; i <= NF; i++)
				if (col[i] ~ /^(InErrors|RcvbufErrors|SndbufErrors)$/) print n ":udp_" col[i] "=" $i
		}
		FILENAME ~ /dev$/ && FNR > 2 {
			sub(/:/, " ")
			print n ":" $1 "_rx_drop=" $5
			print n ":" $1 "_tx_drop=" $13
		}' /proc/net/snmp /proc/net/dev || return 1
	nsx "$n" tc -s qdisc show | awk -v n="$n" '
		$1 == "qdisc" { dev = $5 }
		{ for (i = 1; i < NF; i++) if ($i == "(dropped") d[dev] += $(i + 1) }
		END { for (k in d) print n ":qdisc_" k "_drop=" d[k] + 0 }'
}

# agent_counters IFACE LABEL : the agent's drop_* counters as LABEL:key=value.
agent_counters() {
	local out
	out=$(tenet_stats "$1") || return 1
	printf '%s\n' "$out" | awk -F= -v l="$2" '/^drop_/ { print l ":" $0 }'
}

# all_counters IFACE_1 IFACE_2 NODE... : both agents' and the nodes' counters.
all_counters() {
	local n
	agent_counters "$1" agent1 && agent_counters "$2" agent2 || return 1
	shift 2
	for n in "$@"; do kern_counters "$n" || return 1; done
}

# counter_delta BEFORE AFTER : key=delta for every counter that moved.
counter_delta() {
	awk -F= 'NR == FNR { b[$1] = $2; next } ($2 - b[$1]) != 0 { print $1 "=" ($2 - b[$1]) }' "$1" "$2"
}

elapsed() { echo "t=$(($(date +%s) - NET_START))s"; }

# --- load ---------------------------------------------------------------------------

listening() { # NODE PORT...
	local node=$1 out p
	shift
	out=$(nsx "$node" ss -Hltn) || return 1
	for p in "$@"; do grep -q ":$p\b" <<<"$out" || return 1; done
}

# ovl_servers NODE ADDR : one iperf3 server per kind (not -1: a client whose
# set-up was lost in the flood tries again).
OVL_SERVERS=()
ovl_servers() {
	local p
	for p in $OVL_PORTS; do
		net_bg "$1" "srv-$1-$p" timeout $((OVL_SECONDS + 40)) iperf3 -s -B "$2" -p "$p"
		OVL_SERVERS+=("$NET_BG_PID")
	done
	# shellcheck disable=SC2086
	wait_for 5 listening "$1" $OVL_PORTS
}

# Run by each client (bash -c): iperf3 until the common end time, again when
# an attempt failed early. iperf3 3.12 gives up on a UDP stream whose set-up
# datagram is lost, which the flood of the streams already running makes
# likely. The last attempt's JSON report is left in OUT.
# shellcheck disable=SC2016
OVL_CLIENT='end=$1 out=$2 rc=1
shift 2
for try in 1 2 3; do
	left=$((end - $(date +%s)))
	[ "$left" -ge 3 ] || break
	iperf3 "$@" -t "$left" -J >"$out.try" 2>&1 && { rc=0; break; }
	sleep 0.3
done
mv -f "$out.try" "$out" 2>/dev/null
exit "$rc"'

# ovl_client FROM TO_ADDR END KIND : one kind both ways (--bidir: a single
# set-up) until END, in the background; its report in $NET_TMP/KIND.json.
ovl_client() {
	local from=$1 to=$2 end=$3 kind=$4 port args
	case "$kind" in
	u1400) port=5311; args=(-u -b 20G -l 1400) ;;
	u64) port=5312; args=(-u -b 20G -l 64) ;;
	tcp) port=5313; args=(-P 4) ;;
	esac
	rm -f "$NET_TMP/$kind.json"
	net_bg "$from" "cli-$kind" timeout $((end - EPOCHSECONDS + 15)) bash -c "$OVL_CLIENT" ovl-client \
		"$end" "$NET_TMP/$kind.json" -c "$to" -p "$port" --bidir --connect-timeout 3000 "${args[@]}"
}

# iperf_summary : one line per kind and direction, then "udp_lost=N": UDP
# datagrams sent and never received (received = highest sequence - gaps).
iperf_summary() {
	"$NET_PY" - "$NET_TMP" <<'EOF'
import json, sys
lost = 0
for kind in ("u1400", "u64", "tcp"):
    try:
        text = open("%s/%s.json" % (sys.argv[1], kind), errors="replace").read()
        r = json.loads(text[text.index("{"):])
    except Exception as e:
        print("%s: no report (%s)" % (kind, e))
        continue
    if r.get("error"):
        print("%s: error: %s" % (kind, r["error"]))
        continue
    e = r.get("end", {})
    for d, sfx in (("x->y", ""), ("y->x", "_bidir_reverse")):
        s, rx = e.get("sum_sent" + sfx, {}), e.get("sum_received" + sfx, {})
        if kind == "tcp":
            print("%s %s: %.1f Mbit/s received, %d retransmits" % (
                kind, d, rx.get("bits_per_second", 0) / 1e6, s.get("retransmits", 0)))
            continue
        got = rx.get("packets", 0) - rx.get("lost_packets", 0)
        miss = max(s.get("packets", 0) - got, 0)
        lost += miss
        print("%s %s: %d datagrams offered, %d received (%.1f Mbit/s), %d lost" % (
            kind, d, s.get("packets", 0), got, rx.get("bits_per_second", 0) / 1e6, miss))
print("udp_lost=%d" % lost)
EOF
}

# overload X Y Y_ADDR SAMPLES PID... : OVL_SECONDS of overload between X and Y,
# both ways, while the PIDs' RSS is sampled: TCP all along; UDP with 1400-byte
# payloads the first half, then with 64-byte ones. The UDP kinds take turns
# because a client set up while another floods the tunnel loses its set-up
# (TCP backs off, so it does not stop the others' set-up).
overload() {
	local x=$1 y=$2 ya=$3 samples=$4 sampler pid end tcp
	shift 4
	OVL_SERVERS=()
	ovl_servers "$y" "$ya" || { echo "    iperf3 servers not listening"; return 1; }
	: >"$samples"
	rss_sampler "$samples" $((OVL_SECONDS + 35)) "$@" &
	sampler=$!
	NET_PIDS+=("$sampler")
	end=$((EPOCHSECONDS + OVL_SECONDS))
	# Every client is under timeout, so these waits are bounded.
	ovl_client "$x" "$ya" "$end" tcp
	tcp=$NET_BG_PID
	sleep 0.5
	ovl_client "$x" "$ya" $((end - OVL_SECONDS / 2)) u1400
	wait "$NET_BG_PID"
	ovl_client "$x" "$ya" "$end" u64
	wait "$NET_BG_PID"
	wait "$tcp"
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	for pid in "${OVL_SERVERS[@]}"; do net_kill_pid "$pid"; done
	return 0
}

# --- one mode's cases -----------------------------------------------------------------

# tcp_transfer FROM TO TO_ADDR : 8 MiB of TCP within 15 s.
tcp_transfer() {
	local out
	net_bg "$2" "srv-tcp-$2-$RANDOM" timeout 20 iperf3 -s -1 -B "$3" -p 5314
	wait_for 5 listening "$2" 5314 || { echo "    iperf3 server on $2 not listening"; return 1; }
	out=$(net_run "$1" timeout 15 iperf3 -c "$3" -p 5314 -n 8M 2>&1) ||
		{ printf '%s\n' "$out" | tail -3 | sed 's/^/    | /'; return 1; }
	printf '%s\n' "$out" | grep -E 'receiver' | tail -1 | sed "s/^/    | $1 -> $2: /"
}

# ovl_recovers X X_ADDR Y Y_ADDR IFACE_1 PID_1 IFACE_2 PID_2
ovl_recovers() {
	local who
	alive "$6" && alive "$8" || { echo "    an agent died"; show_log "$6"; show_log "$8"; return 1; }
	who=$(uapi_pid "$5"):$(uapi_pid "$7")
	[ "$who" = "$6:$8" ] || { echo "    UAPI served by $who, not $6:$8"; return 1; }
	wait_for 5 ping_ok "$1" "$4" || { echo "    no ping $2 -> $4 within 5 s"; return 1; }
	ping_ok "$3" "$2" >/dev/null || { echo "    no ping $4 -> $2"; return 1; }
	tcp_transfer "$1" "$3" "$4" && tcp_transfer "$3" "$1" "$2"
}

# ovl_cases LABEL X X_ADDR Y Y_ADDR IFACE_1 PID_1 IFACE_2 PID_2 NODE...
#   traffic between X (X_ADDR) and Y (Y_ADDR); IFACE_n/PID_n: the two agents;
#   NODEs: the namespaces whose kernel counters count drops.
ovl_cases() {
	local l=$1 x=$2 xa=$3 y=$4 ya=$5 if1=$6 pid1=$7 if2=$8 pid2=$9
	local idle1 idle2 samples="$NET_TMP/$1.rss" before="$NET_TMP/$1.before" after="$NET_TMP/$1.after"
	local v1 v2 r1 r2 delta lost counted nomem summary
	shift 9
	idle1=$(idle_rss "$pid1") && idle2=$(idle_rss "$pid2") || { fail "$l idle RSS readable"; return; }
	all_counters "$if1" "$if2" "$@" >"$before" || { fail "$l counters readable before the overload"; return; }

	note "$l overload for ${OVL_SECONDS}s, both ways at once: TCP x4, UDP -b 20G x 1400 B then x 64 B ($(elapsed))"
	overload "$x" "$y" "$ya" "$samples" "$pid1" "$pid2" || { fail "$l overload ran"; return; }
	all_counters "$if1" "$if2" "$@" >"$after" || { fail "$l counters readable after the overload"; return; }
	summary=$(iperf_summary)
	printf '%s\n' "$summary" | grep -v '^udp_lost=' | sed 's/^/    | /'
	note "$l overload done ($(elapsed))"

	# 1. memory
	v1=$(rss_verdict "$samples" 1 "$idle1" "agent 1 (pid $pid1)"); r1=$?
	v2=$(rss_verdict "$samples" 2 "$idle2" "agent 2 (pid $pid2)"); r2=$?
	if [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]; then
		pass "$l agents' memory bounded under overload: $v1; $v2; margin ${OVL_MARGIN_MIB} MiB, growth <= ${OVL_GROWTH_MIB} MiB"
	else
		fail "$l agents' memory bounded under overload" "$v1; $v2"
		note "samples (KiB per agent): $(tr '\n' '|' <"$samples")"
	fi

	# 2. recovery
	if ovl_recovers "$x" "$xa" "$y" "$ya" "$if1" "$pid1" "$if2" "$pid2"; then
		pass "$l same agents (pids $pid1, $pid2) carry ping and TCP both ways after the overload"
	else
		fail "$l same agents carry ping and TCP after the overload"
	fi

	# 4. counted drops (InErrors also counts every RcvbufErrors: left out)
	delta=$(counter_delta "$before" "$after")
	lost=$(printf '%s\n' "$summary" | awk -F= '$1 == "udp_lost" { print $2 + 0 }')
	counted=$(printf '%s\n' "$delta" |
		awk -F= '$1 ~ /(drop|Errors)/ && $1 !~ /(no_memory|InErrors)/ && $2 > 0 { s += $2 } END { print s + 0 }')
	nomem=$(printf '%s\n' "$delta" | awk -F= '$1 ~ /no_memory/ { s += $2 } END { print s + 0 }')
	note "$l counters that moved during the overload:"
	printf '%s\n' "$delta" | sort | sed 's/^/    | /'
	if [ "$nomem" -eq 0 ] && [ "$counted" -gt 0 ] && [ "${lost:-0}" -le "$counted" ]; then
		pass "$l overload absorbed by counted drops: $counted counted >= $lost UDP datagrams lost end to end, no allocation failed"
	else
		fail "$l overload absorbed by counted drops" "no_memory +$nomem, counted $counted, lost end to end ${lost:-?}"
	fi
	note "$l done ($(elapsed))"
}

# --- TUN mode ---------------------------------------------------------------------------
L="[tun]"
if pair_up tenet tenet && ping_within a "$TUN_B4" 5 && ping_within b "$TUN_A4" 2; then
	ovl_cases "$L" a "$TUN_A4" b "$TUN_B4" "${SIDE_IF[a]}" "${SIDE_PID[a]}" "${SIDE_IF[b]}" "${SIDE_PID[b]}" a b
else
	pair_fail "$L" "overload cases"
	dump_pair
fi

# --- fabric mode -----------------------------------------------------------------------
L="[fabric]"
if [ "${OVL_FABRIC:-1}" = 0 ]; then
	note "$L skipped (OVL_FABRIC=0)"
	finish
fi
net_reset
FAB_TENANTS="acme 100"
FAB_SUBNETS="1 acme s1 10.0.1.0/24 10.0.1.1 1418"
FAB_PORTS="11 acme s1 a1 h1 10.0.1.11
12 acme s1 a2 h2 10.0.1.12"
fab_setup() {
	fab_underlay h1 h2 && fab_container a1 && fab_container a2 && fab_write_views &&
		fab_agent_start h1 && fab_agent_start h2 &&
		fab_reaches a1 10.0.1.12 && fab_reaches a2 10.0.1.11
}
if fab_setup; then
	ovl_cases "$L" c-a1 10.0.1.11 c-a2 10.0.1.12 "$(fab_if h1)" "${FAB_PID[h1]}" "$(fab_if h2)" "${FAB_PID[h2]}" \
		h1 h2 c-a1 c-a2
else
	fail "$L two agents up, containers reach each other"
fi
finish
