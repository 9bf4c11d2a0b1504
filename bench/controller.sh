#!/usr/bin/env bash
# The control-channel benchmark: N simulated agents against one controller
# holding T tenants and P ports (defaults 1,000 / 10,000 / 100,000). Reports
# the time from a change to the last agent concerned having it (median, p99),
# the snapshot size and time per agent, and the controller's peak RSS. A
# benchmark: it asserts nothing about speed. Needs no root and no network
# namespaces (loopback TCP only).
#
#   bench/controller.sh [--quick] [--agents N] [--tenants T] [--ports P]
#                       [--changes C] [--db PATH]
#
# Environment: BUILD (build), BENCH_TIMEOUT (seconds, 900).
# --db PATH keeps the generated state and reuses it on the next run (the
# set-up, about 25 s at the default size, is not part of any figure). The
# default run takes about 75 s with a fresh set-up on 2 CPUs; --quick (100
# agents, 1,000 tenants, 10,000 ports, 20 changes) about 10 s, as a smoke run.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
bin="$root/$build/bench/controller"
timeout_s=${BENCH_TIMEOUT:-900}

case "$timeout_s" in '' | *[!0-9]*) echo "BENCH_TIMEOUT must be a number" >&2; exit 2 ;; esac
if [ ! -x "$bin" ]; then
	make -C "$root" --no-print-directory BUILD="$build" "$build/bench/controller" >&2 || exit 2
fi
exec timeout -k 10 "$timeout_s" "$bin" --timeout "$((timeout_s > 30 ? timeout_s - 20 : timeout_s))" "$@"
