//! zmq_msg_t: 64 bytes of caller memory holding one frame as a [`Bytes`], with a tag word
//! that tells a live message from a closed or uninitialised one (EFAULT, not a crash).

use std::ffi::{c_char, c_int, c_void};
use std::mem::ManuallyDrop;
use std::ptr;
use std::sync::Arc;

use bytes::Bytes;

use super::guard;
use crate::io::PeerMeta;

/// libzmq's zmq_msg_t: 64 opaque bytes, pointer-aligned.
#[allow(non_camel_case_types)]
#[repr(C, align(8))]
pub struct zmq_msg_t {
    _opaque: [u8; 64],
}

/// What ferrozmq keeps inside a zmq_msg_t.
#[repr(C)]
struct MsgRepr {
    tag: u64,
    content: Content,
}

/// A message's content: one frame, whether more follow, the sending peer's metadata, and
/// what ZMQ_SHARED reports.
#[repr(C)]
#[derive(Default)]
pub(crate) struct Content {
    pub more: bool,
    /// Whether zmq_msg_copy shared this content's storage with another message (libzmq's
    /// `shared` flag: set on both, and kept after the other is closed).
    pub shared: bool,
    pub storage: Storage,
    pub data: Bytes,
    pub meta: Option<Arc<PeerMeta>>,
}

/// How libzmq would hold a frame, which decides what ZMQ_SHARED reports.
#[repr(u8)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    /// The library's own bytes: copied by value when the message is copied if they fit in
    /// libzmq's zmq_msg_t (33 bytes, a "very small message"), reference-counted above.
    #[default]
    Owned,
    /// The caller's buffer with a free function (zmq_msg_init_data): reference-counted.
    User,
    /// The caller's constant buffer (zmq_msg_init_data without a free function): libzmq
    /// reports it shared from the start.
    Constant,
}

/// The largest frame libzmq keeps inside its zmq_msg_t (msg.hpp's max_vsm_size).
const MAX_VSM_SIZE: usize = 33;

impl Content {
    /// A frame without metadata.
    pub(crate) fn frame(data: Bytes) -> Content {
        Content {
            data,
            ..Content::default()
        }
    }

    /// Whether libzmq would share this content by reference count when copying it.
    fn refcounted(&self) -> bool {
        match self.storage {
            Storage::Owned => self.data.len() > MAX_VSM_SIZE,
            Storage::User => true,
            Storage::Constant => false,
        }
    }

    /// ZMQ_SHARED.
    fn reports_shared(&self) -> bool {
        self.shared || self.storage == Storage::Constant
    }
}

const _: () = assert!(std::mem::size_of::<MsgRepr>() <= 64);
const _: () = assert!(std::mem::size_of::<zmq_msg_t>() == 64);

/// The tag of a live message ("fzmqmsg" and a version byte).
const LIVE: u64 = 0x6667_6d71_6d73_6701;
/// The tag zmq_msg_close leaves, so a second use is EFAULT.
const CLOSED: u64 = 0x6667_6d71_6d73_6700;

const ZMQ_MORE: c_int = 1;
const ZMQ_SRCFD: c_int = 2;
const ZMQ_SHARED: c_int = 3;

/// A copy of the message's fields without taking ownership (EFAULT unless live).
fn peek(m: *const zmq_msg_t) -> Result<ManuallyDrop<MsgRepr>, c_int> {
    if m.is_null() {
        return Err(libc::EFAULT);
    }
    // SAFETY: a non-NULL zmq_msg_t pointer from C points to 64 readable bytes; an unaligned
    // read needs no alignment. The copy is never dropped, so ownership stays in place.
    let repr = unsafe { ptr::read_unaligned(m.cast::<ManuallyDrop<MsgRepr>>()) };
    if repr.tag != LIVE {
        return Err(libc::EFAULT);
    }
    Ok(repr)
}

/// EFAULT unless `m` is a live message.
pub(crate) fn check(m: *const zmq_msg_t) -> Result<(), c_int> {
    peek(m).map(drop)
}

/// Writes a live message over `m`, without dropping what was there.
pub(crate) fn store(m: *mut zmq_msg_t, content: Content) {
    let repr = MsgRepr { tag: LIVE, content };
    // SAFETY: callers checked `m` non-NULL; it points to 64 writable bytes of C memory.
    unsafe { ptr::write_unaligned(m.cast::<MsgRepr>(), repr) };
}

/// Takes a live message's content out, leaving `m` closed.
pub(crate) fn take(m: *mut zmq_msg_t) -> Result<Content, c_int> {
    peek(m)?;
    // SAFETY: live (checked), so the slot holds a valid MsgRepr that we now own; the tag is
    // overwritten at once so it is never read as live again.
    let repr = unsafe { ptr::read_unaligned(m.cast::<MsgRepr>()) };
    // SAFETY: as in `store`.
    unsafe { ptr::write_unaligned(m.cast::<u64>(), CLOSED) };
    Ok(repr.content)
}

/// A live message's content, shared (not copied).
pub(crate) fn content(m: *mut zmq_msg_t) -> Result<Content, c_int> {
    // Cloned in place, never from a copy: cloning a Bytes may rewrite its own fields (a
    // Vec-backed one becomes shared), and a copy would lose that and free the buffer twice.
    let c = take(m)?;
    let shared = Content {
        more: c.more,
        shared: c.shared,
        storage: c.storage,
        data: c.data.clone(),
        meta: c.meta.clone(),
    };
    store(m, c);
    Ok(shared)
}

/// Replaces a live message's content.
pub(crate) fn replace(m: *mut zmq_msg_t, content: Content) {
    let _old = take(m);
    store(m, content);
}

/// Makes `m` an empty message.
#[unsafe(export_name = "ferrozmq_zmq_msg_init")]
pub extern "C" fn zmq_msg_init(m: *mut zmq_msg_t) -> c_int {
    guard(-1, || {
        if m.is_null() {
            return Err(libc::EFAULT);
        }
        store(m, Content::default());
        Ok(0)
    })
}

/// Makes `m` a message of `size` bytes for the caller to fill. As libzmq's, the content is
/// undefined: zeros, or from 8 KiB up a recycled buffer's earlier bytes (never another
/// process's, and never uninitialised memory).
#[unsafe(export_name = "ferrozmq_zmq_msg_init_size")]
pub extern "C" fn zmq_msg_init_size(m: *mut zmq_msg_t, size: usize) -> c_int {
    guard(-1, || {
        if m.is_null() {
            return Err(libc::EFAULT);
        }
        let data = crate::frame_arena::for_filling(size).ok_or(libc::ENOMEM)?;
        store(m, Content::frame(data));
        Ok(0)
    })
}

/// The C function that frees a zmq_msg_init_data buffer.
pub type FreeFn = Option<unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void)>;

/// A caller's buffer, handed back to its free function exactly once, when the last frame
/// sharing it is dropped.
struct UserBuf {
    data: *mut c_void,
    len: usize,
    ffn: FreeFn,
    hint: *mut c_void,
}

// SAFETY: the caller gives the buffer to the library (zmq_msg_init_data's contract): it is
// not touched elsewhere until its free function runs, which may be on any thread, as in
// libzmq.
unsafe impl Send for UserBuf {}

impl AsRef<[u8]> for UserBuf {
    fn as_ref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `data` is non-NULL (checked at init) and holds `len` bytes until freed.
        unsafe { std::slice::from_raw_parts(self.data.cast::<u8>(), self.len) }
    }
}

impl Drop for UserBuf {
    fn drop(&mut self) {
        if let Some(f) = self.ffn {
            // SAFETY: the caller's free function, called once with the pointers it gave.
            unsafe { f(self.data, self.hint) };
        }
    }
}

/// Makes `m` a message over the caller's buffer, without copying; `ffn` (if not NULL)
/// frees it once the library is done with it.
#[unsafe(export_name = "ferrozmq_zmq_msg_init_data")]
pub extern "C" fn zmq_msg_init_data(
    m: *mut zmq_msg_t,
    data: *mut c_void,
    size: usize,
    ffn: FreeFn,
    hint: *mut c_void,
) -> c_int {
    guard(-1, || {
        if m.is_null() || (data.is_null() && size > 0) {
            return Err(libc::EFAULT);
        }
        let storage = if ffn.is_some() {
            Storage::User
        } else {
            Storage::Constant
        };
        let buf = UserBuf {
            data,
            len: size,
            ffn,
            hint,
        };
        store(
            m,
            Content {
                storage,
                ..Content::frame(Bytes::from_owner(buf))
            },
        );
        Ok(0)
    })
}

/// Releases a message's content; using it again is EFAULT until re-initialised.
#[unsafe(export_name = "ferrozmq_zmq_msg_close")]
pub extern "C" fn zmq_msg_close(m: *mut zmq_msg_t) -> c_int {
    guard(-1, || {
        take(m)?;
        Ok(0)
    })
}

/// Moves `src`'s content into `dest` (releasing dest's); `src` becomes empty.
#[unsafe(export_name = "ferrozmq_zmq_msg_move")]
pub extern "C" fn zmq_msg_move(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    guard(-1, || {
        peek(dest)?;
        let c = take(src)?;
        store(src, Content::default());
        replace(dest, c);
        Ok(0)
    })
}

/// Makes `dest` share `src`'s content (releasing dest's); neither may then be modified.
/// Both then report ZMQ_SHARED where libzmq's copy shares storage (above 33 bytes, or a
/// caller's buffer).
#[unsafe(export_name = "ferrozmq_zmq_msg_copy")]
pub extern "C" fn zmq_msg_copy(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    guard(-1, || {
        peek(dest)?;
        let mut c = take(src)?;
        c.shared |= c.refcounted();
        store(src, c);
        let copy = content(src)?;
        replace(dest, copy);
        Ok(0)
    })
}

/// The message's bytes (NULL with EFAULT for a closed message).
#[unsafe(export_name = "ferrozmq_zmq_msg_data")]
pub extern "C" fn zmq_msg_data(m: *mut zmq_msg_t) -> *mut c_void {
    guard(ptr::null_mut(), || {
        Ok(peek(m)?.content.data.as_ptr().cast_mut().cast())
    })
}

/// The message's size in bytes (0 with EFAULT for a closed message).
#[unsafe(export_name = "ferrozmq_zmq_msg_size")]
pub extern "C" fn zmq_msg_size(m: *const zmq_msg_t) -> usize {
    guard(0, || Ok(peek(m)?.content.data.len()))
}

/// 1 if more frames of the same message follow this one.
#[unsafe(export_name = "ferrozmq_zmq_msg_more")]
pub extern "C" fn zmq_msg_more(m: *const zmq_msg_t) -> c_int {
    guard(0, || Ok(c_int::from(peek(m)?.content.more)))
}

/// ZMQ_MORE, ZMQ_SRCFD (the descriptor the message came in on) or ZMQ_SHARED.
#[unsafe(export_name = "ferrozmq_zmq_msg_get")]
pub extern "C" fn zmq_msg_get(m: *const zmq_msg_t, property: c_int) -> c_int {
    guard(-1, || {
        let r = peek(m)?;
        match property {
            ZMQ_MORE => Ok(c_int::from(r.content.more)),
            ZMQ_SHARED => Ok(c_int::from(r.content.reports_shared())),
            // The descriptor of the tcp or ipc connection the frame came in on; a frame
            // built here or from an inproc peer has none (EINVAL, as libzmq).
            ZMQ_SRCFD => r
                .content
                .meta
                .as_ref()
                .and_then(|m| m.fd())
                .ok_or(libc::EINVAL),
            _ => Err(libc::EINVAL),
        }
    })
}

/// libzmq defines no settable message property: always EINVAL.
#[unsafe(export_name = "ferrozmq_zmq_msg_set")]
pub extern "C" fn zmq_msg_set(m: *mut zmq_msg_t, _property: c_int, _value: c_int) -> c_int {
    guard(-1, || {
        peek(m)?;
        Err(libc::EINVAL)
    })
}

/// A property of the peer that sent the message: its READY properties (Socket-Type,
/// Routing-Id or Identity, and any others) and Peer-Address (tcp: the IP address; ipc:
/// `localhost:uid:gid:pid`, as libzmq). EINVAL for a name the message lacks: messages from inproc peers, and built ones, have no metadata. The
/// string lives as long as the message.
#[unsafe(export_name = "ferrozmq_zmq_msg_gets")]
pub extern "C" fn zmq_msg_gets(m: *const zmq_msg_t, property: *const c_char) -> *const c_char {
    guard(ptr::null(), || {
        let name = super::c_str(property)?;
        let r = peek(m)?;
        let meta = r.content.meta.as_ref().ok_or(libc::EINVAL)?;
        // The Arc is owned by the message in C memory, so the string outlives this copy.
        meta.get(name).map(|v| v.as_ptr()).ok_or(libc::EINVAL)
    })
}
