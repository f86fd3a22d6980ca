#!/usr/bin/env python3
"""Regenerates the hand-written seed corpora (all but seeds/plain and seeds/zap_reply).

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


def body(cmd_frame):
    """The body of a command frame built by command(): what fuzz_command parses."""
    return cmd_frame[9:] if cmd_frame[0] & 0x02 else cmd_frame[2:]


# Input to fuzz_greeting: a peer's first 64 bytes, or fewer.
GREETING = {
    "null": G,
    "null_30": greeting(minor=0),
    "major4": greeting(major=4, minor=7),
    "major255": greeting(major=255, minor=255),
    "major2": greeting(major=2, minor=0),
    "major0": greeting(major=0, minor=0),
    "plain_server": greeting(b"PLAIN", server=1),
    "curve": greeting(b"CURVE"),
    "bogus_mechanism": greeting(b"BOGUS"),
    "mechanism_full_field": greeting(b"ABCDEFGHIJKLMNOPQRST"),
    "null_then_garbage_mechanism": greeting(b"NULL\x00X"),
    "partial_11": G[:11],
    "partial_63": G[:63],
    "bad_first_byte": b"\x00" + G[1:],
    "bad_byte_9": G[:9] + b"\x7e" + G[10:],
    "zmtp_2_0": G[:10] + b"\x01\x08\x00\x00",
    "zmtp_1_0": b"\x01\x00\x06\x00hello",
    "http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
}

# Input to fuzz_command: a command frame's body (name length, name, data).
COMMAND = {
    "ready_push": body(ready(b"PUSH")),
    "ready_dealer_identity": body(READY_DEALER_ABC),
    "ready_extra_props": body(command(b"READY", prop(b"Socket-Type", b"PULL") + prop(b"X-Foo", b"bar"))),
    "ready_two_types": body(command(b"READY", prop(b"Socket-Type", b"PUSH") + prop(b"socket-type", b"PULL"))),
    "ready_name_overruns": b"\x05READY\x0bSocket",
    "ready_length_truncated": b"\x05READY\x0bSocket-Type\x00\x00",
    "ready_value_overruns": b"\x05READY\x0bSocket-Type\xff\xff\xff\xffPUSH",
    "ready_non_utf8_name": body(command(b"READY", prop(b"\xff\xfe", b"v") + prop(b"Socket-Type", b"PUB"))),
    "ready_empty": b"\x05READY",
    "error": body(command(b"ERROR", b"\x05oops!")),
    "error_truncated": b"\x05ERROR\x09abc",
    "error_non_utf8": b"\x05ERROR\x02\xff\xfe",
    "subscribe": body(SUB_A),
    "cancel": body(CANCEL_A),
    "ping": body(PING_X),
    "ping_long_context": body(command(b"PING", b"\x00\x01" + b"x" * 40)),
    "ping_truncated": b"\x04PING\x00",
    "pong": body(PONG_X),
    "unknown": body(command(b"FOO", b"bar")),
    "name_overruns": b"\x09SUB",
    "empty": b"",
}

# Input to fuzz_engine_roles: a byte picking our socket type (and chunk size), then the
# peer's bytes (once from the greeting on, once after a compatible peer's handshake).
ROLES = {
    "pub_sees_subscribe": b"\x01" + SUB_A + SUB_A_30 + CANCEL_A,
    "sub_receives": b"\x02" + HELLO + HELLO_MORE + frame(b"t"),
    "router_from_dealer": b"\x06" + G + READY_DEALER_ABC + HELLO,
    "dealer_pings": b"\x05" + PING_X + PONG_X + HELLO,
    "req_reply": b"\x03" + frame(b"", more=True) + HELLO,
    "xpub_cancel": b"\x09" + CANCEL_A + command(b"CANCEL", b""),
    "pair_twice": b"\x00" + G + ready(b"PAIR") + ready(b"PAIR"),
    "chunk_16": b"\xf7" + PUSH_PRE + HELLO,
    "greeting_then_noise": b"\x08" + G + bytes(range(64)),
}

# Input to fuzz_trie: (opcode, length, prefix bytes) triples; opcodes 0 add, 1 remove,
# 2 remove_all, 3 matches, 4 count, 5 list.
TRIE = {
    "add_remove": bytes([0, 2, 0, 1, 4, 2, 0, 1, 1, 2, 0, 1, 5, 0]),
    "split_and_merge": bytes([0, 3, 0, 1, 2, 0, 3, 0, 1, 3, 0, 2, 0, 1, 2, 0, 3, 0, 1, 2, 5, 0]),
    "empty_prefix": bytes([0, 0, 3, 4, 1, 2, 3, 0, 1, 0, 3, 2, 1, 2]),
    "count_twice": bytes([0, 1, 3, 0, 1, 3, 4, 1, 3, 1, 1, 3, 4, 1, 3, 2, 1, 3]),
    "deep": bytes([0, 11]) + bytes(11) + bytes([3, 11]) + bytes(11) + bytes([2, 11]) + bytes(11),
}

# Input to fuzz_curve. First byte odd: a client and a server engine relay their traffic
# through (transfer, offset, XOR mask) edits, a zero mask sending the transfer twice.
# Transfers: 0-3 greetings, 4 HELLO, 5 WELCOME, 6 INITIATE, 7 READY, 8 the client's
# MESSAGEs, 9 the server's. Bits 1-2 of the first byte pick the ZAP answer (200, no
# handler, 400). First byte even: a peer's bytes after a valid CURVE greeting, to a server
# and a client engine.
CURVE = {
    "relay_clean": b"\x01",
    "relay_no_zap_handler": b"\x03",
    "relay_zap_refuses": b"\x05",
    "relay_hello_box_tampered": bytes([1, 4, 150, 1]),
    "relay_welcome_tampered": bytes([1, 5, 100, 0x80]),
    "relay_cookie_tampered": bytes([1, 6, 40, 1]),
    "relay_initiate_box_tampered": bytes([1, 6, 200, 1]),
    "relay_ready_tampered": bytes([1, 7, 30, 1]),
    "relay_message_replayed": bytes([1, 8, 0, 0]),
    "relay_message_tampered": bytes([1, 9, 40, 4]),
    "raw_short_hello": b"\x00" + command(b"HELLO"),
    "raw_hello_wrong_version": b"\x00" + command(b"HELLO", b"\x02\x00" + bytes(192)),
    "raw_initiate_first": b"\x02" + command(b"INITIATE"),
    "raw_message_first": b"\x00" + frame(b"\x07MESSAGE" + bytes(8 + 17)),
    "raw_error_400": b"\x04" + command(b"ERROR", b"\x03400"),
}


def write(dirname, seeds):
    d = os.path.join(HERE, dirname)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


write("frames", FRAMES)
write("engine", ENGINE)
write("greeting", GREETING)
write("command", COMMAND)
write("roles", ROLES)
write("trie", TRIE)
write("curve", CURVE)
