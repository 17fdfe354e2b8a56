//! Rebuild every data file that has an upstream source, without any mirror, into a fresh
//! data root, and report which ones came out with the manifest's sha256. Checks that the
//! manifest's URLs and conversions reproduce the data folder.
//!
//! ```text
//! cargo run -p fetch --example rebuild -- ROOT [FROM=TO]
//! ```
//! `FROM=TO` rewrites URL prefixes, e.g. to test against a local copy of GitHub raw content:
//! `https://raw.githubusercontent.com=http://127.0.0.1:8000`.

use fetch::{DataStore, Manifest, Transform};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let root = args.next().ok_or("usage: rebuild ROOT [FROM=TO]")?;
    let rewrite = args.next().map(|r| {
        let (from, to) = r.split_once('=').unwrap_or((r.as_str(), ""));
        (from.to_owned(), to.to_owned())
    });
    let fix = |u: &str| match &rewrite {
        Some((from, to)) if u.starts_with(from.as_str()) => format!("{to}{}", &u[from.len()..]),
        _ => u.to_owned(),
    };
    let mut entries = Manifest::embedded()?.entries().to_vec();
    for e in &mut entries {
        e.url = e.url.as_deref().map(fix);
        if let Transform::WiktionaryBliReverse { rank_url } = &mut e.transform {
            *rank_url = fix(rank_url);
        }
    }
    let manifest = Manifest::from_entries(entries, "rewritten manifest")?;
    let store = DataStore::new(&root, None)?.with_manifest(manifest.clone());
    let (mut ok, mut mirror_only, mut failed) = (0, 0, 0);
    for e in manifest.entries() {
        match store.ensure(&e.path) {
            Ok(_) => ok += 1,
            Err(err) if err.is_mirror_only() => mirror_only += 1,
            Err(err) => {
                failed += 1;
                eprintln!("FAILED {}: {err}", e.path);
            }
        }
    }
    println!("{ok} rebuilt and verified, {mirror_only} mirror-only, {failed} failed");
    store.clear_upstream_cache()?;
    if failed > 0 {
        Err("some files failed".into())
    } else {
        Ok(())
    }
}
