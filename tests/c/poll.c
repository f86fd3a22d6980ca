/* zmq_poll over two sockets and a pipe: each wakes it, timeouts follow libzmq's rules. */
#include "check.h"
#include <unistd.h>

static long now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *rep = test_socket (ctx, ZMQ_REP);
    void *req = test_socket (ctx, ZMQ_REQ);
    CHECK (zmq_bind (pull, "inproc://poll-a") == 0);
    CHECK (zmq_connect (push, "inproc://poll-a") == 0);
    char endpoint[256];
    bind_any (rep, endpoint, sizeof endpoint);
    CHECK (zmq_connect (req, endpoint) == 0);
    int fds[2];
    CHECK (pipe (fds) == 0);

    zmq_pollitem_t items[3] = {
      {pull, 0, ZMQ_POLLIN, 0}, {rep, 0, ZMQ_POLLIN, 0}, {NULL, fds[0], ZMQ_POLLIN, 0}};

    /* Nothing ready: 0 returns at once, a timeout waits about that long. */
    CHECK (zmq_poll (items, 3, 0) == 0);
    long start = now_ms ();
    CHECK (zmq_poll (items, 3, 100) == 0);
    long waited = now_ms () - start;
    CHECK (waited >= 90 && waited < 2000);

    /* The first socket. */
    CHECK (zmq_send (push, "p", 1, 0) == 1);
    CHECK (zmq_poll (items, 3, TEST_TIMEOUT_MS) == 1);
    CHECK (items[0].revents == ZMQ_POLLIN && items[1].revents == 0 && items[2].revents == 0);
    expect_frame (pull, "p", 0);

    /* The second socket, over tcp, woken while the poll sleeps (-1: no timeout). */
    CHECK (zmq_send (req, "q", 1, 0) == 1);
    CHECK (zmq_poll (items, 3, -1) == 1);
    CHECK (items[1].revents == ZMQ_POLLIN);
    expect_frame (rep, "q", 0);

    /* The pipe. */
    CHECK (write (fds[1], "x", 1) == 1);
    CHECK (zmq_poll (items, 3, TEST_TIMEOUT_MS) == 1);
    CHECK (items[2].revents == ZMQ_POLLIN && items[0].revents == 0);
    char c;
    CHECK (read (fds[0], &c, 1) == 1);

    /* POLLOUT: REP may answer now; REQ may not send again before its reply. */
    zmq_pollitem_t out[2] = {{rep, 0, ZMQ_POLLOUT, 0}, {req, 0, ZMQ_POLLOUT, 0}};
    CHECK (zmq_poll (out, 2, 0) == 1);
    CHECK (out[0].revents == ZMQ_POLLOUT && out[1].revents == 0);

    /* A closed socket in the set is ENOTSOCK. */
    void *gone = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_close (gone) == 0);
    zmq_pollitem_t bad[1] = {{gone, 0, ZMQ_POLLIN, 0}};
    CHECK_ERR (zmq_poll (bad, 1, 0), ENOTSOCK);

    close (fds[0]);
    close (fds[1]);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (rep) == 0);
    CHECK (zmq_close (req) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
