//! The async API under real executors: tokio (current-thread and multi-thread) and smol,
//! over every transport, with waits that only a waker can end.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ALL, TIMEOUT, Transport, endpoint};
use ferrozmq::{Context, Dealer, Error, Message, Pull, Push, Rep, Req, Router, Sub};

/// Runs `f` (which drives an executor) on its own thread and fails the test if it has not
/// finished by the deadline: a lost wake-up hangs the executor, not the test run.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(TIMEOUT)
        .expect("the executor did not finish in time (a lost wake-up?)")
}

fn tokio_current() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn tokio_multi() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A PUSH/PULL pair over `t`, connected.
fn pipeline(ctx: &Context, t: Transport) -> (Push, Pull) {
    let pull = Pull::new(ctx).unwrap();
    pull.bind(&endpoint(t)).unwrap();
    let push = Push::new(ctx).unwrap();
    push.connect(&pull.last_endpoint().unwrap()).unwrap();
    (push, pull)
}

/// The receiver starts waiting first; the sender sends only after a delay, from another
/// task: the message can reach the receiver only through its registered waker.
async fn receive_waits_then_wakes(push: &Push, pull: &Pull, delay: impl Future<Output = ()>) {
    let recv = async {
        let m = pull.recv_async().await.unwrap();
        assert_eq!(&m.frames()[0][..], b"late");
    };
    let send = async {
        delay.await;
        push.send_async("late").await.unwrap();
    };
    futures::join!(recv, send);
}

#[test]
fn a_waiting_receive_is_woken_under_tokio_current_thread_on_every_transport() {
    for t in ALL {
        bounded(move || {
            let ctx = Context::new();
            let (push, pull) = pipeline(&ctx, t);
            tokio_current().block_on(async {
                let delay = tokio::time::sleep(Duration::from_millis(20));
                receive_waits_then_wakes(&push, &pull, delay).await;
            });
        });
    }
}

#[test]
fn a_waiting_receive_is_woken_under_smol_on_every_transport() {
    for t in ALL {
        bounded(move || {
            let ctx = Context::new();
            let (push, pull) = pipeline(&ctx, t);
            smol::block_on(async {
                let delay = async {
                    smol::Timer::after(Duration::from_millis(20)).await;
                };
                receive_waits_then_wakes(&push, &pull, delay).await;
            });
        });
    }
}

#[test]
fn sockets_move_into_spawned_tasks_of_a_multi_thread_runtime() {
    for t in ALL {
        bounded(move || {
            let ctx = Context::new();
            let rep = Rep::new(&ctx).unwrap();
            rep.bind(&endpoint(t)).unwrap();
            let req = Req::new(&ctx).unwrap();
            req.connect(&rep.last_endpoint().unwrap()).unwrap();
            tokio_multi().block_on(async move {
                let server = tokio::spawn(async move {
                    for _ in 0..100 {
                        let q = rep.recv_async().await.unwrap();
                        rep.send_async(q).await.unwrap();
                    }
                });
                let client = tokio::spawn(async move {
                    for i in 0..100u32 {
                        req.send_async(i.to_string()).await.unwrap();
                        let r = req.recv_async().await.unwrap();
                        assert_eq!(r.frames()[0], i.to_string().as_bytes());
                    }
                });
                client.await.unwrap();
                server.await.unwrap();
            });
        });
    }
}

#[cfg(feature = "futures")]
#[test]
fn select_takes_whichever_socket_has_a_message() {
    bounded(|| {
        let ctx = Context::new();
        let (push_a, pull_a) = pipeline(&ctx, Transport::Tcp);
        let (push_b, pull_b) = pipeline(&ctx, Transport::Inproc);
        smol::block_on(async {
            let mut got = Vec::new();
            push_b.send("b").unwrap();
            push_a.send("a").unwrap();
            while got.len() < 2 {
                futures::select! {
                    m = pull_a.recv_async() => got.push(m.unwrap()),
                    m = pull_b.recv_async() => got.push(m.unwrap()),
                }
            }
            let mut bodies: Vec<_> = got.iter().map(|m| m.frames()[0].clone()).collect();
            bodies.sort();
            assert_eq!(bodies, [&b"a"[..], &b"b"[..]]);
        });
    });
}

#[test]
fn a_send_at_the_high_water_mark_waits_until_the_peer_reads() {
    bounded(|| {
        let ctx = Context::new();
        let pull = Pull::new(&ctx).unwrap();
        pull.set_rcvhwm(1).unwrap();
        pull.bind("inproc://async-hwm").unwrap();
        let push = Push::new(&ctx).unwrap();
        push.set_sndhwm(1).unwrap();
        push.connect("inproc://async-hwm").unwrap();
        tokio_current().block_on(async {
            let mut sent = 0u32;
            // Fill the pipe until a send has to wait.
            loop {
                let fut = push.send_async(sent.to_string());
                match tokio::time::timeout(Duration::from_millis(50), fut).await {
                    Ok(r) => r.unwrap(),
                    Err(_) => break,
                }
                sent += 1;
            }
            let reader = async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                for i in 0..=sent {
                    let m = pull.recv_async().await.unwrap();
                    assert_eq!(m.frames()[0], i.to_string().as_bytes());
                }
            };
            let writer = async { push.send_async(sent.to_string()).await.unwrap() };
            futures::join!(reader, writer);
        });
    });
}

#[test]
fn blocking_and_async_calls_mix_on_one_socket_from_different_threads() {
    bounded(|| {
        let ctx = Context::new();
        let router = Router::new(&ctx).unwrap();
        router.bind("tcp://127.0.0.1:*").unwrap();
        let dealer = Arc::new(Dealer::new(&ctx).unwrap());
        dealer.set_rcvtimeo(Some(TIMEOUT)).unwrap();
        dealer.connect(&router.last_endpoint().unwrap()).unwrap();
        // A thread blocks in a receive on the dealer while a task sends on it: the blocked
        // call must not keep the socket from the task.
        let blocked = std::thread::spawn({
            let dealer = dealer.clone();
            move || dealer.recv().unwrap()
        });
        tokio_multi().block_on(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            dealer.send_async("from a task").await.unwrap();
            let m = router.recv_async().await.unwrap();
            assert_eq!(&m.frames()[1][..], b"from a task");
            router.send_async(m).await.unwrap();
        });
        let echoed = blocked.join().unwrap();
        assert_eq!(&echoed.frames()[0][..], b"from a task");
    });
}

#[test]
fn a_waiting_receive_ends_with_terminated_when_the_context_shuts_down() {
    bounded(|| {
        let ctx = Context::new();
        let sub = Sub::new(&ctx).unwrap();
        sub.bind("inproc://async-term").unwrap();
        let result = smol::block_on(async {
            let shutdown = async {
                smol::Timer::after(Duration::from_millis(20)).await;
                ctx.shutdown();
                futures::future::pending::<()>().await;
                unreachable!()
            };
            // tokio's select! needs neither tokio's runtime nor FusedFuture.
            tokio::select! {
                r = sub.recv_async() => r,
                _ = shutdown => unreachable!(),
            }
        });
        assert!(matches!(result, Err(Error::Terminated)));
    });
}

#[test]
fn futures_of_every_socket_type_are_send() {
    fn is_send<T: Send>(_: &T) {}
    let ctx = Context::new();
    let req = Req::new(&ctx).unwrap();
    is_send(&req.recv_async());
    is_send(&req.send_async(Message::from("x")));
    #[cfg(feature = "futures")]
    {
        is_send(&req.recv_stream());
        is_send(&req.send_sink());
    }
}

#[test]
fn every_socket_type_sends_and_receives_through_its_futures() {
    use ferrozmq::{Pair, Pub, Stream, XPub, XSub};
    bounded(|| {
        let ctx = Context::new();
        smol::block_on(async {
            // PAIR both ways.
            let a = Pair::new(&ctx).unwrap();
            a.bind("inproc://every-pair").unwrap();
            let b = Pair::new(&ctx).unwrap();
            b.connect("inproc://every-pair").unwrap();
            a.send_async("ping").await.unwrap();
            assert_eq!(&b.recv_async().await.unwrap().frames()[0][..], b"ping");
            b.send_async("pong").await.unwrap();
            assert_eq!(&a.recv_async().await.unwrap().frames()[0][..], b"pong");

            // XPUB hears the subscription XSUB sends, then PUB-side data reaches it.
            let xpub = XPub::new(&ctx).unwrap();
            xpub.bind("inproc://every-xpub").unwrap();
            let xsub = XSub::new(&ctx).unwrap();
            xsub.connect("inproc://every-xpub").unwrap();
            xsub.send_async(b"\x01t".to_vec()).await.unwrap();
            assert_eq!(&xpub.recv_async().await.unwrap().frames()[0][..], b"\x01t");
            xpub.send_async("topic").await.unwrap();
            assert_eq!(&xsub.recv_async().await.unwrap().frames()[0][..], b"topic");

            // PUB -> SUB once the subscription has arrived (XPUB above shows it travels).
            let publisher = Pub::new(&ctx).unwrap();
            publisher.bind("inproc://every-pub").unwrap();
            let sub = Sub::new(&ctx).unwrap();
            sub.subscribe("").unwrap();
            sub.connect("inproc://every-pub").unwrap();
            let got = loop {
                publisher.send_async("news").await.unwrap();
                let timer = smol::Timer::after(Duration::from_millis(10));
                let recv = sub.recv_async();
                match futures::future::select(std::pin::pin!(recv), timer).await {
                    futures::future::Either::Left((m, _)) => break m.unwrap(),
                    futures::future::Either::Right(_) => continue,
                }
            };
            assert_eq!(&got.frames()[0][..], b"news");

            // DEALER -> ROUTER and back.
            let router = Router::new(&ctx).unwrap();
            router.bind("inproc://every-router").unwrap();
            let dealer = Dealer::new(&ctx).unwrap();
            dealer.connect("inproc://every-router").unwrap();
            dealer.send_async("hi").await.unwrap();
            let m = router.recv_async().await.unwrap();
            router.send_async(m).await.unwrap();
            assert_eq!(&dealer.recv_async().await.unwrap().frames()[0][..], b"hi");

            // STREAM: a raw tcp peer's connection announcement, its bytes, and a reply.
            let stream = Stream::new(&ctx).unwrap();
            stream.bind("tcp://127.0.0.1:*").unwrap();
            let addr = stream.last_endpoint().unwrap().replace("tcp://", "");
            let mut raw = std::net::TcpStream::connect(addr).unwrap();
            let hello = stream.recv_async().await.unwrap();
            assert!(hello.frames()[1].is_empty(), "connection announcement");
            std::io::Write::write_all(&mut raw, b"raw").unwrap();
            let m = stream.recv_async().await.unwrap();
            assert_eq!(&m.frames()[1][..], b"raw");
            let reply = Message::from(vec![m.frames()[0].clone(), "back".into()]);
            stream.send_async(reply).await.unwrap();
            let mut buf = [0u8; 4];
            std::io::Read::read_exact(&mut raw, &mut buf).unwrap();
            assert_eq!(&buf, b"back");
        });
    });
}
