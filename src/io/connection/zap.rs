//! A connection's ZAP client: the request goes down an inproc pipe to the handler bound at
//! `inproc://zeromq.zap.01` in the socket's context; the reply wakes this connection like
//! any pipe traffic, so neither the I/O thread nor the socket waits for the handler.

use std::io;

use super::{Connection, Cx};
use crate::pipe::{Notifier, PushError};
use crate::transport::inproc;
use crate::zmtp::zap::{self, ZapRequest};

impl Connection {
    /// Sends the engine's request to the ZAP handler, or tells the engine there is none.
    pub(super) fn ask_zap(&mut self, cx: &mut Cx<'_>, request: &ZapRequest) -> io::Result<()> {
        let pipe = self.link.ctx.upgrade().and_then(|ctx| {
            let mine = Notifier::io(cx.io.clone(), self.token);
            inproc::connect_zap(&ctx, zap::INPROC_NAME, mine)
        });
        let Some(pipe) = pipe else {
            return self.answer_zap(None);
        };
        match pipe.push(request.to_message()) {
            Ok(()) => {
                self.zap = Some(pipe);
                Ok(())
            }
            // The handler closed as we connected: as if it had never been there.
            Err(PushError::Closed(_) | PushError::Full(_)) => self.answer_zap(None),
        }
    }

    /// Hands the handler's reply to the engine once it has come.
    pub(super) fn take_zap_reply(&mut self) -> io::Result<()> {
        let Some(pipe) = &self.zap else {
            return Ok(());
        };
        match pipe.pull() {
            Ok(Some(reply)) => {
                self.zap = None;
                self.answer_zap(Some(&reply))
            }
            // A handler that went away without answering leaves the handshake waiting, as
            // in libzmq, until HANDSHAKE_IVL or the peer gives up.
            _ => Ok(()),
        }
    }

    fn answer_zap(&mut self, reply: Option<&crate::message::Message>) -> io::Result<()> {
        match &mut self.engine {
            Some(engine) => engine
                .zap_reply(reply)
                .map_err(|e| io::Error::new(io::ErrorKind::PermissionDenied, e)),
            None => Ok(()),
        }
    }
}
