#!/usr/bin/python3
"""Garbage for a WireGuard UDP port, made from real traffic.

  garbage.py sniff IFACE PORT OUT SECONDS
      Record the payload of every IPv4 UDP datagram arriving on IFACE for PORT
      (raw AF_PACKET socket, root), one "hex" line each, into OUT, for at most
      SECONDS or 400 datagrams.
  garbage.py send HOST PORT CAPTURE SECONDS RATE [SEED]
      For SECONDS, send at most RATE datagrams per second to HOST:PORT, each a
      message the receiver must refuse: random bytes, WireGuard types 1-4 with
      right and wrong sizes and random content, truncated and bit-flipped copies
      of the captured messages, exact replays of captured transport messages
      (and a few of captured initiations). Prints a JSON summary on stdout:
      {"sent": N, "kinds": {kind: count}, "captured": {type: count}}.

Every loop is bounded in time and count."""
import json
import os
import random
import socket
import struct
import sys
import time

SIZES = {1: 148, 2: 92, 3: 64}  # type 4: 16-byte header + >= 16-byte tag
MAX_CAPTURE = 400


def sniff(iface, port, out, seconds):
    eth_p_all = 0x0003
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(eth_p_all))
    s.bind((iface, eth_p_all))
    s.settimeout(0.2)
    deadline = time.monotonic() + seconds
    n = 0
    # OUT appears only once the socket is bound: the caller waits for it.
    with open(out, "w") as f:
        while time.monotonic() < deadline and n < MAX_CAPTURE:
            try:
                pkt, addr = s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] == socket.PACKET_OUTGOING or len(pkt) < 28 or pkt[0] >> 4 != 4:
                continue
            ihl = (pkt[0] & 15) * 4
            if pkt[9] != 17 or len(pkt) < ihl + 8:
                continue
            dport, ulen = struct.unpack("!2xHH", pkt[ihl:ihl + 6])
            if dport != port or ulen < 8:
                continue
            payload = pkt[ihl + 8:ihl + ulen]
            f.write(payload.hex() + "\n")
            f.flush()
            n += 1
    print(n)


def load_capture(path):
    msgs = {1: [], 2: [], 3: [], 4: []}
    with open(path) as f:
        for line in f:
            b = bytes.fromhex(line.strip())
            if len(b) >= 4 and b[0] in msgs and b[1:4] == b"\0\0\0":
                msgs[b[0]].append(b)
    return msgs


def typed(rng, t, size):
    return bytes([t, 0, 0, 0]) + rng.randbytes(max(size - 4, 0))


def right_size(rng, t):
    if t == 4:
        return 32 + 16 * rng.randrange(0, 80)
    return SIZES[t]


def wrong_size(rng, t):
    while True:
        if t == 4:
            size = rng.randrange(4, 32)  # shorter than header + tag
        else:
            size = SIZES[t] + rng.choice([-1, 1, -4, 4, 16, -16, rng.randrange(-SIZES[t] + 4, 200)])
        if size >= 4 and size != SIZES.get(t):
            return size


def flip(rng, msg):
    b = bytearray(msg)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    # Flips that cancel out would leave a valid message.
    if bytes(b) == msg:
        b[-1] ^= 1
    return bytes(b)


def make(rng, msgs):
    """Returns (kind, datagram)."""
    have = [t for t in msgs if msgs[t]]
    r = rng.random()
    if r < 0.15:
        return "random", rng.randbytes(rng.choice([rng.randrange(1, 64), rng.randrange(1, 1400)]))
    if r < 0.35:
        t = rng.randrange(1, 5)
        return "type%d-right-size" % t, typed(rng, t, right_size(rng, t))
    if r < 0.50:
        t = rng.randrange(1, 5)
        return "type%d-wrong-size" % t, typed(rng, t, wrong_size(rng, t))
    if not have:
        return "random", rng.randbytes(rng.randrange(1, 200))
    t = rng.choice(have)
    msg = rng.choice(msgs[t])
    if r < 0.68:
        return "type%d-truncated" % t, msg[:rng.randrange(1, len(msg))]
    if r < 0.90:
        return "type%d-flipped" % t, flip(rng, msg)
    if msgs[4] and r < 0.98:
        return "type4-replay", rng.choice(msgs[4])
    if msgs[1]:
        return "type1-replay", rng.choice(msgs[1])
    return "type%d-flipped" % t, flip(rng, msg)


def send(host, port, capture, seconds, rate, seed):
    rng = random.Random(seed)
    msgs = load_capture(capture)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.connect((host, port))
    kinds = {}
    sent = 0
    start = time.monotonic()
    deadline = start + seconds
    limit = int(seconds * rate)
    while sent < limit:
        now = time.monotonic()
        if now >= deadline:
            break
        # Pace: never ahead of RATE per second since the start.
        ahead = sent / rate - (now - start)
        if ahead > 0:
            time.sleep(min(ahead, 0.05))
            continue
        kind, dgram = make(rng, msgs)
        try:
            s.send(dgram)
        except OSError as e:
            # A pending ICMP error (port unreachable) fails this send: this
            # datagram never left, so it is not counted as sent.
            kinds["send-error-" + (e.strerror or "?")] = kinds.get("send-error-" + (e.strerror or "?"), 0) + 1
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        sent += 1
    print(json.dumps({"sent": sent, "kinds": kinds,
                      "captured": {t: len(m) for t, m in msgs.items()},
                      "seconds": round(time.monotonic() - start, 2)}, sort_keys=True))


def main(argv):
    if len(argv) >= 5 and argv[1] == "sniff":
        sniff(argv[2], int(argv[3]), argv[4], float(argv[5]) if len(argv) > 5 else 10)
        return 0
    if len(argv) >= 7 and argv[1] == "send":
        seed = int(argv[7]) if len(argv) > 7 else int.from_bytes(os.urandom(4), "little")
        send(argv[2], int(argv[3]), argv[4], float(argv[5]), float(argv[6]), seed)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
