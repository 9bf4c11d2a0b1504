# shellcheck shell=bash
# A private tenet-controller for suites that need no root: one temp directory
# per run (state db, key, admin socket, log), removed by an EXIT trap that
# also stops the controller. Source it first thing:
#
#   . "$(dirname "$0")/controller_lib.sh" TAG    # TAG names the temp dir
#   ctl_start || { echo "FAIL: controller_starts"; exit 1; }
#   ... pass NAME / fail NAME WHY ...
#   exit $failed
#
# Defines root, build, controller, py, tmp, sock, pid (the controller's, empty
# when stopped), failed, pass, fail, ctl_start and ctl_stop.
#   TENET_BUILD=DIR   where the binaries are (default build)
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${TENET_BUILD:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
controller=$build/tenet-controller
py=/usr/bin/python3
tmp=$(mktemp -d "/tmp/h7-${1:-ctl}.XXXXXX")
sock=$tmp/controller.sock
pid=
failed=0

ctl_cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap ctl_cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; failed=1; }

# Starts the controller on $tmp's state and waits (bounded) until its admin
# API answers; on failure shows its log and returns 1.
ctl_start() {
	"$controller" --db "$tmp/state.db" --admin-socket "$sock" --key "$tmp/controller.key" \
		--listen 127.0.0.1:0 2>>"$tmp/controller.log" &
	pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && curl -s --unix-socket "$sock" -o /dev/null http://tenet/v1/revision &&
			return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "controller did not come up:"; cat "$tmp/controller.log"
	return 1
}

ctl_stop() { # SIGTERM and wait (bounded); returns the exit status
	local rc
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	wait "$pid"; rc=$?
	pid=
	return $rc
}
