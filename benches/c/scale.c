/* The users' bench's scaling scenarios (benches/users/scale.rs), written as a libzmq user
 * writes them. Built against include/zmq.h and run on either library. The first argument
 * names the role:
 *   push <io-threads> <size> <count> <endpoint>...  one context, a thread per endpoint, each
 *       a PUSH that connects and sends <count> messages
 *   pull <io-threads> <size> <count> <endpoint>...  one context, a thread per endpoint, each
 *       a PULL that binds and receives <count>; the rate is all the messages over the time
 *       from the first to arrive (on any socket) to the last
 *   pub <endpoint> <ready-endpoint> <size> <count>  a PUB (SNDHWM 0) that sends one-byte
 *       warm-ups every millisecond until the subscribers' process says "ready" on a PULL,
 *       then <count> messages
 *   sub <endpoint> <ready-endpoint> <subscribers> <size> <count>  one context, a thread per
 *       SUB (RCVHWM 0); "ready" once every SUB has had a warm-up; the rate as pull's
 *   router <endpoint> <messages>  a ROUTER that echoes <messages> requests
 *   dealer <endpoint> <dealers> <rounds>  one context, <dealers> DEALERs on one thread; a
 *       first round (each sends, then each receives its reply) connects them, then
 *       <rounds> timed rounds; prints the first and the median of the others */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static double now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fail (const char *what)
{
    printf ("%s failed: %s\n", what, zmq_strerror (zmq_errno ()));
    fflush (stdout);
    exit (1);
}

static void set_int (void *s, int option, int value)
{
    if (zmq_setsockopt (s, option, &value, sizeof value) != 0)
        fail ("zmq_setsockopt");
}

/* One socket's share of a run. */
struct worker
{
    pthread_t thread;
    void *ctx;
    const char *endpoint;
    size_t size;
    long count;
    long got;
    double first, last;
    int *synced;
};

/* Prints the total rate of the workers, first arrival to last. */
static void report (struct worker *w, int n, long expected)
{
    long got = 0;
    double first = 0, last = 0;
    for (int i = 0; i < n; i++) {
        if (w[i].got == 0)
            continue;
        if (got == 0 || w[i].first < first)
            first = w[i].first;
        if (w[i].last > last)
            last = w[i].last;
        got += w[i].got;
    }
    double elapsed = last - first > 1 ? last - first : 1;
    printf ("delivered: %ld of %ld\n", got, expected);
    printf ("mean throughput: %.0f [msg/s]\n", got / elapsed * 1e6);
}

static void *push_main (void *arg)
{
    struct worker *w = arg;
    void *s = zmq_socket (w->ctx, ZMQ_PUSH);
    if (!s || zmq_connect (s, w->endpoint) != 0)
        fail ("push connect");
    for (long i = 0; i < w->count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, w->size) != 0)
            fail ("zmq_msg_init_size");
        memset (zmq_msg_data (&msg), 0, w->size);
        if (zmq_msg_send (&msg, s, 0) < 0)
            fail ("push send");
    }
    zmq_close (s);
    return NULL;
}

static void *pull_main (void *arg)
{
    struct worker *w = arg;
    void *s = zmq_socket (w->ctx, ZMQ_PULL);
    if (!s)
        fail ("zmq_socket");
    set_int (s, ZMQ_RCVTIMEO, 20000);
    if (zmq_bind (s, w->endpoint) != 0)
        fail ("pull bind");
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    for (w->got = 0; w->got < w->count; w->got++) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            break;
        if (w->got == 0)
            w->first = now_us ();
        if (zmq_msg_size (&msg) != w->size)
            fail ("message of incorrect size received");
    }
    w->last = now_us ();
    zmq_msg_close (&msg);
    zmq_close (s);
    return NULL;
}

/* push and pull: a thread per endpoint. */
static int pairs (int argc, char *argv[], void *(*role) (void *) )
{
    if (argc < 5) {
        printf ("usage: push|pull <io-threads> <size> <count> <endpoint>...\n");
        return 1;
    }
    int n = argc - 4;
    void *ctx = zmq_ctx_new ();
    if (zmq_ctx_set (ctx, ZMQ_IO_THREADS, atoi (argv[1])) != 0)
        fail ("zmq_ctx_set");
    struct worker *w = calloc ((size_t) n, sizeof *w);
    for (int i = 0; i < n; i++) {
        w[i].ctx = ctx;
        w[i].endpoint = argv[4 + i];
        w[i].size = (size_t) atol (argv[2]);
        w[i].count = atol (argv[3]);
        pthread_create (&w[i].thread, NULL, role, &w[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join (w[i].thread, NULL);
    if (role == pull_main)
        report (w, n, n * w[0].count);
    zmq_ctx_term (ctx);
    return 0;
}

static int publisher (int argc, char *argv[])
{
    if (argc != 5) {
        printf ("usage: pub <endpoint> <ready-endpoint> <size> <count>\n");
        return 1;
    }
    size_t size = (size_t) atol (argv[3]);
    long count = atol (argv[4]);
    void *ctx = zmq_ctx_new ();
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    void *ready = zmq_socket (ctx, ZMQ_PULL);
    if (!pub || !ready)
        fail ("zmq_socket");
    set_int (pub, ZMQ_SNDHWM, 0);
    set_int (ready, ZMQ_RCVTIMEO, 1);
    if (zmq_bind (pub, argv[1]) != 0 || zmq_bind (ready, argv[2]) != 0)
        fail ("bind");
    double deadline = now_us () + 20e6;
    char buf[16];
    for (;;) {
        if (zmq_send (pub, "w", 1, 0) != 1)
            fail ("warm-up send");
        if (zmq_recv (ready, buf, sizeof buf, 0) >= 0)
            break;
        if (now_us () > deadline)
            fail ("waiting for the subscribers");
    }
    for (long i = 0; i < count; i++) {
        zmq_msg_t msg;
        if (zmq_msg_init_size (&msg, size) != 0)
            fail ("zmq_msg_init_size");
        memset (zmq_msg_data (&msg), 7, size);
        if (zmq_msg_send (&msg, pub, 0) < 0)
            fail ("pub send");
    }
    /* LINGER is infinite: terminating waits until every queued message has left. */
    zmq_close (ready);
    zmq_close (pub);
    zmq_ctx_term (ctx);
    return 0;
}

static void *sub_main (void *arg)
{
    struct worker *w = arg;
    void *s = zmq_socket (w->ctx, ZMQ_SUB);
    if (!s)
        fail ("zmq_socket");
    set_int (s, ZMQ_RCVHWM, 0);
    set_int (s, ZMQ_RCVTIMEO, 10000);
    if (zmq_setsockopt (s, ZMQ_SUBSCRIBE, "", 0) != 0 || zmq_connect (s, w->endpoint) != 0)
        fail ("subscribe");
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    /* The first message is a warm-up: the subscription has reached the publisher. */
    if (zmq_msg_recv (&msg, s, 0) < 0)
        fail ("warm-up recv");
    __atomic_add_fetch (w->synced, 1, __ATOMIC_SEQ_CST);
    w->got = 0;
    while (w->got < w->count) {
        if (zmq_msg_recv (&msg, s, 0) < 0)
            break;
        if (zmq_msg_size (&msg) == 1)
            continue; /* a warm-up still queued */
        if (w->got++ == 0)
            w->first = now_us ();
        if (zmq_msg_size (&msg) != w->size)
            fail ("message of incorrect size received");
    }
    w->last = now_us ();
    zmq_msg_close (&msg);
    zmq_close (s);
    return NULL;
}

static int subscribers (int argc, char *argv[])
{
    if (argc != 6) {
        printf ("usage: sub <endpoint> <ready-endpoint> <subscribers> <size> <count>\n");
        return 1;
    }
    int n = atoi (argv[3]);
    int synced = 0;
    void *ctx = zmq_ctx_new ();
    struct worker *w = calloc ((size_t) n, sizeof *w);
    for (int i = 0; i < n; i++) {
        w[i].ctx = ctx;
        w[i].endpoint = argv[1];
        w[i].size = (size_t) atol (argv[4]);
        w[i].count = atol (argv[5]);
        w[i].synced = &synced;
        pthread_create (&w[i].thread, NULL, sub_main, &w[i]);
    }
    void *ready = zmq_socket (ctx, ZMQ_PUSH);
    if (!ready || zmq_connect (ready, argv[2]) != 0)
        fail ("ready connect");
    double deadline = now_us () + 20e6;
    while (__atomic_load_n (&synced, __ATOMIC_SEQ_CST) < n) {
        if (now_us () > deadline)
            fail ("waiting for the warm-ups");
        usleep (1000);
    }
    if (zmq_send (ready, "ready", 5, 0) != 5)
        fail ("ready send");
    for (int i = 0; i < n; i++)
        pthread_join (w[i].thread, NULL);
    report (w, n, n * w[0].count);
    zmq_close (ready);
    zmq_ctx_term (ctx);
    return 0;
}

static int router (int argc, char *argv[])
{
    if (argc != 3) {
        printf ("usage: router <endpoint> <messages>\n");
        return 1;
    }
    long count = atol (argv[2]);
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_ROUTER);
    if (!s)
        fail ("zmq_socket");
    set_int (s, ZMQ_BACKLOG, 10000);
    set_int (s, ZMQ_RCVTIMEO, 25000);
    if (zmq_bind (s, argv[1]) != 0)
        fail ("router bind");
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    for (long i = 0; i < count; i++) {
        if (zmq_msg_recv (&id, s, 0) < 0 || zmq_msg_recv (&body, s, 0) < 0)
            fail ("router recv");
        if (zmq_msg_send (&id, s, ZMQ_SNDMORE) < 0 || zmq_msg_send (&body, s, 0) < 0)
            fail ("router send");
    }
    zmq_msg_close (&id);
    zmq_msg_close (&body);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}

static int by_value (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static int dealers (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: dealer <endpoint> <dealers> <rounds>\n");
        return 1;
    }
    int n = atoi (argv[2]);
    int rounds = atoi (argv[3]);
    void *ctx = zmq_ctx_new ();
    if (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, n + 16) != 0)
        fail ("zmq_ctx_set");
    void **s = calloc ((size_t) n, sizeof *s);
    for (int i = 0; i < n; i++) {
        s[i] = zmq_socket (ctx, ZMQ_DEALER);
        if (!s[i])
            fail ("zmq_socket");
        set_int (s[i], ZMQ_RCVTIMEO, 20000);
        set_int (s[i], ZMQ_SNDTIMEO, 20000);
        set_int (s[i], ZMQ_LINGER, 0);
        if (zmq_connect (s[i], argv[1]) != 0)
            fail ("dealer connect");
    }
    double *times = calloc ((size_t) rounds + 1, sizeof *times);
    char buf[16];
    for (int r = 0; r <= rounds; r++) {
        double start = now_us ();
        for (int i = 0; i < n; i++)
            if (zmq_send (s[i], "request", 7, 0) != 7)
                fail ("dealer send");
        for (int i = 0; i < n; i++)
            if (zmq_recv (s[i], buf, sizeof buf, 0) != 7)
                fail ("dealer recv");
        times[r] = now_us () - start;
    }
    printf ("connect round: %.0f [us]\n", times[0]);
    qsort (times + 1, (size_t) rounds, sizeof *times, by_value);
    printf ("round time: %.0f [us]\n", times[1 + rounds / 2]);
    for (int i = 0; i < n; i++)
        zmq_close (s[i]);
    zmq_ctx_term (ctx);
    return 0;
}

int main (int argc, char *argv[])
{
    const char *role = argc > 1 ? argv[1] : "";
    if (!strcmp (role, "push"))
        return pairs (argc - 1, argv + 1, push_main);
    if (!strcmp (role, "pull"))
        return pairs (argc - 1, argv + 1, pull_main);
    if (!strcmp (role, "pub"))
        return publisher (argc - 1, argv + 1);
    if (!strcmp (role, "sub"))
        return subscribers (argc - 1, argv + 1);
    if (!strcmp (role, "router"))
        return router (argc - 1, argv + 1);
    if (!strcmp (role, "dealer"))
        return dealers (argc - 1, argv + 1);
    printf ("usage: scale push|pull|pub|sub|router|dealer ...\n");
    return 1;
}
