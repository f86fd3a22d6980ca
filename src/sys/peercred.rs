//! Who is at the other end of a Unix socket (SO_PEERCRED), and whether a user belongs to a
//! group (the user and group databases, through the C library so NSS sources count):
//! what the ipc accept filters need. std's `UnixStream::peer_cred` is unstable and
//! socket2 has no getter for it.

use std::ffi::{CStr, c_char};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The credentials the kernel recorded for a Unix socket's peer when it connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// The peer credentials of a connected Unix stream socket.
///
/// # Errors
/// The OS error of getsockopt (ENOTSOCK, EBADF, ...).
pub(crate) fn peer_cred(fd: BorrowedFd<'_>) -> io::Result<PeerCred> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, a live ucred of that size;
    // `fd` is borrowed, so it stays open for the call.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(PeerCred {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
    })
}

/// The largest buffer offered to getpwuid_r/getgrgid_r: a group with more members than
/// this holds is treated as not found, rather than growing without bound.
const MAX_DB_BUF: usize = 1 << 20;

/// Whether group `gid` lists the user `uid` by name among its members (libzmq's check for
/// IPC_FILTER_GID beyond the peer's own group). False when either is unknown.
pub(crate) fn user_in_group(uid: u32, gid: u32) -> bool {
    let Some(user) = user_name(uid) else {
        return false;
    };
    group_members(gid).is_some_and(|members| members.contains(&user))
}

/// Calls a `get*_r` function with a growing buffer until it fits.
fn with_buffer<T>(mut call: impl FnMut(&mut [c_char]) -> Result<Option<T>, i32>) -> Option<T> {
    let mut size = 1024;
    loop {
        let mut buf: Vec<c_char> = vec![0; size];
        match call(&mut buf) {
            Ok(found) => return found,
            Err(libc::ERANGE) if size < MAX_DB_BUF => size *= 4,
            Err(_) => return None,
        }
    }
}

fn user_name(uid: u32) -> Option<Vec<u8>> {
    with_buffer(|buf| {
        // SAFETY: passwd is plain C data; all-zero is a valid value to be overwritten.
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to live memory of the size given; getpwuid_r fills `pw`
        // with pointers into `buf` and sets `result` to `&pw` on success, to null otherwise.
        let rc =
            unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut result) };
        if rc != 0 {
            return Err(rc);
        }
        if result.is_null() || pw.pw_name.is_null() {
            return Ok(None);
        }
        // SAFETY: on success pw_name points at a NUL-terminated string inside `buf`, which
        // lives until this closure returns; the bytes are copied out before then.
        Ok(Some(
            unsafe { CStr::from_ptr(pw.pw_name) }.to_bytes().to_vec(),
        ))
    })
}

fn group_members(gid: u32) -> Option<Vec<Vec<u8>>> {
    with_buffer(|buf| {
        // SAFETY: group is plain C data; all-zero is a valid value to be overwritten.
        let mut gr: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        // SAFETY: as for getpwuid_r above: `gr` and `buf` are live and sized as passed.
        let rc =
            unsafe { libc::getgrgid_r(gid, &mut gr, buf.as_mut_ptr(), buf.len(), &mut result) };
        if rc != 0 {
            return Err(rc);
        }
        if result.is_null() || gr.gr_mem.is_null() {
            return Ok(None);
        }
        let mut members = Vec::new();
        let mut p = gr.gr_mem;
        loop {
            // SAFETY: gr_mem is a null-terminated array of pointers inside `buf`; `p` moves
            // one element at a time and stops at the null one, so it never leaves the array.
            let member = unsafe { *p };
            if member.is_null() {
                break;
            }
            // SAFETY: each member is a NUL-terminated string inside `buf`, copied out here.
            members.push(unsafe { CStr::from_ptr(member) }.to_bytes().to_vec());
            // SAFETY: `member` was not the terminator, so the next element exists.
            p = unsafe { p.add(1) };
        }
        Ok(Some(members))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_socket_pair_sees_this_process_as_its_peer() {
        let (a, _b) = UnixStream::pair().unwrap();
        let cred = peer_cred(a.as_fd()).unwrap();
        assert_eq!(cred.pid, i32::try_from(std::process::id()).unwrap());
        // SAFETY (test): getuid and getgid only read the process's ids.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        assert_eq!((cred.uid, cred.gid), (uid, gid));
    }

    #[test]
    fn a_file_has_no_peer() {
        let f = std::fs::File::open("/dev/null").unwrap();
        let err = peer_cred(f.as_fd()).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOTSOCK));
    }

    #[test]
    fn this_process_user_has_a_name() {
        // SAFETY (test): getuid only reads the process's id.
        let uid = unsafe { libc::getuid() };
        assert!(user_name(uid).is_some_and(|n| !n.is_empty()));
    }

    #[test]
    fn unknown_users_and_groups_belong_nowhere() {
        assert!(!user_in_group(u32::MAX - 7, 0));
        // SAFETY (test): getuid only reads the process's id.
        let uid = unsafe { libc::getuid() };
        assert!(!user_in_group(uid, u32::MAX - 7));
        assert_eq!(group_members(u32::MAX - 7), None);
    }
}
