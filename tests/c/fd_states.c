/* Walks each socket type's state machine and prints, at every step, what an event loop
 * sees: whether ZMQ_FD is readable, then ZMQ_EVENTS, then zmq_poll's revents. The test
 * runs it on libzmq and on ferrozmq and requires the same lines, so the answers below are
 * libzmq's, not ours.
 *
 * Usage: fd_states inproc|tcp */
#include "check.h"
#include <errno.h>
#include <poll.h>
#include <unistd.h>

/* How long a step that a peer's action should wake waits for the fd. */
#define WAKE_MS 3000
/* How long a step that should not wake the fd watches it. */
#define QUIET_MS 30

static const char *transport;
static int tcp;
static int endpoint_seq;

static const char *show (int ev)
{
    switch (ev & (ZMQ_POLLIN | ZMQ_POLLOUT)) {
        case ZMQ_POLLIN | ZMQ_POLLOUT: return "IN|OUT";
        case ZMQ_POLLIN: return "IN";
        case ZMQ_POLLOUT: return "OUT";
        default: return "-";
    }
}

static int sock_fd (void *s)
{
    int fd = -1;
    size_t len = sizeof fd;
    CHECK (zmq_getsockopt (s, ZMQ_FD, &fd, &len) == 0);
    return fd;
}

static int events (void *s)
{
    int ev = 0;
    size_t len = sizeof ev;
    CHECK (zmq_getsockopt (s, ZMQ_EVENTS, &ev, &len) == 0);
    return ev;
}

static int fd_readable (void *s, int wait_ms)
{
    struct pollfd p = {sock_fd (s), POLLIN, 0};
    int n = poll (&p, 1, wait_ms);
    CHECK (n >= 0);
    return n;
}

static long now_ms (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Prints one step: `fd`, whether the fd was readable before ZMQ_EVENTS was read; `ev`,
 * what ZMQ_EVENTS said; then whether the fd is readable right after (reading ZMQ_EVENTS
 * resets it) and zmq_poll's revents with no timeout. A column is "?" where libzmq's
 * answer depends on timing or on its own bookkeeping, not on the state machine. */
static void report (const char *name, void *s, int fd, int ev, int fd_known, int after_known)
{
    int after = fd_readable (s, 0);
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN | ZMQ_POLLOUT, 0};
    CHECK (zmq_poll (&item, 1, 0) >= 0);
    char fd_s[2] = {fd_known ? (char) ('0' + fd) : '?', 0};
    char after_s[2] = {after_known ? (char) ('0' + after) : '?', 0};
    printf ("%-7s %-40s fd=%s events=%-6s fd-after=%s poll=%s\n", transport, name, fd_s,
            show (ev), after_s, show (item.revents));
}

/* A step after the socket's own call, or one nothing should wake: the fd is watched for
 * a short while first. */
static void step_fd (const char *name, void *s, int fd_known)
{
    int fd = fd_readable (s, QUIET_MS);
    report (name, s, fd, events (s), fd_known, 1);
}

static void step (const char *name, void *s)
{
    step_fd (name, s, 1);
}

/* A step where libzmq's fd over tcp answers for its own bookkeeping, not for a change an
 * event loop could act on: a tcp bind sends the socket a command (its new listener's),
 * and so does a REQ's or REP's first message over a tcp connection. ZMQ_EVENTS is the
 * same either way; ferrozmq does not copy those wake-ups. */
static void step_tcp_quirk (const char *name, void *s)
{
    step_fd (name, s, !tcp);
}

/* A step a peer's action should wake, bringing `bit` (0: any wake-up will do). Sleeps on
 * the fd and reads ZMQ_EVENTS at each wake-up until the bit is there, as an event loop
 * does; fd=1 says a wake-up announced it, fd=0 that none did in time. */
static void woken_after (const char *name, void *s, int bit, int after_known)
{
    long deadline = now_ms () + WAKE_MS;
    int fd = 0, ev;
    for (;;) {
        long left = deadline - now_ms ();
        if (left <= 0 || !fd_readable (s, (int) left)) {
            ev = events (s);
            break;
        }
        ev = events (s);
        if (!bit || (ev & bit)) {
            fd = 1;
            break;
        }
    }
    report (name, s, fd, ev, 1, after_known);
}

static void woken (const char *name, void *s, int bit)
{
    woken_after (name, s, bit, 1);
}

static void *sock (void *ctx, int type, int hwm)
{
    void *s = test_socket (ctx, type);
    if (hwm >= 0) {
        CHECK (zmq_setsockopt (s, ZMQ_SNDHWM, &hwm, sizeof hwm) == 0);
        CHECK (zmq_setsockopt (s, ZMQ_RCVHWM, &hwm, sizeof hwm) == 0);
    }
    return s;
}

/* Binds `s` on this run's transport; the endpoint to connect to goes in `ep`. */
static void bind_ep (void *s, char *ep, size_t size)
{
    if (tcp) {
        bind_any (s, ep, size);
    } else {
        snprintf (ep, size, "inproc://fd-states-%d", endpoint_seq++);
        CHECK (zmq_bind (s, ep) == 0);
    }
}

static void send_str (void *s, const char *m, int flags)
{
    CHECK (zmq_send (s, m, strlen (m), flags) == (int) strlen (m));
}

static void recv_any (void *s)
{
    char buf[64];
    CHECK (zmq_recv (s, buf, sizeof buf, ZMQ_DONTWAIT) >= 0);
}

static void req_rep (void *ctx)
{
    char ep[256];
    void *rep = sock (ctx, ZMQ_REP, -1);
    bind_ep (rep, ep, sizeof ep);
    step_tcp_quirk ("rep: bound, no peer", rep);
    void *req = sock (ctx, ZMQ_REQ, -1);
    CHECK (zmq_connect (req, ep) == 0);
    woken ("rep: peer connected", rep, 0);
    /* libzmq's REP, reading the REQ's routing id (message 0 of the pipe, and 0 is a
     * multiple of the low-water mark), sends the REQ an activate_write it did not need:
     * its fd is readable, with ZMQ_EVENTS as it was. ferrozmq has no such command. */
    step_fd ("req: connected", req, 0);

    send_str (req, "q", 0);
    step_tcp_quirk ("req: request sent", req);
    woken ("rep: request arrived", rep, ZMQ_POLLIN);
    step ("rep: looked again", rep);
    recv_any (rep);
    step ("rep: request received", rep);
    send_str (rep, "r", 0);
    step_tcp_quirk ("rep: reply sent", rep);
    woken ("req: reply arrived", req, ZMQ_POLLIN);
    recv_any (req);
    step ("req: reply received", req);

    send_str (req, "a", ZMQ_SNDMORE);
    step ("req: first request frame sent", req);
    send_str (req, "b", 0);
    step ("req: last request frame sent", req);
    woken ("rep: 2-frame request arrived", rep, ZMQ_POLLIN);
    recv_any (rep);
    step ("rep: first request frame received", rep);
    recv_any (rep);
    step ("rep: last request frame received", rep);
    send_str (rep, "x", ZMQ_SNDMORE);
    step ("rep: first reply frame sent", rep);
    send_str (rep, "y", 0);
    step ("rep: last reply frame sent", rep);
    woken ("req: 2-frame reply arrived", req, ZMQ_POLLIN);
    recv_any (req);
    step ("req: first reply frame received", req);
    recv_any (req);
    step ("req: last reply frame received", req);

    CHECK (zmq_close (req) == 0);
    CHECK (zmq_close (rep) == 0);
}

static void dealer_router (void *ctx)
{
    char ep[256];
    void *router = sock (ctx, ZMQ_ROUTER, -1);
    bind_ep (router, ep, sizeof ep);
    step_tcp_quirk ("router: bound, no peer", router);
    void *dealer = sock (ctx, ZMQ_DEALER, -1);
    CHECK (zmq_setsockopt (dealer, ZMQ_ROUTING_ID, "d", 1) == 0);
    CHECK (zmq_connect (dealer, ep) == 0);
    woken ("router: peer connected", router, 0);
    /* As for the REQ above: the ROUTER reading its routing id wakes it for nothing. */
    step_fd ("dealer: connected", dealer, 0);

    send_str (dealer, "m", 0);
    step ("dealer: sent", dealer);
    woken ("router: message arrived", router, ZMQ_POLLIN);
    recv_any (router);
    step ("router: routing id received", router);
    recv_any (router);
    step ("router: body received", router);
    send_str (router, "d", ZMQ_SNDMORE);
    send_str (router, "r", 0);
    step ("router: reply sent", router);
    woken ("dealer: reply arrived", dealer, ZMQ_POLLIN);
    recv_any (dealer);
    step ("dealer: reply received", dealer);

    CHECK (zmq_close (dealer) == 0);
    CHECK (zmq_close (router) == 0);
}

static void pub_sub (void *ctx)
{
    char ep[256];
    void *pub = sock (ctx, ZMQ_PUB, -1);
    bind_ep (pub, ep, sizeof ep);
    step_tcp_quirk ("pub: bound, no peer", pub);
    void *sub = sock (ctx, ZMQ_SUB, -1);
    CHECK (zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0) == 0);
    CHECK (zmq_connect (sub, ep) == 0);
    step_fd ("sub: connected", sub, !tcp);
    /* Until the subscription has reached the publisher, what it sends is dropped. */
    for (;;) {
        send_str (pub, "hello", 0);
        zmq_pollitem_t item = {sub, 0, ZMQ_POLLIN, 0};
        CHECK (zmq_poll (&item, 1, 50) >= 0);
        if (item.revents)
            break;
    }
    recv_any (sub);
    /* libzmq's sends take in the socket's pending commands (resetting its fd) every
     * millisecond or so, here the subscription's; ferrozmq's leave the fd to ZMQ_EVENTS,
     * so it stays readable until then. An event loop that reads ZMQ_EVENTS after each
     * send, as it must on libzmq, sees the same. */
    step_fd ("pub: subscriber joined", pub, 0);
    step ("sub: drained", sub);

    send_str (pub, "m", 0);
    step ("pub: sent", pub);
    woken ("sub: message arrived", sub, ZMQ_POLLIN);
    recv_any (sub);
    step ("sub: message received", sub);

    CHECK (zmq_close (sub) == 0);
    CHECK (zmq_close (pub) == 0);
}

static char big[1 << 20];

/* Sends from `s` without waiting until it refuses, and until it stays refusing while the
 * I/O threads settle (over tcp the kernel's buffers take messages too); returns how many
 * went. The fd is reset at the end. */
static int fill (void *s, size_t size)
{
    int sent = 0;
    for (;;) {
        int before = sent;
        while (zmq_send (s, big, size, ZMQ_DONTWAIT) == (int) size)
            sent++;
        CHECK (zmq_errno () == EAGAIN);
        usleep (100 * 1000);
        if (sent == before && !(events (s) & ZMQ_POLLOUT))
            return sent;
    }
}

/* Fills `s` as an event loop does: sends only while ZMQ_EVENTS says POLLOUT, so no send
 * is ever refused, until POLLOUT stays off; returns how many went. */
static int fill_by_events (void *s, size_t size)
{
    int sent = 0;
    for (;;) {
        while (events (s) & ZMQ_POLLOUT) {
            CHECK (zmq_send (s, big, size, ZMQ_DONTWAIT) == (int) size);
            sent++;
        }
        if (!tcp)
            return sent;
        usleep (100 * 1000);
        if (!(events (s) & ZMQ_POLLOUT))
            return sent;
    }
}

/* Receives from `s` until `n` messages have come. */
static void drain (void *s, int n)
{
    char buf[16];
    for (int i = 0; i < n; i++)
        CHECK (zmq_recv (s, buf, sizeof buf, 0) >= 0);
}

/* A sender at its high-water mark: POLLOUT goes off, and comes back (with the fd) once
 * the receiver has taken enough. */
static void at_hwm (void *ctx, int out_type, int in_type, const char *names[3])
{
    char ep[256], line[128];
    void *in = sock (ctx, in_type, 4);
    bind_ep (in, ep, sizeof ep);
    void *out = sock (ctx, out_type, 4);
    CHECK (zmq_connect (out, ep) == 0);
    if (tcp) {
        /* A message through proves the connection up, as it is at once over inproc. */
        send_str (out, "m", 0);
        drain (in, 1);
    }
    step_fd (names[0], out, !tcp);
    step_fd (names[1], in, !tcp);

    /* Over tcp each message is large, so the kernel's buffers fill in few messages. */
    size_t size = tcp ? sizeof big : 1;
    int sent = fill (out, size);
    if (tcp)
        snprintf (line, sizeof line, "%s at hwm", names[2]);
    else
        snprintf (line, sizeof line, "%s at hwm after %d", names[2], sent);
    step (line, out);
    /* Over tcp more keep arriving while it looks, and may wake it again. */
    woken_after ("receiver: messages arrived", in, ZMQ_POLLIN, !tcp);

    if (!tcp) {
        /* libzmq tells the writer about the reader's progress every low-water mark:
         * half the pipe's capacity, in messages read since the pipe was made. */
        int lwm = (sent + 1) / 2;
        for (int i = 1; i <= lwm; i++) {
            drain (in, 1);
            snprintf (line, sizeof line, "receiver: took %d", i);
            step_fd (line, in, !tcp);
            snprintf (line, sizeof line, "sender: receiver took %d", i);
            if (i < lwm)
                step (line, out);
            else
                woken (line, out, ZMQ_POLLOUT);
        }
        drain (in, sent - lwm);
    } else {
        drain (in, sent);
        step_fd ("receiver: took everything", in, !tcp);
        /* Over tcp the I/O threads relay the room as they move bytes: the fd may fire
         * more than once before POLLOUT is on. */
        woken_after ("sender: receiver took everything", out, ZMQ_POLLOUT, 0);
    }

    /* Filled again without a refused send, as an event loop fills it: it must still be
     * woken when room comes. */
    int again = fill_by_events (out, size);
    if (tcp)
        snprintf (line, sizeof line, "sender: full again");
    else
        snprintf (line, sizeof line, "sender: full again after %d", again);
    step_fd (line, out, !tcp);
    drain (in, again);
    woken_after ("sender: receiver took everything again", out, ZMQ_POLLOUT, !tcp);
    CHECK (zmq_close (out) == 0);
    CHECK (zmq_close (in) == 0);
}

static void push_pull (void *ctx)
{
    char ep[256];
    void *push = sock (ctx, ZMQ_PUSH, -1);
    bind_ep (push, ep, sizeof ep);
    step_tcp_quirk ("push: bound, no peer", push);
    void *pull = sock (ctx, ZMQ_PULL, -1);
    CHECK (zmq_connect (pull, ep) == 0);
    woken ("push: peer connected", push, ZMQ_POLLOUT);
    step_fd ("pull: connected", pull, !tcp);

    send_str (push, "m", 0);
    step ("push: sent", push);
    woken ("pull: message arrived", pull, ZMQ_POLLIN);
    recv_any (pull);
    step ("pull: message received", pull);
    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_close (push) == 0);

    const char *names[] = {"push: connected, hwm 4", "pull: bound, hwm 4", "push:"};
    at_hwm (ctx, ZMQ_PUSH, ZMQ_PULL, names);
}

static void pair (void *ctx)
{
    char ep[256];
    void *a = sock (ctx, ZMQ_PAIR, -1);
    bind_ep (a, ep, sizeof ep);
    step_tcp_quirk ("pair a: bound, no peer", a);
    void *b = sock (ctx, ZMQ_PAIR, -1);
    CHECK (zmq_connect (b, ep) == 0);
    woken ("pair a: peer connected", a, ZMQ_POLLOUT);
    step_fd ("pair b: connected", b, !tcp);
    send_str (b, "m", 0);
    step ("pair b: sent", b);
    woken ("pair a: message arrived", a, ZMQ_POLLIN);
    recv_any (a);
    step ("pair a: message received", a);
    CHECK (zmq_close (b) == 0);
    CHECK (zmq_close (a) == 0);

    const char *names[] = {"pair b: connected, hwm 4", "pair a: bound, hwm 4", "pair b:"};
    at_hwm (ctx, ZMQ_PAIR, ZMQ_PAIR, names);
}

static void dealer_hwm (void *ctx)
{
    const char *names[] = {"dealer: connected, hwm 4", "dealer peer: bound, hwm 4",
                           "dealer:"};
    at_hwm (ctx, ZMQ_DEALER, ZMQ_DEALER, names);
}

int main (int argc, char **argv)
{
    transport = argc > 1 ? argv[1] : "inproc";
    tcp = strcmp (transport, "tcp") == 0;
    setvbuf (stdout, NULL, _IOLBF, 0);
    void *ctx = zmq_ctx_new ();
    CHECK (ctx != NULL);
    req_rep (ctx);
    dealer_router (ctx);
    pub_sub (ctx);
    push_pull (ctx);
    pair (ctx);
    dealer_hwm (ctx);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
