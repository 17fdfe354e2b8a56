//! Checks on the real corpora, obtained through `fetch` (run with
//! `BRIDGEX_DATA_MIRROR=/work/shared/data`). Expected numbers are the published counts of
//! the data READMEs (`flores200/`, `sib200/`, `xcopa/`, `belebele/`), or come from naive
//! re-implementations written here.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use corpora::xcopa::{Question, XcopaItem};
use corpora::{belebele, flores, sib200, xcopa};

const FLORES_CODES: [&str; 20] = [
    "eng_Latn", "deu_Latn", "fra_Latn", "ita_Latn", "por_Latn", "spa_Latn", "zho_Hans", "jpn_Jpan",
    "arb_Arab", "heb_Hebr", "ind_Latn", "tgl_Latn", "fin_Latn", "hun_Latn", "swh_Latn", "rus_Cyrl",
    "kor_Hang", "vie_Latn", "tha_Thai", "tur_Latn",
];

fn path(rel: &str) -> PathBuf {
    let store =
        fetch::DataStore::from_env().unwrap_or_else(|e| panic!("cannot open the data store: {e}"));
    store
        .file(rel)
        .unwrap_or_else(|e| panic!("cannot get {rel}: {e}"))
}

#[test]
fn flores_devtest_has_1012_lines_in_every_language() {
    for code in FLORES_CODES {
        let lines = flores::read_devtest(&path(&flores::devtest_rel(code))).unwrap();
        assert_eq!(lines.len(), 1012, "{code}");
    }
    let en = flores::read_devtest(&path(&flores::devtest_rel("eng_Latn"))).unwrap();
    // Last line of the file, seen with `tail -c 50` on the mirror.
    assert!(en[1011].ends_with("without question."), "{}", en[1011]);
}

/// Naive unquoting of one TSV field written by pandas with minimal quoting.
fn unquote(field: &str) -> String {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_owned(),
    }
}

#[test]
fn sib200_counts_labels_and_quoting() {
    let labels = sib200::read_labels(&path(sib200::LABELS_REL)).unwrap();
    assert_eq!(
        labels,
        [
            "science/technology",
            "travel",
            "politics",
            "sports",
            "health",
            "entertainment",
            "geography"
        ]
    );
    let mut reference: Option<Vec<(u32, String)>> = None;
    for code in FLORES_CODES {
        let mut per_label: HashMap<String, usize> = HashMap::new();
        let mut all = Vec::new();
        for (split, rows) in [("train", 701), ("dev", 99), ("test", 204)] {
            let rel = sib200::split_rel(code, split);
            let items = sib200::read(&path(&rel)).unwrap();
            assert_eq!(items.len(), rows, "{rel}");
            // Naive reader: split each raw line on tabs (no field holds a tab) and unquote.
            let raw = std::fs::read_to_string(path(&rel)).unwrap();
            for (item, line) in items.iter().zip(raw.lines().skip(1)) {
                let f: Vec<&str> = line.split('\t').collect();
                assert_eq!(f.len(), 3, "{rel}: {line}");
                assert_eq!(item.index_id.to_string(), f[0]);
                assert_eq!(item.category, f[1]);
                assert_eq!(item.text, unquote(f[2]), "{rel}");
            }
            for item in &items {
                assert!(labels.contains(&item.category), "{rel}: {}", item.category);
                *per_label.entry(item.category.clone()).or_default() += 1;
            }
            all.extend(items.into_iter().map(|i| (i.index_id, i.category)));
        }
        let counts: Vec<usize> = labels.iter().map(|l| per_label[l]).collect();
        assert_eq!(counts, [252, 198, 146, 122, 110, 93, 83], "{code}");
        // Parallel: same index_id and label sequence in every language.
        match &reference {
            None => reference = Some(all),
            Some(r) => assert_eq!(r, &all, "{code}"),
        }
    }
}

#[test]
fn sib200_hebrew_quoted_fields_parse() {
    let mut quoted = 0;
    let mut flores_checked = 0;
    let devtest = flores::read_devtest(&path(&flores::devtest_rel("heb_Hebr"))).unwrap();
    for split in ["train", "dev", "test"] {
        let rel = sib200::split_rel("heb_Hebr", split);
        let raw = std::fs::read_to_string(path(&rel)).unwrap();
        quoted += raw
            .lines()
            .filter(|l| l.split('\t').nth(2).is_some_and(|t| t.starts_with('"')))
            .count();
        for item in sib200::read(&path(&rel)).unwrap() {
            // Rows with index_id >= 997 are devtest line index_id - 997 (sib200/README.md).
            if let Some(line) = (item.index_id as usize).checked_sub(997) {
                assert_eq!(item.text, devtest[line], "index_id {}", item.index_id);
                flores_checked += 1;
            }
        }
    }
    assert_eq!(quoted, 117); // sib200/README.md: heb_Hebr has the most quoted lines, 117
    assert_eq!(flores_checked, 494);
}

const XCOPA_LANGS: [&str; 11] = [
    "et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh",
];
const CONSISTENT: [&str; 6] = ["et", "ht", "qu", "ta", "vi", "zh"];

fn xcopa_split(lang: &str, split: &str) -> Vec<XcopaItem> {
    xcopa::read(&path(&xcopa::split_rel(lang, split))).unwrap()
}

#[test]
fn xcopa_counts_and_label_balance() {
    for lang in XCOPA_LANGS {
        for (split, n, label0) in [("val", 100, 55), ("test", 500, 250)] {
            let items = xcopa_split(lang, split);
            assert_eq!(items.len(), n, "{lang} {split}");
            assert_eq!(
                items.iter().filter(|i| i.label == 0).count(),
                label0,
                "{lang} {split}"
            );
            assert!(
                items.iter().enumerate().all(|(k, i)| i.idx as usize == k),
                "{lang} {split}: idx is the position"
            );
        }
    }
}

#[test]
fn xcopa_zh_reference_fixes_the_published_number_of_questions() {
    // xcopa/README.md: items whose question differs from the majority, test and val.
    let expected = [
        ("th", 250, 52),
        ("tr", 51, 52),
        ("sw", 37, 6),
        ("id", 4, 5),
        ("it", 4, 5),
    ];
    for split in ["test", "val"] {
        // Independent reference: per-idx majority over the six consistent languages.
        let mut votes: BTreeMap<u32, (usize, usize)> = BTreeMap::new();
        for lang in CONSISTENT {
            for item in xcopa_split(lang, split) {
                let v = votes.entry(item.idx).or_default();
                match item.question {
                    Question::Cause => v.0 += 1,
                    Question::Effect => v.1 += 1,
                }
            }
        }
        let majority: HashMap<u32, Question> = votes
            .iter()
            .map(|(&idx, &(c, e))| {
                (
                    idx,
                    if c > e {
                        Question::Cause
                    } else {
                        Question::Effect
                    },
                )
            })
            .collect();
        let causes = majority.values().filter(|&&q| q == Question::Cause).count();
        assert_eq!(causes, if split == "test" { 250 } else { 52 });

        let zh = xcopa_split("zh", split);
        for lang in XCOPA_LANGS {
            let mut items = xcopa_split(lang, split);
            let wrong = items
                .iter()
                .filter(|i| i.question != majority[&i.idx])
                .count();
            let fixed = xcopa::fix_questions(&mut items, &zh).unwrap();
            let want = expected
                .iter()
                .find(|(l, _, _)| *l == lang)
                .map_or(
                    0,
                    |&(_, test, val)| if split == "test" { test } else { val },
                );
            assert_eq!((wrong, fixed), (want, want), "{lang} {split}");
            assert!(
                items.iter().all(|i| i.question == majority[&i.idx]),
                "{lang} {split}"
            );
        }
    }
}

#[test]
fn belebele_counts_and_answer_key() {
    let mut per_lang = Vec::new();
    for code in ["eng_Latn", "deu_Latn"] {
        let items = belebele::read(&path(&belebele::rel(code))).unwrap();
        assert_eq!(items.len(), 900, "{code}");
        let mut key = [0usize; 4];
        for i in &items {
            key[usize::from(i.correct) - 1] += 1;
        }
        assert_eq!(key, [206, 251, 246, 197], "{code}");
        let mut per_passage: BTreeMap<&str, usize> = BTreeMap::new();
        for i in &items {
            *per_passage.entry(&i.link).or_default() += 1;
        }
        assert_eq!(per_passage.len(), 488, "{code}");
        assert_eq!(
            per_passage.values().filter(|&&n| n == 2).count(),
            412,
            "{code}"
        );
        assert_eq!(
            per_passage.values().filter(|&&n| n == 1).count(),
            76,
            "{code}"
        );
        per_lang.push(
            items
                .iter()
                .map(|i| (i.link.clone(), i.question_number, i.correct))
                .collect::<Vec<_>>(),
        );
    }
    // The two languages align line by line (same link, question number and key).
    assert_eq!(per_lang[0], per_lang[1]);
}
