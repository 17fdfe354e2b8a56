//! Downloads against a local HTTP server: resume, restart, checksum refusal, errors.

use crate::common;

use common::{Mode, bytes, serve, sha};
use fetch::{DataStore, FetchError, Manifest, Source, download_verified};
use std::collections::HashMap;

fn one(path: &str, body: &[u8]) -> HashMap<String, Vec<u8>> {
    HashMap::from([(path.to_owned(), body.to_vec())])
}

#[test]
fn broken_connection_is_resumed_with_a_range_request() {
    let body = bytes(300_000);
    let server = serve(one("/m.bin", &body), Mode::CutFirstAfter(100_000), 4);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("m.bin");
    let url = format!("{}/m.bin", server.base);
    download_verified(&url, &dest, Some(&sha(&body)), Some(body.len() as u64), "m").unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(reqs[0].range, None);
    assert_eq!(reqs[1].range.as_deref(), Some("bytes=100000-"));
    // The part file is gone, the stamp is there.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".part")), "{names:?}");

    // A second call trusts the verified file and asks the server nothing.
    download_verified(&url, &dest, Some(&sha(&body)), Some(body.len() as u64), "m").unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn part_file_of_an_earlier_run_is_resumed() {
    let body = bytes(50_000);
    let server = serve(one("/f", &body), Mode::Ranges, 2);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    std::fs::write(dir.path().join(".f.part"), &body[..12_345]).unwrap();
    download_verified(
        &format!("{}/f", server.base),
        &dest,
        Some(&sha(&body)),
        None,
        "f",
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].range.as_deref(), Some("bytes=12345-"));
}

#[test]
fn complete_part_file_gets_416_and_is_kept() {
    let body = bytes(4_000);
    let server = serve(one("/f", &body), Mode::Ranges, 2);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    std::fs::write(dir.path().join(".f.part"), &body).unwrap();
    // Size unknown to the caller, so the client asks past the end and learns it is complete.
    download_verified(
        &format!("{}/f", server.base),
        &dest,
        Some(&sha(&body)),
        None,
        "f",
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn server_ignoring_ranges_restarts_from_zero() {
    let body = bytes(40_000);
    let server = serve(one("/f", &body), Mode::IgnoreRanges, 2);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    std::fs::write(dir.path().join(".f.part"), &body[..1000]).unwrap();
    download_verified(
        &format!("{}/f", server.base),
        &dest,
        Some(&sha(&body)),
        Some(40_000),
        "f",
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
}

#[test]
fn wrong_checksum_is_refused_after_one_retry() {
    let body = bytes(10_000);
    let server = serve(one("/f", &body), Mode::Ranges, 4);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    let wrong = sha(b"something else");
    let err = download_verified(
        &format!("{}/f", server.base),
        &dest,
        Some(&wrong),
        None,
        "f",
    )
    .unwrap_err();
    assert!(matches!(err, FetchError::ChecksumMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&sha(&body)), "{err}");
    assert_eq!(
        server.requests().len(),
        2,
        "downloaded once more before giving up"
    );
    assert!(!dest.exists());
    assert!(!dir.path().join(".f.part").exists());
}

#[test]
fn corrupt_existing_file_is_replaced() {
    let body = bytes(5_000);
    let server = serve(one("/f", &body), Mode::Ranges, 2);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("f");
    std::fs::write(&dest, &bytes(5_001)[1..]).unwrap(); // same size, other bytes
    download_verified(
        &format!("{}/f", server.base),
        &dest,
        Some(&sha(&body)),
        Some(5_000),
        "f",
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn http_errors_name_the_url() {
    let server = serve(HashMap::new(), Mode::Ranges, 1);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/missing.bin", server.base);
    let err = download_verified(&url, &dir.path().join("x"), None, None, "x").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&url) && msg.contains("404"), "{msg}");
}

/// A port nobody listens on (bound, then released).
fn dead_url(path: &str) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/{path}")
}

fn manifest_for(path: &str, content: &[u8], url: &str, transform: &str) -> Manifest {
    let text = format!(
        "version = 1\n[[file]]\npath = \"{path}\"\nsize = {}\nsha256 = \"{}\"\ndataset = \"t\"\n\
         licence = \"CC0-1.0\"\nurl = \"{url}\"\n{transform}\n",
        content.len(),
        sha(content)
    );
    Manifest::parse(&text, "test manifest").unwrap()
}

#[test]
fn network_failure_names_url_and_mirror_setting() {
    let url = dead_url("a/b.txt");
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::new(dir.path(), None)
        .unwrap()
        .with_manifest(manifest_for("a/b.txt", b"x\n", &url, ""));
    let msg = store.file("a/b.txt").unwrap_err().to_string();
    assert!(msg.contains(&url), "{msg}");
    assert!(
        msg.contains("BRIDGEX_DATA_MIRROR") && msg.contains("--mirror"),
        "{msg}"
    );
}

#[test]
fn store_downloads_and_converts_hunalign_upstream() {
    // Upstream hunalign lines `T @ S`; the data file is MUSE's `S T` (written out by hand).
    let upstream = b"haus @ house\nheim @ house\nkatze @ cat\n";
    let muse = b"house haus\nhouse heim\ncat katze\n";
    let server = serve(one("/dict/en-de.dict", upstream), Mode::Ranges, 4);
    let url = format!("{}/dict/en-de.dict", server.base);
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::new(dir.path(), None)
        .unwrap()
        .with_manifest(manifest_for(
            "muse/full/en-de.txt",
            muse,
            &url,
            "transform = \"hunalign-swap\"",
        ));
    let got = store.ensure("muse/full/en-de.txt").unwrap();
    assert_eq!(got.source, Source::Network);
    assert_eq!(std::fs::read(&got.path).unwrap(), muse);
    assert_eq!(
        store.ensure("muse/full/en-de.txt").unwrap().source,
        Source::Present
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn store_identity_download_with_wrong_upstream_bytes_is_refused() {
    let server = serve(one("/x.txt", b"tampered\n"), Mode::Ranges, 4);
    let url = format!("{}/x.txt", server.base);
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::new(dir.path(), None)
        .unwrap()
        .with_manifest(manifest_for("d/x.txt", b"original\n", &url, ""));
    let err = store.file("d/x.txt").unwrap_err();
    assert!(err.is_checksum_mismatch(), "{err}");
    assert_eq!(server.requests().len(), 2);
    assert!(!dir.path().join("d/x.txt").exists());
}
