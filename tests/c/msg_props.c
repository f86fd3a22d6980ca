/* zmq_msg_get's ZMQ_SRCFD and ZMQ_SHARED, and zmq_has, answered as libzmq 4.3.4 built
 * with ipc and CURVE, and without PGM, NORM, TIPC, VMCI, GSSAPI, WS or the draft API. */
#include "check.h"
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

static void nothing (void *data, void *hint)
{
    (void) data;
    (void) hint;
}

/* Sends one frame from `out` and returns the descriptor `in` says it came in on. */
static int srcfd_of_one_frame (void *out, void *in)
{
    CHECK (zmq_send (out, "x", 1, 0) == 1);
    zmq_msg_t m;
    CHECK (zmq_msg_init (&m) == 0);
    CHECK (zmq_msg_recv (&m, in, 0) == 1);
    int fd = zmq_msg_get (&m, ZMQ_SRCFD);
    CHECK (zmq_msg_close (&m) == 0);
    return fd;
}

static void srcfd (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = test_socket (ctx, ZMQ_PULL);
    void *push = test_socket (ctx, ZMQ_PUSH);
    char endpoint[256];
    bind_any (pull, endpoint, sizeof endpoint);
    CHECK (zmq_connect (push, endpoint) == 0);

    /* Over tcp: the accepted connection, whose peer is the pusher on the loopback. */
    int fd = srcfd_of_one_frame (push, pull);
    CHECK (fd >= 0);
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    CHECK (getpeername (fd, (struct sockaddr *) &peer, &len) == 0);
    CHECK (peer.sin_family == AF_INET);
    CHECK (peer.sin_addr.s_addr == htonl (INADDR_LOOPBACK));

    /* Over ipc: the Unix connection. */
    void *ipc_pull = test_socket (ctx, ZMQ_PULL);
    void *ipc_push = test_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_bind (ipc_pull, "ipc://*") == 0);
    size_t size = sizeof endpoint;
    CHECK (zmq_getsockopt (ipc_pull, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
    CHECK (zmq_connect (ipc_push, endpoint) == 0);
    int ipc_fd = srcfd_of_one_frame (ipc_push, ipc_pull);
    CHECK (ipc_fd >= 0 && ipc_fd != fd);
    struct sockaddr_storage local;
    len = sizeof local;
    CHECK (getsockname (ipc_fd, (struct sockaddr *) &local, &len) == 0);
    CHECK (local.ss_family == AF_UNIX);

    /* Over inproc there is no descriptor, nor in a message built here: -1, EINVAL. */
    void *in_pull = test_socket (ctx, ZMQ_PULL);
    void *in_push = test_socket (ctx, ZMQ_PUSH);
    CHECK (zmq_bind (in_pull, "inproc://srcfd") == 0);
    CHECK (zmq_connect (in_push, "inproc://srcfd") == 0);
    CHECK_ERR (srcfd_of_one_frame (in_push, in_pull), EINVAL);
    zmq_msg_t built;
    CHECK (zmq_msg_init_size (&built, 4) == 0);
    CHECK_ERR (zmq_msg_get (&built, ZMQ_SRCFD), EINVAL);
    CHECK (zmq_msg_close (&built) == 0);

    /* Closing the sockets closes the connections: the descriptor is gone. */
    void *all[] = {pull, push, ipc_pull, ipc_push, in_pull, in_push};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        CHECK (zmq_close (all[i]) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    len = sizeof peer;
    CHECK (getpeername (fd, (struct sockaddr *) &peer, &len) == -1 && errno == EBADF);
}

static void shared (void)
{
    /* Above 33 bytes libzmq shares a copy by reference count: both report it, and the
     * original still does once the copy is closed. */
    zmq_msg_t big, copy;
    CHECK (zmq_msg_init_size (&big, 1024) == 0);
    CHECK (zmq_msg_get (&big, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &big) == 0);
    CHECK (zmq_msg_get (&copy, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_get (&big, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_close (&copy) == 0);
    CHECK (zmq_msg_get (&big, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_close (&big) == 0);

    /* Up to 33 bytes a copy is by value. */
    zmq_msg_t small;
    CHECK (zmq_msg_init_size (&small, 33) == 0);
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &small) == 0);
    CHECK (zmq_msg_get (&small, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_get (&copy, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_close (&copy) == 0);
    CHECK (zmq_msg_close (&small) == 0);

    /* A constant buffer (no free function) is shared from the start, and so its copy. */
    zmq_msg_t constant;
    CHECK (zmq_msg_init_data (&constant, "TEST", 5, NULL, NULL) == 0);
    CHECK (zmq_msg_get (&constant, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &constant) == 0);
    CHECK (zmq_msg_get (&copy, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_close (&copy) == 0);
    CHECK (zmq_msg_close (&constant) == 0);

    /* A caller's buffer with a free function is reference-counted at any size. */
    static char buf[4] = "abc";
    zmq_msg_t user;
    CHECK (zmq_msg_init_data (&user, buf, 4, nothing, NULL) == 0);
    CHECK (zmq_msg_get (&user, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK (zmq_msg_copy (&copy, &user) == 0);
    CHECK (zmq_msg_get (&user, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_get (&copy, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_close (&copy) == 0);
    CHECK (zmq_msg_close (&user) == 0);

    /* Moving keeps what the content reports. */
    zmq_msg_t moved;
    CHECK (zmq_msg_init_data (&constant, "TEST", 5, NULL, NULL) == 0);
    CHECK (zmq_msg_init (&moved) == 0);
    CHECK (zmq_msg_move (&moved, &constant) == 0);
    CHECK (zmq_msg_get (&moved, ZMQ_SHARED) == 1);
    CHECK (zmq_msg_get (&constant, ZMQ_SHARED) == 0);
    CHECK (zmq_msg_close (&moved) == 0);
    CHECK (zmq_msg_close (&constant) == 0);

    /* Unknown properties are EINVAL. */
    CHECK (zmq_msg_init (&copy) == 0);
    CHECK_ERR (zmq_msg_get (&copy, 99), EINVAL);
    CHECK (zmq_msg_close (&copy) == 0);
}

static void has (void)
{
    CHECK (zmq_has ("ipc") == 1);
    CHECK (zmq_has ("curve") == 1);
    const char *absent[] = {"pgm", "tipc", "norm", "gssapi", "vmci",
                            "draft", "WS", "WSS", "tcp", "inproc", "IPC", ""};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        CHECK (zmq_has (absent[i]) == 0);
}

int main (void)
{
    srcfd ();
    shared ();
    has ();
    return 0;
}
