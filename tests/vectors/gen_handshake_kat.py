#!/usr/bin/python3
"""Prints tests/vectors/handshake_kat.h: one complete WireGuard handshake and
the first transport message in each direction, computed from fixed inputs by
an implementation independent of tunnel/: Python's hashlib/hmac for BLAKE2s,
python3-cryptography for X25519 and ChaCha20-Poly1305, and the message
construction written from the WireGuard whitepaper (section 5.4).

    /usr/bin/python3 tests/vectors/gen_handshake_kat.py > tests/vectors/handshake_kat.h

The fixed random draws follow tunnel/tunnel.h: the initiator draws its
ephemeral private key (32 bytes) then its sender index (4 bytes, as they
appear on the wire); the responder does the same when answering.
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (X25519PrivateKey,
                                                              X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"
TAI64_BASE = (1 << 62) + 10  # TAI64 label of the Unix epoch


def pattern(seed, n=32):
    return bytes((seed + i * 13) & 0xFF for i in range(n))


# Fixed inputs.
INIT_STATIC = pattern(0x01)
RESP_STATIC = pattern(0x51)
INIT_EPHEMERAL = pattern(0xA3)
RESP_EPHEMERAL = pattern(0xC7)
INIT_INDEX = bytes([0x11, 0x22, 0x33, 0x44])  # wire bytes
RESP_INDEX = bytes([0xA5, 0x5A, 0x01, 0xFE])
PSK = pattern(0x2F)
WALL_SEC = 1700000000
# A multiple of 2^24 ns, so the answer is the same whether or not an
# implementation whitens (rounds down) the nanoseconds as wireguard-go does.
WALL_NSEC = 0x0A000000
INIT_PAYLOAD = b"tenet-kat"
RESP_PAYLOAD = b"tenet-kat-reply"


def HASH(*parts):
    return hashlib.blake2s(b"".join(parts), digest_size=32).digest()


def MAC(key, data):
    return hashlib.blake2s(data, digest_size=16, key=key).digest()


def HMAC(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def KDF(n, ck, data):
    t0 = HMAC(ck, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out


def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def DH(priv, peer_pub):
    return X25519PrivateKey.from_private_bytes(priv).exchange(
        X25519PublicKey.from_public_bytes(peer_pub))


def AEAD(key, counter, plain, ad):
    nonce = b"\x00" * 4 + struct.pack("<Q", counter)
    return ChaCha20Poly1305(key).encrypt(nonce, plain, ad)


def tai64n(sec, nsec):
    return struct.pack(">QI", TAI64_BASE + sec, nsec)


def pad16(b):
    return b + b"\x00" * (-len(b) % 16)


def make_initiation(s_i, s_r_pub, e_i, index, stamp):
    """Initiator: message 1 and the chain (c, h) after it."""
    s_i_pub, e_i_pub = pub(s_i), pub(e_i)
    c = HASH(CONSTRUCTION)
    h = HASH(c, IDENTIFIER)
    h = HASH(h, s_r_pub)
    (c,) = KDF(1, c, e_i_pub)
    h = HASH(h, e_i_pub)
    c, k = KDF(2, c, DH(e_i, s_r_pub))                       # es
    enc_static = AEAD(k, 0, s_i_pub, h)
    h = HASH(h, enc_static)
    c, k = KDF(2, c, DH(s_i, s_r_pub))                       # ss
    enc_stamp = AEAD(k, 0, stamp, h)
    h = HASH(h, enc_stamp)
    body = struct.pack("<I", 1) + index + e_i_pub + enc_static + enc_stamp
    mac1 = MAC(HASH(LABEL_MAC1, s_r_pub), body)
    msg = body + mac1 + b"\x00" * 16
    assert len(msg) == 148
    return msg, (c, h)


def make_response(chain, s_i_pub, e_i_pub, e_r, index, peer_index, psk):
    """Responder: message 2 and its (send, receive) transport keys."""
    c, h = chain
    e_r_pub = pub(e_r)
    (c,) = KDF(1, c, e_r_pub)
    h = HASH(h, e_r_pub)
    (c,) = KDF(1, c, DH(e_r, e_i_pub))                       # ee
    (c,) = KDF(1, c, DH(e_r, s_i_pub))                       # se
    c, tau, k = KDF(3, c, psk)                               # psk
    h = HASH(h, tau)
    enc_empty = AEAD(k, 0, b"", h)
    h = HASH(h, enc_empty)
    body = struct.pack("<I", 2) + index + peer_index + e_r_pub + enc_empty
    mac1 = MAC(HASH(LABEL_MAC1, s_i_pub), body)
    msg = body + mac1 + b"\x00" * 16
    assert len(msg) == 92
    recv, send = KDF(2, c, b"")
    return msg, (send, recv)


def data_message(receiver_index, key, counter, payload):
    return (struct.pack("<I", 4) + receiver_index + struct.pack("<Q", counter)
            + AEAD(key, counter, pad16(payload), b""))


def handshake():
    s_i_pub, s_r_pub = pub(INIT_STATIC), pub(RESP_STATIC)
    stamp = tai64n(WALL_SEC, WALL_NSEC)
    v = {}
    v["initiation"], chain = make_initiation(INIT_STATIC, s_r_pub, INIT_EPHEMERAL,
                                             INIT_INDEX, stamp)
    v["response"], (r_send, r_recv) = make_response(chain, s_i_pub, pub(INIT_EPHEMERAL),
                                                    RESP_EPHEMERAL, RESP_INDEX,
                                                    INIT_INDEX, PSK)
    # The initiator sends with the responder's receive key (KDF2's first output).
    v["initiator_send_key"], v["responder_send_key"] = r_recv, r_send
    v["initiator_data"] = data_message(RESP_INDEX, r_recv, 0, INIT_PAYLOAD)
    v["responder_data"] = data_message(INIT_INDEX, r_send, 0, RESP_PAYLOAD)
    v["timestamp"] = stamp
    v["init_static_pub"], v["resp_static_pub"] = s_i_pub, s_r_pub
    return v


def carr(name, b):
    parts = ["0x%02x" % x for x in b]
    lines = [", ".join(parts[i:i + 12]) for i in range(0, len(parts), 12)]
    return "static const uint8_t %s[%d] = {\n\t%s,\n};" % (name, len(b), ",\n\t".join(lines))


def main():
    v = handshake()
    out = []
    w = out.append
    w("/* Generated by tests/vectors/gen_handshake_kat.py: a WireGuard handshake computed")
    w(" * with Python hashlib/hmac and python3-cryptography from the whitepaper. Do not edit. */")
    w("#ifndef TESTS_VECTORS_HANDSHAKE_KAT_H")
    w("#define TESTS_VECTORS_HANDSHAKE_KAT_H")
    w("")
    w("#include <stdint.h>")
    w("")
    w("/* Inputs. Indices are wire bytes, as the engine draws them from its rng. */")
    w(carr("kat_initiator_static", INIT_STATIC))
    w(carr("kat_responder_static", RESP_STATIC))
    w(carr("kat_initiator_ephemeral", INIT_EPHEMERAL))
    w(carr("kat_responder_ephemeral", RESP_EPHEMERAL))
    w(carr("kat_initiator_index", INIT_INDEX))
    w(carr("kat_responder_index", RESP_INDEX))
    w(carr("kat_psk", PSK))
    w("#define KAT_WALL_NS (%dULL * 1000000000ULL + %dULL)" % (WALL_SEC, WALL_NSEC))
    w("#define KAT_INITIATOR_PAYLOAD \"%s\"" % INIT_PAYLOAD.decode())
    w("#define KAT_RESPONDER_PAYLOAD \"%s\"" % RESP_PAYLOAD.decode())
    w("")
    w("/* Derived values, for diagnosing a mismatch. */")
    w(carr("kat_initiator_static_public", v["init_static_pub"]))
    w(carr("kat_responder_static_public", v["resp_static_pub"]))
    w(carr("kat_timestamp", v["timestamp"]))
    w(carr("kat_initiator_send_key", v["initiator_send_key"]))
    w(carr("kat_responder_send_key", v["responder_send_key"]))
    w("")
    w("/* Expected messages. */")
    w(carr("kat_initiation", v["initiation"]))
    w(carr("kat_response", v["response"]))
    w(carr("kat_initiator_data", v["initiator_data"]))
    w(carr("kat_responder_data", v["responder_data"]))
    w("")
    w("#endif")
    print("\n".join(out))


if __name__ == "__main__":
    main()
