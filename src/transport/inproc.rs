//! inproc://: joins two sockets of one context with a pipe, no codec and no I/O thread.
//! A connect before the bind leaves the pipe waiting in the registry (libzmq 4.x).

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::context::ContextInner;
use crate::error::{Error, Result};
use crate::io::SocketEvent;
use crate::pipe::{Notifier, PipeConfig, PipeEnd, pipe_with};
use crate::signal::Signal;
use crate::socket_type::SocketType;

/// What the registry needs of a socket to join it to a peer.
#[derive(Clone)]
pub(crate) struct InprocPeer {
    pub socket_id: u64,
    pub socket_type: SocketType,
    pub signal: Arc<Signal>,
    pub events: crate::io::EventSender,
    pub sndhwm: usize,
    pub rcvhwm: usize,
    pub conflate: bool,
    pub routing_id: Bytes,
}

/// One inproc name: its binder, and connections made before it bound.
#[derive(Default)]
pub(crate) struct InprocEntry {
    bound: Option<InprocPeer>,
    pending: Vec<(PipeEnd, SocketType, Bytes)>,
}

/// A queue between two sockets holds what both high-water marks allow, as in libzmq;
/// 0 on either side means no limit.
fn combined_hwm(snd: usize, rcv: usize) -> usize {
    if snd == 0 || rcv == 0 {
        0
    } else {
        snd.saturating_add(rcv)
    }
}

/// Binds `name` to `me`, attaching connections that were waiting for it.
pub(crate) fn bind(ctx: &ContextInner, name: &str, me: InprocPeer) -> Result<()> {
    let mut map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    let entry = map.entry(name.to_string()).or_default();
    if entry.bound.is_some() {
        return Err(Error::AddrInUse);
    }
    for (end, peer_type, routing_id) in entry.pending.drain(..) {
        if me.socket_type.is_compatible(peer_type) {
            end.attach_signal(me.signal.clone());
            let _ = me.events.send(SocketEvent::Attach {
                pipe: end,
                routing_id,
                meta: None,
            });
        }
    }
    me.signal.notify();
    entry.bound = Some(me);
    Ok(())
}

/// How the queues between `from` and `to` behave: both sides' high-water marks add up, and
/// either side's CONFLATE conflates.
fn config(from: &InprocPeer, to: Option<&InprocPeer>) -> PipeConfig {
    let to = to.unwrap_or(from);
    PipeConfig {
        hwm: [
            combined_hwm(from.sndhwm, to.rcvhwm),
            combined_hwm(to.sndhwm, from.rcvhwm),
        ],
        conflate: [from.conflate || to.conflate; 2],
    }
}

/// Connects `me` to `name`; returns `me`'s end of the new pipe and the binder's routing id
/// (empty until one binds).
pub(crate) fn connect(ctx: &ContextInner, name: &str, me: &InprocPeer) -> Result<(PipeEnd, Bytes)> {
    let mut map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    let entry = map.entry(name.to_string()).or_default();
    match &entry.bound {
        Some(b) => {
            if !me.socket_type.is_compatible(b.socket_type) {
                return Err(Error::NoCompatProto);
            }
            let (mine, theirs) = pipe_with(
                [
                    Notifier::socket(me.signal.clone()),
                    Notifier::socket(b.signal.clone()),
                ],
                config(me, Some(b)),
            );
            let _ = b.events.send(SocketEvent::Attach {
                pipe: theirs,
                routing_id: me.routing_id.clone(),
                meta: None,
            });
            b.signal.notify();
            Ok((mine, b.routing_id.clone()))
        }
        None => {
            let (mine, theirs) = pipe_with(
                [
                    Notifier::socket(me.signal.clone()),
                    Notifier::Socket(OnceLock::new()),
                ],
                config(me, None),
            );
            entry
                .pending
                .push((theirs, me.socket_type, me.routing_id.clone()));
            Ok((mine, Bytes::new()))
        }
    }
}

/// Releases `name` if `socket_id` bound it.
pub(crate) fn unbind(ctx: &ContextInner, name: &str, socket_id: u64) {
    let mut map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = map.get_mut(name)
        && e.bound.as_ref().is_some_and(|b| b.socket_id == socket_id)
    {
        e.bound = None;
        if e.pending.is_empty() {
            map.remove(name);
        }
    }
}

/// Releases every name `socket_id` bound.
pub(crate) fn unbind_all(ctx: &ContextInner, socket_id: u64) {
    let mut map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    map.retain(|_, e| {
        if e.bound.as_ref().is_some_and(|b| b.socket_id == socket_id) {
            e.bound = None;
        }
        e.bound.is_some() || !e.pending.is_empty()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_hwm_is_unlimited_if_either_side_is() {
        assert_eq!(combined_hwm(1000, 1000), 2000);
        assert_eq!(combined_hwm(0, 1000), 0);
        assert_eq!(combined_hwm(5, 0), 0);
    }
}
