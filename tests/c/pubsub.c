/* PUB/SUB with a filter: the subscriber gets only the topic it asked for; and XPUB/XSUB,
 * whose subscriptions are messages. */
#include "check.h"

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *pub = test_socket (ctx, ZMQ_PUB);
    void *sub = test_socket (ctx, ZMQ_SUB);
    char endpoint[256];
    bind_any (pub, endpoint, sizeof endpoint);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "weather", 7) == 0);
    CHECK (zmq_connect (sub, endpoint) == 0);

    /* A subscription takes a moment to reach the publisher: publish until one arrives. */
    char buf[64];
    int n = -1;
    for (int i = 0; i < 500 && n < 0; i++) {
        CHECK (zmq_send (pub, "sports 1-0", 10, 0) == 10);
        CHECK (zmq_send (pub, "weather sunny", 13, 0) == 13);
        n = zmq_recv (sub, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0) {
            CHECK (zmq_errno () == EAGAIN);
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep (&ts, NULL);
        }
    }
    CHECK (n == 13 && memcmp (buf, "weather sunny", 13) == 0);

    /* Everything that follows is weather: sports never passes the filter. */
    CHECK (zmq_send (pub, "sports 2-0", 10, 0) == 10);
    CHECK (zmq_send (pub, "weather", 7, ZMQ_SNDMORE) == 7);
    CHECK (zmq_send (pub, "rain", 4, 0) == 4);
    for (;;) {
        n = zmq_recv (sub, buf, sizeof buf, 0);
        CHECK (n >= 7 && memcmp (buf, "weather", 7) == 0);
        if (n == 7)
            break;
    }
    expect_frame (sub, "rain", 0);

    /* Unsubscribed, nothing comes. */
    CHECK (zmq_setsockopt (sub, ZMQ_UNSUBSCRIBE, "weather", 7) == 0);
    int t = 200;
    CHECK (zmq_setsockopt (sub, ZMQ_RCVTIMEO, &t, sizeof t) == 0);
    for (int i = 0; i < 50; i++) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep (&ts, NULL);
        zmq_send (pub, "weather late", 12, 0);
    }
    while (zmq_recv (sub, buf, sizeof buf, 0) >= 0) {
    }
    CHECK (zmq_errno () == EAGAIN);
    zmq_send (pub, "weather later", 13, 0);
    CHECK_ERR (zmq_recv (sub, buf, sizeof buf, 0), EAGAIN);

    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (pub) == 0);

    /* XPUB/XSUB: subscriptions are messages (1 then the prefix) both ways. */
    void *xpub = test_socket (ctx, ZMQ_XPUB);
    void *xsub = test_socket (ctx, ZMQ_XSUB);
    bind_any (xpub, endpoint, sizeof endpoint);
    CHECK (zmq_connect (xsub, endpoint) == 0);
    CHECK (zmq_send (xsub, "\x01" "A", 2, 0) == 2);
    n = zmq_recv (xpub, buf, sizeof buf, 0);
    CHECK (n == 2 && buf[0] == 1 && buf[1] == 'A');
    CHECK (zmq_send (xpub, "B1", 2, 0) == 2);
    CHECK (zmq_send (xpub, "A1", 2, 0) == 2);
    expect_frame (xsub, "A1", 0);
    CHECK (zmq_close (xsub) == 0);
    CHECK (zmq_close (xpub) == 0);

    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
