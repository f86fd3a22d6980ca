//! An [`Authenticator`]: a ZAP handler (RFC 27) on its own thread, serving every socket of
//! one context that authenticates its peers, with the policies pyzmq's `zmq.auth` and czmq's
//! `zauth` offer: allow or deny by address, a PLAIN password table, CURVE with any key or a
//! set of allowed keys, or a callback that decides.
//!
//! ```
//! use ferrozmq::{Authenticator, Context, Pull, Push};
//!
//! let ctx = Context::new();
//! let auth = Authenticator::start(&ctx)?;
//! auth.allow("127.0.0.1");
//! auth.set_plain_passwords("*", [("admin", "secret")]);
//!
//! let server = Pull::new(&ctx)?;
//! server.set_plain_server(true)?;
//! server.bind("tcp://127.0.0.1:*")?;
//! let client = Push::new(&ctx)?;
//! client.set_plain_username("admin")?;
//! client.set_plain_password("secret")?;
//! client.connect(&server.last_endpoint().unwrap())?;
//! client.send("hello")?;
//! assert_eq!(&server.recv()?.frames()[0][..], b"hello");
//! # Ok::<(), ferrozmq::Error>(())
//! ```

mod keys;
mod policy;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use bytes::Bytes;

use crate::curve::CurvePublicKey;
use crate::error::Result;
use crate::message::{IntoBytes, Message};
use crate::poll::{PollItem, poll};
use crate::socket::{Pair, Rep};
use crate::{Context, zmtp::zap};

use policy::Policy;
pub use policy::{AuthRequest, Verdict};

/// A ZAP handler bound at `inproc://zeromq.zap.01` in one context, answering by the policy
/// set through its methods (which may change while it runs). It stops when dropped.
pub struct Authenticator {
    policy: Arc<Mutex<Policy>>,
    control: Option<Pair>,
    worker: Option<JoinHandle<()>>,
}

impl Authenticator {
    /// Binds the handler in `ctx` and starts its thread. Until told otherwise it lets in
    /// NULL peers from any address and refuses every PLAIN and CURVE peer.
    ///
    /// # Errors
    /// [`Error::AddrInUse`](crate::Error::AddrInUse) if the context already has a ZAP
    /// handler; [`Error::Terminated`](crate::Error::Terminated) for a terminated context.
    pub fn start(ctx: &Context) -> Result<Authenticator> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let handler = Rep::new(ctx)?;
        handler.set_linger(Some(std::time::Duration::ZERO))?;
        handler.bind(zap::ENDPOINT)?;
        let name = format!(
            "inproc://ferrozmq-authenticator-{}",
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let stop_rx = Pair::new(ctx)?;
        stop_rx.bind(&name)?;
        let control = Pair::new(ctx)?;
        control.set_linger(Some(std::time::Duration::ZERO))?;
        control.connect(&name)?;
        let policy = Arc::new(Mutex::new(Policy::default()));
        let shared = policy.clone();
        let worker = std::thread::Builder::new()
            .name("ferrozmq-zap".into())
            .spawn(move || serve(&handler, &stop_rx, &shared))
            .map_err(crate::Error::Io)?;
        Ok(Authenticator {
            policy,
            control: Some(control),
            worker: Some(worker),
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut Policy) -> R) -> R {
        f(&mut self.policy.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Lets in peers from `address` (an IP address as the peer connects from); once any
    /// address is allowed, all others are refused.
    pub fn allow(&self, address: impl Into<String>) {
        self.with(|p| p.allow.insert(address.into()));
    }

    /// Refuses peers from `address`; ignored while any address is allowed.
    pub fn deny(&self, address: impl Into<String>) {
        self.with(|p| p.deny.insert(address.into()));
    }

    /// PLAIN: the user names and passwords accepted in `domain` (`"*"`: any domain),
    /// replacing that domain's table. Names and passwords are compared byte for byte, as
    /// the client's socket sent them ([`set_plain_username`](crate::Push::set_plain_username)
    /// takes the same [`IntoBytes`] forms).
    pub fn set_plain_passwords<U: IntoBytes, P: IntoBytes>(
        &self,
        domain: impl IntoBytes,
        passwords: impl IntoIterator<Item = (U, P)>,
    ) {
        let table = passwords
            .into_iter()
            .map(|(u, p)| (u.into_bytes(), p.into_bytes()))
            .collect();
        self.with(|p| p.passwords.insert(domain.into_bytes(), table));
    }

    /// CURVE: lets in every client key in `domain` (`"*"`: any domain); the connection is
    /// still encrypted, but anyone with the server's public key may connect. The client's
    /// key, in Z85, is its User-Id.
    ///
    /// ```
    /// # let ctx = ferrozmq::Context::new();
    /// let server_keys = ferrozmq::CurveKeyPair::generate()?;
    /// let auth = ferrozmq::Authenticator::start(&ctx)?;
    /// auth.allow_any_curve_key("*");
    /// let pull = ferrozmq::Pull::new(&ctx)?;
    /// pull.set_curve_server(true)?;
    /// pull.set_curve_secret_key(server_keys.secret.clone())?;
    /// pull.bind("tcp://127.0.0.1:*")?;
    /// let client_keys = ferrozmq::CurveKeyPair::generate()?;
    /// let push = ferrozmq::Push::new(&ctx)?;
    /// push.set_curve_server_key(server_keys.public)?;
    /// push.set_curve_public_key(client_keys.public)?;
    /// push.set_curve_secret_key(client_keys.secret.clone())?;
    /// push.connect(&pull.last_endpoint().unwrap())?;
    /// push.send("sealed")?;
    /// let (msg, props) = pull.recv_with_properties()?;
    /// assert_eq!(&msg.frames()[0][..], b"sealed");
    /// let user_id = props.as_ref().and_then(|p| p.get("User-Id"));
    /// assert_eq!(user_id, Some(client_keys.public.to_z85().as_str()));
    /// # Ok::<(), ferrozmq::Error>(())
    /// ```
    pub fn allow_any_curve_key(&self, domain: impl IntoBytes) {
        self.with(|p| p.curve.insert(domain.into_bytes(), None));
    }

    /// CURVE: lets in exactly these client public keys in `domain` (`"*"`: any domain),
    /// replacing that domain's set.
    pub fn set_curve_keys<K: Into<CurvePublicKey>>(
        &self,
        domain: impl IntoBytes,
        keys: impl IntoIterator<Item = K>,
    ) {
        let set = keys.into_iter().map(|k| *k.into().as_bytes()).collect();
        self.with(|p| p.curve.insert(domain.into_bytes(), Some(set)));
    }

    /// CURVE: lets in exactly the client public keys of the certificates (`*.key` files,
    /// as czmq's `zcert` and pyzmq's `zmq.auth.create_certificates` write them) in `dir`,
    /// in `domain` (`"*"`: any domain), replacing that domain's set. Returns how many keys
    /// it read. As pyzmq's `configure_curve`, read the directory again after it changes.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) when the directory or a file cannot be read;
    /// [`Error::Invalid`](crate::Error::Invalid) for a `.key` file without a public key in
    /// its `curve` section. The domain's set is left as it was.
    pub fn load_curve_keys_from_dir(
        &self,
        domain: impl IntoBytes,
        dir: impl AsRef<Path>,
    ) -> Result<usize> {
        let keys = keys::load_dir(dir.as_ref())?;
        let n = keys.len();
        self.set_curve_keys(domain, keys);
        Ok(n)
    }

    /// Decides every request that passes the address check with `decide` instead of the
    /// password and key tables.
    pub fn set_handler(&self, decide: impl Fn(&AuthRequest) -> Verdict + Send + 'static) {
        self.with(|p| p.handler = Some(Box::new(decide)));
    }

    /// Stops the handler and unbinds it; also done on drop.
    pub fn stop(&mut self) {
        if let Some(control) = self.control.take() {
            let _ = control.send(Message::single(Bytes::from_static(b"STOP")));
        }
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for Authenticator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("running", &self.worker.is_some())
            .finish_non_exhaustive()
    }
}

/// The handler's loop: one reply per request, until told to stop.
fn serve(handler: &Rep, stop: &Pair, policy: &Mutex<Policy>) {
    loop {
        let mut items = [PollItem::readable(handler), PollItem::readable(stop)];
        if poll(&mut items, None).is_err() || items[1].is_readable() {
            return;
        }
        if !items[0].is_readable() {
            continue;
        }
        let Ok(request) = handler.try_recv() else {
            continue;
        };
        let reply = {
            let policy = policy.lock().unwrap_or_else(PoisonError::into_inner);
            policy::answer(&policy, &request)
        };
        if handler.send(reply).is_err() {
            return;
        }
    }
}
