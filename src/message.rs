//! Messages: one or more frames, each a reference-counted [`Bytes`], and [`IntoBytes`], the
//! forms a frame (or any other byte string) may be given in.

use std::sync::Arc;

use bytes::Bytes;

use crate::io::PeerMeta;

mod into_bytes;

pub use into_bytes::IntoBytes;
pub(crate) use into_bytes::sealed::Form;

/// A whole message: one or more frames that travel together (ZMTP's MORE flag joins them).
///
/// Frames are [`Bytes`], so sending one message to many peers, or slicing received frames out
/// of a read buffer, costs a reference count, not a copy. A one-frame message needs no
/// allocation beyond its body.
///
/// A frame may be given in any [`IntoBytes`] form; a multipart message as a `Vec`, an array
/// or an iterator of them:
///
/// ```
/// use ferrozmq::Message;
///
/// let one = Message::from("hello");
/// assert_eq!((one.len(), one.size()), (1, 5));
///
/// let mut envelope = Message::from([&b"peer-7"[..], b"", b"request"]);
/// assert_eq!(envelope.len(), 3);
/// assert_eq!(envelope.pop_front().as_deref(), Some(&b"peer-7"[..]));
///
/// let parts: Message = ["a", "b", "c"].into_iter().collect();
/// assert_eq!(parts, Message::from(vec!["a", "b", "c"]));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Message {
    frames: Frames,
}

/// The properties of the connection a message came in on: the peer's handshake metadata
/// (Socket-Type, Identity, its own), what the ZAP handler added (User-Id and any metadata
/// of its reply) and Peer-Address, as libzmq's `zmq_msg_gets` reads them.
#[derive(Clone)]
pub struct Properties(Arc<PeerMeta>);

impl Properties {
    pub(crate) fn new(meta: Arc<PeerMeta>) -> Properties {
        Properties(meta)
    }

    /// The property `name` (case-insensitive), as text up to its first NUL.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(|v| v.to_str().ok())
    }

    /// Whether these are `meta`'s (same connection).
    pub(crate) fn is(&self, meta: &Arc<PeerMeta>) -> bool {
        Arc::ptr_eq(&self.0, meta)
    }
}

impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(
                self.0
                    .properties
                    .iter()
                    .filter(|(k, _)| !k.starts_with("__"))
                    .map(|(k, v)| (k, v)),
            )
            .finish()
    }
}

/// Messages a thread sends without asking whether their small frames are shared, after
/// it found one that was (see [`Message::rehome_small_frames`]).
const SKIP_AFTER_SHARED: u32 = 63;

thread_local! {
    static SKIP_REHOME: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Frames {
    One(Bytes),
    Many(Vec<Bytes>),
}

impl Default for Frames {
    fn default() -> Self {
        Frames::Many(Vec::new())
    }
}

impl Message {
    /// An empty message with no frames; push frames onto it before sending.
    pub fn new() -> Message {
        Message::default()
    }

    /// A message of one frame.
    pub fn single(frame: impl IntoBytes) -> Message {
        Message {
            frames: Frames::One(frame.into_bytes()),
        }
    }

    /// The frames, first to last.
    pub fn frames(&self) -> &[Bytes] {
        match &self.frames {
            Frames::One(b) => std::slice::from_ref(b),
            Frames::Many(v) => v,
        }
    }

    /// Moves small frames the caller allocated on its own into this thread's frame arena
    /// (see [`crate::frame_arena`]), for a message that another thread will free: glibc
    /// frees a block from another core's thread through a locked arena, which cost an
    /// inproc 1-byte stream 60% of its time. Shared frames stay as they are.
    ///
    /// Asking a shared frame whether it is unique reads a reference count that the
    /// receiving thread keeps writing: a `Bytes` cloned per send lost 10% at 16 B to that
    /// one load. So a thread that meets a shared small frame stops asking for its next
    /// [`SKIP_AFTER_SHARED`] messages; one that sends its own buffers asks every time (for
    /// a `Vec`'s bytes the answer needs no shared read).
    pub(crate) fn rehome_small_frames(&mut self) {
        let skip = SKIP_REHOME.get();
        if skip > 0 {
            SKIP_REHOME.set(skip - 1);
            return;
        }
        let frames = match &mut self.frames {
            Frames::One(b) => std::slice::from_mut(b),
            Frames::Many(v) => v.as_mut_slice(),
        };
        for f in frames {
            if f.is_empty() || f.len() > crate::frame_arena::MAX_FRAME {
                continue;
            }
            if f.is_unique() {
                *f = crate::frame_arena::copy(f);
            } else {
                SKIP_REHOME.set(SKIP_AFTER_SHARED);
            }
        }
    }

    /// The number of frames.
    pub fn len(&self) -> usize {
        match &self.frames {
            Frames::One(_) => 1,
            Frames::Many(v) => v.len(),
        }
    }

    /// Whether the message has no frames at all (such a message cannot be sent).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total size of all frame bodies in bytes.
    pub fn size(&self) -> usize {
        self.frames().iter().map(Bytes::len).sum()
    }

    /// The first frame, if any.
    pub fn first(&self) -> Option<&Bytes> {
        self.frames().first()
    }

    /// Appends a frame at the end.
    pub fn push_back(&mut self, frame: impl IntoBytes) {
        let frame = frame.into_bytes();
        match &mut self.frames {
            Frames::Many(v) if v.is_empty() => self.frames = Frames::One(frame),
            Frames::Many(v) => v.push(frame),
            Frames::One(_) => {
                let Frames::One(first) = std::mem::take(&mut self.frames) else {
                    unreachable!("matched One above")
                };
                self.frames = Frames::Many(vec![first, frame]);
            }
        }
    }

    /// Inserts a frame at the front (routing envelopes grow this way).
    pub fn push_front(&mut self, frame: impl IntoBytes) {
        let frame = frame.into_bytes();
        let rest = std::mem::take(&mut self.frames);
        self.frames = match rest {
            Frames::Many(v) if v.is_empty() => Frames::One(frame),
            Frames::Many(mut v) => {
                v.insert(0, frame);
                Frames::Many(v)
            }
            Frames::One(b) => Frames::Many(vec![frame, b]),
        };
    }

    /// Removes and returns the first frame.
    pub fn pop_front(&mut self) -> Option<Bytes> {
        match std::mem::take(&mut self.frames) {
            Frames::One(b) => Some(b),
            Frames::Many(mut v) if !v.is_empty() => {
                let first = v.remove(0);
                self.frames = if v.len() == 1 {
                    Frames::One(v.pop().unwrap_or_default())
                } else {
                    Frames::Many(v)
                };
                Some(first)
            }
            Frames::Many(v) => {
                self.frames = Frames::Many(v);
                None
            }
        }
    }

    /// The frames as an owned vector.
    pub fn into_frames(self) -> Vec<Bytes> {
        match self.frames {
            Frames::One(b) => vec![b],
            Frames::Many(v) => v,
        }
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.frames()).finish()
    }
}

/// A one-frame message.
impl<T: IntoBytes> From<T> for Message {
    fn from(frame: T) -> Self {
        Message::single(frame)
    }
}

/// A multipart message, first frame first.
impl<T: IntoBytes> From<Vec<T>> for Message {
    fn from(frames: Vec<T>) -> Self {
        let mut frames: Vec<Bytes> = frames.into_iter().map(Form::into_bytes).collect();
        if frames.len() == 1 {
            return Message::single(frames.pop().unwrap_or_default());
        }
        Message {
            frames: Frames::Many(frames),
        }
    }
}

/// A multipart message, first frame first.
impl<T: IntoBytes, const N: usize> From<[T; N]> for Message {
    fn from(frames: [T; N]) -> Self {
        frames.into_iter().collect()
    }
}

/// A multipart message, first frame first.
impl<T: IntoBytes> FromIterator<T> for Message {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_frame_message_has_one_frame() {
        let m = Message::from("hello");
        assert_eq!(m.frames(), &[Bytes::from_static(b"hello")]);
        assert_eq!(m.len(), 1);
        assert_eq!(m.size(), 5);
    }

    #[test]
    fn multipart_from_vectors_keeps_order() {
        let m = Message::from(vec![b"a".to_vec(), b"b".to_vec(), Vec::new()]);
        assert_eq!(m.len(), 3);
        assert_eq!(&m.frames()[1][..], b"b");
        assert!(m.frames()[2].is_empty());
    }

    #[test]
    fn push_and_pop_move_between_one_and_many() {
        let mut m = Message::new();
        assert!(m.is_empty());
        m.push_back("b");
        m.push_front("a");
        m.push_back("c");
        assert_eq!(m.len(), 3);
        assert_eq!(m.pop_front().as_deref(), Some(&b"a"[..]));
        assert_eq!(m.pop_front().as_deref(), Some(&b"b"[..]));
        assert_eq!(m.frames(), &[Bytes::from_static(b"c")]);
        assert_eq!(m.pop_front().as_deref(), Some(&b"c"[..]));
        assert_eq!(m.pop_front(), None);
    }

    #[test]
    fn a_thread_that_sends_shared_frames_stops_asking_for_a_while() {
        // On a thread of its own: the skip count is per thread.
        std::thread::spawn(|| {
            let shared = Bytes::from(vec![2u8; 8]);
            let mut m = Message::from(shared.clone());
            m.rehome_small_frames();
            assert_eq!(m.frames()[0].as_ptr(), shared.as_ptr());
            // Unshared, but within the skip window: taken as it is.
            let mut own = Message::from(vec![1u8; 8]);
            let before = own.frames()[0].as_ptr();
            own.rehome_small_frames();
            assert_eq!(own.frames()[0].as_ptr(), before);
            for _ in 1..SKIP_AFTER_SHARED {
                Message::from(vec![1u8; 8]).rehome_small_frames();
            }
            // The window is over: the caller's own small frame moves to the arena.
            let mut own = Message::from(vec![1u8; 8]);
            let before = own.frames()[0].as_ptr();
            own.rehome_small_frames();
            assert_ne!(own.frames()[0].as_ptr(), before);
            assert_eq!(&own.frames()[0][..], &[1u8; 8][..]);
        })
        .join()
        .unwrap();
    }
}
