/* zmq_proxy_steerable between a ROUTER frontend and a DEALER backend, run on its own
 * thread: requests and replies pass with their envelopes, a capture socket sees each,
 * and the control socket's PAUSE, RESUME, STATISTICS and TERMINATE are obeyed. */
#include "check.h"

struct sockets
{
    void *frontend, *backend, *capture, *control;
    int rc;
};

static void run_proxy (void *arg)
{
    struct sockets *s = arg;
    s->rc = zmq_proxy_steerable (s->frontend, s->backend, s->capture, s->control);
}

static void command (void *ctl, const char *cmd)
{
    CHECK (zmq_send (ctl, cmd, strlen (cmd), 0) == (int) strlen (cmd));
}

/* STATISTICS: eight 64-bit counters (frontend in/out, backend in/out: messages, bytes).
 * Its answer also proves every earlier command was obeyed. */
static void statistics (void *ctl, uint64_t stats[8])
{
    command (ctl, "STATISTICS");
    for (int i = 0; i < 8; i++) {
        CHECK (zmq_recv (ctl, &stats[i], sizeof stats[i], 0) == 8);
        int more;
        size_t len = sizeof more;
        CHECK (zmq_getsockopt (ctl, ZMQ_RCVMORE, &more, &len) == 0 && more == (i < 7));
    }
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    struct sockets s;
    s.frontend = test_socket (ctx, ZMQ_ROUTER);
    s.backend = test_socket (ctx, ZMQ_DEALER);
    s.capture = test_socket (ctx, ZMQ_PUSH);
    s.control = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_bind (s.frontend, "inproc://front") == 0);
    CHECK (zmq_bind (s.backend, "inproc://back") == 0);
    CHECK (zmq_bind (s.capture, "inproc://capture") == 0);
    CHECK (zmq_bind (s.control, "inproc://control") == 0);
    void *client = test_socket (ctx, ZMQ_REQ);
    void *worker = test_socket (ctx, ZMQ_REP);
    void *tap = test_socket (ctx, ZMQ_PULL);
    void *ctl = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (client, "inproc://front") == 0);
    CHECK (zmq_connect (worker, "inproc://back") == 0);
    CHECK (zmq_connect (tap, "inproc://capture") == 0);
    CHECK (zmq_connect (ctl, "inproc://control") == 0);

    void *thread = zmq_threadstart (run_proxy, &s);
    CHECK (thread != NULL);

    CHECK (zmq_send (client, "job", 3, 0) == 3);
    expect_frame (worker, "job", 0);
    CHECK (zmq_send (worker, "done", 4, 0) == 4);
    expect_frame (client, "done", 0);

    /* The capture saw the request (routing id, delimiter, body) going through. */
    char id[256];
    CHECK (zmq_recv (tap, id, sizeof id, 0) > 0);
    expect_frame (tap, "", 1);
    expect_frame (tap, "job", 0);

    /* Paused, a request waits; resumed, it goes. */
    command (ctl, "PAUSE");
    uint64_t stats[8];
    statistics (ctl, stats);
    CHECK (stats[0] == 1 && stats[2] == 1 && stats[4] == 1 && stats[6] == 1);
    CHECK (zmq_send (client, "later", 5, 0) == 5);
    char buf[16];
    CHECK_ERR (zmq_recv (worker, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep (&ts, NULL);
    CHECK_ERR (zmq_recv (worker, buf, sizeof buf, ZMQ_DONTWAIT), EAGAIN);
    command (ctl, "RESUME");
    expect_frame (worker, "later", 0);
    CHECK (zmq_send (worker, "ok", 2, 0) == 2);
    expect_frame (client, "ok", 0);

    /* Two messages each way went through. */
    statistics (ctl, stats);
    CHECK (stats[0] == 2 && stats[2] == 2 && stats[4] == 2 && stats[6] == 2);

    command (ctl, "TERMINATE");
    zmq_threadclose (thread);
    CHECK (s.rc == 0);

    void *all[] = {client, worker, tap, ctl, s.frontend, s.backend, s.capture, s.control};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        CHECK (zmq_close (all[i]) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
