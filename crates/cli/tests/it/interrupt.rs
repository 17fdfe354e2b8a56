//! Ctrl-C part-way through a real computation: the run stops with status 130 and says how to
//! resume (issue 15). Uses the real default model and data, fetched as every real-model test
//! does (BRIDGEX_DATA_MIRROR, BRIDGEX_MODEL_DIR).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn ctrl_c_mid_statistics_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bridgex"))
        .args(["stats", "--lang", "en", "--window-tokens", "512"])
        .arg("--artifacts-dir")
        .arg(dir.path().join("artifacts"))
        .arg("--out")
        .arg(dir.path().join("out"))
        // A progress line at every step, so the test knows the computation has begun.
        .env("BRIDGEX_PROGRESS_SECS", "0")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bridgex");
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    // Wait for the statistics to be under way (fetching the model may take minutes).
    let started = loop {
        match rx.recv_timeout(Duration::from_secs(900)) {
            Ok(line) if line.starts_with("[progress] language statistics") => break true,
            Ok(_) => continue,
            Err(_) => break false,
        }
    };
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    let log = reader.join().unwrap();
    assert!(started, "the statistics never started:\n{log}");
    assert!(killed.success());
    assert_eq!(status.code(), Some(130), "{log}");
    assert!(
        log.contains("interrupted: finished work is saved; run the same command again to resume"),
        "{log}"
    );
}
