/* The rest of zmq.h's surface: timers, threads and atomic counters across them, and a
 * context terminated while another thread is blocked (iovecs are in iov.c). */
#include "check.h"

static int fired[3];
static void on_timer (int id, void *arg)
{
    (void) arg;
    fired[id]++;
}

static void count_up (void *counter)
{
    for (int i = 0; i < 1000; i++)
        zmq_atomic_counter_inc (counter);
}

struct blocked
{
    void *socket;
    int rc, err;
};

static void block_in_recv (void *arg)
{
    struct blocked *b = arg;
    char buf[8];
    int forever = -1;
    zmq_setsockopt (b->socket, ZMQ_RCVTIMEO, &forever, sizeof forever);
    b->rc = zmq_recv (b->socket, buf, sizeof buf, 0);
    b->err = zmq_errno ();
    zmq_close (b->socket);
}

int main (void)
{
    /* Timers: due ones fire on execute; cancelled ones never. */
    void *timers = zmq_timers_new ();
    CHECK (zmq_timers_timeout (timers) == -1);
    int a = zmq_timers_add (timers, 10, on_timer, NULL);
    int b = zmq_timers_add (timers, 10000, on_timer, NULL);
    CHECK (a == 1 && b == 2);
    CHECK (zmq_timers_timeout (timers) <= 10);
    zmq_sleep (0);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep (&ts, NULL);
    CHECK (zmq_timers_timeout (timers) == 0);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (fired[a] == 1 && fired[b] == 0);
    CHECK (zmq_timers_cancel (timers, a) == 0);
    CHECK_ERR (zmq_timers_cancel (timers, a), EINVAL);
    CHECK (zmq_timers_set_interval (timers, b, 5) == 0);
    CHECK (zmq_timers_reset (timers, b) == 0);
    nanosleep (&ts, NULL);
    CHECK (zmq_timers_execute (timers) == 0);
    CHECK (fired[a] == 1 && fired[b] == 1);
    CHECK (zmq_timers_destroy (&timers) == 0 && timers == NULL);

    /* Atomic counters from two threads. */
    void *counter = zmq_atomic_counter_new ();
    void *t1 = zmq_threadstart (count_up, counter);
    void *t2 = zmq_threadstart (count_up, counter);
    zmq_threadclose (t1);
    zmq_threadclose (t2);
    CHECK (zmq_atomic_counter_value (counter) == 2000);
    zmq_atomic_counter_destroy (&counter);

    void *ctx = zmq_ctx_new ();
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "ipc://*") == 0);
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK (zmq_getsockopt (pull, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
    CHECK (strncmp (endpoint, "ipc://", 6) == 0);
    CHECK (zmq_connect (push, endpoint) == 0);

    /* zmq_ctx_term while another thread blocks in recv: that recv fails with ETERM, the
     * thread closes its socket, and term returns. */
    CHECK (zmq_close (push) == 0);
    struct blocked blk = {pull, 0, 0};
    void *t = zmq_threadstart (block_in_recv, &blk);
    nanosleep (&ts, NULL);
    CHECK (zmq_ctx_term (ctx) == 0);
    zmq_threadclose (t);
    CHECK (blk.rc == -1 && blk.err == ETERM);
    return 0;
}
