//! Debian's libsodium (headers and shared library), for a libzmq built as distributions
//! build it: `libzmq_curve_with(Crypto::Libsodium)`, which the CURVE bench compares against.
//! Nothing is installed: `apt-get download` fetches libsodium-dev and libsodium23 (no root
//! needed) and they are unpacked under target/<profile>/libsodium, once.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where libsodium's headers and shared library were unpacked.
pub struct Sodium {
    /// Holds sodium.h.
    pub include: PathBuf,
    /// Holds libsodium.so.23, the one file a libzmq linked to it needs at run time.
    pub library: PathBuf,
}

const PACKAGES: &[&str] = &["libsodium-dev", "libsodium23"];

/// Unpacks the packages under `root` unless already there.
pub fn libsodium(root: &Path) -> Result<Sodium, String> {
    let unpacked = root.join("root");
    let found = |dir: &Path| -> Option<Sodium> {
        let include = dir.join("usr/include");
        let lib = find(dir, "libsodium.so.23")?;
        include.join("sodium.h").is_file().then_some(Sodium {
            include,
            library: lib,
        })
    };
    if let Some(s) = found(&unpacked) {
        return Ok(s);
    }
    let debs = root.join("debs");
    std::fs::create_dir_all(&debs).map_err(|e| e.to_string())?;
    let out = Command::new("apt-get")
        .arg("download")
        .args(PACKAGES)
        .current_dir(&debs)
        .output()
        .map_err(|e| format!("apt-get: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "apt-get download {PACKAGES:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    for deb in std::fs::read_dir(&debs)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let ok = Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb.path())
            .arg(&unpacked)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("dpkg-deb -x {} failed", deb.path().display()));
        }
    }
    found(&unpacked).ok_or_else(|| "libsodium packages lack sodium.h or libsodium.so.23".into())
}

/// The first file named `name` under `dir` (the library's multiarch directory varies).
fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
        if path.is_dir()
            && let Some(hit) = find(&path, name)
        {
            return Some(hit);
        }
    }
    None
}
