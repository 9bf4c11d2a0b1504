#!/usr/bin/env bash
# A change the controller acknowledged is on disk: while a client creates
# ports as fast as it can, the controller is killed with SIGKILL several
# times and restarted. Every create that returned 201 must be present
# afterwards, the revisions the client saw must only go up, the revision
# after each restart must not be below any revision acknowledged before the
# kill, and the database must pass SQLite's integrity check.
# Bounded: CYCLES kills (default 5) about SPACING seconds apart (default 4).
#   TENET_BUILD=DIR   where tenet-controller is (default build)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${TENET_BUILD:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
controller=$build/tenet-controller
py=/usr/bin/python3
cycles=${CYCLES:-5}
spacing=${SPACING:-4}
tmp=$(mktemp -d /tmp/h7-durability.XXXXXX)
sock=$tmp/controller.sock
pid=
client=
failed=0

cleanup() {
	[ -n "$client" ] && kill "$client" 2>/dev/null && wait "$client" 2>/dev/null
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+ ($2)}"; failed=1; }

[ -x "$controller" ] || { echo "FAIL: controller_binary_exists ($controller)"; exit 1; }

start() {
	"$controller" --db "$tmp/state.db" --admin-socket "$sock" --key "$tmp/key" \
		--listen 127.0.0.1:0 2>>"$tmp/controller.log" &
	pid=$!
	for _ in $(seq 200); do
		curl -s --max-time 2 --unix-socket "$sock" -o /dev/null http://tenet/v1/revision &&
			return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

revision() { curl -s --max-time 5 --unix-socket "$sock" http://tenet/v1/revision |
	"$py" -c 'import json,sys; print(json.load(sys.stdin)["revision"])'; }

post() { curl -s --max-time 5 --unix-socket "$sock" -o /dev/null -w '%{http_code}' \
	-X POST --data-binary "$2" "http://tenet$1"; }

start || { echo "FAIL: controller_starts"; cat "$tmp/controller.log"; exit 1; }
key=$(printf '\007%.0s' $(seq 32) | base64)
[ "$(post /v1/tenants '{"name":"acme"}')" = 201 ] &&
	[ "$(post /v1/hosts "{\"name\":\"h1\",\"public_key\":\"$key\",\"endpoint\":\"192.0.2.1:51820\"}")" = 201 ] &&
	[ "$(post /v1/subnets '{"tenant":"acme","name":"web","cidr":"10.0.0.0/16"}')" = 201 ] ||
	{ echo "FAIL: setup"; exit 1; }
pass setup

# The client: one POST at a time on a kept-alive connection, a fresh name for
# every attempt (a create whose answer was lost may or may not exist; only
# the acknowledged ones are promised). Acknowledged creates go to acked.txt
# as "name revision"; any answer other than 201 goes to unexpected.txt.
cat >"$tmp/client.py" <<'PY'
import http.client, json, os, socket, sys, time

sock, acked, unexpected, stop = sys.argv[1:5]

class UnixConnection(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("tenet", timeout=5)
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(sock)
        self.sock = s

conn = None
i = 0
with open(acked, "a") as ok, open(unexpected, "a") as bad:
    while not os.path.exists(stop):
        i += 1
        body = json.dumps({"tenant": "acme", "subnet": "web", "name": "p%d" % i,
                           "host": "h1", "kind": "vm"})
        try:
            if conn is None:
                conn = UnixConnection()
            conn.request("POST", "/v1/ports", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
            continue
        if r.status == 201:
            ok.write("p%d %d\n" % (i, json.loads(data)["revision"]))
            ok.flush()
        else:
            bad.write("p%d %d %s\n" % (i, r.status, data.decode(errors="replace")))
            bad.flush()
PY
: >"$tmp/acked.txt"
: >"$tmp/unexpected.txt"
"$py" "$tmp/client.py" "$sock" "$tmp/acked.txt" "$tmp/unexpected.txt" "$tmp/stop" &
client=$!

max_rev() { awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$tmp/acked.txt"; }

restarts_ok=1
for cycle in $(seq "$cycles"); do
	sleep "$spacing"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	pid=
	before=$(max_rev)
	if ! start; then
		fail "restart_$cycle" "controller did not come back"
		restarts_ok=0
		break
	fi
	now=$(revision)
	if [ -n "$now" ] && [ "$now" -ge "$before" ]; then
		pass "revision_not_behind_after_kill_$cycle"
	else
		fail "revision_not_behind_after_kill_$cycle" "revision $now < acknowledged $before"
	fi
done
sleep 1
touch "$tmp/stop"
for _ in $(seq 100); do kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
kill "$client" 2>/dev/null
wait "$client" 2>/dev/null
client=

[ "$restarts_ok" = 1 ] && pass restarted_after_every_kill
n=$(wc -l <"$tmp/acked.txt")
echo "client: $n creates acknowledged"
[ "$n" -ge 100 ] && pass client_made_progress ||
	fail client_made_progress "only $n acknowledged"

# Revisions the client saw only increase.
if awk 'NR > 1 && $2 <= prev { exit 1 } { prev = $2 }' "$tmp/acked.txt"; then
	pass revisions_increase
else
	fail revisions_increase "$(awk 'NR > 1 && $2 <= prev { print prev " then " $2; exit } { prev = $2 }' "$tmp/acked.txt")"
fi

[ -s "$tmp/unexpected.txt" ] && fail no_unexpected_answers "$(head -3 "$tmp/unexpected.txt")" ||
	pass no_unexpected_answers

# Every acknowledged create is there.
curl -s --max-time 10 --unix-socket "$sock" 'http://tenet/v1/ports?tenant=acme' >"$tmp/ports.json"
missing=$("$py" - "$tmp/ports.json" "$tmp/acked.txt" <<'PY'
import json, sys
have = {p["name"] for p in json.load(open(sys.argv[1]))["ports"]}
acked = [line.split()[0] for line in open(sys.argv[2]) if line.strip()]
lost = [n for n in acked if n not in have]
print(len(lost), " ".join(lost[:5]))
PY
)
[ "${missing%% *}" = 0 ] && pass every_acknowledged_create_present ||
	fail every_acknowledged_create_present "missing: $missing"

final=$(revision)
[ -n "$final" ] && [ "$final" -ge "$(max_rev)" ] && pass final_revision_not_behind ||
	fail final_revision_not_behind "$final < $(max_rev)"

kill -TERM "$pid"; wait "$pid"; pid=
check=$("$py" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$tmp/state.db")
[ "$check" = ok ] && pass database_integrity || fail database_integrity "$check"
exit $failed
