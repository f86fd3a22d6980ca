/* One side of an interop run, built twice: against ferrozmq and against libzmq. As
 * "server" it binds a REP and echoes each multipart request with its frames reversed; as
 * "client <endpoint>" it sends requests and checks the echoes. */
#include "check.h"

#define ROUNDS 3

static void server (void)
{
    void *ctx = zmq_ctx_new ();
    void *rep = test_socket (ctx, ZMQ_REP);
    char endpoint[256];
    bind_any (rep, endpoint, sizeof endpoint);
    printf ("%s\n", endpoint);
    fflush (stdout);
    for (int i = 0; i < ROUNDS; i++) {
        char a[64], b[64];
        int na = zmq_recv (rep, a, sizeof a, 0);
        CHECK (na >= 0);
        int more = 0;
        size_t len = sizeof more;
        CHECK (zmq_getsockopt (rep, ZMQ_RCVMORE, &more, &len) == 0 && more == 1);
        int nb = zmq_recv (rep, b, sizeof b, 0);
        CHECK (nb >= 0);
        CHECK (zmq_send (rep, b, nb, ZMQ_SNDMORE) == nb);
        CHECK (zmq_send (rep, a, na, 0) == na);
    }
    CHECK (zmq_close (rep) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static void client (const char *endpoint)
{
    void *ctx = zmq_ctx_new ();
    void *req = test_socket (ctx, ZMQ_REQ);
    CHECK (zmq_connect (req, endpoint) == 0);
    for (int i = 0; i < ROUNDS; i++) {
        CHECK (zmq_send (req, "first", 5, ZMQ_SNDMORE) == 5);
        CHECK (zmq_send (req, "second", 6, 0) == 6);
        expect_frame (req, "second", 1);
        expect_frame (req, "first", 0);
    }
    CHECK (zmq_close (req) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("ok\n");
}

int main (int argc, char **argv)
{
    CHECK (argc > 1);
    if (strcmp (argv[1], "server") == 0)
        server ();
    else
        client (argv[2]);
    return 0;
}
