#!/usr/bin/env python3
"""Regenerates the hand-written seed corpora in seeds/frames and seeds/engine.

Byte layouts follow /work/shared/docs/zmtp.md section 8. Run from anywhere:
    python3 fuzz/seeds/gen_seeds.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def greeting(mech=b"NULL", server=0, major=3, minor=1):
    g = b"\xff" + b"\x00" * 7 + b"\x01" + b"\x7f" + bytes([major, minor])
    g += mech.ljust(20, b"\x00") + bytes([server]) + b"\x00" * 31
    assert len(g) == 64
    return g


def command(name, data=b""):
    body = bytes([len(name)]) + name + data
    if len(body) < 256:
        return b"\x04" + bytes([len(body)]) + body
    return b"\x06" + len(body).to_bytes(8, "big") + body


def prop(name, value):
    return bytes([len(name)]) + name + len(value).to_bytes(4, "big") + value


def ready(socket_type, identity=None):
    data = prop(b"Socket-Type", socket_type)
    if identity is not None:
        data += prop(b"Identity", identity)
    return command(b"READY", data)


def frame(body, more=False):
    flags = 0x01 if more else 0x00
    if len(body) < 256:
        return bytes([flags, len(body)]) + body
    return bytes([flags | 0x02]) + len(body).to_bytes(8, "big") + body


PING_X = bytes.fromhex("04 08 04 50 49 4e 47 00 64 78")
PONG_X = bytes.fromhex("04 06 04 50 4f 4e 47 78")
SUB_A = bytes.fromhex("04 0b 09 53 55 42 53 43 52 49 42 45 41")
CANCEL_A = command(b"CANCEL", b"A")
SUB_A_30 = bytes.fromhex("00 02 01 41")
HELLO = bytes.fromhex("00 05 68 65 6c 6c 6f")
HELLO_MORE = bytes.fromhex("01 05 68 65 6c 6c 6f")
LONG_300_HDR = bytes.fromhex("02 00 00 00 00 00 00 01 2c")
READY_DEALER_ABC = bytes.fromhex(
    "04 2c 05 52 45 41 44 59 0b 53 6f 63 6b 65 74 2d 54 79 70 65 00 00 00 06"
    " 44 45 41 4c 45 52 08 49 64 65 6e 74 69 74 79 00 00 00 03 61 62 63"
)
assert READY_DEALER_ABC == ready(b"DEALER", b"abc")

# Input to fuzz_frames: what a PUSH peer sends after the handshake.
FRAMES = {
    "hello": HELLO,
    "multipart": HELLO_MORE + HELLO_MORE + frame(b""),
    "empty_frame": frame(b""),
    "long_300": LONG_300_HDR + bytes(range(256)) + bytes(44),
    "long_300_header_only": LONG_300_HDR,
    "long_small_body": bytes.fromhex("02 00 00 00 00 00 00 00 03") + b"abc",
    "long_huge": bytes.fromhex("02 80 00 00 00 00 00 00 00") + b"\x01\x02\x03",
    # fuzz.rs sets MAXMSGSIZE to 1 MiB; announce one byte more.
    "long_over_maxmsgsize": b"\x02" + ((1 << 20) + 1).to_bytes(8, "big") + b"abc",
    "ping": PING_X,
    "ping_ttl0_ctx16": command(b"PING", b"\x00\x00" + b"0123456789abcdef"),
    "ping_ctx_too_long": command(b"PING", b"\x00\x01" + b"x" * 17),
    "ping_truncated": command(b"PING", b"\x00"),
    "pong": PONG_X,
    "subscribe_cmd": SUB_A,
    "cancel_cmd": CANCEL_A,
    "subscribe_30": SUB_A_30,
    "error_cmd": command(b"ERROR", b"\x05oops!"),
    "ready_again": ready(b"PUSH"),
    "unknown_cmd": command(b"FOO", b"bar"),
    "cmd_with_more": b"\x05\x05\x04PING",
    "cmd_empty_body": b"\x04\x00",
    "cmd_name_len_overflow": b"\x04\x02\x09A",
    "reserved_flags": b"\x08\x01x",
    "mixed": HELLO_MORE + PING_X + HELLO + SUB_A + frame(b"z" * 255),
    "long_command": command(b"SUBSCRIBE", b"t" * 300),
}

G = greeting()
PUSH_PRE = G + ready(b"PUSH")
PULL_PRE = G + ready(b"PULL")

# Input to fuzz_engine: the peer's bytes from the first greeting byte on.
ENGINE = {
    "greeting_null": G,
    "greeting_partial_11": G[:11],
    "greeting_partial_30": G[:30],
    "greeting_30": greeting(minor=0),
    "greeting_major4": greeting(major=4, minor=0),
    "greeting_major2": greeting(major=2, minor=0),
    "greeting_bad_signature": b"\x00" + G[1:],
    "greeting_plain": greeting(b"PLAIN", server=1),
    "greeting_curve": greeting(b"CURVE", server=0),
    "ready_push": PUSH_PRE,
    "ready_pull": PULL_PRE,
    "ready_push_hello": PUSH_PRE + HELLO,
    "ready_pull_hello": PULL_PRE + HELLO,
    "ready_push_long": PUSH_PRE + LONG_300_HDR + bytes(300),
    "ready_push_long_huge": PUSH_PRE + bytes.fromhex("02 80 00 00 00 00 00 00 00 01 02 03"),
    "ready_push_ping": PUSH_PRE + PING_X,
    "ready_pull_ping_pong": PULL_PRE + PING_X + PONG_X,
    "ready_push_subscribe": PUSH_PRE + SUB_A + SUB_A_30 + CANCEL_A,
    "ready_dealer_identity": G + READY_DEALER_ABC,
    "ready_incompatible_pair": G + ready(b"PAIR"),
    "ready_lowercase_type": G + ready(b"push"),
    "ready_no_properties": G + command(b"READY"),
    "ready_prop_truncated": G + command(b"READY", b"\x0bSocket-Type\x00\x00\x01\x00PUSH"),
    "ready_extra_props": G + command(b"READY", prop(b"Socket-Type", b"PULL") + prop(b"X-Foo", b"bar") + prop(b"Resource", b"")),
    "error_before_ready": G + command(b"ERROR", b"\x06denied"),
    "message_before_ready": G + HELLO,
    "ping_before_ready": G + PING_X,
    "ready_push_multipart": PUSH_PRE + HELLO_MORE + HELLO_MORE + frame(b"end"),
    "ready_push_error": PUSH_PRE + command(b"ERROR", b"\x03bye"),
    "ready_twice": PUSH_PRE + ready(b"PUSH"),
}


def write(dirname, seeds):
    d = os.path.join(HERE, dirname)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


write("frames", FRAMES)
write("engine", ENGINE)
