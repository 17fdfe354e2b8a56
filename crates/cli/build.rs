//! The line `bridgex --version` prints: the version, the commit it was built from, and the
//! cargo features compiled in (which devices the binary can use).

use std::path::Path;
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let features: Vec<&str> = ["cuda", "wgpu", "gpu-autotune"]
        .into_iter()
        .filter(|f| {
            let var = format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"));
            std::env::var_os(var).is_some()
        })
        .collect();
    let features = if features.is_empty() {
        "none (CPU only)".to_string()
    } else {
        features.join(", ")
    };
    println!(
        "cargo:rustc-env=BRIDGEX_VERSION_LINE={} (commit {commit}; features: {features})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default()
    );
    // A new commit changes the line: watch HEAD and the branch it points to.
    let git = Path::new("../../.git");
    println!("cargo:rerun-if-changed={}", git.join("HEAD").display());
    if let Ok(head) = std::fs::read_to_string(git.join("HEAD"))
        && let Some(r) = head.strip_prefix("ref: ")
    {
        println!("cargo:rerun-if-changed={}", git.join(r.trim()).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        git.join("packed-refs").display()
    );
}
