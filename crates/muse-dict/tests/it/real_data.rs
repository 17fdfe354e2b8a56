//! Checks on the real word lists, obtained through `fetch` (run with
//! `BRIDGEX_DATA_MIRROR=/work/shared/data`). Expected numbers are the published counts in
//! the data READMEs (`muse/README.md`, `panlex-bli/README.md`, `swahili/README.md`) or come
//! from naive re-implementations written here.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use muse_dict::{
    BoxError, DictSource, Dictionary, Format, Leg, MUSE_TEST, MUSE_TRAIN, ParseMode, Split,
    plan_pair, resolve_pair,
};

fn store() -> fetch::DataStore {
    fetch::DataStore::from_env().unwrap_or_else(|e| panic!("cannot open the data store: {e}"))
}

fn path(rel: &str) -> PathBuf {
    store()
        .file(rel)
        .unwrap_or_else(|e| panic!("cannot get {rel}: {e}"))
}

fn load(rel: &str, format: Format) -> Dictionary {
    Dictionary::from_path(&path(rel), format, ParseMode::Strict).unwrap_or_else(|e| panic!("{e}"))
}

fn provider() -> impl Fn(&str) -> Result<PathBuf, BoxError> {
    let store = store();
    move |rel: &str| store.file(rel).map_err(Into::into)
}

/// Naive reference reader: `(source, target)` per line, split on whitespace.
fn raw_pairs(rel: &str) -> Vec<(String, String)> {
    std::fs::read_to_string(path(rel))
        .unwrap()
        .lines()
        .map(|l| {
            let mut f = l.split_whitespace();
            (f.next().unwrap().to_owned(), f.next().unwrap().to_owned())
        })
        .collect()
}

/// `muse/README.md`: lines and distinct source words of every full MUSE file.
const MUSE_FULL: [(&str, usize, usize); 36] = [
    ("en-zh", 39334, 32495),
    ("zh-en", 21597, 13768),
    ("en-ja", 35353, 31580),
    ("ja-en", 25969, 21003),
    ("en-ar", 33663, 22305),
    ("ar-en", 31355, 24547),
    ("en-he", 47333, 38070),
    ("he-en", 45679, 36735),
    ("en-id", 96500, 86656),
    ("id-en", 96518, 83355),
    ("en-tl", 34980, 31463),
    ("tl-en", 34984, 32284),
    ("en-fi", 43055, 32061),
    ("fi-en", 43102, 35770),
    ("en-hu", 42868, 34944),
    ("hu-en", 42823, 34974),
    ("en-de", 101931, 74655),
    ("de-en", 101997, 78200),
    ("en-fr", 113286, 94681),
    ("fr-en", 113324, 97021),
    ("en-it", 103612, 90589),
    ("it-en", 103613, 93214),
    ("en-pt", 108696, 92504),
    ("pt-en", 108686, 97261),
    ("en-es", 112580, 93084),
    ("es-en", 112583, 96579),
    ("en-ru", 53186, 42615),
    ("ru-en", 48714, 40486),
    ("en-ko", 22357, 17517),
    ("ko-en", 20549, 13727),
    ("en-vi", 77020, 74447),
    ("vi-en", 76364, 73445),
    ("en-th", 24658, 22386),
    ("th-en", 25332, 21567),
    ("en-tr", 67799, 58901),
    ("tr-en", 68611, 58040),
];

/// `muse/README.md`: lines kept in each `top10k/` file (10,000 source words each).
const MUSE_TOP10K: [(&str, usize); 20] = [
    ("de-es", 12170),
    ("de-fr", 10452),
    ("de-it", 10280),
    ("de-pt", 10163),
    ("es-de", 15175),
    ("es-fr", 10303),
    ("es-it", 10393),
    ("es-pt", 10370),
    ("fr-de", 10280),
    ("fr-es", 10169),
    ("fr-it", 10251),
    ("fr-pt", 10956),
    ("it-de", 10077),
    ("it-es", 11750),
    ("it-fr", 11865),
    ("it-pt", 10177),
    ("pt-de", 10159),
    ("pt-es", 11826),
    ("pt-fr", 12638),
    ("pt-it", 10267),
];

/// `panlex-bli/README.md`: train lines, test lines, test distinct source words.
const PANLEX: [(&str, usize, usize, usize); 36] = [
    ("fi-he", 5000, 2000, 1844),
    ("fi-hu", 5000, 2000, 1850),
    ("fi-id", 5000, 2000, 1699),
    ("fi-ko", 5000, 2000, 1825),
    ("fi-th", 5000, 2000, 1801),
    ("fi-tr", 5000, 2000, 1818),
    ("he-fi", 5000, 2000, 1763),
    ("he-hu", 5000, 2000, 1763),
    ("he-id", 5000, 1516, 1341),
    ("he-ko", 5000, 2000, 1809),
    ("he-th", 2932, 1000, 928),
    ("he-tr", 5000, 2000, 1707),
    ("hu-fi", 5000, 2000, 1830),
    ("hu-he", 5000, 2000, 1866),
    ("hu-id", 5000, 2000, 1814),
    ("hu-ko", 5000, 2000, 1822),
    ("hu-th", 5000, 1144, 1063),
    ("hu-tr", 5000, 2000, 1855),
    ("id-fi", 5000, 2000, 1723),
    ("id-he", 5000, 1273, 1185),
    ("id-hu", 5000, 2000, 1831),
    ("id-ko", 5000, 2000, 1806),
    ("id-th", 5000, 2000, 1773),
    ("id-tr", 5000, 2000, 1804),
    ("ko-fi", 5000, 2000, 1797),
    ("ko-he", 5000, 1511, 1426),
    ("ko-hu", 5000, 2000, 1794),
    ("ko-id", 5000, 2000, 1788),
    ("th-fi", 5000, 2000, 1639),
    ("th-he", 2495, 1000, 921),
    ("th-hu", 5000, 1051, 914),
    ("th-id", 5000, 2000, 1434),
    ("tr-fi", 5000, 2000, 1817),
    ("tr-he", 5000, 2000, 1839),
    ("tr-hu", 5000, 2000, 1839),
    ("tr-id", 5000, 2000, 1828),
];

#[test]
fn muse_full_files_match_published_counts() {
    for (pair, lines, sources) in MUSE_FULL {
        let d = load(&format!("muse/full/{pair}.txt"), Format::Muse);
        let s = d.parse_stats().unwrap();
        assert_eq!(s.lines, lines, "{pair} lines");
        assert_eq!(d.len(), sources, "{pair} distinct sources");
        assert_eq!(s.malformed, 0, "{pair}");
        // The README says every source word's lines are contiguous in these files.
        assert_eq!(s.regrouped_sources, 0, "{pair}");
        assert_eq!(s.pairs + s.duplicate_pairs, lines, "{pair}");
        assert_eq!(d.num_pairs(), s.pairs, "{pair}");
    }
}

#[test]
fn en_zh_agrees_with_a_naive_reader() {
    let raw = raw_pairs("muse/full/en-zh.txt");
    let d = load("muse/full/en-zh.txt", Format::Muse);
    let mut order: Vec<&str> = Vec::new();
    let mut targets: HashMap<&str, Vec<&str>> = HashMap::new();
    for (s, t) in &raw {
        let ts = targets.entry(s).or_insert_with(|| {
            order.push(s);
            Vec::new()
        });
        if !ts.contains(&t.as_str()) {
            ts.push(t);
        }
    }
    assert_eq!(raw.len(), 39334);
    assert_eq!(order.len(), 32495);
    assert_eq!(d.len(), order.len());
    for (e, s) in d.entries().iter().zip(&order) {
        assert_eq!(e.source, *s);
        assert_eq!(e.targets, targets[s]);
    }
    let distinct: HashSet<&(String, String)> = raw.iter().collect();
    assert_eq!(d.num_pairs(), distinct.len());
}

#[test]
fn muse_top10k_files_match_published_counts() {
    for (pair, lines) in MUSE_TOP10K {
        let d = load(&format!("muse/top10k/{pair}.txt"), Format::Muse);
        assert_eq!(d.parse_stats().unwrap().lines, lines, "{pair}");
        assert_eq!(d.len(), 10_000, "{pair}");
    }
}

#[test]
fn rank_ranges_reproduce_the_identical_pair_table() {
    // muse/README.md: identical pairs / all pairs in ranks 0–4999 and 5000–6499.
    let table = [
        ("en-de", (1903, 14677), (586, 3660)),
        ("en-fr", (1869, 10872), (619, 2943)),
        ("en-zh", (672, 8728), (296, 2230)),
        ("en-ja", (440, 7270), (92, 1835)),
        ("zh-en", (11, 8891), (1, 2483)),
    ];
    for (pair, train, test) in table {
        let d = load(&format!("muse/full/{pair}.txt"), Format::Muse);
        for (range, (identical, total)) in [(MUSE_TRAIN, train), (MUSE_TEST, test)] {
            let part = d.rank_range(range.clone());
            assert_eq!(part.len(), range.len(), "{pair} {range:?}");
            assert_eq!(part.num_pairs(), total, "{pair} {range:?}");
            assert_eq!(
                part.pairs().filter(|(s, t)| s == t).count(),
                identical,
                "{pair} {range:?}"
            );
            assert_eq!(
                part.without_identical().num_pairs(),
                total - identical,
                "{pair} {range:?}"
            );
        }
    }
}

#[test]
fn non_word_filter_matches_a_pcre_letter_count() {
    // Reference: `grep -cP '^[^\p{L}]+ |\s[^\p{L}]+$'` over the files (lines with a side
    // that has no Unicode letter), giving de-en 2 (`prozent %`, `dollar $`), zh-en 41, ar-en 68.
    let d = load("muse/full/de-en.txt", Format::Muse);
    let dropped: Vec<(&str, &str)> = d
        .pairs()
        .filter(|(s, t)| !muse_dict::is_word(s) || !muse_dict::is_word(t))
        .collect();
    assert_eq!(dropped, [("prozent", "%"), ("dollar", "$")]);
    assert_eq!(d.words_only().num_pairs(), d.num_pairs() - 2);
    for (pair, lines) in [("zh-en", 41), ("ar-en", 68)] {
        let d = load(&format!("muse/full/{pair}.txt"), Format::Muse);
        assert_eq!(d.num_pairs() - d.words_only().num_pairs(), lines, "{pair}");
    }
}

#[test]
fn wiktionary_lists_match_published_counts() {
    // swahili/README.md: pairs, distinct sources.
    for (rel, pairs, sources) in [
        ("muse/full/sw-en.txt", 7285, 4631),
        ("muse/full/en-sw.txt", 7285, 5203),
        ("swahili/wiktionary_bli/sw-en.train.txt", 5193, 3595),
        ("swahili/wiktionary_bli/sw-en.test.txt", 2119, 1165),
        ("swahili/wiktionary_bli/sw-en.testsmall.txt", 734, 242),
        ("swahili/freedict/sw-en.txt", 2363, 1642),
        ("swahili/freedict/en-sw.txt", 2363, 1751),
    ] {
        let d = load(rel, Format::Muse);
        assert_eq!(d.parse_stats().unwrap().lines, pairs, "{rel}");
        assert_eq!(d.num_pairs(), pairs, "{rel}");
        assert_eq!(d.len(), sources, "{rel}");
    }
    // train ∪ test = sw-en.txt; 27 pairs and 129 source words in both.
    let all: HashSet<(String, String)> = raw_pairs("muse/full/sw-en.txt").into_iter().collect();
    let train: HashSet<(String, String)> = raw_pairs("swahili/wiktionary_bli/sw-en.train.txt")
        .into_iter()
        .collect();
    let test: HashSet<(String, String)> = raw_pairs("swahili/wiktionary_bli/sw-en.test.txt")
        .into_iter()
        .collect();
    assert_eq!(&train | &test, all);
    assert_eq!(train.intersection(&test).count(), 27);
    let train_src: HashSet<&String> = train.iter().map(|(s, _)| s).collect();
    let test_src: HashSet<&String> = test.iter().map(|(s, _)| s).collect();
    assert_eq!(train_src.intersection(&test_src).count(), 129);
}

#[test]
fn swahili_pairs_resolve_to_wiktionary_splits() {
    let files = provider();
    let (train, source) = resolve_pair("sw", "en", Split::Train, &files).unwrap();
    assert_eq!(source, DictSource::Wiktionary);
    assert_eq!(source.to_string(), "Wiktionary");
    assert_eq!(train.len(), 3595 - 129);
    let (test, _) = resolve_pair("sw", "en", Split::Test, &files).unwrap();
    assert_eq!((test.len(), test.num_pairs()), (1165, 2119));
    assert!(
        train
            .entries()
            .iter()
            .all(|e| test.lookup(&e.source).is_none())
    );

    let (train, source) = resolve_pair("en", "sw", Split::Train, &files).unwrap();
    assert_eq!(source.to_string(), "Wiktionary");
    let (test, _) = resolve_pair("en", "sw", Split::Test, &files).unwrap();
    assert_eq!((train.len(), test.len()), (4162, 1041)); // ⌊0.8 · 5203⌋ and the rest
    let full = load("muse/full/en-sw.txt", Format::Muse);
    assert_eq!(train.entries(), &full.entries()[..4162]);
    assert_eq!(test.entries(), &full.entries()[4162..]);
    assert_eq!(train.num_pairs() + test.num_pairs(), 7285);
}

#[test]
fn panlex_files_match_published_counts_and_train_excludes_test_words() {
    for (pair, train_lines, test_lines, test_sources) in PANLEX {
        let dir = format!("panlex-bli/{pair}/{pair}");
        let train = load(&format!("{dir}.train.5000.cc.trans"), Format::Tsv);
        let test = load(&format!("{dir}.test.2000.cc.trans"), Format::Tsv);
        assert_eq!(train.parse_stats().unwrap().lines, train_lines, "{pair}");
        assert_eq!(test.parse_stats().unwrap().lines, test_lines, "{pair}");
        assert_eq!(test.len(), test_sources, "{pair}");
        let (src, tgt) = pair.split_once('-').unwrap();
        let (resolved, source) = resolve_pair(src, tgt, Split::Train, &provider()).unwrap();
        assert_eq!(source, DictSource::PanLex, "{pair}");
        let shared = train
            .entries()
            .iter()
            .filter(|e| test.lookup(&e.source).is_some())
            .count();
        assert_eq!(resolved.len(), train.len() - shared, "{pair}");
        // README: "193–682 of the test source words also appear in the 5k training file".
        assert!((193..=682).contains(&shared), "{pair}: {shared}");
        if pair == "id-he" {
            assert_eq!(shared, 275);
        }
        if pair == "fi-hu" {
            assert_eq!(shared, 526);
        }
    }
}

#[test]
fn every_pair_of_the_paper_languages_has_a_plan() {
    let paper = [
        "en", "de", "fr", "it", "pt", "es", "zh", "ja", "ar", "he", "id", "tl", "fi", "hu", "sw",
    ];
    let mut by_kind: HashMap<String, usize> = HashMap::new();
    for src in paper {
        for tgt in paper.iter().filter(|&&t| t != src) {
            let plan = plan_pair(src, tgt, Split::Test).unwrap();
            if src == "sw" || *tgt == "sw" {
                assert_ne!(plan.source, DictSource::Muse);
                if src == "en" || *tgt == "en" {
                    assert!(!plan.source.uses_muse(), "{src}-{tgt}");
                }
            }
            for rel in plan.files() {
                path(&rel); // every planned file exists in the data layout
            }
            let key = match plan.source {
                DictSource::Muse => "muse",
                DictSource::MuseTop10k => "top10k",
                DictSource::PanLex => "panlex",
                DictSource::Wiktionary => "wiktionary",
                DictSource::EnglishPivot { .. } => "pivot",
            };
            *by_kind.entry(key.to_owned()).or_default() += 1;
        }
    }
    // 13 MUSE languages × 2 directions; 5·4 European pairs; 4·3 PanLex pairs among id he fi hu;
    // en↔sw; the remaining 210 − 26 − 20 − 12 − 2 = 150 pairs through English.
    assert_eq!(by_kind["muse"], 26);
    assert_eq!(by_kind["top10k"], 20);
    assert_eq!(by_kind["panlex"], 12);
    assert_eq!(by_kind["wiktionary"], 2);
    assert_eq!(by_kind["pivot"], 150);
}

#[test]
fn pivot_zh_ja_test_agrees_with_a_naive_join() {
    let (got, source) = resolve_pair("zh", "ja", Split::Test, &provider()).unwrap();
    assert_eq!(
        source,
        DictSource::EnglishPivot {
            to_english: Leg::Muse,
            from_english: Leg::Muse
        }
    );

    let zh_en = raw_pairs("muse/full/zh-en.txt");
    let mut zh_order: Vec<&str> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (s, _) in &zh_en {
        if seen.insert(s) {
            zh_order.push(s);
        }
    }
    let mut en_ja: HashMap<String, Vec<String>> = HashMap::new();
    for (s, t) in raw_pairs("muse/full/en-ja.txt") {
        let v = en_ja.entry(s).or_default();
        if !v.contains(&t) {
            v.push(t);
        }
    }
    let mut expected: Vec<(String, Vec<String>)> = Vec::new();
    for zh in &zh_order[5000..6500] {
        let mut ys: Vec<String> = Vec::new();
        for (_, en) in zh_en.iter().filter(|(s, _)| s == zh) {
            for y in en_ja.get(en.as_str()).into_iter().flatten() {
                if !ys.contains(y) {
                    ys.push(y.clone());
                }
            }
        }
        if !ys.is_empty() {
            expected.push(((*zh).to_owned(), ys));
        }
    }
    let got: Vec<(String, Vec<String>)> = got
        .entries()
        .iter()
        .map(|e| (e.source.clone(), e.targets.clone()))
        .collect();
    assert!(got.len() > 1000, "{}", got.len());
    assert_eq!(got, expected);
}

#[test]
fn muse_en_de_split_sizes() {
    let files = provider();
    let (train, source) = resolve_pair("en", "de", Split::Train, &files).unwrap();
    assert_eq!(source.to_string(), "MUSE");
    let (test, _) = resolve_pair("en", "de", Split::Test, &files).unwrap();
    assert_eq!((train.len(), train.num_pairs()), (5000, 14677));
    assert_eq!((test.len(), test.num_pairs()), (1500, 3660));
    let (full, _) = resolve_pair("en", "de", Split::Full, &files).unwrap();
    assert_eq!(full.len(), 74655);
}
