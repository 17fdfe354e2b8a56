//! The data store against the real mirror (BRIDGEX_DATA_MIRROR must be set).

use crate::common;

use common::{mirror, sha};
use fetch::{DataStore, FetchError, Source};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir`, relative, `/`-separated, with its bytes' sha256 and size.
fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, (String, u64)>) {
    for item in std::fs::read_dir(dir).unwrap() {
        let path = item.unwrap().path();
        if path.is_dir() {
            walk(base, &path, out);
        } else {
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::read(&path).unwrap();
            out.insert(rel, (sha(&bytes), bytes.len() as u64));
        }
    }
}

#[test]
fn manifest_covers_every_mirror_file_with_matching_checksum() {
    let mirror = mirror();
    let mut files = BTreeMap::new();
    walk(&mirror, &mirror, &mut files);
    let manifest = fetch::Manifest::embedded().unwrap();
    let listed: BTreeMap<String, (String, u64)> = manifest
        .entries()
        .iter()
        .map(|e| (e.path.clone(), (e.sha256.clone(), e.size)))
        .collect();
    let only_mirror: Vec<&String> = files.keys().filter(|k| !listed.contains_key(*k)).collect();
    let only_manifest: Vec<&String> = listed.keys().filter(|k| !files.contains_key(*k)).collect();
    assert!(
        only_mirror.is_empty(),
        "mirror files missing from the manifest: {only_mirror:?}"
    );
    assert!(
        only_manifest.is_empty(),
        "manifest files missing from the mirror: {only_manifest:?}"
    );
    for (path, want) in &listed {
        assert_eq!(
            &files[path], want,
            "{path}: (sha256, size) of mirror vs manifest"
        );
    }
    assert_eq!(listed.len(), 249);
}

#[test]
fn manifest_urls_are_pinned_to_commits() {
    for e in fetch::Manifest::embedded().unwrap().entries() {
        for url in e.url.iter().chain(match &e.transform {
            fetch::Transform::WiktionaryBliReverse { rank_url } => Some(rank_url),
            _ => None,
        }) {
            let rest = url
                .strip_prefix("https://raw.githubusercontent.com/")
                .unwrap_or_else(|| panic!("{url}"));
            let commit = rest.split('/').nth(2).unwrap_or("");
            assert!(
                commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}: {url} is not pinned to a commit",
                e.path
            );
        }
        if e.url.is_none() {
            assert!(
                matches!(e.transform, fetch::Transform::MirrorOnly { .. }),
                "{}",
                e.path
            );
        }
    }
}

fn store() -> (tempfile::TempDir, DataStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::new(dir.path().join("data"), Some(mirror())).unwrap();
    (dir, store)
}

#[test]
fn corrupt_file_is_refused_and_replaced_from_the_mirror() {
    let (_dir, store) = store();
    let rel = "xcopa/sw/val.sw.jsonl";
    let original = std::fs::read(mirror().join(rel)).unwrap();
    let first = store.ensure(rel).unwrap();
    assert_eq!(first.source, Source::Mirror);

    // Same size, one byte changed, written in place.
    let mut bad = original.clone();
    bad[10] ^= 0x20;
    std::fs::write(&first.path, &bad).unwrap();
    assert!(!store.is_verified(rel).unwrap());
    let again = store.ensure(rel).unwrap();
    assert_eq!(
        again.source,
        Source::Mirror,
        "the corrupt copy must not count as present"
    );
    assert_eq!(std::fs::read(&again.path).unwrap(), original);

    // Wrong size.
    std::fs::write(&first.path, b"short").unwrap();
    assert_eq!(store.ensure(rel).unwrap().source, Source::Mirror);
    assert_eq!(std::fs::read(&first.path).unwrap(), original);
}

#[test]
fn second_run_has_nothing_to_do() {
    let (_dir, store) = store();
    let dir = store.dataset("xcopa").unwrap();
    assert_eq!(dir, store.root().join("xcopa"));
    let entries = store.manifest().dataset("xcopa").unwrap();
    assert_eq!(entries.len(), 22);
    for e in &entries {
        assert!(store.is_verified(&e.path).unwrap(), "{}", e.path);
        assert_eq!(
            store.ensure(&e.path).unwrap().source,
            Source::Present,
            "{}",
            e.path
        );
    }
    assert_eq!(store.dataset("docs").unwrap(), store.root());
}

#[test]
fn corrupt_mirror_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rel = "xcopa/zh/val.zh.jsonl";
    let fake = dir.path().join("mirror");
    std::fs::create_dir_all(fake.join("xcopa/zh")).unwrap();
    let mut bytes = std::fs::read(mirror().join(rel)).unwrap();
    bytes[0] = b'#';
    std::fs::write(fake.join(rel), &bytes).unwrap();
    let store = DataStore::new(dir.path().join("data"), Some(fake.clone())).unwrap();
    let err = store.ensure(rel).unwrap_err();
    assert!(err.is_checksum_mismatch(), "{err}");
    assert!(
        err.to_string()
            .contains(&fake.join(rel).display().to_string()),
        "{err}"
    );
    assert!(!store.root().join(rel).exists());
}

#[test]
fn mirror_only_files_say_so_without_a_mirror() {
    let dir = tempfile::tempdir().unwrap();
    let store = DataStore::new(dir.path(), None).unwrap();
    let err = store.file("belebele/eng_Latn.jsonl").unwrap_err();
    assert!(err.is_mirror_only());
    let msg = err.to_string();
    for needle in [
        "belebele/eng_Latn.jsonl",
        "dataset belebele",
        "BRIDGEX_DATA_MIRROR",
        "--mirror",
        "facebook/belebele",
    ] {
        assert!(msg.contains(needle), "{needle:?} not in: {msg}");
    }
}

#[test]
fn unknown_names_are_errors_with_suggestions() {
    let (_dir, store) = store();
    let msg = store.file("muse/full/en-xx.txt").unwrap_err().to_string();
    assert!(
        msg.contains("not listed in data/manifest.toml")
            && msg.contains("did you mean muse/full/en-"),
        "{msg}"
    );
    match store.dataset("flores") {
        Err(FetchError::UnknownDataset { known, .. }) => {
            assert!(known.contains(&"flores200".to_owned()))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn concurrent_requests_for_one_file_agree() {
    let (_dir, store) = store();
    let rel = "flores200/devtest/swh_Latn.devtest";
    let want = std::fs::read(mirror().join(rel)).unwrap();
    let results: Vec<Source> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| s.spawn(|| store.ensure(rel).unwrap().source))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // The lock lets exactly one thread copy; the others find the file verified.
    assert_eq!(
        results.iter().filter(|s| **s == Source::Mirror).count(),
        1,
        "{results:?}"
    );
    assert_eq!(std::fs::read(store.root().join(rel)).unwrap(), want);
}

#[test]
fn a_file_missing_from_the_mirror_is_named_where_the_mirror_should_have_it() {
    // The reliability issue: the hint said "set BRIDGEX_DATA_MIRROR" although it was set.
    let dir = tempfile::tempdir().unwrap();
    let empty_mirror = dir.path().join("mirror");
    std::fs::create_dir_all(&empty_mirror).unwrap();
    let store = DataStore::new(dir.path().join("data"), Some(empty_mirror.clone())).unwrap();
    let e = store.file("belebele/README.md").unwrap_err().to_string();
    let expected_at = empty_mirror.join("belebele/README.md");
    assert!(
        e.contains(&format!("expected at {}", expected_at.display())),
        "{e}"
    );
    assert!(!e.contains("set BRIDGEX_DATA_MIRROR=DIR"), "{e}");
    // Without a mirror the hint says how to set one.
    let store = DataStore::new(dir.path().join("data2"), None).unwrap();
    let e = store.file("belebele/README.md").unwrap_err().to_string();
    assert!(e.contains("set BRIDGEX_DATA_MIRROR=DIR"), "{e}");
}
