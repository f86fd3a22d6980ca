use std::sync::atomic::AtomicUsize;

use super::credit::GLANCE_STALE;
use super::*;
use crate::signal::Watcher;

/// Counts the wake-ups a socket's signal passes on.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Watcher for Wakes {
    fn wake(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A pipe of capacity `hwm` each way, and the wake-ups its writer (side 0) hears.
fn pipe(hwm: usize) -> (PipeEnd, PipeEnd, Arc<Wakes>) {
    let (writer, reader) = (Arc::new(Signal::new()), Arc::new(Signal::new()));
    let wakes = Arc::new(Wakes::default());
    writer.watch(&wakes);
    let config = PipeConfig {
        hwm: [hwm, hwm],
        ..PipeConfig::default()
    };
    let (w, r) = pipe_with([Notifier::socket(writer), Notifier::socket(reader)], config);
    (w, r, wakes)
}

#[test]
fn a_full_writer_sees_room_only_at_each_low_water_mark() {
    let (w, r, _) = pipe(8);
    for _ in 0..8 {
        assert!(w.push(Message::from("m")).is_ok());
    }
    assert!(!w.has_credit());
    for _ in 0..3 {
        assert!(r.pull().unwrap().is_some());
        assert!(!w.has_credit(), "libzmq tells the writer every 4 of 8");
    }
    assert!(r.pull().unwrap().is_some());
    assert!(w.has_credit());
}

#[test]
fn a_writer_that_found_the_pipe_full_is_woken_at_the_low_water_mark() {
    let (w, r, wakes) = pipe(8);
    while w.has_room() {
        assert!(w.push(Message::from("m")).is_ok());
    }
    for _ in 0..3 {
        assert!(r.pull().unwrap().is_some());
    }
    assert_eq!(wakes.0.load(Ordering::SeqCst), 0);
    assert!(r.pull().unwrap().is_some());
    assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
}

#[test]
fn a_non_blocking_send_keeps_its_view_of_a_full_pipe_for_a_millisecond() {
    let (w, r, wakes) = pipe(8);
    for _ in 0..8 {
        assert!(w.push(Message::from("m")).is_ok());
    }
    let looked = Instant::now();
    assert!(glancing(|| w.push(Message::from("m"))).is_err());
    for _ in 0..4 {
        assert!(r.pull().unwrap().is_some());
    }
    let again = glancing(|| w.push(Message::from("m")));
    if looked.elapsed() < GLANCE_STALE {
        assert!(
            again.is_err(),
            "libzmq's sender has not read the credit yet"
        );
        assert!(w.has_room(), "a readiness check reads it afresh");
    }
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        0,
        "a glance arms no wake-up"
    );
    std::thread::sleep(GLANCE_STALE * 2);
    assert!(glancing(|| w.push(Message::from("m"))).is_ok());
}
