//! The one door, kept mechanically: the faces (`tui/`, `cli/`, `server/`) never name the store
//! or its SQL library, and the store names no engine code. Rust's visibility cannot say "the engine
//! and the remote cache only" for a module inside one crate, so this test is the guard: it fails
//! the build's test run the moment a face reaches past the engine.
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Lines of `dir`'s sources that contain any of `needles`, comments left out.
fn offending(dir: &str, needles: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no sources under {dir}");
    let mut hits = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if needles.iter().any(|needle| code.contains(needle)) {
                hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    hits
}

const STORE: &[&str] = &["crate::store", "store::sqlite", "SqliteStore", "rusqlite"];

#[test]
fn no_face_names_the_store() {
    for face in ["src/tui", "src/cli", "src/server"] {
        let hits = offending(face, STORE);
        assert!(
            hits.is_empty(),
            "{face} reaches the store:\n{}",
            hits.join("\n")
        );
    }
}

#[test]
fn the_store_names_no_engine_code() {
    let hits = offending("src/store", &["crate::engine", "engine::"]);
    assert!(
        hits.is_empty(),
        "the store names the engine:\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_guard_sees_a_face_that_names_the_store() {
    // The scanner itself, on a file that does what the faces must not.
    let dir = std::env::temp_dir().join(format!("sigscope-arch-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let f = dir.join("bad.rs");
    std::fs::write(
        &f,
        "use crate::store::SqliteStore; // a face reaching past the engine\n",
    )
    .expect("write the probe file");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let text = std::fs::read_to_string(&files[0]).unwrap_or_default();
    let code = text
        .lines()
        .next()
        .unwrap_or("")
        .split("//")
        .next()
        .unwrap_or("");
    assert!(STORE.iter().any(|n| code.contains(n)));
    let _ = std::fs::remove_dir_all(&dir);
}
