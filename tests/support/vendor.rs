//! Where the libzmq 4.3.4 sources are: the copy the zeromq-src crate (a dependency of the
//! `zmq` dev-dependency) vendors, in cargo's registry. Tests compile libzmq's own test
//! programs and a CURVE-capable libzmq from it, so it must be exactly 4.3.4.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// libzmq's sources, as the zeromq-src crate (a dependency of the `zmq` dev-dependency)
/// vendors them.
pub fn vendor_dir() -> PathBuf {
    let manifest = metadata_manifest();
    let vendor = manifest
        .iter()
        .filter_map(|m| m.parent().map(Path::to_path_buf))
        .chain(registry_copies())
        .map(|crate_dir| crate_dir.join("vendor"))
        .find(|vendor| vendor.join("tests/testutil.hpp").is_file())
        .expect("zeromq-src's copy of libzmq not found; `cargo test` downloads it for `zmq`");
    // libzmq_suite's expected.txt lists 4.3.4's programs, and the CURVE build 4.3.4's
    // sources: another release has other files.
    let header = fs::read_to_string(vendor.join("include/zmq.h")).unwrap_or_default();
    let is_4_3_4 = ["MAJOR 4", "MINOR 3", "PATCH 4"]
        .iter()
        .all(|v| header.contains(&format!("#define ZMQ_VERSION_{v}\n")));
    assert!(is_4_3_4, "{} is not libzmq 4.3.4", vendor.display());
    vendor
}

/// zeromq-src's Cargo.toml as cargo resolved it. --filter-platform because without it
/// cargo wants every platform's crates, which an offline machine never downloaded.
fn metadata_manifest() -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["metadata", "--format-version", "1", "--offline"])
        .arg("--manifest-path")
        .arg(repo().join("Cargo.toml"));
    if let Some(host) = host_triple() {
        cmd.args(["--filter-platform", &host]);
    }
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    if !out.status.success() {
        return None;
    }
    // No JSON parser among the dependencies; the manifest paths are all this needs.
    let json = String::from_utf8(out.stdout).ok()?;
    json.split("\"manifest_path\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(PathBuf::from)
        .find(|path| {
            path.parent()
                .and_then(Path::file_name)
                .is_some_and(|dir| dir.to_string_lossy().starts_with("zeromq-src-"))
        })
}

fn host_triple() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let host = text.lines().find_map(|l| l.strip_prefix("host: "))?;
    Some(host.trim().to_string())
}

/// $CARGO_HOME/registry/src/*/zeromq-src-*+4.3.4, newest first.
fn registry_copies() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_default();
    let mut found: Vec<PathBuf> = fs::read_dir(home.join("registry/src"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|index| fs::read_dir(index.path()).into_iter().flatten().flatten())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("zeromq-src-") && name.ends_with("+4.3.4")
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found.reverse();
    found
}
