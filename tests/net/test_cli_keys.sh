#!/usr/bin/env bash
# tenet genkey/genpsk/pubkey against wg(8): same formats, interchangeable
# both ways; errors and help behave. Needs no root and no network.
#   TENET_BIN=DIR   directory holding the tenet binary (default: build/)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${TENET_BIN:-$root/build}
tenet=$bin/tenet
failed=0
tmp=$(mktemp -d /tmp/h2-cli-keys.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; failed=1; }
check() { # name, then a command that must succeed
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

if [ ! -x "$tenet" ]; then
	echo "FAIL: tenet_binary_exists ($tenet)"
	exit 1
fi
if ! command -v wg >/dev/null; then
	echo "FAIL: wg_installed"
	exit 1
fi

# A key line: 43 base64 characters then '=', alone on its line, 32 bytes.
is_key_line() {
	[[ $1 =~ ^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$ ]] &&
		[ "$(printf '%s' "$1" | base64 -d | wc -c)" -eq 32 ]
}

key_bytes() { printf '%s' "$1" | base64 -d | od -An -tu1 -v | tr -s ' \n' ' '; }

# --- formats ------------------------------------------------------------
genkey_format() {
	"$tenet" genkey >"$tmp/k" 2>/dev/null || return 1
	[ "$(wc -c <"$tmp/k")" -eq 45 ] && [ "$(wc -l <"$tmp/k")" -eq 1 ] &&
		is_key_line "$(cat "$tmp/k")"
}
check genkey_format genkey_format

genkey_clamped() {
	local b first last i
	for i in 1 2 3 4 5 6 7 8; do
		read -ra b <<<"$(key_bytes "$("$tenet" genkey 2>/dev/null)")"
		first=${b[0]}; last=${b[31]}
		[ $((first & 7)) -eq 0 ] && [ $((last & 192)) -eq 64 ] || return 1
	done
}
check genkey_clamped genkey_clamped

genpsk_format() {
	local a b
	a=$("$tenet" genpsk 2>/dev/null) && b=$("$tenet" genpsk 2>/dev/null) || return 1
	is_key_line "$a" && is_key_line "$b" && [ "$a" != "$b" ] &&
		[ "$("$tenet" genpsk 2>/dev/null | wc -c)" -eq 45 ]
}
check genpsk_format genpsk_format

# --- interchangeable with wg --------------------------------------------
tenet_genkey_wg_pubkey() {
	local k i
	for i in 1 2 3 4 5; do
		k=$("$tenet" genkey 2>/dev/null) || return 1
		[ "$(printf '%s\n' "$k" | wg pubkey)" = "$(printf '%s\n' "$k" | "$tenet" pubkey)" ] ||
			return 1
	done
}
check tenet_genkey_piped_to_wg_pubkey_equals_tenet_pubkey tenet_genkey_wg_pubkey

wg_genkey_tenet_pubkey() {
	local k i
	for i in 1 2 3 4 5; do
		k=$(wg genkey 2>/dev/null) || return 1
		[ "$(printf '%s\n' "$k" | "$tenet" pubkey)" = "$(printf '%s\n' "$k" | wg pubkey)" ] ||
			return 1
	done
}
check wg_genkey_piped_to_tenet_pubkey_equals_wg_pubkey wg_genkey_tenet_pubkey

direct_pipes() {
	local a b
	a=$("$tenet" genkey 2>/dev/null | tee "$tmp/k2" | wg pubkey) &&
		b=$("$tenet" pubkey <"$tmp/k2") && [ -n "$a" ] && [ "$a" = "$b" ] &&
		[ "$(wg genkey | "$tenet" pubkey | wc -c)" -eq 45 ]
}
check pipes_between_tools direct_pipes

# Recorded from `wg pubkey` (same pair as tests/vectors/key_vectors.h).
fixed_vector() {
	[ "$(echo ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8= | "$tenet" pubkey)" = \
		NYBy1jZYgNGu6jKa35EhODhR7SGijjt16WXQ0s0WYlQ= ]
}
check pubkey_fixed_vector fixed_vector

wg_takes_tenet_psk() { # wg accepts our psk where it expects a key
	"$tenet" genpsk 2>/dev/null | wg pubkey >/dev/null
}
check wg_accepts_tenet_genpsk wg_takes_tenet_psk

whitespace_ok() {
	local k=ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8= want=NYBy1jZYgNGu6jKa35EhODhR7SGijjt16WXQ0s0WYlQ=
	[ "$(printf '%s' "$k" | "$tenet" pubkey)" = "$want" ] &&
		[ "$(printf '  %s \r\n\n' "$k" | "$tenet" pubkey)" = "$want" ]
}
check pubkey_accepts_surrounding_whitespace whitespace_ok

# --- errors -------------------------------------------------------------
pubkey_rejects() { # input: exit 1, a message on stderr, nothing on stdout
	local out rc
	out=$(printf '%s' "$1" | "$tenet" pubkey 2>"$tmp/err"); rc=$?
	[ "$rc" -eq 1 ] && [ -z "$out" ] && grep -q 'pubkey' "$tmp/err"
}
bad_inputs() {
	local k=ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8= in
	for in in "" "bad" "${k%=}" "${k}=" "${k}A" "${k:0:42}9=" "${k:0:10}!${k:11}" \
		"$k $k" "$(printf '%s\n%s' "$k" "x")" "$(head -c 5000 /dev/zero | tr '\0' ' ')$k"; do
		pubkey_rejects "$in" || { echo "  rejected wrongly or accepted: '$in'" | head -c 200; return 1; }
	done
}
check pubkey_bad_input_exits_1_with_message bad_inputs

unknown_command() {
	local rc
	"$tenet" frobnicate >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "frobnicate" "$tmp/err"
}
check unknown_command_exits_2 unknown_command

usage_errors() {
	local rc
	"$tenet" genkey extra >/dev/null 2>"$tmp/err"; rc=$?
	[ "$rc" -eq 2 ] && grep -q 'Usage:' "$tmp/err" || return 1
	"$tenet" --no-such-option genkey >/dev/null 2>&1; [ $? -eq 2 ] || return 1
	"$tenet" --socket >/dev/null 2>&1; [ $? -eq 2 ] || return 1
	"$tenet" pubkey extra </dev/null >/dev/null 2>&1; [ $? -eq 2 ] || return 1
	"$tenet" >/dev/null 2>&1; [ $? -eq 2 ]
}
check usage_errors_exit_2 usage_errors

# --- help ---------------------------------------------------------------
help_lists() {
	"$tenet" help >"$tmp/out" 2>&1 || return 1
	grep -q '^  genkey ' "$tmp/out" && grep -q '^  genpsk ' "$tmp/out" &&
		grep -q '^  pubkey ' "$tmp/out" && grep -q -- '--socket' "$tmp/out" &&
		"$tenet" --help | cmp -s - "$tmp/out"
}
check help_lists_commands help_lists

command_help() {
	local c
	for c in genkey genpsk pubkey help; do
		"$tenet" "$c" --help >"$tmp/out" 2>&1 || return 1
		grep -q "^Usage: tenet $c" "$tmp/out" && grep -q '^Example' "$tmp/out" || return 1
		"$tenet" help "$c" | cmp -s - "$tmp/out" || return 1
	done
	"$tenet" help nosuch >/dev/null 2>&1; [ $? -eq 2 ]
}
check command_help_with_example command_help

global_options() {
	local k
	k=$("$tenet" --json --socket "$tmp/none.sock" genkey 2>/dev/null) && is_key_line "$k" &&
		k=$("$tenet" --socket="$tmp/none.sock" -- genpsk 2>/dev/null) && is_key_line "$k"
}
check global_options_before_command global_options

world_readable_warning() {
	(umask 022; "$tenet" genkey >"$tmp/wr.key" 2>"$tmp/err") || return 1
	grep -qi 'warning' "$tmp/err" || return 1
	rm -f "$tmp/wr.key"
	(umask 077; "$tenet" genkey >"$tmp/wr.key" 2>"$tmp/err") || return 1
	[ ! -s "$tmp/err" ] && [ "$(stat -c %a "$tmp/wr.key")" = 600 ]
}
check genkey_warns_on_world_readable_file world_readable_warning

exit "$failed"
