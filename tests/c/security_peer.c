/* One side of a security interop run, linked to libzmq 4.3.4 built with CURVE
 * (tests/support/libzmq_curve.rs). It binds or connects one socket with a mechanism, may
 * run a ZAP handler of its own, exchanges one message and says how it went, so the Rust
 * tests can put it opposite ferrozmq (or opposite another copy of itself).
 *
 *   security_peer keypair
 *   security_peer server|client TYPE ENDPOINT [key=value...]
 *
 * TYPE: REQ REP PUSH PULL DEALER ROUTER. A server binds ENDPOINT (tcp://127.0.0.1:* is fine)
 * and prints "endpoint <bound>"; a client connects to it. Keys: mech=null|plain|curve,
 * user= pass= (PLAIN client), public= secret= (own CURVE keys, Z85), server_key= (CURVE
 * client), domain= (ZAP_DOMAIN), send= (the message) and repeat= (send it N times over in
 * one frame, for long frames), timeout= (ms, default 5000), and the ZAP handler:
 * zap=accept|deny|plain|curve with zap_user= zap_pass= zap_key= user_id=.
 *
 * Lines on stdout, each flushed, for the harness to parse:
 *   version 4.3.4 curve 1           first, always
 *   endpoint <endpoint>             a server, once bound
 *   zap <MECH> domain=<d> address=<a> credentials=<c1>,<c2> status=<code>   per ZAP request
 *   event <number> <value>          every handshake event of the socket's monitor
 *   outcome ok received=<text|-> size=<bytes> user-id=<User-Id|->   (text cut at 255)
 *   outcome handshake-failed event=<number> value=<value>
 *   outcome timeout
 * The exit status is 0 whenever an outcome line was printed: the outcome is the verdict. */
#include <pthread.h>
#include <stdint.h>

#include "check.h"

#define MAX_TEXT 256

struct config
{
    const char *mech, *user, *pass, *public_key, *secret_key, *server_key, *domain;
    const char *send, *zap, *zap_user, *zap_pass, *zap_key, *user_id;
    int timeout_ms, repeat;
};

static const char *option (int argc, char **argv, const char *key, const char *fallback)
{
    size_t n = strlen (key);
    for (int i = 0; i < argc; i++)
        if (strncmp (argv[i], key, n) == 0 && argv[i][n] == '=')
            return argv[i] + n + 1;
    return fallback;
}

static int64_t now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int socket_type (const char *name)
{
    static const struct { const char *name; int type; } types[] = {
      {"REQ", ZMQ_REQ},   {"REP", ZMQ_REP},       {"PUSH", ZMQ_PUSH},
      {"PULL", ZMQ_PULL}, {"DEALER", ZMQ_DEALER}, {"ROUTER", ZMQ_ROUTER},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp (name, types[i].name) == 0)
            return types[i].type;
    fprintf (stderr, "unknown socket type %s\n", name);
    exit (2);
}

/* A frame as text, cut to fit; a CURVE key (32 binary bytes) as its Z85. */
static void frame_text (zmq_msg_t *frame, char *out, size_t size, int is_key)
{
    size_t n = zmq_msg_size (frame);
    const char *data = (const char *) zmq_msg_data (frame);
    if (is_key && n == 32 && size > 40) {
        zmq_z85_encode (out, (const uint8_t *) data, 32);
        return;
    }
    n = n < size - 1 ? n : size - 1;
    memcpy (out, data, n);
    out[n] = 0;
}

/* The ZAP handler (RFC 27): answers until the context terminates. */
static void *zap_handler (void *arg)
{
    void **args = (void **) arg;
    void *handler = args[0];
    const struct config *cfg = (const struct config *) args[1];
    for (;;) {
        zmq_msg_t frames[8];
        char text[8][MAX_TEXT];
        int count = 0, more = 1;
        while (more) {
            zmq_msg_t part;
            zmq_msg_init (&part);
            if (zmq_msg_recv (&part, handler, 0) == -1) {
                zmq_msg_close (&part);
                for (int i = 0; i < count; i++)
                    zmq_msg_close (&frames[i]);
                zmq_close (handler);
                return NULL; /* ETERM: the peer is finishing */
            }
            more = zmq_msg_more (&part);
            if (count < 8) {
                int is_key = count == 6 && strcmp (text[5], "CURVE") == 0;
                frame_text (&part, text[count], MAX_TEXT, is_key);
                frames[count++] = part;
            } else
                zmq_msg_close (&part);
        }
        CHECK (count >= 6);
        const char *mech = text[5];
        int allow = 0;
        if (strcmp (cfg->zap, "accept") == 0)
            allow = 1;
        else if (strcmp (cfg->zap, "plain") == 0)
            allow = count == 8 && strcmp (mech, "PLAIN") == 0
                    && strcmp (text[6], cfg->zap_user) == 0
                    && strcmp (text[7], cfg->zap_pass) == 0;
        else if (strcmp (cfg->zap, "curve") == 0)
            allow = count == 7 && strcmp (mech, "CURVE") == 0
                    && strcmp (text[6], cfg->zap_key) == 0;
        const char *status = allow ? "200" : "400";
        printf ("zap %s domain=%s address=%s credentials=%s%s%s status=%s\n", mech,
                text[2], text[3], count > 6 ? text[6] : "", count > 7 ? "," : "",
                count > 7 ? text[7] : "", status);
        const char *user_id = allow ? cfg->user_id : "";
        const char *reply[6] = {"1.0", NULL, status, allow ? "OK" : "Denied", user_id, ""};
        CHECK (zmq_send (handler, reply[0], 3, ZMQ_SNDMORE) == 3);
        CHECK (zmq_send (handler, zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]),
                         ZMQ_SNDMORE)
               >= 0);
        for (int i = 2; i < 6; i++)
            CHECK (zmq_send (handler, reply[i], strlen (reply[i]), i < 5 ? ZMQ_SNDMORE : 0)
                   >= 0);
        for (int i = 0; i < count; i++)
            zmq_msg_close (&frames[i]);
    }
}

static void set_string (void *s, int option, const char *value)
{
    if (value)
        CHECK (zmq_setsockopt (s, option, value, strlen (value)) == 0);
}

static void secure (void *s, int server, const struct config *cfg)
{
    int one = 1;
    set_string (s, ZMQ_ZAP_DOMAIN, cfg->domain);
    if (strcmp (cfg->mech, "plain") == 0) {
        if (server)
            CHECK (zmq_setsockopt (s, ZMQ_PLAIN_SERVER, &one, sizeof one) == 0);
        set_string (s, ZMQ_PLAIN_USERNAME, cfg->user);
        set_string (s, ZMQ_PLAIN_PASSWORD, cfg->pass);
    } else if (strcmp (cfg->mech, "curve") == 0) {
        if (server)
            CHECK (zmq_setsockopt (s, ZMQ_CURVE_SERVER, &one, sizeof one) == 0);
        set_string (s, ZMQ_CURVE_PUBLICKEY, cfg->public_key);
        set_string (s, ZMQ_CURVE_SECRETKEY, cfg->secret_key);
        set_string (s, ZMQ_CURVE_SERVERKEY, cfg->server_key);
    } else
        CHECK (strcmp (cfg->mech, "null") == 0);
}

/* Reads one handshake event from the monitor, printing it. */
static uint16_t monitor_event (void *mon, uint32_t *value)
{
    uint8_t head[6];
    CHECK (zmq_recv (mon, head, sizeof head, 0) == 6);
    char endpoint[MAX_TEXT];
    CHECK (zmq_recv (mon, endpoint, sizeof endpoint, 0) >= 0);
    uint16_t event;
    memcpy (&event, head, 2);
    memcpy (value, head + 2, 4);
    printf ("event %u %u\n", event, *value);
    return event;
}

/* Receives a whole message: its last frame's text, its User-Id, and (for a ROUTER's
 * reply) the envelope before the body. */
static void receive (void *s, char *body, size_t *size, char *user_id, zmq_msg_t *envelope,
                     int *parts)
{
    int more = 1;
    *parts = 0;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init (&part);
        CHECK (zmq_msg_recv (&part, s, ZMQ_DONTWAIT) >= 0);
        more = zmq_msg_more (&part);
        if (!more) {
            *size = zmq_msg_size (&part);
            frame_text (&part, body, MAX_TEXT, 0);
            const char *uid = zmq_msg_gets (&part, "User-Id");
            snprintf (user_id, MAX_TEXT, "%s", uid ? uid : "-");
            zmq_msg_close (&part);
        } else if (*parts < 4)
            envelope[(*parts)++] = part;
        else
            zmq_msg_close (&part);
    }
}

/* Sends cfg->send, cfg->repeat times over, as one frame. */
static void send_body (void *s, const struct config *cfg)
{
    size_t len = strlen (cfg->send), total = len * (size_t) cfg->repeat;
    char *buf = (char *) malloc (total + 1);
    CHECK (buf != NULL);
    for (int i = 0; i < cfg->repeat; i++)
        memcpy (buf + len * (size_t) i, cfg->send, len);
    CHECK (zmq_send (s, buf, total, ZMQ_DONTWAIT) == (int) total);
    free (buf);
}

/* Exchanges the message: 1 when it went through, 0 after printing why not. */
static int exchange (void *s, void *mon, int type, const struct config *cfg)
{
    int sends_first = type == ZMQ_REQ || type == ZMQ_PUSH || type == ZMQ_DEALER;
    int to_send = sends_first, to_receive = !sends_first;
    int replies = type == ZMQ_REP || type == ZMQ_ROUTER;
    int awaits_reply = type == ZMQ_REQ;
    int shaken = 0;
    char body[MAX_TEXT] = "-", user_id[MAX_TEXT] = "-";
    size_t size = 0;
    zmq_msg_t envelope[4];
    int parts = 0;
    int64_t deadline = now_ms () + cfg->timeout_ms;

    while (!(shaken && !to_send && !to_receive)) {
        int64_t left = deadline - now_ms ();
        if (left <= 0) {
            printf ("outcome timeout\n");
            return 0;
        }
        zmq_pollitem_t items[2] = {{mon, 0, ZMQ_POLLIN, 0},
                                   {s, 0, to_send ? ZMQ_POLLOUT : ZMQ_POLLIN, 0}};
        CHECK (zmq_poll (items, (to_send || to_receive) ? 2 : 1, (long) left) >= 0);
        if (items[0].revents & ZMQ_POLLIN) {
            uint32_t value;
            uint16_t event = monitor_event (mon, &value);
            if (event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
                printf ("outcome handshake-failed event=%u value=%u\n", event, value);
                return 0;
            }
            shaken = 1;
        }
        if (to_send && (items[1].revents & ZMQ_POLLOUT)) {
            for (int i = 0; i < parts; i++)
                CHECK (zmq_msg_send (&envelope[i], s, ZMQ_SNDMORE) >= 0);
            parts = 0;
            send_body (s, cfg);
            to_send = 0;
            to_receive = awaits_reply;
            awaits_reply = 0;
        } else if (to_receive && (items[1].revents & ZMQ_POLLIN)) {
            receive (s, body, &size, user_id, envelope, &parts);
            to_receive = 0;
            to_send = replies;
            replies = 0;
        }
    }
    printf ("outcome ok received=%s size=%zu user-id=%s\n", body, size, user_id);
    return 1;
}

/* Watches the socket's handshakes from before its bind or connect, so none is missed,
 * exchanges, and closes the monitor whatever happened: an open socket would hold
 * zmq_ctx_term for ever. */
static int run (void *ctx, void *s, int type, int server, const char *endpoint,
                const struct config *cfg)
{
    CHECK (zmq_socket_monitor (s, "inproc://security-peer-monitor",
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                                 | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
           == 0);
    void *mon = zmq_socket (ctx, ZMQ_PAIR);
    CHECK (mon && zmq_connect (mon, "inproc://security-peer-monitor") == 0);
    if (server) {
        CHECK (zmq_bind (s, endpoint) == 0);
        char bound[MAX_TEXT];
        size_t size = sizeof bound;
        CHECK (zmq_getsockopt (s, ZMQ_LAST_ENDPOINT, bound, &size) == 0);
        printf ("endpoint %s\n", bound);
    } else
        CHECK (zmq_connect (s, endpoint) == 0);
    int ok = exchange (s, mon, type, cfg);
    int zero = 0;
    CHECK (zmq_setsockopt (mon, ZMQ_LINGER, &zero, sizeof zero) == 0);
    CHECK (zmq_close (mon) == 0);
    return ok;
}

int main (int argc, char **argv)
{
    setvbuf (stdout, NULL, _IOLBF, 0);
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    printf ("version %d.%d.%d curve %d\n", major, minor, patch, zmq_has ("curve"));
    if (argc == 2 && strcmp (argv[1], "keypair") == 0) {
        char public_key[41], secret_key[41];
        CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
        printf ("keypair %s %s\n", public_key, secret_key);
        return 0;
    }
    if (argc < 4) {
        fprintf (stderr, "usage: security_peer server|client TYPE ENDPOINT [key=value...]\n");
        return 2;
    }
    int server = strcmp (argv[1], "server") == 0;
    int type = socket_type (argv[2]);
    struct config cfg = {
      option (argc, argv, "mech", "null"),       option (argc, argv, "user", NULL),
      option (argc, argv, "pass", NULL),         option (argc, argv, "public", NULL),
      option (argc, argv, "secret", NULL),       option (argc, argv, "server_key", NULL),
      option (argc, argv, "domain", NULL),       option (argc, argv, "send", "hello"),
      option (argc, argv, "zap", "none"),        option (argc, argv, "zap_user", ""),
      option (argc, argv, "zap_pass", ""),       option (argc, argv, "zap_key", ""),
      option (argc, argv, "user_id", "zap-user"), atoi (option (argc, argv, "timeout", "5000")),
      atoi (option (argc, argv, "repeat", "1")),
    };

    void *ctx = zmq_ctx_new ();
    pthread_t zap_thread;
    void *zap_args[2] = {NULL, &cfg};
    int has_zap = strcmp (cfg.zap, "none") != 0;
    if (has_zap) {
        /* Bound before the socket exists, so no handshake can miss it. */
        zap_args[0] = zmq_socket (ctx, ZMQ_REP);
        int zero = 0;
        CHECK (zmq_setsockopt (zap_args[0], ZMQ_LINGER, &zero, sizeof zero) == 0);
        CHECK (zmq_bind (zap_args[0], "inproc://zeromq.zap.01") == 0);
        CHECK (pthread_create (&zap_thread, NULL, zap_handler, zap_args) == 0);
    }
    void *s = zmq_socket (ctx, type);
    CHECK (s != NULL);
    secure (s, server, &cfg);
    /* A message that went out is flushed before the context ends, within the deadline;
     * after a failure nothing is worth waiting for. */
    int linger = run (ctx, s, type, server, argv[3], &cfg) ? cfg.timeout_ms : 0;
    CHECK (zmq_setsockopt (s, ZMQ_LINGER, &linger, sizeof linger) == 0);
    zmq_close (s);
    zmq_ctx_term (ctx); /* also ends the ZAP handler, with ETERM */
    if (has_zap)
        pthread_join (zap_thread, NULL);
    return 0;
}
