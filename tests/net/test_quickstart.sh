#!/usr/bin/env bash
# examples/quickstart.sh (make demo) end to end: "up" builds the fabric and its
# matrix says every same-tenant pair reaches and no cross-tenant pair does; a
# second "up" is harmless; "status" agrees; "down" leaves nothing behind
# (namespaces, daemons, UAPI sockets, links, state dir); "down" again and
# "down" after a half-made "up" are harmless.
#
# Runs under its own prefix (QUICKSTART_PREFIX, default tqt) so a demo someone
# has up (prefix tq) is never touched. TENET_BUILD as for the other suites.
set -u
[ "$(id -u)" -eq 0 ] || { echo "FAIL: quickstart: needs root"; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export TENET_BUILD=${TENET_BUILD:-build}
export QUICKSTART_PREFIX=${QUICKSTART_TEST_PREFIX:-tqt}
P=$QUICKSTART_PREFIX
QS="$ROOT/examples/quickstart.sh"
STATE=/run/tenet-demo-$P
OUT=$(mktemp -d "/tmp/$P-test.XXXXXX")
L=quickstart
passed=0 failed=0

pass() { echo "PASS: $L: $1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL: $L: $1"
	[ $# -lt 2 ] || printf '%s\n' "$2" | tail -30 | sed 's/^/    | /'
	failed=$((failed + 1))
}
cleanup() {
	"$QS" down >/dev/null 2>&1
	rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

our_nses() { ip netns list 2>/dev/null | awk -v p="$P-" 'index($1, p) == 1 {print $1}'; }

# --- up ------------------------------------------------------------------------------
start=$(date +%s)
timeout -k 5 90 "$QS" up >"$OUT/up" 2>&1
rc=$?
took=$(($(date +%s) - start))
if [ "$rc" -eq 0 ]; then pass "up exits 0 (${took}s)"; else fail "up exits 0 (exit $rc)" "$(cat "$OUT/up")"; fi
if [ "$took" -le 45 ]; then pass "up takes at most 45 s"; else fail "up takes at most 45 s (took ${took}s)"; fi
if grep -qF "all 12 same-tenant pairs reach each other; no cross-tenant pair does" "$OUT/up"; then
	pass "matrix: all 12 same-tenant pairs reach, no cross-tenant pair does"
else
	fail "matrix: all 12 same-tenant pairs reach, no cross-tenant pair does" "$(sed -n '/Reachability/,$p' "$OUT/up")"
fi
views_shown() {
	local h c
	for h in h1 h2 h3; do grep -qE "^$h +192\.168\.100\.[0-9]+:51820 " "$OUT/up" || return 1; done
	for c in acme1 acme2 acme3 bravo1 bravo2 bravo3; do
		grep -qE "^(acme|bravo) +$c +(web|db) +h[123] +container +10\.0\.[12]\.[0-9]+ " "$OUT/up" || return 1
	done
	grep -qE '^bravo +web +10\.0\.1\.0/24' "$OUT/up" && grep -qE '^acme +web +10\.0\.1\.0/24' "$OUT/up"
}
if views_shown; then pass "the CLI's host, subnet and port lists are printed"; else fail "the CLI's host, subnet and port lists are printed" "$(cat "$OUT/up")"; fi
# Both tenants really hold the same address (IPAM), on the same host.
same_ip() {
	[ "$(ip -n "$P-acme1" -4 -o addr show dev eth0 | awk '{print $4}')" = 10.0.1.2/24 ] &&
		[ "$(ip -n "$P-bravo1" -4 -o addr show dev eth0 | awk '{print $4}')" = 10.0.1.2/24 ]
}
if same_ip; then pass "acme1 and bravo1 (both on h1) are both 10.0.1.2"; else fail "acme1 and bravo1 (both on h1) are both 10.0.1.2"; fi

pids=$(cat "$STATE"/*.pid 2>/dev/null | tr '\n' ' ')
nses_before=$(our_nses | sort | tr '\n' ' ')
if [ "$(wc -w <<<"$pids")" -eq 4 ] && [ "$(wc -w <<<"$nses_before")" -eq 10 ]; then
	pass "4 daemons and 10 namespaces recorded"
else
	fail "4 daemons and 10 namespaces recorded" "pids: $pids; namespaces: $nses_before"
fi

# --- up again, status ------------------------------------------------------------------
"$QS" up >"$OUT/up2" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -q "already up" "$OUT/up2" && [ "$(our_nses | sort | tr '\n' ' ')" = "$nses_before" ] &&
	[ "$(cat "$STATE"/*.pid 2>/dev/null | tr '\n' ' ')" = "$pids" ]; then
	pass "a second up says already up and changes nothing"
else
	fail "a second up says already up and changes nothing (exit $rc)" "$(cat "$OUT/up2")"
fi
"$QS" status >"$OUT/status" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -qF "no cross-tenant pair does" "$OUT/status"; then
	pass "status: daemons running, matrix as expected"
else
	fail "status: daemons running, matrix as expected (exit $rc)" "$(cat "$OUT/status")"
fi

# --- down ---------------------------------------------------------------------------------
"$QS" down >"$OUT/down" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then pass "down exits 0"; else fail "down exits 0 (exit $rc)" "$(cat "$OUT/down")"; fi
left=""
# A stopped daemon may stay a zombie until init reaps it: that is gone.
running() { case "$(ps -o stat= -p "$1" 2>/dev/null)" in "" | Z*) return 1 ;; esac; }
for pid in $pids; do ! running "$pid" || left+=" process $pid ($(ps -o args= -p "$pid"))"; done
for ns in $(our_nses); do left+=" netns $ns"; done
for s in /var/run/wireguard/"$P"-*.sock; do [ ! -e "$s" ] || left+=" socket $s"; done
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
	case "$l" in "$P"-*) left+=" link $l" ;; esac
done
[ ! -e "$STATE" ] || left+=" $STATE"
if [ -z "$left" ]; then pass "nothing left after down"; else fail "nothing left after down" "left:$left"; fi

"$QS" down >"$OUT/down2" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then pass "down without up is harmless"; else fail "down without up is harmless (exit $rc)" "$(cat "$OUT/down2")"; fi
"$QS" status >"$OUT/status2" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q "not up" "$OUT/status2"; then pass "status after down: not up, non-zero"; else fail "status after down: not up, non-zero (exit $rc)" "$(cat "$OUT/status2")"; fi

# What an interrupted up leaves (state dir, underlay, a host, a root-namespace veth
# end) goes with down.
partial() {
	mkdir -p "$STATE" && ip netns add "$P-ul" && ip netns add "$P-h1" &&
		ip link add "$P-u2" type veth peer name "$P-x2" || return 1
	"$QS" down >"$OUT/down3" 2>&1 || return 1
	[ -z "$(our_nses)" ] && [ ! -e "$STATE" ] && ! ip link show "$P-u2" >/dev/null 2>&1
}
if partial; then pass "down after a half-made up removes what it left"; else fail "down after a half-made up removes what it left" "$(cat "$OUT/down3" 2>/dev/null)"; fi

echo "# $passed passed, $failed failed"
[ "$failed" -eq 0 ]
