/* zmq_sendiov and zmq_recviov as libzmq 4.3 does them: the caller's flags go with every
 * buffer but the last, which never carries ZMQ_SNDMORE; zmq_recviov copies the parts of
 * one message into buffers it mallocs and returns how many it filled. */
#include "check.h"
#include <sys/uio.h>

static void expect_iov (struct iovec *v, const char *want, size_t len)
{
    CHECK (v->iov_len == len);
    CHECK (v->iov_base != NULL);
    CHECK (memcmp (v->iov_base, want, len) == 0);
    free (v->iov_base);
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    void *push = test_socket (ctx, ZMQ_PUSH);
    void *pull = test_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "inproc://iov") == 0);
    CHECK (zmq_connect (push, "inproc://iov") == 0);

    /* The socket is checked before the arguments. */
    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECK_ERR (zmq_sendiov (NULL, out, 3, ZMQ_SNDMORE), ENOTSOCK);
    CHECK_ERR (zmq_sendiov (push, out, 0, 0), EINVAL);
    CHECK_ERR (zmq_sendiov (push, NULL, 3, 0), EINVAL);

    /* With ZMQ_SNDMORE the buffers make one message; the last buffer's size comes back. */
    CHECK (zmq_sendiov (push, out, 3, ZMQ_SNDMORE) == 3);
    struct iovec in[4];
    size_t count = 4, zero = 0;
    CHECK_ERR (zmq_recviov (NULL, in, &count, 0), ENOTSOCK);
    CHECK_ERR (zmq_recviov (pull, in, NULL, 0), EINVAL);
    CHECK_ERR (zmq_recviov (pull, in, &zero, 0), EINVAL);
    CHECK_ERR (zmq_recviov (pull, NULL, &count, 0), EINVAL);
    CHECK (zmq_recviov (pull, in, &count, 0) == 3);
    CHECK (count == 3);
    expect_iov (&in[0], "ab", 2);
    expect_iov (&in[1], "", 0);
    expect_iov (&in[2], "cde", 3);

    /* Without it each buffer is a message of its own. */
    CHECK (zmq_sendiov (push, out, 3, 0) == 3);
    for (int i = 0; i < 3; i++) {
        count = 4;
        CHECK (zmq_recviov (pull, in, &count, 0) == 1);
        CHECK (count == 1);
        expect_iov (&in[0], out[i].iov_base, out[i].iov_len);
    }

    /* A message with more parts than *count leaves the rest for the next receive. */
    CHECK (zmq_sendiov (push, out, 3, ZMQ_SNDMORE) == 3);
    count = 2;
    CHECK (zmq_recviov (pull, in, &count, 0) == 2);
    CHECK (count == 2);
    expect_iov (&in[0], "ab", 2);
    expect_iov (&in[1], "", 0);
    int more = 0;
    size_t size = sizeof more;
    CHECK (zmq_getsockopt (pull, ZMQ_RCVMORE, &more, &size) == 0 && more == 1);
    count = 4;
    CHECK (zmq_recviov (pull, in, &count, 0) == 1);
    CHECK (count == 1);
    expect_iov (&in[0], "cde", 3);

    /* Nothing waiting: -1 with EAGAIN, and nothing filled. */
    count = 4;
    CHECK_ERR (zmq_recviov (pull, in, &count, ZMQ_DONTWAIT), EAGAIN);
    CHECK (count == 0);

    CHECK (zmq_close (push) == 0);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
