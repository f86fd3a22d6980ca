/* The transport options reach the kernel sockets as libzmq sets them: SNDBUF, RCVBUF, TOS
 * and TCP_MAXRT on a connection (read back with getsockopt on the descriptor the monitor
 * reports), and USE_FD hands ferrozmq a listener the application made, over tcp and ipc. */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Waits for `event` on a monitor socket and returns its value (a descriptor here). */
static int wait_event (void *mon, int event)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init (&m);
        CHECK (zmq_msg_recv (&m, mon, 0) == 6);
        uint16_t ev;
        uint32_t value;
        memcpy (&ev, zmq_msg_data (&m), 2);
        memcpy (&value, (char *) zmq_msg_data (&m) + 2, 4);
        zmq_msg_close (&m);
        zmq_msg_init (&m);
        CHECK (zmq_msg_recv (&m, mon, 0) >= 0);
        zmq_msg_close (&m);
        if (ev == event)
            return (int) value;
    }
}

static void set_int (void *s, int option, int value)
{
    CHECK (zmq_setsockopt (s, option, &value, sizeof value) == 0);
}

static int sock_int (int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof v;
    CHECK (getsockopt (fd, level, name, &v, &len) == 0);
    return v;
}

static void roundtrip (void *ctx, void *pull, const char *endpoint)
{
    void *push = test_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_connect (push, endpoint) == 0);
    CHECK (zmq_send (push, "hi", 2, 0) == 2);
    expect_frame (pull, "hi", 0);
    CHECK (zmq_close (push) == 0);
}

static void buffers_tos_and_maxrt_reach_the_connection (void *ctx)
{
    void *pull = test_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_BACKLOG, 7);
    char endpoint[256];
    bind_any (pull, endpoint, sizeof endpoint);

    void *push = test_socket (ctx, ZMQ_PUSH);
    set_int (push, ZMQ_SNDBUF, 32768);
    set_int (push, ZMQ_RCVBUF, 16384);
    set_int (push, ZMQ_TOS, 0x28);
    set_int (push, ZMQ_TCP_MAXRT, 5000);
    CHECK (zmq_socket_monitor (push, "inproc://mon-push", ZMQ_EVENT_CONNECTED) == 0);
    void *mon = test_socket (ctx, ZMQ_PAIR);
    CHECK (zmq_connect (mon, "inproc://mon-push") == 0);
    CHECK (zmq_connect (push, endpoint) == 0);
    int fd = wait_event (mon, ZMQ_EVENT_CONNECTED);

    /* Linux reports twice what was asked, for its bookkeeping. */
    CHECK (sock_int (fd, SOL_SOCKET, SO_SNDBUF) == 2 * 32768);
    CHECK (sock_int (fd, SOL_SOCKET, SO_RCVBUF) == 2 * 16384);
    CHECK (sock_int (fd, IPPROTO_IP, IP_TOS) == 0x28);
    CHECK (sock_int (fd, IPPROTO_TCP, TCP_USER_TIMEOUT) == 5000);

    CHECK (zmq_send (push, "x", 1, 0) == 1);
    expect_frame (pull, "x", 0);
    CHECK (zmq_close (mon) == 0);
    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
}

static void use_fd_binds_a_tcp_listener_the_application_made (void *ctx)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    CHECK (bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK (listen (fd, 8) == 0);
    socklen_t len = sizeof sa;
    CHECK (getsockname (fd, (struct sockaddr *) &sa, &len) == 0);

    void *pull = test_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_USE_FD, fd);
    /* The address given is not used: the descriptor is already bound. */
    CHECK (zmq_bind (pull, "tcp://127.0.0.1:*") == 0);
    char endpoint[256];
    size_t size = sizeof endpoint;
    CHECK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    char want[64];
    snprintf (want, sizeof want, "tcp://127.0.0.1:%d", ntohs (sa.sin_port));
    CHECK (strcmp (endpoint, want) == 0);
    roundtrip (ctx, pull, endpoint);
    CHECK (zmq_close (pull) == 0);
}

static void use_fd_binds_an_ipc_listener_the_application_made (void *ctx)
{
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    CHECK (fd >= 0);
    struct sockaddr_un sa;
    memset (&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf (sa.sun_path, sizeof sa.sun_path, "/tmp/ferrozmq-usefd-%d.ipc", (int) getpid ());
    unlink (sa.sun_path);
    CHECK (bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0);
    CHECK (listen (fd, 8) == 0);

    void *pull = test_socket (ctx, ZMQ_PULL);
    set_int (pull, ZMQ_USE_FD, fd);
    char endpoint[256];
    snprintf (endpoint, sizeof endpoint, "ipc://%s", sa.sun_path);
    CHECK (zmq_bind (pull, endpoint) == 0);
    roundtrip (ctx, pull, endpoint);
    CHECK (zmq_close (pull) == 0);
    /* The socket file is the application's: ferrozmq leaves it, as libzmq does. */
    CHECK (access (sa.sun_path, F_OK) == 0);
    unlink (sa.sun_path);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    buffers_tos_and_maxrt_reach_the_connection (ctx);
    use_fd_binds_a_tcp_listener_the_application_made (ctx);
    use_fd_binds_an_ipc_listener_the_application_made (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    printf ("ok\n");
    return 0;
}
