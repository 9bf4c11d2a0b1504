#!/usr/bin/env bash
# Runs test suites and ends with one line "N passed, N failed" summing them all.
#
#   tests/run.sh --unit BUILD_DIR     cmocka unit binaries in BUILD_DIR/tests
#   tests/run.sh --all BUILD_DIR      unit (BUILD_DIR and build-asan), fuzz smoke,
#                                     bench, net and interop scripts
#   tests/run.sh --fuzz SECONDS       every libFuzzer harness for SECONDS each
#
# Contract for shell suites (tests/{bench,net,interop}/test_*.sh): print
# "PASS: name" or "FAIL: name" per case; a script that exits non-zero without
# printing a FAIL line counts as one failure (it crashed or timed out).
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
skipped=0
failures=()
SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}

count_cmocka() { # $1 = name, $2 = log, $3 = exit status
	local ok bad skip
	ok=$(grep -c '^\[       OK \]' "$2")
	# cmocka names a failed test twice (as it runs and in its summary).
	bad=$(grep -E '^\[  FAILED  \] [A-Za-z_]' "$2" | sort -u | wc -l)
	skip=$(grep -E '^\[  SKIPPED \] [A-Za-z_]' "$2" | sort -u | wc -l)
	skipped=$((skipped + skip))
	[ "$3" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	passed=$((passed + ok)); failed=$((failed + bad))
	[ "$bad" -eq 0 ] || { failures+=("$1"); sed 's/^/    /' "$2" | grep -vE '^\s+\[ (RUN|      OK) ' | tail -40; }
	printf '%-40s %3d passed, %d failed%s\n' "$1" "$ok" "$bad" "$( [ "$skip" -gt 0 ] && echo ", $skip skipped")"
}

count_script() {
	local ok bad
	ok=$(grep -c '^PASS: ' "$2")
	bad=$(grep -c '^FAIL: ' "$2")
	[ "$3" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	passed=$((passed + ok)); failed=$((failed + bad))
	[ "$bad" -eq 0 ] || { failures+=("$1"); tail -60 "$2" | sed 's/^/    /'; }
	printf '%-40s %3d passed, %d failed\n' "$1" "$ok" "$bad"
}

run_unit() { # $1 = build dir
	local bin log rc
	for bin in "$1"/tests/test_*; do
		[ -x "$bin" ] || continue
		log=$(mktemp)
		timeout "$SUITE_TIMEOUT" "$bin" >"$log" 2>&1; rc=$?
		count_cmocka "$(basename "$1")/$(basename "$bin")" "$log" "$rc"
		rm -f "$log"
	done
}

run_scripts() { # $@ = scripts
	local s log rc
	for s in "$@"; do
		[ -f "$s" ] || continue
		log=$(mktemp)
		echo "--- $s" >&2
		timeout -k 10 "$SUITE_TIMEOUT" bash "$s" >"$log" 2>&1; rc=$?
		count_script "$s" "$log" "$rc"
		rm -f "$log"
	done
}

run_fuzz() { # $1 = seconds per harness
	local bin log rc name corpus
	for bin in build-fuzz/fuzz_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		corpus=tests/fuzz/corpus/${name#fuzz_}
		mkdir -p "build-fuzz/corpus/$name" "build-fuzz/artifacts/$name"
		log=$(mktemp)
		timeout -k 10 $(($1 + 120)) "$bin" -max_total_time="$1" -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="build-fuzz/artifacts/$name/" \
			"build-fuzz/corpus/$name" $( [ -d "$corpus" ] && echo "$corpus" ) >"$log" 2>&1; rc=$?
		if [ "$rc" -eq 0 ]; then
			passed=$((passed + 1))
			printf '%-40s %s\n' "fuzz/$name" "$(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1)"
		else
			failed=$((failed + 1)); failures+=("fuzz/$name")
			tail -40 "$log" | sed 's/^/    /'
			printf '%-40s FAILED (exit %d)\n' "fuzz/$name" "$rc"
		fi
		rm -f "$log"
	done
}

case "${1:-}" in
--unit) run_unit "${2:-build}" ;;
--fuzz) run_fuzz "${2:-60}" ;;
--all)
	# The shell suites find the binaries through TENET_BUILD.
	export TENET_BUILD="${2:-build}"
	run_unit "${2:-build}"
	[ -d build-asan/tests ] && run_unit build-asan
	run_fuzz "${CHECK_FUZZ_SECONDS:-10}"
	run_scripts tests/bench/test_*.sh
	run_scripts tests/net/test_*.sh
	run_scripts tests/interop/test_*.sh
	;;
*) echo "usage: tests/run.sh --unit BUILD | --all BUILD | --fuzz SECONDS" >&2; exit 2 ;;
esac

[ ${#failures[@]} -eq 0 ] || printf 'failed suites: %s\n' "${failures[*]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
