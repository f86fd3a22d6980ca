// cppzmq, the C++ binding, on ferrozmq: zmq.hpp and zmq_addon.hpp as Debian ships them,
// compiled against include/zmq.h and linked to libferrozmq.so. It exercises the parts of
// the binding that lean on the header the most: the socket option table (typed sockopt
// getters and setters), error_t's errno numbers, message_t, multipart sends, zmq_poll's
// pollitem_t, and monitor_t, which declares its own zmq_event_t.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#define EXPECT(cond)                                                                \
    do {                                                                            \
        if (!(cond)) {                                                              \
            std::fprintf (stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, \
                          #cond);                                                   \
            std::exit (1);                                                          \
        }                                                                           \
    } while (0)

static const int timeout_ms = 5000;

// Every socket gives up on a blocked send or receive after timeout_ms, and drops what it
// still holds at close, so a failure ends the program rather than hanging it.
static zmq::socket_t bounded (zmq::context_t &ctx, zmq::socket_type type)
{
    zmq::socket_t s (ctx, type);
    s.set (zmq::sockopt::rcvtimeo, timeout_ms);
    s.set (zmq::sockopt::sndtimeo, timeout_ms);
    s.set (zmq::sockopt::linger, 0);
    return s;
}

static std::string recv_string (zmq::socket_t &s)
{
    zmq::message_t msg;
    auto got = s.recv (msg, zmq::recv_flags::none);
    EXPECT (got.has_value ());
    return msg.to_string ();
}

// PUSH to PULL, single frames and a two-frame message through zmq_addon.hpp.
static void push_pull (zmq::context_t &ctx, const std::string &bind_to)
{
    auto pull = bounded (ctx, zmq::socket_type::pull);
    pull.bind (bind_to);
    const std::string endpoint = pull.get (zmq::sockopt::last_endpoint);
    auto push = bounded (ctx, zmq::socket_type::push);
    push.connect (endpoint);

    for (int i = 0; i < 100; i++) {
        const std::string body = "message " + std::to_string (i);
        EXPECT (push.send (zmq::buffer (body), zmq::send_flags::none) == body.size ());
    }
    for (int i = 0; i < 100; i++)
        EXPECT (recv_string (pull) == "message " + std::to_string (i));

    std::array<zmq::const_buffer, 3> parts = {zmq::str_buffer ("a"), zmq::str_buffer (""),
                                              zmq::str_buffer ("three")};
    EXPECT (zmq::send_multipart (push, parts) == 3u);
    std::vector<zmq::message_t> got;
    EXPECT (zmq::recv_multipart (pull, std::back_inserter (got)) == 3u);
    EXPECT (got[0].to_string () == "a" && got[1].size () == 0);
    EXPECT (got[2].to_string () == "three" && !got[2].more ());
}

// REQ and REP with multipart_t, woken by zmq::poll rather than by blocking receives.
static void req_rep_polled (zmq::context_t &ctx)
{
    auto rep = bounded (ctx, zmq::socket_type::rep);
    rep.bind ("tcp://127.0.0.1:*");
    auto req = bounded (ctx, zmq::socket_type::req);
    req.connect (rep.get (zmq::sockopt::last_endpoint));

    std::vector<zmq::pollitem_t> items = {{rep.handle (), 0, ZMQ_POLLIN, 0},
                                          {req.handle (), 0, ZMQ_POLLIN, 0}};
    // Nothing has been sent: a short poll times out with no event.
    EXPECT (zmq::poll (items, std::chrono::milliseconds (20)) == 0);

    zmq::multipart_t request;
    request.addstr ("hello");
    request.addstr ("world");
    EXPECT (request.send (req));
    EXPECT (zmq::poll (items, std::chrono::milliseconds (timeout_ms)) == 1);
    EXPECT ((items[0].revents & ZMQ_POLLIN) && !(items[1].revents & ZMQ_POLLIN));

    zmq::multipart_t received (rep);
    EXPECT (received.size () == 2 && received.popstr () == "hello");
    EXPECT (received.popstr () == "world");
    EXPECT (rep.send (zmq::str_buffer ("hi"), zmq::send_flags::none));
    EXPECT (zmq::poll (items, std::chrono::milliseconds (timeout_ms)) == 1);
    EXPECT (items[1].revents & ZMQ_POLLIN);
    EXPECT (recv_string (req) == "hi");

    // The REQ must wait for its reply before sending again: EFSM, as an error_t.
    EXPECT (req.send (zmq::str_buffer ("again"), zmq::send_flags::none));
    try {
        req.send (zmq::str_buffer ("too soon"), zmq::send_flags::none);
        EXPECT (!"a second request was accepted");
    }
    catch (const zmq::error_t &e) {
        EXPECT (e.num () == EFSM);
    }
}

// monitor_t decodes the first frame itself (into its own zmq_event_t); record what it saw.
class recorder : public zmq::monitor_t
{
  public:
    std::set<std::string> seen;

    void on_event_listening (const zmq_event_t &, const char *) override
    {
        seen.insert ("listening");
    }
    void on_event_accepted (const zmq_event_t &, const char *) override
    {
        seen.insert ("accepted");
    }
    void on_event_handshake_succeeded (const zmq_event_t &event, const char *) override
    {
        EXPECT (event.event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
        seen.insert ("handshake");
    }
};

static void monitored (zmq::context_t &ctx)
{
    auto pull = bounded (ctx, zmq::socket_type::pull);
    recorder mon;
    mon.init (pull, "inproc://cppzmq-monitor", ZMQ_EVENT_ALL);
    pull.bind ("tcp://127.0.0.1:*");
    auto push = bounded (ctx, zmq::socket_type::push);
    push.connect (pull.get (zmq::sockopt::last_endpoint));
    EXPECT (push.send (zmq::str_buffer ("x"), zmq::send_flags::none));
    EXPECT (recv_string (pull) == "x");

    const auto deadline = std::chrono::steady_clock::now () + std::chrono::seconds (5);
    while (mon.seen.size () < 3 && std::chrono::steady_clock::now () < deadline)
        mon.check_event (100);
    EXPECT (mon.seen.count ("listening") && mon.seen.count ("accepted"));
    EXPECT (mon.seen.count ("handshake"));
    mon.abort ();
}

int main ()
{
    const auto version = zmq::version ();
    EXPECT (std::get<0> (version) == 4 && std::get<1> (version) == 3);

    zmq::context_t ctx;
    try {
        zmq::socket_t s (ctx, zmq::socket_type::pull);
        s.connect ("no-such-transport://x");
        EXPECT (!"an unknown transport was accepted");
    }
    catch (const zmq::error_t &e) {
        EXPECT (e.num () == EPROTONOSUPPORT);
    }

    push_pull (ctx, "inproc://cppzmq-push-pull");
    push_pull (ctx, "tcp://127.0.0.1:*");
    req_rep_polled (ctx);
    monitored (ctx);
    ctx.close ();
    std::puts ("cppzmq ok");
    return 0;
}
