/* Shared by the C ABI test programs: a CHECK that names the failed line and errno, and
 * sockets that never block past a deadline. */
#ifndef FERROZMQ_TEST_CHECK_H
#define FERROZMQ_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "%s:%d: CHECK failed: %s (errno %d: %s)\n",       \
                     __FILE__, __LINE__, #cond, zmq_errno (),                  \
                     zmq_strerror (zmq_errno ()));                             \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* A call that must fail with errno `e`. */
#define CHECK_ERR(call, e)                                                     \
    do {                                                                       \
        int rc_ = (int) (call);                                                \
        if (rc_ != -1 || zmq_errno () != (e)) {                                \
            fprintf (stderr, "%s:%d: %s gave %d errno %d, wanted -1 errno %d\n", \
                     __FILE__, __LINE__, #call, rc_, zmq_errno (), (e));       \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* Every blocking receive in the tests ends by this many milliseconds. */
#define TEST_TIMEOUT_MS 5000

static inline void *test_socket (void *ctx, int type)
{
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    int t = TEST_TIMEOUT_MS;
    CHECK (zmq_setsockopt (s, ZMQ_RCVTIMEO, &t, sizeof t) == 0);
    CHECK (zmq_setsockopt (s, ZMQ_SNDTIMEO, &t, sizeof t) == 0);
    int linger = 0;
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger) == 0);
    return s;
}

/* Binds to an ephemeral tcp port and returns the endpoint actually bound. */
static inline void bind_any (void *s, char *endpoint, size_t size)
{
    CHECK (zmq_bind (s, "tcp://127.0.0.1:*") == 0);
    CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0);
}

/* Receives one frame and checks its content and RCVMORE. */
static inline void expect_frame (void *s, const char *want, int more)
{
    char buf[256];
    int n = zmq_recv (s, buf, sizeof buf - 1, 0);
    CHECK (n >= 0);
    buf[n < (int) sizeof buf - 1 ? n : (int) sizeof buf - 1] = 0;
    if (strcmp (buf, want) != 0) {
        fprintf (stderr, "got frame '%s', wanted '%s'\n", buf, want);
        exit (1);
    }
    int rcvmore = -1;
    size_t len = sizeof rcvmore;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &rcvmore, &len) == 0);
    CHECK (rcvmore == more);
}

#endif
