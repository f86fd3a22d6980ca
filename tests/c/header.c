/* zmq.h as C programs and bindings use it: compiled as strict C99 and as C++, with the
 * sizes, layouts and values callers hard-code. Compile-time checks only. */
#include <stddef.h>
#include <zmq.h>

#define CHECK_AT(line, cond) typedef char check_at_##line[(cond) ? 1 : -1]
#define CHECK_LINE(line, cond) CHECK_AT (line, cond)
#define ASSERT(cond) CHECK_LINE (__LINE__, cond)

ASSERT (sizeof (zmq_msg_t) == 64);
ASSERT (sizeof (zmq_pollitem_t) == 16);
ASSERT (offsetof (zmq_pollitem_t, fd) == sizeof (void *));
ASSERT (offsetof (zmq_pollitem_t, events) == sizeof (void *) + sizeof (int));
ASSERT (offsetof (zmq_pollitem_t, revents) == sizeof (void *) + sizeof (int) + 2);
ASSERT (ZMQ_VERSION == ZMQ_MAKE_VERSION (4, 3, 4));
ASSERT (EFSM == 156384763 && ENOCOMPATPROTO == 156384764 && ETERM == 156384765);
ASSERT (EMTHREAD == 156384766);
ASSERT (ZMQ_IDENTITY == ZMQ_ROUTING_ID && ZMQ_NOBLOCK == ZMQ_DONTWAIT);
ASSERT (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH == 0x4000);

int main (void)
{
    zmq_msg_t msg;
    (void) msg;
    return 0;
}
