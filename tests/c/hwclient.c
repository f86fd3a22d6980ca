/* The hello-world REQ client: sends "Hello" to the server at argv[1] and expects "World",
 * as many times as argv[2] says. */
#include "check.h"

int main (int argc, char **argv)
{
    CHECK (argc > 1);
    int requests = argc > 2 ? atoi (argv[2]) : 3;
    void *ctx = zmq_ctx_new ();
    void *req = test_socket (ctx, ZMQ_REQ);
    CHECK (zmq_connect (req, argv[1]) == 0);
    for (int i = 0; i < requests; i++) {
        CHECK (zmq_send (req, "Hello", 5, 0) == 5);
        char buf[16];
        int n = zmq_recv (req, buf, sizeof buf, 0);
        CHECK (n == 5 && memcmp (buf, "World", 5) == 0);
    }
    CHECK (zmq_close (req) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("ok\n");
    return 0;
}
