#!/usr/bin/python3
"""Checks gen_handshake_kat.py against stock wireguard-go, so the known
answers in handshake_kat.h are not merely self-consistent. Needs root; run by
hand after changing the generator (not part of `make check`):

    sudo /usr/bin/python3 tests/vectors/check_kat_wireguard_go.py

  netns h2-kat:  lo 127.0.0.1
     python (initiator, 127.0.0.1:51821)  --UDP-->  wireguard-go h2-kwg (:51820)
     10.99.0.1 (only inside our packets)             10.99.0.2/24 on h2-kwg

1. Offline: consuming the vector's response as the initiator (ee, se, psk from
   the initiator's side) yields the vector's transport keys.
2. The vector's exact initiation is sent to wireguard-go (responder key and
   psk from the vector); its response (with its own random ephemeral) must be
   accepted by the same consume code.
3. An ICMP echo request goes through the new session; wireguard-go's kernel
   reply must come back encrypted under the derived receive key.
Prints PASS:/FAIL: lines; exit status 1 if any failed.
"""
import base64
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # keep tests/vectors free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_handshake_kat as g  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305  # noqa: E402

NETNS, IFNAME = "h2-kat", "h2-kwg"
failed = False


def report(ok, name, detail=""):
    global failed
    print(("PASS: " if ok else "FAIL: ") + name + (" (" + detail + ")" if detail and not ok else ""))
    failed |= not ok


def consume_response(chain, msg, s_i, e_i, psk, s_i_pub, index):
    """Initiator side of message 2; returns (send, recv) keys or raises."""
    c, h = chain
    if len(msg) != 92 or msg[0:4] != struct.pack("<I", 2) or msg[8:12] != index:
        raise ValueError("bad response header")
    if msg[60:76] != g.MAC(g.HASH(g.LABEL_MAC1, s_i_pub), msg[:60]):
        raise ValueError("bad mac1")
    e_r_pub = msg[12:44]
    (c,) = g.KDF(1, c, e_r_pub)
    h = g.HASH(h, e_r_pub)
    (c,) = g.KDF(1, c, g.DH(e_i, e_r_pub))                   # ee
    (c,) = g.KDF(1, c, g.DH(s_i, e_r_pub))                   # se
    c, tau, k = g.KDF(3, c, psk)
    h = g.HASH(h, tau)
    ChaCha20Poly1305(k).decrypt(b"\x00" * 12, msg[44:60], h)  # raises on mismatch
    send, recv = g.KDF(2, c, b"")
    return send, recv


def checksum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def icmp_echo(src, dst, ident, payload):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + payload
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0x4000, 64, 1, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + icmp


def offline_check(v):
    s_i_pub = g.pub(g.INIT_STATIC)
    _, chain = g.make_initiation(g.INIT_STATIC, g.pub(g.RESP_STATIC), g.INIT_EPHEMERAL,
                                 g.INIT_INDEX, g.tai64n(g.WALL_SEC, g.WALL_NSEC))
    try:
        send, recv = consume_response(chain, v["response"], g.INIT_STATIC, g.INIT_EPHEMERAL,
                                      g.PSK, s_i_pub, g.INIT_INDEX)
        report(send == v["initiator_send_key"] and recv == v["responder_send_key"],
               "kat_response_consumed_by_initiator_side")
    except Exception as e:  # noqa: BLE001
        report(False, "kat_response_consumed_by_initiator_side", str(e))


def client():
    """Runs inside the namespace once wireguard-go is configured."""
    s_i_pub = g.pub(g.INIT_STATIC)
    init, chain = g.make_initiation(g.INIT_STATIC, g.pub(g.RESP_STATIC), g.INIT_EPHEMERAL,
                                    g.INIT_INDEX, g.tai64n(g.WALL_SEC, g.WALL_NSEC))
    report(init == g.handshake()["initiation"], "initiation_is_the_vector")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 51821))
    sock.settimeout(5)
    sock.sendto(init, ("127.0.0.1", 51820))
    try:
        resp, _ = sock.recvfrom(2048)
        send, recv = consume_response(chain, resp, g.INIT_STATIC, g.INIT_EPHEMERAL, g.PSK,
                                      s_i_pub, g.INIT_INDEX)
        report(True, "wireguard_go_accepts_vector_initiation")
    except Exception as e:  # noqa: BLE001
        report(False, "wireguard_go_accepts_vector_initiation", repr(e))
        return
    peer_index = resp[4:8]
    ping = icmp_echo("10.99.0.1", "10.99.0.2", 0x4242, b"tenet-kat-ping")
    sock.sendto(g.data_message(peer_index, send, 0, ping), ("127.0.0.1", 51820))
    deadline = time.monotonic() + 5
    ok, detail = False, "no reply"
    while time.monotonic() < deadline and not ok:
        try:
            pkt, _ = sock.recvfrom(2048)
        except socket.timeout:
            break
        if pkt[0:4] != struct.pack("<I", 4) or pkt[4:8] != g.INIT_INDEX:
            continue
        nonce = b"\x00" * 4 + pkt[8:16]
        try:
            plain = ChaCha20Poly1305(recv).decrypt(nonce, pkt[16:], b"")
        except Exception:  # noqa: BLE001
            detail = "reply does not decrypt"
            break
        if len(plain) == 0:
            continue  # keepalive
        ok = (plain[9] == 1 and plain[12:16] == socket.inet_aton("10.99.0.2")
              and plain[20] == 0 and b"tenet-kat-ping" in plain)
        detail = "unexpected plaintext " + plain[:32].hex()
    report(ok, "transport_round_trip_with_wireguard_go", detail)


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client()
        sys.exit(1 if failed else 0)
    offline_check(g.handshake())
    wggo = None
    tmp = tempfile.mkdtemp(prefix="h2-kat-")
    try:
        run("ip", "netns", "add", NETNS)
        run("ip", "-n", NETNS, "link", "set", "lo", "up")
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1")
        wggo = subprocess.Popen(["ip", "netns", "exec", NETNS, "wireguard-go", IFNAME], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if os.path.exists("/var/run/wireguard/%s.sock" % IFNAME):
                break
            time.sleep(0.1)
        keyf, pskf = os.path.join(tmp, "key"), os.path.join(tmp, "psk")
        with open(keyf, "w") as f:
            f.write(base64.b64encode(g.RESP_STATIC).decode())
        with open(pskf, "w") as f:
            f.write(base64.b64encode(g.PSK).decode())
        run("ip", "netns", "exec", NETNS, "wg", "set", IFNAME, "private-key", keyf,
            "listen-port", "51820", "peer", base64.b64encode(g.pub(g.INIT_STATIC)).decode(),
            "preshared-key", pskf, "allowed-ips", "10.99.0.1/32")
        run("ip", "-n", NETNS, "addr", "add", "10.99.0.2/24", "dev", IFNAME)
        run("ip", "-n", NETNS, "link", "set", IFNAME, "up")
        r = subprocess.run(["ip", "netns", "exec", NETNS, sys.executable,
                            os.path.abspath(__file__), "--client"], timeout=30)
        if r.returncode != 0:
            report(False, "client")
    finally:
        if wggo:
            wggo.terminate()
            try:
                wggo.wait(5)
            except subprocess.TimeoutExpired:
                wggo.kill()
        subprocess.run(["ip", "netns", "del", NETNS], stderr=subprocess.DEVNULL)
        for name in ("key", "psk"):
            try:
                os.unlink(os.path.join(tmp, name))
            except FileNotFoundError:
                pass
        os.rmdir(tmp)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
