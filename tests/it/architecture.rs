//! The invariants ARCHITECTURE.md states, checked on the sources.

use std::path::{Path, PathBuf};

use bridgex_tests::{module_cycles, module_dependencies, rust_files};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

/// Every crate of the workspace (crates/*, xtask, tests).
fn crate_dirs() -> Vec<PathBuf> {
    let root = workspace();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .expect("crates/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.push(root.join("xtask"));
    dirs.sort();
    dirs
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let mut circles = Vec::new();
    for dir in crate_dirs() {
        for c in module_cycles(&module_dependencies(&dir)) {
            circles.push(format!("{}: {}", dir.display(), c.join(" ↔ ")));
        }
    }
    assert!(
        circles.is_empty(),
        "module circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn only_llm_runtime_depends_on_burn() {
    for dir in crate_dirs() {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let doc: toml::Table = manifest.parse().unwrap();
        let deps = doc
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        let heavy: Vec<&String> = deps
            .keys()
            .filter(|k| k.starts_with("burn") || k.starts_with("cubecl"))
            .collect();
        if dir.ends_with("llm-runtime") {
            assert!(!heavy.is_empty(), "llm-runtime is the crate on burn");
        } else {
            assert!(heavy.is_empty(), "{}: {heavy:?}", dir.display());
        }
    }
}

#[test]
fn sources_point_inside_the_repository() {
    // A user's clone has no `../shared`: the method and model facts live in docs/.
    let mut found = Vec::new();
    for dir in crate_dirs() {
        let mut files = rust_files(&dir);
        files.push(dir.join("Cargo.toml"));
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (i, line) in text.lines().enumerate() {
                if line.contains("shared/docs") {
                    found.push(format!("{}:{}", f.display(), i + 1));
                }
            }
        }
    }
    assert!(found.is_empty(), "references to shared/docs: {found:?}");
    assert!(workspace().join("docs/METHOD.md").is_file());
}
