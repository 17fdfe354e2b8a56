//! What the workspace tests share: reading a crate's sources to check the architecture's
//! invariants ([`module_dependencies`], [`module_cycles`]).
//!
//! Written here rather than taken from a crate: the check needs only which top-level modules a
//! crate's files name through `crate::…` paths, a few dozen lines, where a parser (`syn`) or a
//! tool (`cargo-modules`) would add a heavy build for one test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The top-level module a file of `src` belongs to (`src/model/attention.rs` → `model`);
/// `None` for the crate root (`lib.rs`, `main.rs`).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Code without comments and without the unit-test module (`#[cfg(test)]` to the end, which
/// is where this project keeps it): test code may reach anywhere.
fn production_code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow `crate::` in `code`, including each name of a
/// `crate::{a, b::c}` group.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            // Top-level names of the group: the first segment of each comma-separated item
            // (nested groups only name deeper items).
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && depth == 0 && !c.is_whitespace() => {
                        item_start = false;
                        out.insert(ident(&inner[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

/// For every top-level module of the crate at `crate_dir`, the other top-level modules its
/// production code names.
pub fn module_dependencies(crate_dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let src = crate_dir.join("src");
    let files = rust_files(&src);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&src, f)).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.clone(), BTreeSet::new()))
        .collect();
    for f in &files {
        let Some(m) = top_module(&src, f) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for d in crate_paths(&production_code(&text)) {
            if d != m && modules.contains(&d) {
                deps.entry(m.clone()).or_default().insert(d);
            }
        }
    }
    deps
}

/// The groups of modules that depend on each other in a circle (strongly connected components
/// of more than one module), each sorted.
pub fn module_cycles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Two modules are in one circle when each reaches the other.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for d in deps.get(&m).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    stack.push(d.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        deps.keys().map(|m| (m, reach(m))).collect();
    let mut cycles: Vec<Vec<String>> = Vec::new();
    for m in deps.keys() {
        if !reachable[m].contains(m) || cycles.iter().any(|c| c.contains(m)) {
            continue;
        }
        let group: Vec<String> = deps
            .keys()
            .filter(|o| reachable[m].contains(*o) && reachable[*o].contains(m))
            .cloned()
            .collect();
        cycles.push(group);
    }
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deps(edges: &[(&str, &str)], nodes: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
        let mut d: BTreeMap<String, BTreeSet<String>> = nodes
            .iter()
            .map(|n| (n.to_string(), BTreeSet::new()))
            .collect();
        for (a, b) in edges {
            d.get_mut(*a).unwrap().insert(b.to_string());
        }
        d
    }

    #[test]
    fn finds_circles_and_only_circles() {
        let d = deps(
            &[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "d")],
            &["a", "b", "c", "d", "e"],
        );
        assert_eq!(module_cycles(&d), vec![vec!["a", "b", "c"]]);
        let d = deps(&[("a", "b"), ("b", "c")], &["a", "b", "c"]);
        assert!(module_cycles(&d).is_empty());
    }

    #[test]
    fn reads_crate_paths_and_groups() {
        let code = "use crate::error::{Error, Result};\nuse crate::{model::X, capture::{A, B}};\n\
                    fn f() { crate::generate::run(); }";
        let got: Vec<String> = crate_paths(code).into_iter().collect();
        assert_eq!(got, ["capture", "error", "generate", "model"]);
        let code = "use crate::a; // crate::b\n#[cfg(test)]\nmod tests { use crate::c; }";
        let got: Vec<String> = crate_paths(&production_code(code)).into_iter().collect();
        assert_eq!(got, ["a"]);
    }
}
