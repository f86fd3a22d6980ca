/* The socket monitor: a connect/handshake/disconnect sequence seen from both ends, in
 * libzmq's two-frame format, then a handshake refused for an incompatible socket type. */
#include "check.h"

/* Reads one event: returns its number, stores its value and endpoint. */
static int next_event (void *mon, uint32_t *value, char *endpoint, size_t size)
{
    uint8_t head[6];
    int n = zmq_recv (mon, head, sizeof head, 0);
    CHECK (n == 6);
    int more = 0;
    size_t len = sizeof more;
    CHECK (zmq_getsockopt (mon, ZMQ_RCVMORE, &more, &len) == 0 && more == 1);
    uint16_t event;
    memcpy (&event, head, 2);
    memcpy (value, head + 2, 4);
    n = zmq_recv (mon, endpoint, size - 1, 0);
    CHECK (n >= 0);
    endpoint[n] = 0;
    return event;
}

static void expect_event (void *mon, int want, const char *endpoint_prefix)
{
    uint32_t value;
    char endpoint[256];
    int got = next_event (mon, &value, endpoint, sizeof endpoint);
    if (got != want || strncmp (endpoint, endpoint_prefix, strlen (endpoint_prefix)) != 0) {
        fprintf (stderr, "event 0x%x '%s' (value %u), wanted 0x%x '%s...'\n", got,
                 endpoint, value, want, endpoint_prefix);
        exit (1);
    }
}

static void *watch (void *ctx, void *s, const char *addr)
{
    CHECK (zmq_socket_monitor (s, addr, ZMQ_EVENT_ALL) == 0);
    void *mon = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (mon, addr) == 0);
    return mon;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *server = test_socket (ctx, ZMQ_REP);
    void *client = test_socket (ctx, ZMQ_REQ);
    CHECK_ERR (zmq_socket_monitor (server, "tcp://127.0.0.1:*", ZMQ_EVENT_ALL),
               EPROTONOSUPPORT);
    void *server_mon = watch (ctx, server, "inproc://monitor-server");
    void *client_mon = watch (ctx, client, "inproc://monitor-client");

    char endpoint[256];
    bind_any (server, endpoint, sizeof endpoint);
    expect_event (server_mon, ZMQ_EVENT_LISTENING, endpoint);

    CHECK (zmq_connect (client, endpoint) == 0);
    CHECK (zmq_send (client, "ping", 4, 0) == 4);
    expect_frame (server, "ping", 0);
    CHECK (zmq_send (server, "pong", 4, 0) == 4);
    expect_frame (client, "pong", 0);

    expect_event (client_mon, ZMQ_EVENT_CONNECT_DELAYED, endpoint);
    expect_event (client_mon, ZMQ_EVENT_CONNECTED, endpoint);
    expect_event (client_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, endpoint);
    expect_event (server_mon, ZMQ_EVENT_ACCEPTED, endpoint);
    expect_event (server_mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED, endpoint);

    /* The client goes: its monitor stops, the server sees the disconnect. */
    CHECK (zmq_close (client) == 0);
    expect_event (client_mon, ZMQ_EVENT_MONITOR_STOPPED, "");
    expect_event (server_mon, ZMQ_EVENT_DISCONNECTED, endpoint);

    /* A PUSH may not talk to a REP: the handshake fails on the READY's socket type. */
    void *push = test_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_connect (push, endpoint) == 0);
    expect_event (server_mon, ZMQ_EVENT_ACCEPTED, endpoint);
    uint32_t value;
    char ep[256];
    CHECK (next_event (server_mon, &value, ep, sizeof ep)
           == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    CHECK (value == ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA);
    /* libzmq's engine reports every stream it ran as DISCONNECTED when it ends. */
    expect_event (server_mon, ZMQ_EVENT_DISCONNECTED, endpoint);
    CHECK (zmq_close (push) == 0);

    /* Unbinding closes the listener; stopping the monitor says so last. */
    CHECK (zmq_unbind (server, endpoint) == 0);
    expect_event (server_mon, ZMQ_EVENT_CLOSED, endpoint);
    CHECK (zmq_socket_monitor (server, NULL, 0) == 0);
    expect_event (server_mon, ZMQ_EVENT_MONITOR_STOPPED, "");

    CHECK (zmq_close (server) == 0);
    CHECK (zmq_close (server_mon) == 0);
    CHECK (zmq_close (client_mon) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
