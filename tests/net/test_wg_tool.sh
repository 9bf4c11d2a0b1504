#!/usr/bin/env bash
# The stock `wg` tool against tenet-agent's UAPI socket: show, show dump (the
# wg(8) format), show allowed-ips, showconf, set allowed-ips taking effect; and
# `tenet genkey|pubkey|genpsk` agreeing with `wg`.
#
#   ns a: tenet-agent (A, PresharedKey, PersistentKeepalive 25)
#   ns b: wireguard-go (B)            topology: tests/net/tun_cases.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/tun_cases.sh"

L="[a=$(tun_kind tenet)] wg"
B64KEY='^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$'

# --- tenet genkey / pubkey / genpsk --------------------------------------------
keys_agree() {
	local k p1 p2 psk1 psk2
	[ -x "$TENET_CLI" ] || { echo "    tenet CLI not built: $TENET_CLI"; return 1; }
	k=$("$TENET_CLI" genkey) || return 1
	[[ $k =~ $B64KEY ]] || { echo "    genkey printed '$k'"; return 1; }
	p1=$(printf '%s\n' "$k" | "$TENET_CLI" pubkey) || return 1
	p2=$(printf '%s\n' "$k" | wg pubkey) || return 1
	[ "$p1" = "$p2" ] || { echo "    tenet pubkey '$p1', wg pubkey '$p2'"; return 1; }
	k=$(wg genkey)
	p1=$(printf '%s\n' "$k" | "$TENET_CLI" pubkey) || return 1
	p2=$(printf '%s\n' "$k" | wg pubkey)
	[ "$p1" = "$p2" ] || { echo "    pubkey of a wg key: tenet '$p1', wg '$p2'"; return 1; }
	psk1=$("$TENET_CLI" genpsk) && psk2=$("$TENET_CLI" genpsk) || return 1
	[[ $psk1 =~ ^[A-Za-z0-9+/]{43}=$ ]] && [ "$psk1" != "$psk2" ] ||
		{ echo "    genpsk printed '$psk1' then '$psk2'"; return 1; }
	# A bad private key is refused, not turned into a public key.
	if printf 'not a key\n' | "$TENET_CLI" pubkey >/dev/null 2>&1; then
		echo "    tenet pubkey accepted 'not a key'"; return 1
	fi
}
expect "tenet genkey/pubkey/genpsk agree with wg" keys_agree

if ! pair_up tenet wggo psk=same ka=25; then
	for c in "show lists interface and peer" "handshake and transfer after ping" \
		"dump format" "transfer counters grow" "show allowed-ips" "showconf" \
		"show interfaces" "stats=1 extension" "set allowed-ips takes effect" \
		"set allowed-ips removal takes effect"; do pair_fail "$L" "$c"; done
	finish
fi
A=${SIDE_IF[a]}
wga() { nsx a wg "$@"; }

# --- wg show ----------------------------------------------------------------------
show_before() {
	local out
	out=$(wga show "$A") || return 1
	printf '%s\n' "$out" | sed 's/^/    | /'
	grep -qx "interface: $A" <<<"$out" &&
		grep -qx "  public key: ${SIDE_PUB[a]}" <<<"$out" &&
		grep -qx "  private key: (hidden)" <<<"$out" &&
		grep -qx "  listening port: $PORT_A" <<<"$out" &&
		grep -qx "peer: ${SIDE_PUB[b]}" <<<"$out" &&
		grep -qx "  preshared key: (hidden)" <<<"$out" &&
		grep -qx "  endpoint: $UL_B4:$PORT_B" <<<"$out" &&
		grep -qx "  allowed ips: $TUN_B4/32, $TUN_B6/128" <<<"$out" &&
		grep -qx "  persistent keepalive: every 25 seconds" <<<"$out"
}
expect "$L show lists interface and peer" show_before

dump0=$(wga show "$A" dump)
ping_within a "$TUN_B4" 5 >/dev/null
nsx a ping -n -c3 -i0.2 -W1 "$TUN_B4" >/dev/null
nsx b ping -n -c3 -i0.2 -W1 "$TUN_A4" >/dev/null

show_after() {
	local out
	out=$(wga show "$A") || return 1
	grep -E '^  (latest handshake|transfer):' <<<"$out" | sed 's/^/    | /'
	grep -qE '^  latest handshake: ([0-9]+ (second|minute)s?(, )?)+ ago$|^  latest handshake: Now$' <<<"$out" &&
		grep -qE '^  transfer: [0-9.]+ [KMG]?i?B received, [0-9.]+ [KMG]?i?B sent$' <<<"$out"
}
expect "$L handshake and transfer after ping" show_after

# dump (wg(8)): the interface line is private-key, public-key, listen-port,
# fwmark; each peer line is public-key, preshared-key, endpoint, allowed-ips,
# latest-handshake, transfer-rx, transfer-tx, persistent-keepalive; tab-separated.
dump_format() {
	local dump now iface peer
	dump=$(wga show "$A" dump) || return 1
	[ "$(wc -l <<<"$dump")" -eq 2 ] || { echo "    expected 2 lines:"; printf '%s\n' "$dump" | sed 's/^/    | /'; return 1; }
	now=$(date +%s)
	iface=$(sed -n 1p <<<"$dump")
	peer=$(sed -n 2p <<<"$dump")
	"$NET_PY" - "$iface" "$peer" "${SIDE_PRIV[a]}" "${SIDE_PUB[a]}" "$PORT_A" "${SIDE_PUB[b]}" \
		"$(wg_field b preshared-keys)" "$UL_B4:$PORT_B" "$TUN_B4/32,$TUN_B6/128" "$now" <<'PY'
import sys
iface, peer, priv, pub, port, ppub, psk, ep, allowed, now = sys.argv[1:]
i = iface.split("\t"); p = peer.split("\t")
errs = []
if i != [priv, pub, port, "off"]:
    errs.append("interface line fields %r" % (["(priv)" if x == priv else x for x in i],))
if len(p) != 8:
    errs.append("peer line has %d fields: %r" % (len(p), p))
else:
    if p[:3] != [ppub, psk, ep] or sorted(p[3].split(",")) != sorted(allowed.split(",")):
        errs.append("peer key/psk/endpoint/allowed-ips %r" % (p[:4],))
    if not p[4].isdigit() or abs(int(p[4]) - int(now)) > 60:
        errs.append("latest-handshake %r not a recent epoch second (now %s)" % (p[4], now))
    if not (p[5].isdigit() and p[6].isdigit() and int(p[5]) > 0 and int(p[6]) > 0):
        errs.append("transfer rx/tx %r %r" % (p[5], p[6]))
    if p[7] != "25":
        errs.append("persistent-keepalive %r" % p[7])
for e in errs:
    print("    dump:", e)
sys.exit(1 if errs else 0)
PY
}
expect "$L dump format" dump_format

counters_grew() {
	local dump1 rx0 tx0 rx1 tx1
	dump1=$(wga show "$A" dump) || return 1
	read -r rx0 tx0 < <(sed -n 2p <<<"$dump0" | awk -F'\t' '{print $6, $7}')
	read -r rx1 tx1 < <(sed -n 2p <<<"$dump1" | awk -F'\t' '{print $6, $7}')
	echo "    rx $rx0 -> $rx1, tx $tx0 -> $tx1"
	# 3 pings each way at least: 6 x (84-byte ICMP padded + 32 overhead).
	[ "$rx1" -ge $((rx0 + 6 * 112)) ] && [ "$tx1" -ge $((tx0 + 6 * 112)) ]
}
expect "$L transfer counters grow" counters_grew

# wg(8) does not define the order of allowed-ips (wireguard-go lists them as
# added, the Linux module v4 trie first): compare as sets.
allowed_is() { # EXPECTED (wg show allowed-ips: space-separated)
	local got
	got=$(wga show "$A" allowed-ips | awk -F'\t' '{print $2}')
	[ "$(tr ' ' '\n' <<<"$got" | sort)" = "$(tr ' ' '\n' <<<"$1" | sort)" ] ||
		{ echo "    allowed-ips '$got', expected '$1'"; return 1; }
}
expect "$L show allowed-ips" allowed_is "$TUN_B4/32 $TUN_B6/128"

showconf_ok() {
	local out
	out=$(wga showconf "$A") || return 1
	grep -qx "PrivateKey = ${SIDE_PRIV[a]}" <<<"$out" &&
		grep -qx "ListenPort = $PORT_A" <<<"$out" &&
		grep -qx "PublicKey = ${SIDE_PUB[b]}" <<<"$out" &&
		grep -qx "AllowedIPs = $TUN_B4/32, $TUN_B6/128" <<<"$out" &&
		grep -qx "Endpoint = $UL_B4:$PORT_B" <<<"$out" &&
		grep -qx "PersistentKeepalive = 25" <<<"$out" ||
		{ sed 's/^\(PrivateKey\|PresharedKey\) = .*/\1 = (hidden)/; s/^/    | /' <<<"$out"; return 1; }
}
expect "$L showconf" showconf_ok

expect "$L show interfaces lists it" sh -c "wg show interfaces | tr ' ' '\n' | grep -qx '$A'"

stats_ok() {
	local out
	out=$(tenet_stats "$A") || return 1
	printf '%s\n' "$out" | sed 's/^/    | /'
	grep -qE '^drop_allowed_ips=[0-9]+$' <<<"$out" && ! grep -vqE '^[a-z0-9_]+=[0-9]+$' <<<"$out"
}
if [ "${SIDE_KIND[a]}" = tenet ]; then
	expect "$L stats=1 extension" stats_ok
else
	note "a is ${SIDE_KIND[a]}: no stats=1 extension to check"
fi

# --- wg set allowed-ips ---------------------------------------------------------
# B owns 10.99.0.77 on its tunnel; A does not accept it from B until told so.
EXTRA=10.99.0.77
nsx b ip addr add "$EXTRA/32" dev "${SIDE_IF[b]}"
from_extra() { nsx b ping -n -c1 -W1 -I "$EXTRA" "$TUN_A4" >/dev/null 2>&1; }
set_allowed() {
	if from_extra; then echo "    $EXTRA passed before it was allowed"; return 1; fi
	wga set "$A" peer "${SIDE_PUB[b]}" allowed-ips "$TUN_B4/32,$TUN_B6/128,$EXTRA/32" || return 1
	allowed_is "$TUN_B4/32 $TUN_B6/128 $EXTRA/32" || return 1
	wait_for 3 from_extra || { echo "    $EXTRA still refused after wg set"; return 1; }
}
expect "$L set allowed-ips takes effect" set_allowed
unset_allowed() {
	wga set "$A" peer "${SIDE_PUB[b]}" allowed-ips "$TUN_B4/32,$TUN_B6/128" || return 1
	allowed_is "$TUN_B4/32 $TUN_B6/128" || return 1
	if from_extra || from_extra; then echo "    $EXTRA still passes after removal"; return 1; fi
	ping_ok b "$TUN_A4" >/dev/null
}
expect "$L set allowed-ips removal takes effect" unset_allowed
finish
