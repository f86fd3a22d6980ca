/* Multipart through ROUTER and DEALER, and REQ's envelope as a ROUTER sees it: the frames
 * C sees are libzmq's, one at a time, with RCVMORE between them. */
#include "check.h"

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = test_socket (ctx, ZMQ_ROUTER);
    void *dealer = test_socket (ctx, ZMQ_DEALER);
    void *req = test_socket (ctx, ZMQ_REQ);
    int mandatory = 1;
    CHECK (zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory)
           == 0);
    char endpoint[256];
    bind_any (router, endpoint, sizeof endpoint);
    CHECK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "D1", 2) == 0);
    CHECK (zmq_setsockopt (req, ZMQ_IDENTITY, "R1", 2) == 0);
    char id[256];
    size_t idlen = sizeof id;
    CHECK (zmq_getsockopt (dealer, ZMQ_ROUTING_ID, id, &idlen) == 0);
    CHECK (idlen == 2 && memcmp (id, "D1", 2) == 0);
    CHECK (zmq_connect (dealer, endpoint) == 0);
    CHECK (zmq_connect (req, endpoint) == 0);

    /* DEALER -> ROUTER: the routing id, then the three frames as sent. */
    CHECK (zmq_send (dealer, "a", 1, ZMQ_SNDMORE) == 1);
    CHECK (zmq_send (dealer, "", 0, ZMQ_SNDMORE) == 0);
    CHECK (zmq_send (dealer, "c", 1, 0) == 1);
    expect_frame (router, "D1", 1);
    expect_frame (router, "a", 1);
    expect_frame (router, "", 1);
    expect_frame (router, "c", 0);

    /* ROUTER -> DEALER, addressed by the routing id. */
    CHECK (zmq_send (router, "D1", 2, ZMQ_SNDMORE) == 2);
    CHECK (zmq_send (router, "x", 1, ZMQ_SNDMORE) == 1);
    CHECK (zmq_send (router, "y", 1, 0) == 1);
    expect_frame (dealer, "x", 1);
    expect_frame (dealer, "y", 0);

    /* REQ -> ROUTER: id, empty delimiter, body; the reply goes back the same way. */
    CHECK (zmq_send (req, "hi", 2, 0) == 2);
    expect_frame (router, "R1", 1);
    expect_frame (router, "", 1);
    expect_frame (router, "hi", 0);
    CHECK (zmq_send (router, "R1", 2, ZMQ_SNDMORE) == 2);
    CHECK (zmq_send (router, "", 0, ZMQ_SNDMORE) == 0);
    CHECK (zmq_send (router, "back", 4, 0) == 4);
    expect_frame (req, "back", 0);

    /* zmq_msg_* through the same path, with zmq_msg_more. */
    zmq_msg_t m;
    CHECK (zmq_msg_init_size (&m, 3) == 0);
    memcpy (zmq_msg_data (&m), "one", 3);
    CHECK (zmq_msg_send (&m, dealer, ZMQ_SNDMORE) == 3);
    CHECK (zmq_msg_size (&m) == 0);
    CHECK (zmq_msg_init_size (&m, 3) == 0);
    memcpy (zmq_msg_data (&m), "two", 3);
    CHECK (zmq_msg_send (&m, dealer, 0) == 3);
    CHECK (zmq_msg_init (&m) == 0);
    CHECK (zmq_msg_recv (&m, router, 0) == 2);
    CHECK (zmq_msg_more (&m) == 1);
    CHECK (zmq_msg_recv (&m, router, 0) == 3);
    CHECK (memcmp (zmq_msg_data (&m), "one", 3) == 0 && zmq_msg_more (&m));
    CHECK (zmq_msg_recv (&m, router, 0) == 3);
    CHECK (memcmp (zmq_msg_data (&m), "two", 3) == 0 && !zmq_msg_more (&m));

    /* The sender's handshake properties travel with its messages. */
    CHECK (strcmp (zmq_msg_gets (&m, "Socket-Type"), "DEALER") == 0);
    CHECK (strcmp (zmq_msg_gets (&m, "Routing-Id"), "D1") == 0);
    CHECK (strcmp (zmq_msg_gets (&m, "Identity"), "D1") == 0);
    CHECK (strcmp (zmq_msg_gets (&m, "Peer-Address"), "127.0.0.1") == 0);
    CHECK (zmq_msg_gets (&m, "User-Id") == NULL && zmq_errno () == EINVAL);
    CHECK (zmq_msg_get (&m, ZMQ_MORE) == 0);
    CHECK (zmq_msg_close (&m) == 0);

    /* ROUTER_MANDATORY: an unknown peer is EHOSTUNREACH. */
    CHECK_ERR (zmq_send (router, "nobody", 6, ZMQ_SNDMORE), EHOSTUNREACH);
    CHECK_ERR (zmq_send (router, "nobody", 6, 0), EHOSTUNREACH);

    /* REQ out of turn: EFSM on the first frame, as in libzmq. */
    CHECK (zmq_send (req, "again", 5, 0) == 5);
    CHECK_ERR (zmq_send (req, "early", 5, ZMQ_SNDMORE), EFSM);

    CHECK (zmq_close (req) == 0);
    CHECK (zmq_close (dealer) == 0);
    CHECK (zmq_close (router) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
