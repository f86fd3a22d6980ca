//! libzmq 4.3.4 built as a shared library WITH CURVE, for security interop tests and
//! benches. The `zmq` dev-dependency's libzmq (zeromq-src) has CURVE only with libsodium,
//! which it is not given, so its build cannot serve as the CURVE peer. This compiles the
//! same vendored sources with libzmq's bundled tweetnacl, the configuration libzmq's own
//! CMake picks when libsodium is absent, and the platform.hpp it writes for Linux
//! (tests/libzmq_suite/platform.hpp, shared with the libzmq_suite test).
//!
//! `libzmq_curve_with(Crypto::Libsodium)` builds the same sources against Debian's libsodium
//! instead (see `libsodium.rs`), as distributions build libzmq: the CURVE bench's reference.
//!
//! The library is cached in target/<profile>/libzmq-curve/<key>/, the key a hash of
//! everything that goes into it (flags, sources, platform.hpp, compiler), so only the first
//! run pays for it; a lock file keeps concurrent test processes from building it twice.

use std::collections::hash_map::DefaultHasher;
use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use super::libsodium::{Sodium, libsodium};
use super::parallel::{cores, parallel};
use super::vendor::vendor_dir;

/// Which NaCl implementation the library's CURVE uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Crypto {
    /// libzmq's bundled tweetnacl: nothing to fetch, but slow (the reference code).
    Tweetnacl,
    /// libsodium, as libzmq is packaged; fetched with `apt-get download`.
    Libsodium,
}

/// The soname libzmq 4.3.x has, so a program linked to this build records the same name it
/// would record for a system libzmq.
const SONAME: &str = "libzmq.so.5";

/// Optimised, because benches compare against it; -fvisibility=hidden as libzmq's own build,
/// so only what zmq.h marks ZMQ_EXPORT is exported.
const CXXFLAGS: &[&str] = &["-O2", "-fPIC", "-pthread", "-fvisibility=hidden", "-w"];

/// The library's sources under vendor/src: libzmq's CMake list for Linux without DRAFT,
/// WebSocket, GSSAPI, PGM, NORM, TIPC and VMCI (whose files would compile to nothing under
/// the platform.hpp used, but each still costs a compiler start and libzmq's headers).
const SOURCES: &[&str] = &[
    "address",
    "channel",
    "client",
    "clock",
    "ctx",
    "curve_client",
    "curve_mechanism_base",
    "curve_server",
    "dealer",
    "decoder_allocators",
    "dgram",
    "dish",
    "dist",
    "endpoint",
    "epoll",
    "err",
    "fq",
    "gather",
    "io_object",
    "io_thread",
    "ip",
    "ip_resolver",
    "ipc_address",
    "ipc_connecter",
    "ipc_listener",
    "lb",
    "mailbox",
    "mailbox_safe",
    "mechanism",
    "mechanism_base",
    "metadata",
    "msg",
    "mtrie",
    "null_mechanism",
    "object",
    "options",
    "own",
    "pair",
    "peer",
    "pipe",
    "plain_client",
    "plain_server",
    "poll",
    "poller_base",
    "polling_util",
    "proxy",
    "pub",
    "pull",
    "push",
    "radio",
    "radix_tree",
    "random",
    "raw_decoder",
    "raw_encoder",
    "raw_engine",
    "reaper",
    "rep",
    "req",
    "router",
    "scatter",
    "server",
    "session_base",
    "signaler",
    "socket_base",
    "socket_poller",
    "socks",
    "socks_connecter",
    "stream",
    "stream_connecter_base",
    "stream_engine_base",
    "stream_listener_base",
    "sub",
    "tcp",
    "tcp_address",
    "tcp_connecter",
    "tcp_listener",
    "thread",
    "timers",
    "trie",
    "udp_address",
    "udp_engine",
    "v1_decoder",
    "v1_encoder",
    "v2_decoder",
    "v2_encoder",
    "v3_1_encoder",
    "xpub",
    "xsub",
    "zap_client",
    "zmq",
    "zmq_utils",
    "zmtp_engine",
];

/// Proves the library is the one asked for: CURVE present and a working key pair.
const CHECK_C: &str = r#"#include <stdio.h>
#include <zmq.h>
int main (void)
{
    char pub[41], sec[41];
    int major, minor, patch;
    zmq_version (&major, &minor, &patch);
    int keys = zmq_curve_keypair (pub, sec);
    printf ("version %d.%d.%d curve %d keypair %d\n", major, minor, patch,
            zmq_has ("curve"), keys);
    return 0;
}
"#;

/// The path of the built libzmq.so.5 (with a libzmq.so link beside it, for `-lzmq`),
/// building it on first use. Panics with the compiler's diagnostics if it cannot be built.
pub fn libzmq_curve() -> PathBuf {
    libzmq_curve_with(Crypto::Tweetnacl)
}

/// As [`libzmq_curve`], with the NaCl implementation asked for.
pub fn libzmq_curve_with(crypto: Crypto) -> PathBuf {
    static BUILT: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    BUILT[crypto as usize]
        .get_or_init(|| build_or_reuse(crypto))
        .clone()
}

/// The directory holding the built library, for `-L` and `-Wl,-rpath`.
pub fn lib_dir() -> PathBuf {
    libzmq_curve().parent().expect("library dir").to_path_buf()
}

/// libzmq 4.3.4's own include/ (zmq.h), for programs linked to this library.
pub fn include_dir() -> PathBuf {
    vendor_dir().join("include")
}

/// target/<profile>/, from where the running test or bench binary is (target/<profile>/deps).
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("binary path");
    let deps = exe.parent().expect("target/<profile>/deps");
    deps.parent().expect("target/<profile>").to_path_buf()
}

fn build_or_reuse(crypto: Crypto) -> PathBuf {
    let vendor = vendor_dir();
    let platform = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/libzmq_suite/platform.hpp");
    let root = profile_dir().join("libzmq-curve");
    fs::create_dir_all(&root).expect("libzmq-curve dir");
    let sodium = (crypto == Crypto::Libsodium)
        .then(|| libsodium(&root.join("libsodium")).unwrap_or_else(|e| panic!("libsodium: {e}")));
    let done = root.join(format!("{:016x}", cache_key(&vendor, &platform, crypto)));
    let lib = done.join(SONAME);
    if lib.is_file() {
        return lib;
    }
    // Another test process may be building the same key: wait for it rather than compete
    // for the two cores, then look again.
    let lock = File::create(root.join(".lock")).expect("lock file");
    lock.lock().expect("lock libzmq-curve");
    if !lib.is_file() {
        let started = Instant::now();
        // Holding the lock, any other build directory is one a killed process left.
        for entry in fs::read_dir(&root).into_iter().flatten().flatten() {
            if entry.file_name().to_string_lossy().starts_with("building-") {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let scratch = root.join(format!("building-{}", std::process::id()));
        build(&vendor, &platform, sodium.as_ref(), &scratch);
        fs::rename(&scratch, &done).expect("publish libzmq-curve");
        eprintln!(
            "libzmq-curve: built {} in {:.1} s",
            lib.display(),
            started.elapsed().as_secs_f64()
        );
    }
    lib
}

/// Everything the result depends on; a change to any of it builds afresh beside the old.
fn cache_key(vendor: &Path, platform: &Path, crypto: Crypto) -> u64 {
    let mut h = DefaultHasher::new();
    (CXXFLAGS, SOURCES, CHECK_C, SONAME).hash(&mut h);
    if crypto != Crypto::Tweetnacl {
        // The tweetnacl build's key stays what it was, so its cache entry stays valid.
        crypto.hash(&mut h);
    }
    vendor.hash(&mut h);
    fs::read(platform).expect("platform.hpp").hash(&mut h);
    for compiler in ["gcc", "g++"] {
        let version = Command::new(compiler).arg("--version").output();
        version.map(|o| o.stdout).unwrap_or_default().hash(&mut h);
    }
    h.finish()
}

/// Compiles, links and checks the library in `out`, which becomes the cache entry.
fn build(vendor: &Path, platform: &Path, sodium: Option<&Sodium>, out: &Path) {
    let obj = out.join("obj");
    // Our platform.hpp, found through -I since vendor/src has none of its own (CMake
    // writes it into the build tree).
    let config = out.join("config");
    fs::create_dir_all(&obj).expect("obj dir");
    fs::create_dir_all(&config).expect("config dir");
    let mut config_text = fs::read_to_string(platform).expect("platform.hpp");
    if sodium.is_some() {
        config_text = config_text.replace("ZMQ_USE_TWEETNACL", "ZMQ_USE_LIBSODIUM");
    }
    fs::write(config.join("platform.hpp"), config_text).expect("platform.hpp");

    let mut units: Vec<(PathBuf, &str)> = SOURCES
        .iter()
        .map(|s| (vendor.join("src").join(format!("{s}.cpp")), "g++"))
        .collect();
    let mut includes = vec![config.clone(), vendor.join("include"), vendor.join("src")];
    match sodium {
        None => units.push((vendor.join("src/tweetnacl.c"), "gcc")),
        Some(s) => includes.push(s.include.clone()),
    }
    let objects = parallel(&units, cores(), |(src, compiler)| {
        let o = obj.join(src.file_stem().unwrap()).with_extension("o");
        let mut cmd = Command::new(compiler);
        cmd.args(CXXFLAGS);
        for dir in &includes {
            cmd.arg("-I").arg(dir);
        }
        cmd.arg("-c").arg(src).arg("-o").arg(&o);
        run(cmd, &src.display().to_string());
        o
    });

    let lib = out.join(SONAME);
    let mut link = Command::new("g++");
    link.args(["-shared", "-pthread"])
        .arg(format!("-Wl,-soname,{SONAME}"))
        .args(&objects)
        .arg("-o")
        .arg(&lib);
    if let Some(s) = sodium {
        // libsodium.so.23 travels beside the library, found through $ORIGIN.
        let beside = out.join("libsodium.so.23");
        fs::copy(&s.library, &beside).expect("libsodium.so.23");
        link.arg(&beside).arg("-Wl,-rpath,$ORIGIN");
    }
    run(link, "linking libzmq-curve");
    std::os::unix::fs::symlink(SONAME, out.join("libzmq.so")).expect("libzmq.so link");
    let _ = fs::remove_dir_all(&obj);
    check(vendor, out);
}

/// Builds CHECK_C against the library just made and requires 4.3.4 with CURVE.
fn check(vendor: &Path, out: &Path) {
    let src = out.join("check.c");
    let bin = out.join("check");
    fs::write(&src, CHECK_C).expect("check.c");
    let mut cc = Command::new("gcc");
    cc.arg(&src)
        .arg("-I")
        .arg(vendor.join("include"))
        .arg("-o")
        .arg(&bin)
        .arg("-L")
        .arg(out)
        .arg("-lzmq")
        .arg(format!("-Wl,-rpath,{}", out.display()));
    run(cc, "check.c");
    let said = Command::new(&bin)
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("check runs");
    let said = String::from_utf8_lossy(&said.stdout);
    assert_eq!(
        said.trim(),
        "version 4.3.4 curve 1 keypair 0",
        "libzmq-curve is not libzmq 4.3.4 with CURVE"
    );
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd.output().expect("gcc/g++ runs");
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
