//! The output half of a connection: moving messages from the pipe into the engine and
//! writing them, shared with the socket's thread for direct writes (see
//! [`crate::io::direct`]).

use std::io::{self, IoSlice};
use std::sync::Arc;

use super::Connection;
use crate::io::direct::Direct;
use crate::message::Message;
use crate::pipe::PipeEnd;
use crate::routing::Trie;
use crate::socket_type::SocketType;
use crate::zmtp::Engine;
use crate::zmtp::command::{Command, decode_subscription_message};

/// Stop moving messages from the pipe into the engine past this many unwritten bytes, so a
/// slow peer leaves its backlog in the pipe, where the high-water mark bounds it.
const OUT_HIGH: usize = 256 * 1024;

/// At most this many buffers per gather write.
const MAX_IOV: usize = 64;

impl Connection {
    /// Gives a peer the ERROR command an engine queued before closing, if the kernel takes it.
    pub(super) fn flush_best_effort(&mut self) {
        let direct = self.direct();
        let _writing = direct.as_deref().map(Direct::lock);
        if let (Some(stream), Some(engine)) = (&self.stream, &mut self.engine) {
            let out = engine.outbuf();
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let n = out.io_slices(&mut slices);
            if n > 0 && stream.write_vectored(&slices[..n]).is_ok() {
                // Closing with unread input makes the kernel send a reset, which can
                // destroy what was just written (an ERROR saying why) before the peer
                // reads it: take in what is already there first.
                let mut sink = [0u8; 4096];
                for _ in 0..16 {
                    if !matches!(stream.read(&mut sink), Ok(n) if n > 0) {
                        break;
                    }
                }
            }
        }
    }

    /// Writes what a direct write left over, then moves queued messages into the engine and
    /// writes them, all under the direct-write lock so nothing overtakes anything. Returns
    /// whether more wait in the pipe, and whether everything was written.
    pub(super) fn output(&mut self) -> io::Result<(bool, bool)> {
        if let Some(p) = &self.pipe {
            p.credit_direct_writes();
        }
        let direct = self.direct();
        let nothing_to_write = self.pipe.as_ref().is_none_or(|p| !p.has_input())
            && self.engine.as_mut().is_none_or(|e| e.outbuf().is_empty())
            && direct.as_deref().is_none_or(|d| !d.has_spill());
        if nothing_to_write {
            // Not even the lock: the socket's thread may be writing its reply directly right
            // now, and waiting for it would cost both threads a futex call. Anything it
            // queues later wakes this thread again.
            return Ok((false, true));
        }
        let mut writing = direct.as_deref().map(Direct::lock);
        let mut spilled = false;
        if let Some(st) = writing.as_mut()
            && !st.spill.is_empty()
        {
            spilled = !self.writable || !st.write_spill()?;
            if spilled {
                self.writable = false;
            }
        }
        if !spilled && let Some(d) = &direct {
            d.clear_spilled();
        }
        let more_queued = self.fill_output();
        let flushed = !spilled && self.write_output()?;
        if let Some(st) = writing.as_mut() {
            st.io_pending = self.engine.as_mut().is_some_and(|e| !e.outbuf().is_empty());
            if flushed && !st.io_pending {
                st.congested = false;
            }
        }
        Ok((more_queued, flushed))
    }

    /// The connection's direct-write state, shared with the socket through the pipe.
    pub(super) fn direct(&self) -> Option<Arc<Direct>> {
        self.pipe.as_ref().and_then(PipeEnd::direct).cloned()
    }

    /// Lets the socket's thread write to the stream (once the handshake is done).
    pub(super) fn attach_direct(&mut self) {
        let kind = self.link.socket_type;
        // Subscribers' messages are rewritten on the way; a raw (STREAM) connection frames
        // nothing, and direct writes frame as ZMTP.
        let subscriber = matches!(
            kind,
            SocketType::Sub | SocketType::XSub | SocketType::Stream
        );
        // A sealed (CURVE) connection's frames go through its one encrypting path, in the
        // engine; a direct write would put clear ZMTP frames on the wire.
        let sealed = self.engine.as_ref().is_some_and(Engine::is_sealed);
        if let (false, false, Some(direct), Some(stream)) =
            (subscriber, sealed, self.direct(), &self.stream)
        {
            direct.set_takes_small(!matches!(kind, SocketType::Pub | SocketType::XPub));
            let mut st = direct.lock();
            st.stream = Some(stream.clone());
            st.io_pending = self.engine.as_mut().is_some_and(|e| !e.outbuf().is_empty());
        }
    }

    /// Ends direct writes: the stream is going away.
    pub(super) fn detach_direct(&mut self) {
        if let Some(direct) = self.direct() {
            direct.lock().detach();
            direct.clear_spilled();
        }
    }

    /// Moves queued messages into the engine; returns whether more wait in the pipe.
    pub(super) fn fill_output(&mut self) -> bool {
        let (Some(engine), Some(pipe)) = (&mut self.engine, &self.pipe) else {
            return false;
        };
        if !engine.is_ready() {
            return false;
        }
        let subscriber = matches!(self.link.socket_type, SocketType::Sub | SocketType::XSub);
        while engine.outbuf().len() < OUT_HIGH {
            match pipe.pull() {
                Ok(Some(msg)) => {
                    if subscriber {
                        send_upstream(engine, &mut self.sent_subscriptions, &msg);
                    } else {
                        engine.send(&msg);
                    }
                }
                Ok(None) | Err(()) => return false,
            }
        }
        true
    }

    /// Writes until the engine's output is empty or the kernel is full; returns whether
    /// everything was written.
    pub(super) fn write_output(&mut self) -> io::Result<bool> {
        let (Some(stream), Some(engine)) = (&self.stream, &mut self.engine) else {
            return Ok(false);
        };
        let out = engine.outbuf();
        while !out.is_empty() {
            if !self.writable {
                return Ok(false);
            }
            let mut slices = [IoSlice::new(&[]); MAX_IOV];
            let n = out.io_slices(&mut slices);
            match stream.write_vectored(&slices[..n]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(k) => out.advance(k),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

/// Sends what a SUB or XSUB queued: subscriptions in the form the peer's ZMTP version
/// expects (the engine decides), remembered for the next reconnect; anything else as is.
fn send_upstream(engine: &mut Engine, sent: &mut Trie, msg: &Message) {
    let command = match msg.frames() {
        [only] => decode_subscription_message(only),
        _ => None,
    };
    match command {
        Some(Command::Subscribe(topic)) => {
            if !sent.contains(&topic) {
                sent.add(&topic);
            }
            engine.send_subscription(true, &topic);
        }
        Some(Command::Cancel(topic)) => {
            sent.remove_all(&topic);
            engine.send_subscription(false, &topic);
        }
        _ => engine.send(msg),
    }
}
