//! `cargo xtask download` end to end, from the data mirror (BRIDGEX_DATA_MIRROR must be set).

use std::process::Command;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn second_download_has_nothing_to_do() {
    let mirror = std::env::var("BRIDGEX_DATA_MIRROR")
        .expect("BRIDGEX_DATA_MIRROR is not set; run as BRIDGEX_DATA_MIRROR=/path/to/data cargo test -p xtask");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let args = [
        "download",
        "--only",
        "xcopa",
        "sib200",
        "--mirror",
        &mirror,
        "--data-dir",
        data,
    ];

    let (ok, text) = run(&args);
    assert!(ok, "{text}");
    assert!(
        text.contains(
            "fetched 83 files (83 from mirror, 0 from upstream), 0 already present, 0 failed"
        ),
        "{text}"
    );

    let (ok, text) = run(&args);
    assert!(ok, "{text}");
    assert!(text.contains("all 83 files present and verified"), "{text}");
    assert!(text.contains("nothing to do"), "{text}");

    // One file damaged: only that one is fetched again.
    std::fs::write(dir.path().join("sib200/labels.txt"), "x").unwrap();
    let (ok, text) = run(&args);
    assert!(ok, "{text}");
    assert!(
        text.contains("fetched 1 file (1 from mirror, 0 from upstream), 82 already present"),
        "{text}"
    );
}

#[test]
fn unknown_dataset_is_an_error() {
    let (ok, text) = run(&["download", "--only", "flores"]);
    assert!(!ok);
    assert!(
        text.contains("unknown dataset \"flores\"") && text.contains("flores200"),
        "{text}"
    );
}
