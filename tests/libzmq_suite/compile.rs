//! Compiles libzmq 4.3.4's test programs against ferrozmq's headers. The programs include
//! "../include/zmq.h" and "../src/platform.hpp" relative to themselves, so they are copied
//! into a scratch tree laid out as libzmq's source tree whose include/ is ferrozmq's: a
//! program then cannot pick up libzmq's own zmq.h by accident.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{capi, parallel};

/// As libzmq's build compiles Unity and the programs. -O0 because compiling is most of
/// the cost and the programs measure nothing.
const FLAGS: &[&str] = &[
    "-O0",
    "-DUNITY_USE_COMMAND_LINE_ARGS",
    "-DUNITY_EXCLUDE_FLOAT",
    "-Iexternal/unity",
];

/// testutil*.cpp and Unity, which every program links, as libzmq's libtestutil.a has them.
const COMMON: &[&str] = &[
    "tests/testutil.cpp",
    "tests/testutil_monitoring.cpp",
    "tests/testutil_security.cpp",
    "tests/testutil_unity.cpp",
    "external/unity/unity.c",
    "line_buffered.c",
];

/// test_security_curve also links these libzmq sources for its own CURVE client, as
/// libzmq's CMakeLists.txt builds it.
const CURVE_EXTRA: &[&str] = &[
    "src/tweetnacl.c",
    "src/err.cpp",
    "src/random.cpp",
    "src/clock.cpp",
];

pub use crate::support::vendor::vendor_dir;

/// A fresh scratch tree: libzmq's tests/, src/ and external/unity/ copied, our
/// platform.hpp as src/platform.hpp, and include/ a link to ferrozmq's include/.
pub fn scratch_tree(vendor: &Path) -> PathBuf {
    let root = capi::profile_dir().join("libzmq-suite");
    let _ = fs::remove_dir_all(&root);
    for dir in ["tests", "src", "external/unity"] {
        copy_files(&vendor.join(dir), &root.join(dir));
    }
    let ours = capi::repo().join("tests/libzmq_suite");
    fs::copy(ours.join("platform.hpp"), root.join("src/platform.hpp")).expect("platform.hpp");
    fs::copy(ours.join("line_buffered.c"), root.join("line_buffered.c")).expect("copy");
    std::os::unix::fs::symlink(capi::repo().join("include"), root.join("include"))
        .expect("include link");
    fs::create_dir_all(root.join("obj")).expect("obj dir");
    fs::create_dir_all(root.join("bin")).expect("bin dir");
    root
}

fn copy_files(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("scratch dir");
    for entry in fs::read_dir(from).expect("vendored libzmq dir").flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

/// What a program needs to link beyond itself, or why it cannot be built.
pub struct Objects {
    common: Vec<PathBuf>,
    curve: Result<Vec<PathBuf>, String>,
}

/// Compiles the shared objects once. If a common one does not compile against our
/// header no program can be built, and that is the harness's failure to report.
pub fn objects(root: &Path) -> Objects {
    let all: Vec<&str> = COMMON.iter().chain(CURVE_EXTRA).copied().collect();
    let built = parallel(&all, cores(), |src| compile_object(root, src));
    let (common, curve) = built.split_at(COMMON.len());
    let common = common
        .iter()
        .zip(COMMON)
        .map(|(obj, src)| obj.clone().unwrap_or_else(|e| panic!("{src}: {e}")))
        .collect();
    Objects {
        common,
        curve: curve.iter().cloned().collect(),
    }
}

fn compile_object(root: &Path, src: &str) -> Result<PathBuf, String> {
    let obj = root
        .join("obj")
        .join(Path::new(src).with_extension("o").file_name().unwrap());
    let compiler = if src.ends_with(".c") { "gcc" } else { "g++" };
    let mut cmd = Command::new(compiler);
    cmd.args(FLAGS).arg("-c").arg(src).arg("-o").arg(&obj);
    compile(root, cmd).map(|()| obj)
}

/// Compiles and links one program against the scratch tree's libzmq.so.5, that is
/// ferrozmq's library.
pub fn program(root: &Path, objects: &Objects, name: &str) -> Result<PathBuf, String> {
    let bin = root.join("bin").join(name);
    let mut cmd = Command::new("g++");
    cmd.args(FLAGS)
        .arg(format!("tests/{name}.cpp"))
        .args(&objects.common);
    if name == "test_security_curve" {
        cmd.args(objects.curve.as_ref()?);
    }
    cmd.arg("-o")
        .arg(&bin)
        .arg("-L")
        .arg(capi::work_dir())
        .args(["-lferrozmq", "-lpthread"]);
    compile(root, cmd).map(|()| bin)
}

/// Runs a compiler; the error is the first diagnostic, which is what a reason needs.
fn compile(root: &Path, mut cmd: Command) -> Result<(), String> {
    let out = cmd.current_dir(root).output().expect("gcc/g++ runs");
    if out.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let first = text
        .lines()
        .find(|l| l.contains("error"))
        .or_else(|| text.lines().next())
        .unwrap_or("no diagnostic");
    Err(format!("does not compile: {}", first.trim()))
}

/// The machine's cores: compiling is CPU-bound.
pub use crate::support::parallel::cores;
