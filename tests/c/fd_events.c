/* An event loop that knows a socket only by ZMQ_FD: it sleeps in poll(2) on the fd and
 * asks ZMQ_EVENTS what changed, as bindings' event loops do (edge-triggered). */
#include "check.h"
#include <poll.h>

#define MESSAGES 200

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    char endpoint[256];
    bind_any (pull, endpoint, sizeof endpoint);
    CHECK (zmq_connect (push, endpoint) == 0);

    int fd = -1;
    size_t len = sizeof fd;
    CHECK (zmq_getsockopt (pull, ZMQ_FD, &fd, &len) == 0);
    CHECK (fd >= 0 && len == sizeof fd);

    int events = 0;
    len = sizeof events;
    CHECK (zmq_getsockopt (pull, ZMQ_EVENTS, &events, &len) == 0);
    CHECK ((events & ZMQ_POLLIN) == 0);

    for (int i = 0; i < MESSAGES; i++)
        CHECK (zmq_send (push, "m", 1, 0) == 1);

    int received = 0;
    int wakeups = 0;
    while (received < MESSAGES) {
        /* Drain everything ZMQ_EVENTS admits to, then sleep until the fd fires. */
        for (;;) {
            len = sizeof events;
            CHECK (zmq_getsockopt (pull, ZMQ_EVENTS, &events, &len) == 0);
            if (!(events & ZMQ_POLLIN))
                break;
            char c;
            CHECK (zmq_recv (pull, &c, 1, ZMQ_DONTWAIT) == 1);
            received++;
        }
        if (received == MESSAGES)
            break;
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll (&p, 1, TEST_TIMEOUT_MS);
        CHECK (n == 1);
        wakeups++;
    }
    CHECK (received == MESSAGES);

    /* With everything read the fd, once ZMQ_EVENTS has reset it, stays quiet. */
    len = sizeof events;
    CHECK (zmq_getsockopt (pull, ZMQ_EVENTS, &events, &len) == 0);
    CHECK (events == 0);
    struct pollfd p = {fd, POLLIN, 0};
    CHECK (poll (&p, 1, 50) == 0);

    /* A PUSH with a peer is writable. */
    len = sizeof events;
    CHECK (zmq_getsockopt (push, ZMQ_EVENTS, &events, &len) == 0);
    CHECK (events == ZMQ_POLLOUT);

    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("wakeups %d\n", wakeups);
    return 0;
}
