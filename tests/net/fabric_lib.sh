# shellcheck shell=bash
# Fabric-mode helpers on top of tests/net/lib.sh: an underlay of hosts (network
# namespaces on one bridge), tenet-agent in fabric mode per host driven by a
# --state file, and container ports (each its own namespace).
#
#   fab_underlay h1 h2 h3          hosts 192.168.77.1.. on bridge br0 in node "ul"
#   fab_spec_*                     describe tenants/subnets/ports (below)
#   fab_write_views                one host-view JSON per host, as the controller
#                                  would compute it (controlplane/host_view.c)
#   fab_agent_start h1             tenet-agent --state on h1 (UAPI name ${NET_P}h1),
#                                  with $FAB_AGENT_ENV in its environment
#   fab_xfer a1 a2 10.0.1.12       a checksummed bulk TCP transfer between containers
#   fab_reload h1                  rewrite h1's view and SIGHUP its agent
#
# Ports are described as lines "id tenant subnet name host ip [mac|- [kind]]" in
# FAB_PORTS; subnets as "id tenant name cidr gateway mtu" in FAB_SUBNETS;
# tenants as "name vni" in FAB_TENANTS. FAB_EXTRA[host] adds lines of ports
# seen by that host only (a crafted view). Container namespaces are the nodes
# "c-<port name>".

FAB_PORT=51820
# Environment words for fab_agent_start (e.g. "TENET_OFFLOAD=0").
FAB_AGENT_ENV=""
FAB_TENANTS=""
FAB_SUBNETS=""
FAB_PORTS=""
declare -A FAB_EXTRA=() FAB_PID=() FAB_KEY=() FAB_PUB=()
FAB_HOSTS=()

# fab_step NAME FUNC... : like check, but FUNC runs in this shell (not in
# $(...)), so the daemons and namespaces it starts are tracked by the trap.
fab_step() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "$*"; fi
}

fab_ul_ip() { echo "192.168.77.${1#h}"; }
fab_if() { echo "${NET_P}$1"; }

fab_underlay() {
	local h i=0 ns
	net_host ul || return 1
	ip -n "$(ns_name ul)" link add br0 type bridge || return 1
	ip -n "$(ns_name ul)" link set br0 up
	for h in "$@"; do
		i=$((i + 1))
		net_host "$h" || return 1
		ns=$(ns_name "$h")
		ip link add "${NET_P}u$i" type veth peer name "${NET_P}v$i" || return 1
		ip link set "${NET_P}u$i" netns "$(ns_name ul)" || return 1
		ip -n "$(ns_name ul)" link set "${NET_P}u$i" master br0 up
		ip link set "${NET_P}v$i" netns "$ns" name ul0 || return 1
		ip -n "$ns" addr add "$(fab_ul_ip "$h")/24" dev ul0
		ip -n "$ns" link set ul0 up
		FAB_KEY[$h]="$NET_TMP/$h.key"
		(umask 077; wg genkey >"${FAB_KEY[$h]}")
		FAB_PUB[$h]=$(wg pubkey <"${FAB_KEY[$h]}")
		NET_IFACES+=("$(fab_if "$h")")
	done
	FAB_HOSTS=("$@")
}

# fab_container NAME : the namespace node of a container port.
fab_container() { net_host "c-$1"; }

# fab_write_views : $NET_TMP/<host>.json for every host.
fab_write_views() {
	local h hosts=""
	for h in "${FAB_HOSTS[@]}"; do hosts+="$h ${FAB_PUB[$h]} $(fab_ul_ip "$h"):$FAB_PORT"$'\n'; done
	for h in "${FAB_HOSTS[@]}"; do
		printf '%s' "${FAB_EXTRA[$h]:-}" >"$NET_TMP/$h.extra"
		FAB_H=$h FAB_NSPREFIX="$(ns_name c-)" FAB_HOSTLIST=$hosts FAB_TENANTS=$FAB_TENANTS \
			FAB_SUBNETS=$FAB_SUBNETS FAB_PORTS=$FAB_PORTS "$NET_PY" - "$NET_TMP/$h.extra" \
			>"$NET_TMP/$h.json.tmp" <<'PYEOF' || return 1
import json, os, sys
env = os.environ
self_name = env["FAB_H"]
lines = lambda s: [l.split() for l in s.splitlines() if l.strip()]
hosts = {h: (k, ep) for h, k, ep in lines(env["FAB_HOSTLIST"])}
tenants = {n: int(v) for n, v in lines(env["FAB_TENANTS"])}
subnets = lines(env["FAB_SUBNETS"])
ports = lines(env["FAB_PORTS"]) + lines(open(sys.argv[1]).read())
def host_obj(h, i):
    return {"id": i, "revision": 1, "name": h, "public_key": hosts[h][0], "endpoint": hosts[h][1]}
mine = [t for t in tenants if any(p[1] == t and p[4] == self_name for p in ports)]
peers = sorted({p[4] for p in ports if p[1] in mine and p[4] != self_name})
view = {"revision": 1, "host": host_obj(self_name, 1), "peers": [host_obj(h, i + 2) for i, h in enumerate(peers)], "tenants": []}
for t in mine:
    tobj = {"id": tenants[t], "revision": 1, "name": t, "vni": tenants[t], "subnets": [], "ports": [], "routes": []}
    for sid, st, sname, cidr, gw, mtu in subnets:
        if st == t:
            tobj["subnets"].append({"id": int(sid), "revision": 1, "tenant": t, "name": sname, "cidr": cidr, "gateway": gw, "mtu": int(mtu), "dhcp": True})
    for p in ports:
        pid, pt, psub, pname, phost, pip = p[:6]
        if pt != t:
            continue
        mac = p[6] if len(p) > 6 and p[6] != "-" else "02:00:00:00:%02x:%02x" % (int(pid) >> 8, int(pid) & 255)
        kind = p[7] if len(p) > 7 else "container"
        port = {"id": int(pid), "revision": 1, "tenant": t, "subnet": psub, "name": pname, "host": phost, "kind": kind, "mac": mac, "ip": pip}
        if kind == "container":
            port["netns"] = env["FAB_NSPREFIX"] + pname
        tobj["ports"].append(port)
    view["tenants"].append(tobj)
json.dump(view, sys.stdout, indent=1)
PYEOF
		mv "$NET_TMP/$h.json.tmp" "$NET_TMP/$h.json"
	done
}

# fab_port_mac ID : the MAC fab_write_views gives port ID by default.
fab_port_mac() { printf '02:00:00:00:%02x:%02x' $(($1 >> 8)) $(($1 & 255)); }

# fab_agent_ready HOST : the UAPI answers. wg(8) deletes a socket whose
# connect is refused, which it is between the agent's bind() and listen();
# the agent then stops (its socket was removed). So wg(8) is only asked once
# a plain connect succeeds.
fab_sock_listening() {
	"$NET_PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])' "$WG_SOCK_DIR/$1.sock" 2>/dev/null
}
fab_agent_ready() { fab_sock_listening "$(fab_if "$1")" && uapi_answers "$(fab_if "$1")"; }

fab_agent_start() {
	local h=$1
	net_bg "$h" "agent-$h-$RANDOM" env $FAB_AGENT_ENV "$TENET_AGENT" --name "$h" --key "${FAB_KEY[$h]}" \
		--state "$NET_TMP/$h.json" --state-dir "$NET_TMP/state-$h" --interface "$(fab_if "$h")" \
		--listen-port "$FAB_PORT" --foreground
	FAB_PID[$h]=$NET_BG_PID
	if ! wait_for 10 fab_agent_ready "$h"; then
		echo "    agent on $h not ready within 10 s"
		show_log "$NET_BG_PID" 30
		return 1
	fi
}

# fab_agent_start_controller HOST ADDR:PORT PUBKEY : controller mode (no --state);
# the agent starts from the view stored in its state dir.
fab_agent_start_controller() {
	local h=$1
	net_bg "$h" "agent-$h-$RANDOM" "$TENET_AGENT" --name "$h" --key "${FAB_KEY[$h]}" \
		--controller "$2" --controller-key "$3" --state-dir "$NET_TMP/state-$h" \
		--interface "$(fab_if "$h")" --listen-port "$FAB_PORT" --foreground
	FAB_PID[$h]=$NET_BG_PID
	if ! wait_for 10 fab_agent_ready "$h"; then
		echo "    agent on $h not ready within 10 s"
		show_log "$NET_BG_PID" 30
		return 1
	fi
}

# fab_agent_kill HOST : SIGKILL, and the stale UAPI socket removed (wg(8)
# deletes a socket it cannot connect to, which could race with the next
# agent's fresh one).
fab_agent_kill() {
	kill -KILL "${FAB_PID[$1]}"
	wait "${FAB_PID[$1]}" 2>/dev/null
	rm -f "$WG_SOCK_DIR/$(fab_if "$1").sock"
}

fab_reload() {
	fab_write_views || return 1
	kill -HUP "${FAB_PID[$1]}"
}

# fab_ping FROM_PORT IP [args] : one echo within 2 s, from a container port.
fab_ping() {
	local from=$1 ip=$2
	shift 2
	nsx "c-$from" ping -n -c1 -W2 "$@" "$ip"
}

# fab_reaches FROM IP : answered within 6 s (ARP, handshake) ; fab_blocked: not
# one of 3 echoes answered.
fab_reaches() { wait_for 6 fab_ping "$1" "$2"; }
fab_blocked() { ! nsx "c-$1" ping -n -c3 -i0.3 -W1 "$2" >/dev/null 2>&1; }

# fab_stat HOST KEY : one counter of the agent's UAPI stats (0 if absent).
fab_stat() {
	tenet_stats "$(fab_if "$1")" | awk -F= -v k="$2" '$1 == k {v = $2} END {print v + 0}'
}

# fab_xfer FROM TO TO_IP : 24 MiB of random bytes over one TCP connection from
# container FROM to container TO; the SHA-256 of what arrived must match.
fab_xfer() {
	local src="$NET_TMP/xfer.bin" out="$NET_TMP/xfer.out" want got pid
	[ -s "$src" ] || head -c $((24 << 20)) /dev/urandom >"$src"
	rm -f "$out"
	net_bg "c-$2" "xfer-$RANDOM" "$NET_PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5301)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30)
with open(sys.argv[2], "wb") as f:
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        f.write(b)
' "$3" "$out"
	pid=$NET_BG_PID
	wait_for 5 sh -c "ip netns exec $(ns_name "c-$2") ss -ltn | grep -q :5301" || { echo "    no listener"; return 1; }
	net_run "c-$1" timeout 40 "$NET_PY" -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 5301), timeout=30)
with open(sys.argv[2], "rb") as f:
    c.sendfile(f)
c.close()
' "$3" "$src" || { echo "    sender failed"; return 1; }
	wait "$pid" 2>/dev/null
	want=$(sha256sum <"$src" | cut -d" " -f1)
	got=$(sha256sum <"$out" 2>/dev/null | cut -d" " -f1)
	[ "$want" = "$got" ] || { echo "    $1 -> $2: $(stat -c %s "$out" 2>/dev/null) bytes arrived, checksum differs"; return 1; }
}
