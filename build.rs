//! Makes the cdylib a drop-in libzmq.so.5.
//!
//! The C ABI functions in src/ffi are compiled under `ferrozmq_zmq_*` names, because the
//! rlib is also linked into test binaries next to a static libzmq (the interop tests), where
//! a second `zmq_send` would be a duplicate symbol. Only the shared library gets the libzmq
//! names, as aliases (`--defsym`) exported through an extra version script, plus the soname
//! libzmq.so.5. This needs a linker that merges version scripts: rust-lld, the default on
//! x86_64 Linux since Rust 1.90 (GNU ld refuses a second anonymous version script).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let names = exported_names(&manifest.join("src/ffi"));
    let mut script = String::from("{\n  global:\n");
    for n in &names {
        let _ = writeln!(script, "    {n};");
        println!("cargo:rustc-cdylib-link-arg=-Wl,--defsym={n}=ferrozmq_{n}");
    }
    script.push_str("};\n");
    let map = out.join("zmq-aliases.map");
    if std::fs::write(&map, script).is_ok() {
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
            map.display()
        );
    }
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");
    link_libzmq_name(&out);
}

/// Every `zmq_*` name src/ffi exports as `ferrozmq_zmq_*`.
fn exported_names(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return names;
    };
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        for part in text.split("export_name = \"ferrozmq_").skip(1) {
            if let Some(end) = part.find('"') {
                names.push(part[..end].to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Puts `libzmq.so.5 -> libferrozmq.so` beside the library (target/<profile>/), so
/// `LD_LIBRARY_PATH=target/<profile>` runs a program built against libzmq on ferrozmq.
/// Best effort: the link target appears once the library is linked.
fn link_libzmq_name(out: &Path) {
    // OUT_DIR is target/<profile>/build/<pkg>-<hash>/out.
    let Some(profile_dir) = out.ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join("libzmq.so.5");
    if std::fs::symlink_metadata(&link).is_err() {
        let _ = std::os::unix::fs::symlink("libferrozmq.so", &link);
    }
}
