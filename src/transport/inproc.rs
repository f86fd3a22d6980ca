//! inproc://: joins two sockets of one context with a pipe, no codec and no I/O thread.
//! A connect before the bind leaves the pipe waiting in the registry (libzmq 4.x).

use std::sync::{Arc, OnceLock};

use bytes::Bytes;

use crate::context::ContextInner;
use crate::error::{Error, Result};
use crate::io::SocketEvent;
use crate::pipe::{Notifier, PipeConfig, PipeEnd, combined_hwm, pipe_with};
use crate::signal::Signal;

/// What the registry needs of a socket to join it to a peer.
#[derive(Clone)]
pub(crate) struct InprocPeer {
    pub socket_id: u64,
    pub signal: Arc<Signal>,
    pub events: crate::io::EventSender,
    pub sndhwm: usize,
    pub rcvhwm: usize,
    pub conflate: bool,
    pub routing_id: Bytes,
}

/// A connection made before its name was bound: the binder's end of the pipe, and what
/// the binder needs to know of the connecter.
pub(crate) struct Pending {
    end: PipeEnd,
    routing_id: Bytes,
    /// The connecter's (SNDHWM, RCVHWM) when it connected.
    hwms: [usize; 2],
}

/// One inproc name: its binder, and connections made before it bound.
#[derive(Default)]
pub(crate) struct InprocEntry {
    bound: Option<InprocPeer>,
    pending: Vec<Pending>,
}

/// Binds `name` to `me`; returns the connections that were waiting for it, each with the
/// connecter's routing id, for `me` to attach before the bind returns (as libzmq does,
/// so a subscription made next reaches a publisher that connected first). Their
/// high-water marks now add both sockets', as libzmq sizes them at the bind.
pub(crate) fn bind(
    ctx: &ContextInner,
    name: &str,
    me: InprocPeer,
) -> Result<Vec<(PipeEnd, Bytes)>> {
    let mut map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    let entry = map.entry(name.to_string()).or_default();
    if entry.bound.is_some() {
        return Err(Error::AddrInUse);
    }
    let joined = entry
        .pending
        .drain(..)
        .map(|p| {
            p.end.attach_signal(me.signal.clone());
            p.end.join_inproc([me.sndhwm, me.rcvhwm], p.hwms);
            (p.end, p.routing_id)
        })
        .collect();
    entry.bound = Some(me);
    Ok(joined)
}

/// How the queues between `from` and a bound `to` behave: both sides' high-water marks
/// add up (0 on either side is no limit), and either side's CONFLATE conflates.
fn config(from: &InprocPeer, to: &InprocPeer) -> PipeConfig {
    PipeConfig {
        hwm: [
            combined_hwm(from.sndhwm, to.rcvhwm),
            combined_hwm(to.sndhwm, from.rcvhwm),
        ],
        conflate: [from.conflate || to.conflate; 2],
        peer_hwms: Some([[to.sndhwm, to.rcvhwm], [from.sndhwm, from.rcvhwm]]),
    }
}

/// Connects `me` to `name`; returns `me`'s end of the new pipe and the binder's routing id
/// (empty until one binds).
pub(crate) fn connect(ctx: &ContextInner, name: &str, me: &InprocPeer) -> Result<(PipeEnd, Bytes)> {
    let mut map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    let entry = map.entry(name.to_string()).or_default();
    match &entry.bound {
        // libzmq joins inproc sockets of any types; the patterns cope with what arrives.
        Some(b) => {
            let (mine, theirs) = pipe_with(
                [
                    Notifier::socket(me.signal.clone()),
                    Notifier::socket(b.signal.clone()),
                ],
                config(me, b),
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
            // Until the bind, the connecter's own marks alone bound the pipe (libzmq).
            let (mine, theirs) = pipe_with(
                [
                    Notifier::socket(me.signal.clone()),
                    Notifier::Socket(OnceLock::new()),
                ],
                PipeConfig {
                    hwm: [me.sndhwm, me.rcvhwm],
                    conflate: [me.conflate; 2],
                    peer_hwms: None,
                },
            );
            entry.pending.push(Pending {
                end: theirs,
                routing_id: me.routing_id.clone(),
                hwms: [me.sndhwm, me.rcvhwm],
            });
            Ok((mine, Bytes::new()))
        }
    }
}

/// Joins a connection's ZAP client to the handler bound at `name`, as libzmq's sessions
/// do: a pipe with no high-water mark either way, the handler's end attached to it like
/// any inproc peer. `None` when no handler is bound (a ZAP connect does not wait).
pub(crate) fn connect_zap(ctx: &ContextInner, name: &str, mine: Notifier) -> Option<PipeEnd> {
    let map = ctx.inproc.lock().unwrap_or_else(|p| p.into_inner());
    let bound = map.get(name)?.bound.as_ref()?;
    let (ours, theirs) = pipe_with(
        [mine, Notifier::socket(bound.signal.clone())],
        PipeConfig {
            hwm: [0, 0],
            conflate: [false; 2],
            peer_hwms: None,
        },
    );
    let _ = bound.events.send(SocketEvent::Attach {
        pipe: theirs,
        routing_id: Bytes::new(),
        meta: None,
    });
    bound.signal.notify();
    Some(ours)
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
