/* libzmq's remote_lat with every round trip timed on its own: prints the median and the
 * 99th percentile of the one-way latency (half the round trip), beside the average that
 * libzmq's tool prints. Talks to libzmq's local_lat (a REP that echoes). Built against
 * include/zmq.h and run on either library (benches/users.rs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static double now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int main (int argc, char *argv[])
{
    if (argc != 4) {
        printf ("usage: remote_lat_p50 <connect-to> <message-size> <roundtrip-count>\n");
        return 1;
    }
    size_t size = (size_t) atoi (argv[2]);
    int count = atoi (argv[3]);
    double *samples = malloc (sizeof (double) * (size_t) count);
    void *ctx = zmq_ctx_new ();
    void *s = zmq_socket (ctx, ZMQ_REQ);
    if (!samples || !ctx || !s || zmq_connect (s, argv[1]) != 0) {
        printf ("setup failed: %s\n", zmq_strerror (zmq_errno ()));
        return 1;
    }
    double total = 0;
    for (int i = 0; i < count; i++) {
        zmq_msg_t msg;
        zmq_msg_init_size (&msg, size);
        memset (zmq_msg_data (&msg), 0, size);
        double start = now_us ();
        if (zmq_msg_send (&msg, s, 0) < 0 || zmq_msg_recv (&msg, s, 0) < 0) {
            printf ("round trip failed: %s\n", zmq_strerror (zmq_errno ()));
            return 1;
        }
        samples[i] = (now_us () - start) / 2;
        total += samples[i];
        if (zmq_msg_size (&msg) != size) {
            printf ("message of incorrect size received\n");
            return 1;
        }
        zmq_msg_close (&msg);
    }
    qsort (samples, (size_t) count, sizeof (double), by_value);
    printf ("average latency: %.3f [us]\n", total / count);
    printf ("p50 latency: %.3f [us]\n", samples[count / 2]);
    printf ("p99 latency: %.3f [us]\n", samples[(size_t) (count * 0.99)]);
    free (samples);
    zmq_close (s);
    zmq_ctx_term (ctx);
    return 0;
}
