//! Parse time of the largest MUSE file, en-fr (113,286 lines), read from the real data:
//! `$MUSE_BENCH_FILE` if set, otherwise `muse/full/en-fr.txt` through `fetch`
//! (set `BRIDGEX_DATA_MIRROR=/work/shared/data` to copy it from the mirror).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use muse_dict::{Dictionary, Format, ParseMode};

fn en_fr_path() -> PathBuf {
    if let Some(p) = std::env::var_os("MUSE_BENCH_FILE") {
        return PathBuf::from(p);
    }
    let store =
        fetch::DataStore::from_env().unwrap_or_else(|e| panic!("cannot open the data store: {e}"));
    store
        .file("muse/full/en-fr.txt")
        .unwrap_or_else(|e| panic!("cannot get muse/full/en-fr.txt: {e}"))
}

fn bench_parse(c: &mut Criterion) {
    let path = en_fr_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    // Sanity check, so the bench never times a wrong file.
    let d = Dictionary::from_path(&path, Format::Muse, ParseMode::Strict).expect("en-fr parses");
    assert_eq!(
        d.parse_stats().map(|s| s.lines),
        Some(113_286),
        "{} is not MUSE en-fr",
        path.display()
    );

    c.bench_function("from_path en-fr (113k lines, read + parse)", |b| {
        b.iter(|| Dictionary::from_path(black_box(&path), Format::Muse, ParseMode::Strict).unwrap())
    });
    c.bench_function("parse en-fr in memory", |b| {
        b.iter(|| {
            Dictionary::parse(black_box(&text), &path, Format::Muse, ParseMode::Strict).unwrap()
        })
    });
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
