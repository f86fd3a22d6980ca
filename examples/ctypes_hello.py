#!/usr/bin/env python3
"""Hello world over ferrozmq's C ABI from Python, with nothing but ctypes.

    python3 examples/ctypes_hello.py [path/to/libferrozmq.so]

Without an argument it loads libzmq.so.5 from the loader's path, so with
LD_LIBRARY_PATH=target/release it finds ferrozmq under libzmq's name.
"""
import ctypes
import sys

ZMQ_REQ, ZMQ_REP = 3, 4
ZMQ_RCVTIMEO, ZMQ_LAST_ENDPOINT, ZMQ_LINGER = 27, 32, 17

lib = ctypes.CDLL(sys.argv[1] if len(sys.argv) > 1 else "libzmq.so.5", use_errno=True)
lib.zmq_ctx_new.restype = ctypes.c_void_p
lib.zmq_socket.restype = ctypes.c_void_p
lib.zmq_socket.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.zmq_strerror.restype = ctypes.c_char_p
for name in ("zmq_bind", "zmq_connect"):
    getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.zmq_send.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
lib.zmq_recv.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
lib.zmq_setsockopt.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t]
lib.zmq_getsockopt.argtypes = [
    ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t)]
lib.zmq_close.argtypes = [ctypes.c_void_p]
lib.zmq_ctx_term.argtypes = [ctypes.c_void_p]


def check(rc):
    if rc == -1:
        err = lib.zmq_errno()
        raise OSError(err, lib.zmq_strerror(err).decode())
    return rc


def socket(ctx, kind):
    s = lib.zmq_socket(ctx, kind)
    if not s:
        check(-1)
    for option, value in ((ZMQ_RCVTIMEO, 5000), (ZMQ_LINGER, 0)):
        v = ctypes.c_int(value)
        check(lib.zmq_setsockopt(s, option, ctypes.byref(v), ctypes.sizeof(v)))
    return s


def recv(s):
    buf = ctypes.create_string_buffer(256)
    n = check(lib.zmq_recv(s, buf, len(buf), 0))
    return buf.raw[:n]


major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
lib.zmq_version(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))

ctx = lib.zmq_ctx_new()
server = socket(ctx, ZMQ_REP)
check(lib.zmq_bind(server, b"tcp://127.0.0.1:*"))
endpoint = ctypes.create_string_buffer(256)
size = ctypes.c_size_t(len(endpoint))
check(lib.zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, endpoint, ctypes.byref(size)))

client = socket(ctx, ZMQ_REQ)
check(lib.zmq_connect(client, endpoint.value))
check(lib.zmq_send(client, b"Hello", 5, 0))
request = recv(server)
check(lib.zmq_send(server, b"World", 5, 0))
reply = recv(client)
assert (request, reply) == (b"Hello", b"World"), (request, reply)

for s in (client, server):
    check(lib.zmq_close(s))
check(lib.zmq_ctx_term(ctx))
print(f"libzmq {major.value}.{minor.value}.{patch.value} API: "
      f"{request.decode()} -> {reply.decode()} over {endpoint.value.decode()}")
