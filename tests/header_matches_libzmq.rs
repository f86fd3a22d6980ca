//! include/zmq.h and include/zmq_utils.h against libzmq 4.3.4's own headers (the copy the
//! `zmq` dev-dependency builds from), as gcc sees them. A binding that declares a name
//! libzmq leaves free (cppzmq's zmq_event_t) breaks on any extra name of ours, and one that
//! uses a macro or type libzmq has breaks on any missing one, so the comparison is exact:
//! every macro (name and definition, in C and C++, stable and with ZMQ_BUILD_DRAFT_API),
//! every function (name and signature) and every type or tag declared.

mod capi;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use capi::{library, libzmq_static, repo, work_dir};

fn ours() -> PathBuf {
    repo().join("include")
}

fn theirs() -> PathBuf {
    libzmq_static().1
}

/// Runs gcc (or g++) on a one-line translation unit that includes `header`, and returns
/// what it printed to stdout and to stderr.
fn gcc_output(
    cxx: bool,
    include: &Path,
    header: &str,
    draft: bool,
    args: &[&str],
) -> (String, String) {
    let mut cmd = Command::new(if cxx { "g++" } else { "gcc" });
    cmd.args(["-x", if cxx { "c++" } else { "c" }, "-I"])
        .arg(include)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if draft {
        cmd.arg("-DZMQ_BUILD_DRAFT_API");
    }
    let mut child = cmd.arg("-").spawn().expect("gcc runs");
    let source = format!("#include <{header}>\n");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(source.as_bytes())
        .expect("source written");
    let out = child.wait_with_output().expect("gcc finishes");
    assert!(
        out.status.success(),
        "gcc on {header} in {} failed:\n{}",
        include.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8 output");
    (text(out.stdout), text(out.stderr))
}

fn gcc(cxx: bool, include: &Path, header: &str, draft: bool, args: &[&str]) -> String {
    gcc_output(cxx, include, header, draft, args).0
}

/// C tokens joined by single spaces, so that two spellings differing only in layout
/// (`(major) *10000` and `(major) * 10000`) compare equal and nothing else does.
fn tokens(text: &str) -> String {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut token = c.to_string();
        if c.is_alphanumeric() || c == '_' {
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                token.push(n);
                chars.next();
            }
        } else if c == '"' {
            for n in chars.by_ref() {
                token.push(n);
                if n == '"' {
                    break;
                }
            }
        }
        out.push(token);
    }
    out.join(" ")
}

/// Every macro defined after including the header: name to definition. A function-like
/// macro's definition starts with its parameter list, marked so that it cannot equal an
/// object-like macro whose value merely starts with a parenthesis.
fn macros(cxx: bool, include: &Path, header: &str, draft: bool) -> BTreeMap<String, String> {
    gcc(cxx, include, header, draft, &["-E", "-dM"])
        .lines()
        .filter_map(|line| line.strip_prefix("#define "))
        .map(|def| {
            let end = def.find([' ', '(']).unwrap_or(def.len());
            let (name, rest) = def.split_at(end);
            let kind = if rest.starts_with('(') { "fn" } else { "obj" };
            (name.to_string(), format!("{kind}: {}", tokens(rest)))
        })
        .collect()
}

/// The preprocessed text that came from `header` itself, found by gcc's line markers.
fn own_text(include: &Path, header: &str, draft: bool, args: &[&str]) -> String {
    let suffix = format!("/{header}\"");
    let mut mine = false;
    let mut text = String::new();
    for line in gcc(false, include, header, draft, &[&["-E"], args].concat()).lines() {
        if line.starts_with("# ") {
            mine = line.split(' ').nth(2).is_some_and(|f| f.ends_with(&suffix));
        } else if mine && !line.starts_with("#pragma") {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// Each top-level declaration the header makes, keyed by what it declares: `fn NAME` for
/// a function (its signature is compared through -aux-info), `type NAME` for a typedef
/// (with its whole definition) and `tag NAME` for a bare struct declaration.
fn declarations(
    include: &Path,
    header: &str,
    draft: bool,
    args: &[&str],
) -> BTreeMap<String, String> {
    let text = tokens(&own_text(include, header, draft, args));
    let mut found = BTreeMap::new();
    let mut decl: Vec<&str> = Vec::new();
    let mut depth = 0i32;
    for tok in text.split(' ').filter(|t| !t.is_empty()) {
        match tok {
            "(" | "{" => depth += 1,
            ")" | "}" => depth -= 1,
            _ => {}
        }
        if tok == ";" && depth == 0 {
            let (key, value) = classify(&decl);
            found.insert(key, value);
            decl.clear();
        } else {
            decl.push(tok);
        }
    }
    assert!(decl.is_empty(), "unterminated declaration: {decl:?}");
    found
}

/// Splits `__attribute__ ((...))` (ZMQ_EXPORT's visibility) from the rest of a function
/// declaration, so that its name can be found after the attribute's parentheses.
fn split_attributes<'a>(decl: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let (mut attributes, mut rest) = (Vec::new(), Vec::new());
    let mut depth: Option<i32> = None;
    for &tok in decl {
        if depth.is_none() && tok == "__attribute__" {
            depth = Some(0);
        }
        match depth {
            Some(d) => {
                attributes.push(tok);
                let d = match tok {
                    "(" => d + 1,
                    ")" => d - 1,
                    _ => d,
                };
                depth = if d == 0 && tok == ")" { None } else { Some(d) };
            }
            None => rest.push(tok),
        }
    }
    (attributes, rest)
}

fn classify(decl: &[&str]) -> (String, String) {
    let text = decl.join(" ");
    let is_ident = |t: &&str| t.starts_with(|c: char| c.is_alphabetic() || c == '_');
    if decl.first() == Some(&"typedef") {
        // `typedef ... NAME` or a function type, `typedef void (NAME) (...)`.
        let name = match decl.last() {
            Some(last) if is_ident(last) => *last,
            _ => {
                let open = decl.iter().position(|t| *t == "(").expect("typedef name");
                decl[open + 1]
            }
        };
        return (format!("type {name}"), text);
    }
    if decl.len() == 2 && decl[0] == "struct" {
        return (format!("tag {}", decl[1]), text);
    }
    // A function: its signature is -aux-info's to compare; here, its name and attributes.
    let (attributes, rest) = split_attributes(decl);
    let open = rest.iter().position(|t| *t == "(").expect("a function");
    (format!("fn {}", rest[open - 1]), attributes.join(" "))
}

/// Function prototypes as gcc itself prints them (types only, no parameter names).
fn prototypes(include: &Path, draft: bool) -> BTreeMap<String, String> {
    // Named per call: tests run in parallel, and two may ask for the same header at once.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let aux = work_dir().join(format!("aux-info-{}-{call}.txt", std::process::id()));
    let aux_arg = aux.to_str().expect("utf-8 path");
    gcc(
        false,
        include,
        "zmq.h",
        draft,
        &["-c", "-o", "/dev/null", "-aux-info", aux_arg],
    );
    let text = std::fs::read_to_string(&aux).expect("aux-info written");
    let _ = std::fs::remove_file(&aux);
    text.lines()
        .filter(|l| l.contains("/zmq.h:"))
        .filter_map(|l| l.split_once("*/ "))
        .map(|(_, proto)| {
            let name = proto.split('(').next().unwrap_or("");
            let name = name.trim().rsplit([' ', '*']).next().unwrap_or("");
            (name.to_string(), tokens(proto))
        })
        .collect()
}

/// Every entry that differs between libzmq's map and ours, one per line; empty if none.
fn differences(
    what: &str,
    theirs: &BTreeMap<String, String>,
    ours: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    for (name, value) in theirs {
        match ours.get(name) {
            None => out += &format!("{what}: {name} missing (libzmq: {value})\n"),
            Some(v) if v != value => {
                out += &format!("{what}: {name} is `{v}`, libzmq's `{value}`\n")
            }
            Some(_) => {}
        }
    }
    for (name, value) in ours {
        if !theirs.contains_key(name) {
            out += &format!("{what}: {name} is ours only (`{value}`)\n");
        }
    }
    out
}

#[test]
fn every_macro_of_libzmqs_headers_and_no_other_is_defined_with_libzmqs_definition() {
    let mut report = String::new();
    for header in ["zmq.h", "zmq_utils.h"] {
        for cxx in [false, true] {
            for draft in [false, true] {
                let what = format!("{header} {} draft={draft}", if cxx { "C++" } else { "C" });
                let theirs = macros(cxx, &theirs(), header, draft);
                assert!(theirs.contains_key("__GNUC__"), "gcc -dM read wrongly");
                report += &differences(&what, &theirs, &macros(cxx, &ours(), header, draft));
            }
        }
    }
    assert!(report.is_empty(), "macros differ from libzmq's:\n{report}");
}

#[test]
fn every_function_libzmq_declares_and_no_other_is_declared_with_the_same_signature() {
    let mut report = String::new();
    for draft in [false, true] {
        let theirs = prototypes(&theirs(), draft);
        assert!(theirs.contains_key("zmq_socket"), "aux-info read wrongly");
        let what = format!("prototype draft={draft}");
        report += &differences(&what, &theirs, &prototypes(&ours(), draft));
    }
    assert!(
        report.is_empty(),
        "functions differ from libzmq's:\n{report}"
    );
}

#[test]
fn the_headers_declare_the_same_types_tags_and_functions_as_libzmqs_and_nothing_else() {
    let mut report = String::new();
    // Without __GNUC__ the headers take their branches for other compilers (zmq_msg_t's
    // alignment, ZMQ_EXPORT), which must agree too.
    for compiler in [&[][..], &["-U__GNUC__"][..]] {
        for header in ["zmq.h", "zmq_utils.h"] {
            for draft in [false, true] {
                let theirs = declarations(&theirs(), header, draft, compiler);
                if header == "zmq.h" {
                    assert!(
                        theirs.contains_key("type zmq_msg_t"),
                        "declarations read wrongly"
                    );
                }
                let what = format!("{header} {compiler:?} draft={draft}");
                let ours = declarations(&ours(), header, draft, compiler);
                report += &differences(&what, &theirs, &ours);
            }
        }
    }
    assert!(
        report.is_empty(),
        "declarations differ from libzmq's:\n{report}"
    );
}

#[test]
fn zmq_utils_h_compiles_strictly_alone_and_only_says_to_include_zmq_h_instead() {
    for (cxx, std) in [(false, "-std=c99"), (true, "-std=c++11")] {
        let strict = [std, "-pedantic", "-Wall", "-Wextra", "-Werror"];
        let args = [&strict[..], &["-c", "-o", "/dev/null"]].concat();
        let (_, stderr) = gcc_output(cxx, &ours(), "zmq_utils.h", false, &args);
        assert!(
            stderr.contains("include zmq.h"),
            "no deprecation note: {stderr}"
        );
        assert!(!stderr.contains("warning"), "{stderr}");
    }
}

#[test]
fn every_stable_function_the_header_declares_is_exported_by_the_built_library() {
    // A declared function the library lacks compiles and then fails to link or load; the
    // draft ones are left out, as a libzmq built without drafts leaves them out.
    let nm = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(library())
        .output()
        .expect("nm runs");
    let symbols = String::from_utf8_lossy(&nm.stdout);
    let exported: std::collections::HashSet<&str> = symbols
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    let declared = prototypes(&ours(), false);
    assert!(declared.len() >= 70, "aux-info read wrongly: {declared:?}");
    let missing: Vec<&String> = declared
        .keys()
        .filter(|f| !exported.contains(f.as_str()))
        .collect();
    assert!(missing.is_empty(), "declared but not exported: {missing:?}");
}
