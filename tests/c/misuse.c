/* Misuse gives libzmq's errno, never a crash; and the small utilities behave as zmq.h says. */
#include "check.h"

static int freed = 0;
static void free_fn (void *data, void *hint)
{
    CHECK (hint == (void *) 0x1234);
    free (data);
    freed++;
}

int main (void)
{
    /* Versions and capabilities. */
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    CHECK (major == 4 && minor == 3 && patch >= 4);
    CHECK (ZMQ_VERSION == 40304);
    CHECK (zmq_has ("ipc") == 1);
    CHECK (zmq_has ("curve") == 1);
    CHECK (zmq_has ("pgm") == 0);
    CHECK (strcmp (zmq_strerror (EFSM), "Operation cannot be accomplished in current state")
           == 0);
    CHECK (strlen (zmq_strerror (EAGAIN)) > 0);
    char pub[41], sec[41], derived[41];
    CHECK (zmq_curve_keypair (pub, sec) == 0 && strlen (pub) == 40 && strlen (sec) == 40);
    CHECK (zmq_curve_public (derived, sec) == 0 && strcmp (derived, pub) == 0);
    CHECK_ERR (zmq_curve_public (derived, "42"), EINVAL);
    CHECK (sizeof (zmq_msg_t) == 64 && _Alignof (zmq_msg_t) == sizeof (void *));

    /* NULL and foreign pointers. */
    CHECK (zmq_socket (NULL, ZMQ_PAIR) == NULL && zmq_errno () == EFAULT);
    CHECK_ERR (zmq_send (NULL, "x", 1, 0), ENOTSOCK);
    int not_a_socket = 42;
    CHECK_ERR (zmq_send (&not_a_socket, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_close (NULL), ENOTSOCK);
    CHECK_ERR (zmq_ctx_term (&not_a_socket), EFAULT);
    CHECK_ERR (zmq_msg_init (NULL), EFAULT);

    void *ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE) == 64);
    CHECK (zmq_socket (ctx, 99) == NULL && zmq_errno () == EINVAL);
    void *s = test_socket (ctx, ZMQ_PAIR);
    CHECK_ERR (zmq_bind (s, NULL), EFAULT);
    CHECK_ERR (zmq_bind (s, "bogus://x"), EPROTONOSUPPORT);

    /* Options: wrong sizes, unknown numbers, and values read back. */
    int v = 5;
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SNDHWM, &v, 2), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, 12345, &v, sizeof v), EINVAL);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "a", 1), EINVAL);
    CHECK (zmq_setsockopt (s, ZMQ_SNDHWM, &v, sizeof v) == 0);
    size_t len = sizeof v;
    v = 0;
    CHECK (zmq_getsockopt (s, ZMQ_SNDHWM, &v, &len) == 0 && v == 5 && len == sizeof v);
    len = 2;
    CHECK_ERR (zmq_getsockopt (s, ZMQ_SNDHWM, &v, &len), EINVAL);
    int64_t big = 1 << 20;
    CHECK (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &big, sizeof big) == 0);
    CHECK_ERR (zmq_setsockopt (s, ZMQ_MAXMSGSIZE, &v, sizeof v), EINVAL);
    len = sizeof v;
    CHECK (zmq_getsockopt (s, ZMQ_TYPE, &v, &len) == 0 && v == ZMQ_PAIR);
    len = sizeof v;
    CHECK (zmq_getsockopt (s, ZMQ_LINGER, &v, &len) == 0 && v == 0);

    /* Frames: a receive truncates to the buffer and reports the full size. */
    void *peer = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_bind (s, "inproc://misuse") == 0);
    CHECK (zmq_connect (peer, "inproc://misuse") == 0);
    CHECK (zmq_send (peer, "0123456789", 10, 0) == 10);
    char buf[4];
    CHECK (zmq_recv (s, buf, sizeof buf, 0) == 10);
    CHECK (memcmp (buf, "0123", 4) == 0);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    static const char constant[] = "const";
    CHECK (zmq_send_const (peer, constant, 5, 0) == 5);
    CHECK (zmq_recv (s, buf, sizeof buf, 0) == 5);

    /* zmq_msg_init_data: the free function runs exactly once, after the last user. */
    zmq_msg_t m, copy;
    char *data = malloc (6);
    memcpy (data, "owned", 6);
    CHECK (zmq_msg_init_data (&m, data, 6, free_fn, (void *) 0x1234) == 0);
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &m) == 0);
    CHECK (zmq_msg_get (&m, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_send (&m, peer, 0) == 6);
    CHECK (zmq_msg_close (&m) == 0);
    CHECK (freed == 0);
    CHECK (zmq_msg_init (&m) == 0);
    CHECK (zmq_msg_recv (&m, s, 0) == 6);
    CHECK (strcmp (zmq_msg_data (&m), "owned") == 0);
    CHECK (zmq_msg_close (&m) == 0);
    CHECK (freed == 0);
    CHECK (zmq_msg_close (&copy) == 0);
    CHECK (freed == 1);

    /* A message used after close is EFAULT; move leaves the source empty. */
    CHECK_ERR (zmq_msg_close (&m), EFAULT);
    CHECK_ERR (zmq_msg_send (&m, peer, 0), EFAULT);
    CHECK (zmq_msg_data (&m) == NULL && zmq_errno () == EFAULT);
    CHECK (zmq_msg_init_size (&m, 2) == 0);
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_move (&copy, &m) == 0);
    CHECK (zmq_msg_size (&copy) == 2 && zmq_msg_size (&m) == 0);
    CHECK_ERR (zmq_msg_set (&m, ZMQ_MORE, 1), EINVAL);
    CHECK (zmq_msg_gets (&m, "Socket-Type") == NULL && zmq_errno () == EINVAL);
    zmq_msg_close (&m);
    zmq_msg_close (&copy);

    /* Send or receive where the pattern forbids it. */
    void *pull = test_socket (ctx, ZMQ_PULL);
    CHECK_ERR (zmq_send (pull, "x", 1, 0), ENOTSUP);
    void *req = test_socket (ctx, ZMQ_REQ);
    CHECK_ERR (zmq_recv (req, buf, sizeof buf, 0), EFSM);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (req) == 0);

    /* A closed socket is ENOTSOCK. */
    CHECK (zmq_close (peer) == 0);
    CHECK_ERR (zmq_send (peer, "x", 1, 0), ENOTSOCK);
    CHECK_ERR (zmq_close (peer), ENOTSOCK);

    /* After shutdown, calls on the context's sockets are ETERM; close still works. */
    CHECK (zmq_ctx_shutdown (ctx) == 0);
    CHECK_ERR (zmq_recv (s, buf, sizeof buf, 0), ETERM);
    CHECK_ERR (zmq_send (s, "x", 1, 0), ETERM);
    CHECK (zmq_socket (ctx, ZMQ_PAIR) == NULL && zmq_errno () == ETERM);
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    CHECK (zmq_socket (ctx, ZMQ_PAIR) == NULL && zmq_errno () == EFAULT);

    /* Z85 (RFC 32's test vector), counters, stopwatch. */
    uint8_t raw[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    char text[11];
    CHECK (zmq_z85_encode (text, raw, 8) == text && strcmp (text, "HelloWorld") == 0);
    uint8_t back[8];
    CHECK (zmq_z85_decode (back, "HelloWorld") == back && memcmp (back, raw, 8) == 0);
    CHECK (zmq_z85_encode (text, raw, 3) == NULL);
    void *counter = zmq_atomic_counter_new ();
    CHECK (zmq_atomic_counter_inc (counter) == 0);
    CHECK (zmq_atomic_counter_value (counter) == 1);
    CHECK (zmq_atomic_counter_dec (counter) == 0);
    zmq_atomic_counter_destroy (&counter);
    CHECK (counter == NULL);
    void *watch = zmq_stopwatch_start ();
    CHECK (watch != NULL);
    CHECK (zmq_stopwatch_stop (watch) < 10 * 1000 * 1000);
    return 0;
}
