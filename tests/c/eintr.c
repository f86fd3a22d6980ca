/* A signal handler installed without SA_RESTART interrupts a blocking zmq_recv, zmq_poll
 * and zmq_send: each returns -1 with EINTR, so Ctrl-C handling in bindings works. */
#include "check.h"
#include <signal.h>
#include <sys/time.h>

static volatile sig_atomic_t alarms = 0;
static void on_alarm (int sig)
{
    (void) sig;
    alarms++;
}

/* Repeats every 100 ms, so a signal arrives while the call blocks however late it starts
 * blocking on a loaded machine. */
static void arm (void)
{
    struct itimerval t = {{0, 100 * 1000}, {0, 100 * 1000}};
    CHECK (setitimer (ITIMER_REAL, &t, NULL) == 0);
}

static void disarm (void)
{
    struct itimerval t = {{0, 0}, {0, 0}};
    CHECK (setitimer (ITIMER_REAL, &t, NULL) == 0);
}

int main (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset (&sa.sa_mask);
    sa.sa_flags = 0;
    CHECK (sigaction (SIGALRM, &sa, NULL) == 0);

    void *ctx = zmq_ctx_new ();
    void *pull = test_socket (ctx, ZMQ_PULL);
    CHECK (zmq_bind (pull, "tcp://127.0.0.1:*") == 0);

    char buf[8];
    arm ();
    CHECK_ERR (zmq_recv (pull, buf, sizeof buf, 0), EINTR);
    disarm ();
    CHECK (alarms >= 1);

    zmq_pollitem_t items[1] = {{pull, 0, ZMQ_POLLIN, 0}};
    arm ();
    int before = alarms;
    CHECK_ERR (zmq_poll (items, 1, TEST_TIMEOUT_MS), EINTR);
    disarm ();
    CHECK (alarms > before);

    /* A PUSH with no peer blocks in send: interrupted likewise. */
    void *push = test_socket (ctx, ZMQ_PUSH);
    arm ();
    before = alarms;
    CHECK_ERR (zmq_send (push, "x", 1, 0), EINTR);
    disarm ();
    CHECK (alarms > before);
    CHECK (zmq_close (push) == 0);

    CHECK (zmq_close (pull) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
    return 0;
}
