/* The hello-world REP server: binds an ephemeral port, prints the endpoint, answers
 * "World" to each of the requests it is told to expect, then exits. */
#include "check.h"

int main (int argc, char **argv)
{
    int requests = argc > 1 ? atoi (argv[1]) : 3;
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    void *rep = test_socket (ctx, ZMQ_REP);
    char endpoint[256];
    bind_any (rep, endpoint, sizeof endpoint);
    printf ("%s\n", endpoint);
    fflush (stdout);
    for (int i = 0; i < requests; i++) {
        char buf[16];
        int n = zmq_recv (rep, buf, sizeof buf, 0);
        CHECK (n == 5 && memcmp (buf, "Hello", 5) == 0);
        CHECK (zmq_send (rep, "World", 5, 0) == 5);
    }
    CHECK (zmq_close (rep) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
