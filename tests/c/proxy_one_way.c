/* zmq_proxy_steerable from a PULL to a PUSH, as libzmq runs it: the send-only PUSH is
 * never read, messages stay queued in the PULL while the PUSH has no peer to take them
 * (and the control socket is still obeyed), and they flow once a peer connects. */
#include "check.h"

struct sockets
{
    void *frontend, *backend, *control;
    int rc;
};

static void run_proxy (void *arg)
{
    struct sockets *s = arg;
    s->rc = zmq_proxy_steerable (s->frontend, s->backend, NULL, s->control);
}

/* STATISTICS' first counter: messages the proxy read from the frontend. */
static uint64_t frontend_messages_in (void *ctl)
{
    CHECK (zmq_send (ctl, "STATISTICS", 10, 0) == 10);
    uint64_t stats[8];
    for (int i = 0; i < 8; i++)
        CHECK (zmq_recv (ctl, &stats[i], sizeof stats[i], 0) == 8);
    return stats[0];
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    struct sockets s;
    s.frontend = test_socket (ctx, ZMQ_PULL);
    s.backend = test_socket (ctx, ZMQ_PUSH);
    s.control = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_bind (s.frontend, "inproc://in") == 0);
    CHECK (zmq_bind (s.backend, "inproc://out") == 0);
    CHECK (zmq_bind (s.control, "inproc://control") == 0);
    void *source = test_socket (ctx, ZMQ_PUSH);
    void *ctl = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (source, "inproc://in") == 0);
    CHECK (zmq_connect (ctl, "inproc://control") == 0);

    void *thread = zmq_threadstart (run_proxy, &s);
    CHECK (thread != NULL);

    /* No peer on the backend: nothing is read from the frontend, and the proxy still
     * answers its control socket. */
    for (int i = 0; i < 3; i++)
        CHECK (zmq_send (source, "m", 1, 0) == 1);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep (&ts, NULL);
    CHECK (frontend_messages_in (ctl) == 0);

    /* A peer makes the backend writable: the queued messages go through. */
    void *sink = test_socket (ctx, ZMQ_PULL);
    CHECK (zmq_connect (sink, "inproc://out") == 0);
    for (int i = 0; i < 3; i++)
        expect_frame (sink, "m", 0);
    CHECK (frontend_messages_in (ctl) == 3);

    CHECK (zmq_send (ctl, "TERMINATE", 9, 0) == 9);
    zmq_threadclose (thread);
    CHECK (s.rc == 0);

    void *all[] = {source, sink, ctl, s.frontend, s.backend, s.control};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        CHECK (zmq_close (all[i]) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
