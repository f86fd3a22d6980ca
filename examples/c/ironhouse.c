/* Ironhouse in C: CURVE authentication both ways, with libzmq's API only.
 *
 * The client knows the server's public key; the server's ZAP handler (RFC 27, a REP
 * socket bound at inproc://zeromq.zap.01) lets in only the one client key it was given.
 * A second client with a key of its own is refused. Builds unchanged against libzmq:
 *
 *   cc examples/c/ironhouse.c -Iinclude -Ltarget/release -lferrozmq -lpthread -o ironhouse
 *   LD_LIBRARY_PATH=target/release ./ironhouse
 */
#include <zmq.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf (stderr, "ironhouse: %s failed at line %d: %s\n", #cond,   \
                     __LINE__, zmq_strerror (zmq_errno ()));                   \
            exit (1);                                                          \
        }                                                                      \
    } while (0)

/* The one client key the server accepts, as 32 bytes. */
static uint8_t allowed_key[32];

/* Receives one frame into buf (NUL-terminated); returns its size. */
static int recv_frame (void *s, char *buf, size_t cap)
{
    int n = zmq_recv (s, buf, cap - 1, 0);
    CHECK (n >= 0);
    buf[(size_t) n < cap - 1 ? (size_t) n : cap - 1] = '\0';
    return n;
}

static int more (void *s)
{
    int more = 0;
    size_t len = sizeof more;
    CHECK (zmq_getsockopt (s, ZMQ_RCVMORE, &more, &len) == 0);
    return more;
}

/* The ZAP handler: answers each request "200" for the allowed key, "400" otherwise. */
static void *zap_handler (void *handler)
{
    char version[16], request_id[64], domain[256], address[256], identity[256];
    char mechanism[32];
    uint8_t key[64];
    while (1) {
        if (zmq_recv (handler, version, sizeof version - 1, 0) < 0)
            break; /* the context is terminating */
        int id_len = recv_frame (handler, request_id, sizeof request_id);
        recv_frame (handler, domain, sizeof domain);
        recv_frame (handler, address, sizeof address);
        recv_frame (handler, identity, sizeof identity);
        recv_frame (handler, mechanism, sizeof mechanism);
        int key_len = 0;
        while (more (handler))
            key_len = zmq_recv (handler, key, sizeof key, 0);
        int ok = strcmp (mechanism, "CURVE") == 0 && key_len == 32
                 && memcmp (key, allowed_key, 32) == 0;
        char user[41] = "";
        if (ok)
            zmq_z85_encode (user, key, 32);
        zmq_send (handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send (handler, request_id, (size_t) id_len, ZMQ_SNDMORE);
        zmq_send (handler, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send (handler, ok ? "OK" : "unknown key", ok ? 2 : 11, ZMQ_SNDMORE);
        zmq_send (handler, user, strlen (user), ZMQ_SNDMORE);
        zmq_send (handler, "", 0, 0);
    }
    zmq_close (handler);
    return NULL;
}

static void *curve_client (void *ctx, const char *server_public,
                           const char *endpoint, int timeout_ms)
{
    char public_key[41], secret_key[41];
    CHECK (zmq_curve_keypair (public_key, secret_key) == 0);
    void *client = zmq_socket (ctx, ZMQ_REQ);
    CHECK (client);
    CHECK (zmq_setsockopt (client, ZMQ_CURVE_SERVERKEY, server_public, 40) == 0);
    CHECK (zmq_setsockopt (client, ZMQ_CURVE_PUBLICKEY, public_key, 40) == 0);
    CHECK (zmq_setsockopt (client, ZMQ_CURVE_SECRETKEY, secret_key, 40) == 0);
    CHECK (zmq_setsockopt (client, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) == 0);
    int linger = 0;
    CHECK (zmq_setsockopt (client, ZMQ_LINGER, &linger, sizeof linger) == 0);
    CHECK (zmq_connect (client, endpoint) == 0);
    return client;
}

int main (void)
{
    void *ctx = zmq_ctx_new ();
    CHECK (ctx);
    char server_public[41], server_secret[41];
    CHECK (zmq_curve_keypair (server_public, server_secret) == 0);

    void *handler = zmq_socket (ctx, ZMQ_REP);
    CHECK (handler);
    CHECK (zmq_bind (handler, "inproc://zeromq.zap.01") == 0);
    pthread_t zap;

    void *server = zmq_socket (ctx, ZMQ_REP);
    CHECK (server);
    int on = 1, timeout_ms = 5000;
    CHECK (zmq_setsockopt (server, ZMQ_CURVE_SERVER, &on, sizeof on) == 0);
    CHECK (zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, server_secret, 40) == 0);
    CHECK (zmq_setsockopt (server, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms) == 0);
    CHECK (zmq_bind (server, "tcp://127.0.0.1:*") == 0);
    char endpoint[256];
    size_t len = sizeof endpoint;
    CHECK (zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &len) == 0);
    printf ("server: listening at %s, public key %s\n", endpoint, server_public);

    void *client = curve_client (ctx, server_public, endpoint, 5000);
    /* The client's public key, read back in binary, is the one the handler allows. */
    len = sizeof allowed_key;
    CHECK (zmq_getsockopt (client, ZMQ_CURVE_PUBLICKEY, allowed_key, &len) == 0);
    CHECK (pthread_create (&zap, NULL, zap_handler, handler) == 0);

    CHECK (zmq_send (client, "Hello", 5, 0) == 5);
    zmq_msg_t request;
    zmq_msg_init (&request);
    CHECK (zmq_msg_recv (&request, server, 0) == 5);
    const char *user = zmq_msg_gets (&request, "User-Id");
    printf ("server: \"%.*s\" from the client whose key is %s\n",
            (int) zmq_msg_size (&request), (const char *) zmq_msg_data (&request),
            user ? user : "?");
    zmq_msg_close (&request);
    CHECK (zmq_send (server, "World", 5, 0) == 5);
    char reply[16];
    recv_frame (client, reply, sizeof reply);
    printf ("client: \"%s\"\n", reply);

    void *intruder = curve_client (ctx, server_public, endpoint, 500);
    CHECK (zmq_send (intruder, "Let me in", 9, 0) == 9);
    if (zmq_recv (intruder, reply, sizeof reply, 0) >= 0 || zmq_errno () != EAGAIN) {
        fprintf (stderr, "ironhouse: the server answered an unknown key\n");
        return 1;
    }
    printf ("intruder: refused, no answer\n");

    zmq_close (intruder);
    zmq_close (client);
    zmq_close (server);
    zmq_ctx_term (ctx); /* ends the handler's zmq_recv with ETERM */
    pthread_join (zap, NULL);
    return 0;
}
