/* Context options as libzmq 4.3.4 takes them: zmq_ctx_set and zmq_ctx_get with its
 * defaults and ranges, the thread options applied to the I/O threads as they start at the
 * first socket, and IPV6, BLOCKY and MAX_SOCKETS reaching the sockets. */
#define _GNU_SOURCE
#include "check.h"
#include <dirent.h>
#include <sched.h>

/* Whether a thread of this process is called `name`, looking up to `attempts` times a
 * millisecond apart (a thread names itself as it starts); its Cpus_allowed_list into
 * `cpus` (64 bytes) if asked. */
static int find_thread (const char *name, char *cpus, int attempts)
{
    for (int attempt = 0; attempt < attempts; attempt++) {
        DIR *dir = opendir ("/proc/self/task");
        CHECK (dir != NULL);
        struct dirent *e;
        int found = 0;
        while (!found && (e = readdir (dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[300], comm[64] = "";
            snprintf (path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
            FILE *f = fopen (path, "r");
            if (!f)
                continue;
            if (fgets (comm, sizeof comm, f))
                comm[strcspn (comm, "\n")] = 0;
            fclose (f);
            if (strcmp (comm, name) != 0)
                continue;
            found = 1;
            if (cpus) {
                snprintf (path, sizeof path, "/proc/self/task/%s/status", e->d_name);
                f = fopen (path, "r");
                CHECK (f != NULL);
                char line[256];
                while (fgets (line, sizeof line, f))
                    if (sscanf (line, "Cpus_allowed_list: %63s", cpus) == 1)
                        break;
                fclose (f);
            }
        }
        closedir (dir);
        if (found)
            return 1;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep (&ts, NULL);
    }
    return 0;
}

static void defaults_and_ranges (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_get (ctx, ZMQ_IO_THREADS) == ZMQ_IO_THREADS_DFLT);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_SOCKETS) == ZMQ_MAX_SOCKETS_DFLT);
    CHECK (zmq_ctx_get (ctx, ZMQ_SOCKET_LIMIT) == 65535);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_SCHED_POLICY) == ZMQ_THREAD_SCHED_POLICY_DFLT);
    CHECK (zmq_ctx_get (ctx, ZMQ_MAX_MSGSZ) == 0x7fffffff);
    CHECK (zmq_ctx_get (ctx, ZMQ_MSG_T_SIZE) == (int) sizeof (zmq_msg_t));
    CHECK (zmq_ctx_get (ctx, ZMQ_IPV6) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_BLOCKY) == 1);

    /* The defaults (-1) cannot be set back, nor any negative value. */
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, ZMQ_THREAD_SCHED_POLICY_DFLT),
               EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, ZMQ_THREAD_PRIORITY_DFLT), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IO_THREADS, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 0), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, -1), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_IPV6, -1), EINVAL);

    /* 3 is THREAD_PRIORITY to zmq_ctx_set and SOCKET_LIMIT to zmq_ctx_get. */
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_PRIORITY, 1) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_PRIORITY) == 65535);

    /* Set-only and get-only options, and unknown ones. */
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_MSG_T_SIZE, 64), EINVAL);
    CHECK_ERR (zmq_ctx_set (ctx, -1, 0), EINVAL);
    CHECK_ERR (zmq_ctx_get (ctx, -1), EINVAL);

    /* Switches take any non-negative value; the prefix any int, read back as a number. */
    CHECK (zmq_ctx_set (ctx, ZMQ_IPV6, 5) == 0 && zmq_ctx_get (ctx, ZMQ_IPV6) == 1);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 1234) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == 1234);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, -7) == 0);
    CHECK (zmq_ctx_get (ctx, ZMQ_THREAD_NAME_PREFIX) == -7);

    /* CPUs are added and removed; removing one not added is EINVAL. */
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 0) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, 1) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 1) == 0);
    CHECK_ERR (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_REMOVE, 1), EINVAL);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static void thread_options_apply_at_the_first_socket (void)
{
    cpu_set_t allowed;
    CHECK (sched_getaffinity (0, sizeof allowed, &allowed) == 0);
    int cpu = 0;
    while (!CPU_ISSET (cpu, &allowed))
        cpu++;

    void *ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_set (ctx, ZMQ_IO_THREADS, 2) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_NAME_PREFIX, 4321) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_AFFINITY_CPU_ADD, cpu) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_THREAD_SCHED_POLICY, SCHED_OTHER) == 0);
    CHECK (!find_thread ("4321/ZMQbg/IO/0", NULL, 1));

    void *s = test_socket (ctx, ZMQ_PULL);
    char cpus[64] = "", want[16];
    snprintf (want, sizeof want, "%d", cpu);
    CHECK (find_thread ("4321/ZMQbg/IO/0", cpus, 1000));
    for (int i = 0; i < 1000 && strcmp (cpus, want) != 0; i++) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep (&ts, NULL);
        find_thread ("4321/ZMQbg/IO/0", cpus, 1);
    }
    CHECK (strcmp (cpus, want) == 0);
    CHECK (find_thread ("4321/ZMQbg/IO/1", NULL, 1000));
    CHECK (zmq_close (s) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

static void socket_options_follow_the_context (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (zmq_ctx_set (ctx, ZMQ_MAX_SOCKETS, 2) == 0);
    void *a = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (a != NULL);
    int value;
    size_t size = sizeof value;
    CHECK (zmq_getsockopt (a, ZMQ_IPV6, &value, &size) == 0 && value == 0);
    CHECK (zmq_getsockopt (a, ZMQ_LINGER, &value, &size) == 0 && value == -1);

    /* IPV6 and BLOCKY reach sockets made after they are set, started context or not. */
    CHECK (zmq_ctx_set (ctx, ZMQ_IPV6, 1) == 0);
    CHECK (zmq_ctx_set (ctx, ZMQ_BLOCKY, 0) == 0);
    void *b = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (b != NULL);
    CHECK (zmq_getsockopt (b, ZMQ_IPV6, &value, &size) == 0 && value == 1);
    CHECK (zmq_getsockopt (b, ZMQ_LINGER, &value, &size) == 0 && value == 0);

    /* MAX_SOCKETS as it was when the context started: a third socket is EMFILE. */
    CHECK (zmq_socket (ctx, ZMQ_ROUTER) == NULL && zmq_errno () == EMFILE);
    CHECK (zmq_close (a) == 0);
    void *c = zmq_socket (ctx, ZMQ_ROUTER);
    CHECK (c != NULL);
    CHECK (zmq_close (b) == 0);
    CHECK (zmq_close (c) == 0);
    CHECK (zmq_ctx_term (ctx) == 0);
}

int main (void)
{
    defaults_and_ranges ();
    thread_options_apply_at_the_first_socket ();
    socket_options_follow_the_context ();
    return 0;
}
