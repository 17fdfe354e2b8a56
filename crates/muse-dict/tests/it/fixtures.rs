//! Edge cases on hand-made files; every expected value is worked out by hand.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use muse_dict::{
    DictError, DictSource, Dictionary, Entry, Format, Leg, ParseMode, Split, dir_files, is_word,
    plan_pair, resolve_pair,
};

fn write(dir: &Path, rel: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap();
    p
}

fn entries(d: &Dictionary) -> Vec<(&str, Vec<&str>)> {
    d.entries()
        .iter()
        .map(|e| {
            (
                e.source.as_str(),
                e.targets.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

fn muse(text: &str) -> Dictionary {
    Dictionary::parse(text, Path::new("fixture"), Format::Muse, ParseMode::Strict).unwrap()
}

#[test]
fn muse_format_accepts_spaces_tabs_crlf_and_missing_final_newline() {
    let d = muse("the\tdie\n  the der  \r\nhouse \t haus\r\nthe die\nwater wasser");
    assert_eq!(
        entries(&d),
        vec![
            ("the", vec!["die", "der"]),
            ("house", vec!["haus"]),
            ("water", vec!["wasser"])
        ]
    );
    let s = d.parse_stats().unwrap();
    assert_eq!(
        (s.lines, s.pairs, s.duplicate_pairs, s.malformed),
        (5, 4, 1, 0)
    );
    assert_eq!(d.num_pairs(), 4);
    assert_eq!(d.len(), 3);
}

#[test]
fn empty_file_gives_empty_dictionary() {
    let d = muse("");
    assert!(d.is_empty());
    assert_eq!(d.parse_stats().unwrap().lines, 0);
}

#[test]
fn non_contiguous_sources_are_grouped_at_first_appearance() {
    let d = muse("kiasi amount\nna and\nkiasi some\nna with\nkiasi amount\nzaidi more\n");
    assert_eq!(
        entries(&d),
        vec![
            ("kiasi", vec!["amount", "some"]),
            ("na", vec!["and", "with"]),
            ("zaidi", vec!["more"])
        ]
    );
    let s = d.parse_stats().unwrap();
    assert_eq!(s.regrouped_sources, 2);
    assert_eq!(s.duplicate_pairs, 1);
    assert_eq!(d.rank_of("zaidi"), Some(2));
}

#[test]
fn many_targets_are_deduped_past_the_scan_limit() {
    // 40 distinct targets, each listed 3 times, interleaved.
    let mut text = String::new();
    for round in 0..3 {
        for t in 0..40 {
            text.push_str(&format!("w t{t}\n"));
        }
        if round == 0 {
            text.push_str("other x\n");
        }
    }
    let d = muse(&text);
    let want: Vec<String> = (0..40).map(|t| format!("t{t}")).collect();
    assert_eq!(d.lookup("w").unwrap(), want.as_slice());
    assert_eq!(d.parse_stats().unwrap().duplicate_pairs, 80);
}

#[test]
fn strict_mode_names_file_and_line_of_a_malformed_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.txt", b"a b\nc d\nthree fields here\ne f\n");
    let err = Dictionary::from_path(&p, Format::Muse, ParseMode::Strict).unwrap_err();
    match &err {
        DictError::Malformed {
            path,
            line,
            reason,
            content,
        } => {
            assert_eq!(path, &p);
            assert_eq!(*line, 3);
            assert!(reason.contains("found 3"), "{reason}");
            assert_eq!(content, "three fields here");
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&format!("{}:3:", p.display())), "{msg}");
}

#[test]
fn blank_and_one_field_lines_are_malformed() {
    for (text, line) in [
        ("a b\n\nc d\n", 2),
        ("a b\nlonely\n", 2),
        ("a b\n   \t \n", 2),
        ("a b\n\n", 2),
    ] {
        let err =
            Dictionary::parse(text, Path::new("x"), Format::Muse, ParseMode::Strict).unwrap_err();
        assert!(
            matches!(err, DictError::Malformed { line: l, .. } if l == line),
            "{text:?}: {err}"
        );
    }
}

#[test]
fn lenient_mode_skips_and_counts_malformed_lines() {
    let text = b"a b\nbroken\nc d\n\xff\xfe e\n\ne f g\ng h\n";
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "mixed.txt", text);
    let d = Dictionary::from_path(&p, Format::Muse, ParseMode::Lenient).unwrap();
    assert_eq!(
        entries(&d),
        vec![("a", vec!["b"]), ("c", vec!["d"]), ("g", vec!["h"])]
    );
    let s = d.parse_stats().unwrap();
    assert_eq!(s.lines, 7);
    assert_eq!(s.malformed, 4);
    assert_eq!(s.malformed_lines, vec![2, 4, 5, 6]);
    assert_eq!(s.pairs, 3);
}

#[test]
fn invalid_utf8_in_strict_mode_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "latin1.txt", b"a b\nc d\ncaf\xe9 coffee\n");
    let err = Dictionary::from_path(&p, Format::Muse, ParseMode::Strict).unwrap_err();
    assert!(
        matches!(&err, DictError::InvalidUtf8 { line: 3, path } if path == &p),
        "{err:?}"
    );
}

#[test]
fn missing_file_is_an_io_error_naming_the_path() {
    let err = Dictionary::from_path(
        Path::new("/nonexistent/en-de.txt"),
        Format::Muse,
        ParseMode::Strict,
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/en-de.txt"), "{err}");
}

#[test]
fn tsv_format_splits_on_tabs_only() {
    let d = Dictionary::parse(
        "new york\tניו יורק\nMHz\tMHz\r\ndewa\tאל\n",
        Path::new("t"),
        Format::Tsv,
        ParseMode::Strict,
    )
    .unwrap();
    assert_eq!(
        entries(&d),
        vec![
            ("new york", vec!["ניו יורק"]),
            ("MHz", vec!["MHz"]),
            ("dewa", vec!["אל"])
        ]
    );
    for (text, why) in [
        ("a b\n", "found 1"),
        ("a\tb\tc\n", "found 3"),
        ("\tb\n", "source field is empty"),
        ("a\t \n", "target field is empty"),
    ] {
        match Dictionary::parse(text, Path::new("t"), Format::Tsv, ParseMode::Strict) {
            Err(DictError::Malformed {
                line: 1, reason, ..
            }) => assert!(reason.contains(why), "{reason}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
}

#[test]
fn rank_ranges_are_clipped_and_disjoint() {
    let text: String = (0..10).map(|i| format!("s{i} t{i}\ns{i} u{i}\n")).collect();
    let d = muse(&text);
    let r = d.rank_range(3..6);
    assert_eq!(
        r.entries()
            .iter()
            .map(|e| e.source.as_str())
            .collect::<Vec<_>>(),
        ["s3", "s4", "s5"]
    );
    assert_eq!(r.lookup("s4").unwrap(), ["t4", "u4"]);
    assert_eq!(r.num_pairs(), 6);
    assert_eq!(d.rank_range(8..5000).len(), 2);
    assert!(d.rank_range(20..30).is_empty());
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = d.rank_range(6..3);
    assert!(backwards.is_empty());
    assert_eq!(d.rank_range(0..10), d);
}

#[test]
fn pivot_joins_on_english_and_keeps_source_rank_order() {
    let de_en = muse("haus house\nhaus home\nund and\nwasser water\nblau blue\nheim home\n");
    let en_fr = muse("water eau\nhome maison\nhome foyer\nhouse maison\nand et\nred rouge\n");
    let de_fr = Dictionary::pivot(&de_en, &en_fr);
    // haus: house→maison, home→maison (dup), foyer; blau: no French for "blue", dropped.
    assert_eq!(
        entries(&de_fr),
        vec![
            ("haus", vec!["maison", "foyer"]),
            ("und", vec!["et"]),
            ("wasser", vec!["eau"]),
            ("heim", vec!["maison", "foyer"]),
        ]
    );
    assert!(de_fr.parse_stats().is_none());
}

#[test]
fn lookup_and_contains() {
    let d = muse("a x\na y\nb z\n");
    assert_eq!(d.lookup("a"), Some(&["x".to_owned(), "y".to_owned()][..]));
    assert_eq!(d.lookup("c"), None);
    assert!(d.contains("a", "y"));
    assert!(!d.contains("a", "z"));
    assert!(!d.contains("zz", "x"));
    assert_eq!(
        d.pairs().collect::<Vec<_>>(),
        [("a", "x"), ("a", "y"), ("b", "z")]
    );
}

#[test]
fn sampling_is_seeded_uniform_and_in_rank_order() {
    let text: String = (0..1000).map(|i| format!("s{i} t{i}\n")).collect();
    let d = muse(&text);
    let a = d.sample(50, 7);
    assert_eq!(a, d.sample(50, 7));
    assert_ne!(a, d.sample(50, 8));
    assert_eq!(a.len(), 50);
    let ranks: Vec<usize> = a
        .entries()
        .iter()
        .map(|e| d.rank_of(&e.source).unwrap())
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] < w[1]),
        "sample not in rank order: {ranks:?}"
    );
    for e in a.entries() {
        assert_eq!(d.lookup(&e.source).unwrap(), e.targets.as_slice());
    }
    assert_eq!(d.sample(5000, 1), d);
    assert!(d.sample(0, 1).is_empty());

    // Each of 10 words should be drawn with probability 3/10: over 2000 seeds, 600 ± ~20.5 (1 sd).
    let small = muse(&(0..10).map(|i| format!("w{i} x\n")).collect::<String>());
    let mut counts: HashMap<String, usize> = HashMap::new();
    for seed in 0..2000 {
        for e in small.sample(3, seed).entries() {
            *counts.entry(e.source.clone()).or_default() += 1;
        }
    }
    assert_eq!(counts.len(), 10);
    for (w, c) in counts {
        assert!(
            (500..=700).contains(&c),
            "{w} drawn {c} times of 2000, expected about 600"
        );
    }
}

#[test]
fn word_definition() {
    for w in [
        "house",
        "mp3",
        "c++",
        "x-ray",
        "水",
        "ミルク",
        "ー",
        "מים",
        "ماء",
        "น้ำ",
        "물",
        "вода",
        "é",
    ] {
        assert!(is_word(w), "{w} should be a word");
    }
    for w in [
        "1990", "%", "¥", "}}", "__", "3.14", "", "##", "\\\\", "+", "٣",
    ] {
        assert!(!is_word(w), "{w:?} should not be a word");
    }
}

#[test]
fn filters() {
    let d = muse("okay okay\nokay gut\n% %\nhaus house\n1990 1990\nmp3 mp3\nzahl 42\n");
    assert_eq!(
        entries(&d.without_identical()),
        vec![
            ("okay", vec!["gut"]),
            ("haus", vec!["house"]),
            ("zahl", vec!["42"])
        ]
    );
    assert_eq!(
        entries(&d.words_only()),
        vec![
            ("okay", vec!["okay", "gut"]),
            ("haus", vec!["house"]),
            ("mp3", vec!["mp3"])
        ]
    );
    let test = muse("haus home\nmp3 x\n");
    assert_eq!(
        entries(&d.without_sources_of(&test)),
        vec![
            ("okay", vec!["okay", "gut"]),
            ("%", vec!["%"]),
            ("1990", vec!["1990"]),
            ("zahl", vec!["42"])
        ]
    );
}

#[test]
fn from_entries_merges_repeated_sources() {
    let d = Dictionary::from_entries([
        Entry {
            source: "a".into(),
            targets: vec!["x".into()],
        },
        Entry {
            source: "b".into(),
            targets: vec!["y".into()],
        },
        Entry {
            source: "a".into(),
            targets: vec!["x".into(), "z".into()],
        },
    ]);
    assert_eq!(entries(&d), vec![("a", vec!["x", "z"]), ("b", vec!["y"])]);
    assert_eq!(
        Dictionary::from_pairs([("a", "x"), ("b", "y"), ("a", "z")]),
        d
    );
}

#[test]
fn plans_choose_the_right_source() {
    let cases: [(&str, &str, DictSource, &[&str]); 9] = [
        ("en", "de", DictSource::Muse, &["muse/full/en-de.txt"]),
        ("ZH", "en", DictSource::Muse, &["muse/full/zh-en.txt"]),
        (
            "de",
            "fr",
            DictSource::MuseTop10k,
            &["muse/top10k/de-fr.txt"],
        ),
        (
            "id",
            "he",
            DictSource::PanLex,
            &[
                "panlex-bli/id-he/id-he.train.5000.cc.trans",
                "panlex-bli/id-he/id-he.test.2000.cc.trans",
            ],
        ),
        (
            "fi",
            "ko",
            DictSource::PanLex,
            &[
                "panlex-bli/fi-ko/fi-ko.train.5000.cc.trans",
                "panlex-bli/fi-ko/fi-ko.test.2000.cc.trans",
            ],
        ),
        ("en", "sw", DictSource::Wiktionary, &["muse/full/en-sw.txt"]),
        (
            "sw",
            "en",
            DictSource::Wiktionary,
            &[
                "swahili/wiktionary_bli/sw-en.train.txt",
                "swahili/wiktionary_bli/sw-en.test.txt",
            ],
        ),
        (
            "zh",
            "ja",
            DictSource::EnglishPivot {
                to_english: Leg::Muse,
                from_english: Leg::Muse,
            },
            &["muse/full/zh-en.txt", "muse/full/en-ja.txt"],
        ),
        (
            "sw",
            "de",
            DictSource::EnglishPivot {
                to_english: Leg::Wiktionary,
                from_english: Leg::Muse,
            },
            &[
                "swahili/wiktionary_bli/sw-en.train.txt",
                "swahili/wiktionary_bli/sw-en.test.txt",
                "muse/full/en-de.txt",
            ],
        ),
    ];
    for (src, tgt, source, files) in cases {
        let plan = plan_pair(src, tgt, Split::Train).unwrap();
        assert_eq!(plan.source, source, "{src}-{tgt}");
        assert_eq!(plan.files(), files, "{src}-{tgt}");
    }
    // ko-th: both PanLex "extra" languages, not a PanLex pair → pivot.
    assert!(matches!(
        plan_pair("ko", "th", Split::Test).unwrap().source,
        DictSource::EnglishPivot { .. }
    ));
    assert_eq!(
        plan_pair("sw", "en", Split::Full).unwrap().files(),
        ["muse/full/sw-en.txt"]
    );
    assert_eq!(
        plan_pair("he", "fi", Split::Full).unwrap().files(),
        [
            "panlex-bli/he-fi/he-fi.train.5000.cc.trans",
            "panlex-bli/he-fi/he-fi.test.2000.cc.trans"
        ]
    );
}

#[test]
fn swahili_is_never_reported_as_muse() {
    for (src, tgt) in [("en", "sw"), ("sw", "en")] {
        let s = plan_pair(src, tgt, Split::Test).unwrap().source;
        assert_eq!(s.to_string(), "Wiktionary");
        assert!(!s.uses_muse());
    }
    let s = plan_pair("zh", "sw", Split::Test).unwrap().source;
    assert_eq!(
        s.to_string(),
        "English pivot (MUSE to en, Wiktionary from en)"
    );
    assert!(s.uses_muse());
    assert_eq!(DictSource::Muse.to_string(), "MUSE");
    assert_eq!(DictSource::PanLex.to_string(), "PanLex-BLI");
}

#[test]
fn unsupported_pairs_are_errors() {
    for (src, tgt, why) in [
        ("en", "en", "same language"),
        ("xx", "en", "unknown language code `xx`"),
        ("en", "eng", "`eng`"),
    ] {
        match plan_pair(src, tgt, Split::Train) {
            Err(DictError::UnsupportedPair { reason, .. }) => {
                assert!(reason.contains(why), "{reason}")
            }
            other => panic!("{src}-{tgt}: {other:?}"),
        }
    }
}

/// A miniature data layout with the structure of the mirror.
fn mini_layout(dir: &Path) {
    write(
        dir,
        "muse/full/zh-en.txt",
        "水 water\n火 fire\n山 mountain\n山 hill\n人 person\n".as_bytes(),
    );
    write(
        dir,
        "muse/full/en-ja.txt",
        "water 水\nperson 人\nhill 丘\nfire 火\nfire 炎\nhuman 人間\n".as_bytes(),
    );
    write(
        dir,
        "muse/full/en-sw.txt",
        b"water maji\nfire moto\nperson mtu\nhill kilima\nsea bahari\n",
    );
    write(
        dir,
        "swahili/wiktionary_bli/sw-en.train.txt",
        b"maji water\nmoto fire\nmtu person\n",
    );
    write(
        dir,
        "swahili/wiktionary_bli/sw-en.test.txt",
        b"mtu human\nkilima hill\n",
    );
    write(
        dir,
        "muse/full/sw-en.txt",
        b"maji water\nmoto fire\nmtu person\nmtu human\nkilima hill\n",
    );
    write(
        dir,
        "panlex-bli/id-he/id-he.train.5000.cc.trans",
        "air\tמים\napi\tאש\norang\tאדם\n".as_bytes(),
    );
    write(
        dir,
        "panlex-bli/id-he/id-he.test.2000.cc.trans",
        "orang\tאיש\ngunung\tהר\n".as_bytes(),
    );
}

#[test]
fn resolve_pair_on_a_miniature_layout() {
    let dir = tempfile::tempdir().unwrap();
    mini_layout(dir.path());
    let files = dir_files(dir.path());
    let get = |src, tgt, split| resolve_pair(src, tgt, split, &files).unwrap();

    // en→sw: 5 sources, train = first ⌊0.8·5⌋ = 4, test = the last one.
    let (train, source) = get("en", "sw", Split::Train);
    assert_eq!(source, DictSource::Wiktionary);
    assert_eq!(
        train
            .entries()
            .iter()
            .map(|e| e.source.as_str())
            .collect::<Vec<_>>(),
        ["water", "fire", "person", "hill"]
    );
    assert_eq!(
        entries(&get("en", "sw", Split::Test).0),
        vec![("sea", vec!["bahari"])]
    );

    // sw→en: train minus test source words ("mtu").
    assert_eq!(
        entries(&get("sw", "en", Split::Train).0),
        vec![("maji", vec!["water"]), ("moto", vec!["fire"])]
    );
    assert_eq!(get("sw", "en", Split::Full).0.num_pairs(), 5);

    // PanLex: train minus "orang"; full = train then test merged.
    assert_eq!(
        entries(&get("id", "he", Split::Train).0),
        vec![("air", vec!["מים"]), ("api", vec!["אש"])]
    );
    assert_eq!(
        entries(&get("id", "he", Split::Full).0),
        vec![
            ("air", vec!["מים"]),
            ("api", vec!["אש"]),
            ("orang", vec!["אדם", "איש"]),
            ("gunung", vec!["הר"])
        ]
    );

    // zh→ja through English, full: 水→水, 火→火 炎, 山→丘 (via hill), 人→人.
    let (zh_ja, source) = get("zh", "ja", Split::Full);
    assert_eq!(
        source,
        DictSource::EnglishPivot {
            to_english: Leg::Muse,
            from_english: Leg::Muse
        }
    );
    assert_eq!(
        entries(&zh_ja),
        vec![
            ("水", vec!["水"]),
            ("火", vec!["火", "炎"]),
            ("山", vec!["丘"]),
            ("人", vec!["人"])
        ]
    );

    // sw→ja Test: the Wiktionary sw-en test (mtu, kilima) joined with full en-ja.
    assert_eq!(
        entries(&get("sw", "ja", Split::Test).0),
        vec![("mtu", vec!["人間"]), ("kilima", vec!["丘"])]
    );

    // zh→sw Train: zh-en ranks 0..5000 (all 4) joined with full en-sw.
    assert_eq!(
        entries(&get("zh", "sw", Split::Train).0),
        vec![
            ("水", vec!["maji"]),
            ("火", vec!["moto"]),
            ("山", vec!["kilima"]),
            ("人", vec!["mtu"])
        ]
    );
    // zh-en has only 4 sources, so MUSE's test range 5000..6500 is empty.
    assert!(get("zh", "ja", Split::Test).0.is_empty());
}

#[test]
fn resolve_pair_reports_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir_files(dir.path());
    match resolve_pair("en", "de", Split::Train, &files) {
        Err(DictError::File { rel, source }) => {
            assert_eq!(rel, "muse/full/en-de.txt");
            assert!(source.to_string().contains("en-de.txt"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn index_agrees_with_a_hashmap_through_growth() {
    // 20,000 sources, inserted through parsing (growing index) and through rank_range (built index).
    let words: Vec<String> = (0..20_000)
        .map(|i| {
            if i % 3 == 0 {
                format!("слово{i}")
            } else {
                format!("w{i}")
            }
        })
        .collect();
    let text: String = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("{w} t{i}\n"))
        .collect();
    let d = muse(&text);
    let reference: HashMap<&str, usize> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i))
        .collect();
    for part in [d.clone(), d.rank_range(0..20_000)] {
        for (w, &rank) in &reference {
            assert_eq!(part.rank_of(w), Some(rank), "{w}");
            assert_eq!(part.lookup(w).unwrap(), [format!("t{rank}")]);
        }
        for absent in ["w20000", "", "слово1", "w-1", "t5"] {
            assert_eq!(part.rank_of(absent), None, "{absent}");
        }
    }
}
