//! [`IntoBytes`]: the one set of forms every parameter that takes a byte string accepts.

use bytes::Bytes;

/// A byte string as ferrozmq's parameters take it: a message frame, a routing id, a
/// subscription prefix, a PLAIN credential, a ZAP domain, a welcome message, Z85 text.
///
/// Every such parameter accepts the same forms, and only these:
///
/// | form | passed on as |
/// |---|---|
/// | [`Bytes`], `Vec<u8>`, `String` | moved, no copy |
/// | `&Bytes` | shared (a reference count), no copy |
/// | `&[u8]`, `&[u8; N]` (a `b"..."` literal), `&str`, `&Vec<u8>`, `&String` | copied |
///
/// ```
/// use bytes::Bytes;
/// use ferrozmq::{Context, Dealer, Message};
///
/// let ctx = Context::new();
/// let dealer = Dealer::new(&ctx)?;
/// dealer.set_routing_id(b"worker-1")?;
/// dealer.set_routing_id("worker-1")?;
/// dealer.set_routing_id(String::from("worker-1"))?;
/// dealer.set_routing_id(Bytes::from_static(b"worker-1"))?;
/// assert_eq!(dealer.routing_id(), "worker-1");
///
/// let id = b"worker-1".to_vec();
/// let mut msg = Message::from(&id);
/// msg.push_back("body");
/// assert_eq!(msg, Message::from(["worker-1", "body"]));
/// # Ok::<(), ferrozmq::Error>(())
/// ```
///
/// Why a trait of ferrozmq's own rather than `Into<Bytes>` or `AsRef<[u8]>`: `Bytes`
/// converts only from `'static` slices and strings, so `Into<Bytes>` turns away a borrowed
/// `&[u8]`, a `b"..."` array and every `&String`; `AsRef<[u8]>` takes those but would copy
/// a `Vec` or `Bytes` the caller already gave away. This trait takes both kinds and moves
/// what can be moved. It is sealed, so the list above is the whole list, and the same one
/// for every parameter. For a `'static` frame sent many times, build
/// [`Bytes::from_static`] once and pass it (or a reference to it) to share it without a
/// copy.
pub trait IntoBytes: sealed::Form {}

pub(crate) mod sealed {
    use bytes::Bytes;

    /// The conversions behind [`IntoBytes`](super::IntoBytes), out of the public API so
    /// that the set of forms stays ferrozmq's to choose.
    pub trait Form {
        /// The bytes, borrowed: for parameters that only read them.
        fn as_slice(&self) -> &[u8];
        /// The bytes as a `Bytes`, copied only when the form is borrowed.
        fn into_bytes(self) -> Bytes;
    }
}

/// The forms that are borrowed: read through `as_slice`, copied into a new `Bytes`.
macro_rules! borrowed_forms {
    ($([$($generic:tt)*] $ty:ty;)*) => {$(
        impl<$($generic)*> sealed::Form for $ty {
            fn as_slice(&self) -> &[u8] {
                self.as_ref()
            }
            fn into_bytes(self) -> Bytes {
                Bytes::copy_from_slice(self.as_ref())
            }
        }
        impl<$($generic)*> IntoBytes for $ty {}
    )*};
}

borrowed_forms! {
    ['a] &'a [u8];
    ['a, const N: usize] &'a [u8; N];
    ['a] &'a str;
    ['a] &'a Vec<u8>;
    ['a] &'a String;
}

/// The forms that own their bytes: moved into a `Bytes` (a `Vec`'s or `String`'s buffer
/// becomes the `Bytes`'s without a copy).
macro_rules! owned_forms {
    ($($ty:ty),*) => {$(
        impl sealed::Form for $ty {
            fn as_slice(&self) -> &[u8] {
                self.as_ref()
            }
            fn into_bytes(self) -> Bytes {
                Bytes::from(self)
            }
        }
        impl IntoBytes for $ty {}
    )*};
}

owned_forms!(Bytes, Vec<u8>, String);

impl sealed::Form for &Bytes {
    fn as_slice(&self) -> &[u8] {
        self
    }
    fn into_bytes(self) -> Bytes {
        self.clone()
    }
}

impl IntoBytes for &Bytes {}

#[cfg(test)]
mod tests {
    use super::sealed::Form;
    use super::*;

    #[test]
    fn owned_forms_keep_their_buffer_and_a_shared_bytes_is_not_copied() {
        let v = b"abc".to_vec();
        let at = v.as_ptr();
        assert_eq!(v.into_bytes().as_ptr(), at);
        let b = Bytes::from(b"abc".to_vec());
        assert_eq!((&b).into_bytes().as_ptr(), b.as_ptr());
    }

    #[test]
    fn borrowed_forms_copy_the_same_bytes() {
        let s = String::from("abc");
        for b in [(&s).into_bytes(), "abc".into_bytes(), b"abc".into_bytes()] {
            assert_eq!(b, "abc");
        }
        assert_eq!(<&String as Form>::as_slice(&&s), b"abc");
    }
}
