/* CURVE throughput and handshake rate through libzmq's C API, for `cargo bench --bench
 * compare -- curve`: the same program runs on libzmq 4.3.4 built with CURVE and on
 * ferrozmq's libzmq.so.5, so the two are measured the same way in the same run.
 *
 *   curve_perf thr <size> <count>   PUSH -> PULL over tcp, a fresh zmq_msg per message;
 *                                   prints messages per second (receiver-timed)
 *   curve_perf hs <count>           a REQ connects, asks once and closes, <count> times, to
 *                                   one CURVE REP; prints handshakes per second
 */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "curve_perf: %s failed at line %d: %s\n", #cond,  \
                     __LINE__, zmq_strerror (zmq_errno ()));                   \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

static char server_public[41], server_secret[41];
static char endpoint[256];
static size_t size;
static int count;

static double now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static void *server_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    int on = 1;
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &on, sizeof on) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, server_secret, 40) == 0);
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    size_t len = sizeof endpoint;
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
    return s;
}

static void *client_socket (void *ctx, int type)
{
    char public_key[41], secret_key[41];
    CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
    void *s = zmq_socket (ctx, type);
    CHECK (s);
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVERKEY, server_public, 40) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_PUBLICKEY, public_key, 40) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_CURVE_SECRETKEY, secret_key, 40) == 0);
    int linger = 0;
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK (zmq_connect (s, endpoint) == 0);
    return s;
}

static void *sender (void *ctx)
{
    void *push = client_socket (ctx, ZMQ_PUSH);
    int linger = -1;
    CHECK (zmq_setsockopt (push, ZMQ_LINGER, &linger, sizeof linger) == 0);
    for (int i = 0; i < count; i++) {
        zmq_msg_t msg;
        CHECK (zmq_msg_init_size (&msg, size) == 0);
        memset (zmq_msg_data (&msg), 7, size);
        CHECK (zmq_msg_send (&msg, push, 0) == (int) size);
    }
    zmq_close (push);
    return NULL;
}

static void throughput (void *ctx)
{
    void *pull = server_socket (ctx, ZMQ_PULL);
    pthread_t t;
    CHECK (pthread_create (&t, NULL, sender, ctx) == 0);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    CHECK (zmq_msg_recv (&msg, pull, 0) == (int) size);
    double start = now ();
    for (int i = 1; i < count; i++)
        CHECK (zmq_msg_recv (&msg, pull, 0) == (int) size);
    double elapsed = now () - start;
    zmq_msg_close (&msg);
    pthread_join (t, NULL);
    zmq_close (pull);
    printf ("%.0f\n", (count - 1) / elapsed);
}

static void handshakes (void *ctx)
{
    void *rep = server_socket (ctx, ZMQ_REP);
    char buf[8];
    double start = now ();
    for (int i = 0; i < count; i++) {
        void *req = client_socket (ctx, ZMQ_REQ);
        CHECK (zmq_send (req, "x", 1, 0) == 1);
        CHECK (zmq_recv (rep, buf, sizeof buf, 0) == 1);
        CHECK (zmq_send (rep, "y", 1, 0) == 1);
        CHECK (zmq_recv (req, buf, sizeof buf, 0) == 1);
        zmq_close (req);
    }
    double elapsed = now () - start;
    zmq_close (rep);
    printf ("%.0f\n", count / elapsed);
}

int main (int argc, char **argv)
{
    int thr = argc == 4 && strcmp (argv[1], "thr") == 0;
    int hs = argc == 3 && strcmp (argv[1], "hs") == 0;
    if (!thr && !hs) {
        fprintf (stderr, "usage: curve_perf thr <size> <count> | hs <count>\n");
        return 1;
    }
    if (thr) {
        size = (size_t) atol (argv[2]);
        count = atoi (argv[3]);
    } else
        count = atoi (argv[2]);
    CHECK (count > 0);
    CHECK (zmq_curve_keypair (server_public, server_secret) == 0);
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    if (thr)
        throughput (ctx);
    else
        handshakes (ctx);
    zmq_ctx_term (ctx);
    return 0;
}
