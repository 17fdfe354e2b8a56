//! Edge cases on hand-made files.

use std::fs;
use std::path::{Path, PathBuf};

use corpora::xcopa::{Question, XcopaItem};
use corpora::{CorpusError, belebele, flores, sib200, xcopa};

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

// ---------- FLORES ----------

#[test]
fn flores_reads_lines_with_any_line_end() {
    let dir = tempfile::tempdir().unwrap();
    for text in [
        "One.\nTwo two.\nThree.\n",
        "One.\r\nTwo two.\r\nThree.",
        "One.\nTwo two.\nThree.",
    ] {
        let p = write(dir.path(), "x.devtest", text.as_bytes());
        assert_eq!(
            flores::read_devtest(&p).unwrap(),
            ["One.", "Two two.", "Three."]
        );
    }
    assert_eq!(
        flores::devtest_rel("swh_Latn"),
        "flores200/devtest/swh_Latn.devtest"
    );
}

#[test]
fn flores_empty_lines_are_errors_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    for (text, line) in [
        ("a\nb\n\nc\n", 3),
        ("a\n \t\nc\n", 2),
        ("\na\n", 1),
        ("a\nb\n\n", 3),
    ] {
        let p = write(dir.path(), "x.devtest", text.as_bytes());
        match flores::read_devtest(&p) {
            Err(CorpusError::EmptyLine { path, line: l }) => {
                assert_eq!((path, l), (p.clone(), line), "{text:?}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    let p = write(dir.path(), "empty.devtest", b"");
    assert!(matches!(
        flores::read_devtest(&p),
        Err(CorpusError::NoRecords { .. })
    ));
    let p = write(dir.path(), "bad.devtest", b"ok\nalso ok\nbad \xff byte\n");
    let err = flores::read_devtest(&p).unwrap_err();
    assert!(
        matches!(err, CorpusError::InvalidUtf8 { line: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("bad.devtest:3"), "{err}");
}

// ---------- SIB-200 ----------

#[test]
fn sib_unquotes_csv_fields_and_accepts_any_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.tsv",
        "text\tindex_id\tcategory\n\
         \"\"\"Quoted,\"\" she said.\"\t12\ttravel\n\
         \"tab\tinside\"\t997\tsports\n\
         plain \"inner\" quote\t5\thealth\n"
            .as_bytes(),
    );
    let items = sib200::read(&p).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].text, "\"Quoted,\" she said.");
    assert_eq!(
        (items[0].index_id, items[0].category.as_str()),
        (12, "travel")
    );
    assert_eq!(items[1].text, "tab\tinside");
    // An unquoted field may hold a quote in its middle (csv's lenient rule, as pandas reads it).
    assert_eq!(items[2].text, "plain \"inner\" quote");
    assert_eq!(
        sib200::split_rel("heb_Hebr", "dev"),
        "sib200/heb_Hebr/dev.tsv"
    );
}

#[test]
fn sib_errors_name_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let header = "index_id\tcategory\ttext\n";
    let cases: [(&str, usize, &str); 4] = [
        ("1\ttravel\tok\nx2\ttravel\tbad id\n", 3, "index_id"),
        ("1\ttravel\tok\n2\t\tno label\n", 3, "category"),
        ("1\ttravel\tok\n2\tsports\t \n", 3, "text"),
        ("-4\ttravel\tnegative\n", 2, "index_id"),
    ];
    for (body, line, field) in cases {
        let p = write(dir.path(), "t.tsv", format!("{header}{body}").as_bytes());
        match sib200::read(&p) {
            Err(CorpusError::Field {
                line: l, field: f, ..
            }) => assert_eq!((l, f.as_str()), (line, field), "{body:?}"),
            other => panic!("{body:?}: {other:?}"),
        }
    }
    // Wrong number of fields on line 3.
    let p = write(
        dir.path(),
        "t.tsv",
        format!("{header}1\ttravel\tok\n2\ttravel\n").as_bytes(),
    );
    match sib200::read(&p) {
        Err(e @ CorpusError::Csv { line: 3, .. }) => {
            assert!(e.to_string().contains("t.tsv:3"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // Duplicate index_id.
    let p = write(
        dir.path(),
        "t.tsv",
        format!("{header}1\ttravel\ta\n1\tsports\tb\n").as_bytes(),
    );
    assert!(matches!(
        sib200::read(&p),
        Err(CorpusError::Duplicate {
            line: 3,
            first_line: 2,
            ..
        })
    ));
    // Bad header.
    let p = write(dir.path(), "t.tsv", b"id\tcategory\ttext\n1\ttravel\ta\n");
    match sib200::read(&p) {
        Err(CorpusError::Header { found, .. }) => assert_eq!(found, "id, category, text"),
        other => panic!("{other:?}"),
    }
    // Header only.
    let p = write(dir.path(), "t.tsv", header.as_bytes());
    assert!(matches!(
        sib200::read(&p),
        Err(CorpusError::NoRecords { .. })
    ));
}

#[test]
fn sib_labels() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "labels.txt", b"travel\nsports\nhealth\n");
    assert_eq!(
        sib200::read_labels(&p).unwrap(),
        ["travel", "sports", "health"]
    );
    let p = write(dir.path(), "labels.txt", b"travel\nsports\ntravel\n");
    assert!(matches!(
        sib200::read_labels(&p),
        Err(CorpusError::Duplicate {
            line: 3,
            first_line: 1,
            ..
        })
    ));
    let p = write(dir.path(), "labels.txt", b"travel\n\nsports\n");
    assert!(matches!(
        sib200::read_labels(&p),
        Err(CorpusError::EmptyLine { line: 2, .. })
    ));
}

// ---------- XCOPA ----------

const XCOPA_OK: &str = r#"{"premise": "P0", "choice1": "A", "choice2": "B", "question": "effect", "label": 1, "idx": 0, "changed": false}
{"premise": "P1", "choice1": "C", "choice2": "D", "question": "cause", "label": 0, "idx": 1}
"#;

#[test]
fn xcopa_reads_items_with_crlf_and_optional_changed() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "val.xx.jsonl",
        XCOPA_OK.replace('\n', "\r\n").as_bytes(),
    );
    let items = xcopa::read(&p).unwrap();
    assert_eq!(
        items,
        [
            XcopaItem {
                idx: 0,
                premise: "P0".into(),
                choice1: "A".into(),
                choice2: "B".into(),
                question: Question::Effect,
                label: 1,
            },
            XcopaItem {
                idx: 1,
                premise: "P1".into(),
                choice1: "C".into(),
                choice2: "D".into(),
                question: Question::Cause,
                label: 0,
            },
        ]
    );
    assert_eq!(items[0].answer(), "B");
    assert_eq!(items[1].answer(), "C");
    assert_eq!(Question::Cause.to_string(), "cause");
    assert_eq!(xcopa::split_rel("sw", "test"), "xcopa/sw/test.sw.jsonl");
}

#[test]
fn xcopa_errors_name_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let first = XCOPA_OK.lines().next().unwrap();
    let cases = [
        (
            r#"{"premise": "P", "choice1": "A", "choice2": "B", "question": "why", "label": 1, "idx": 5}"#,
            "question",
        ),
        (
            r#"{"premise": "P", "choice1": "A", "choice2": "B", "question": "cause", "label": 2, "idx": 5}"#,
            "label",
        ),
        (
            r#"{"premise": "P", "choice1": "A", "choice2": "B", "question": "cause", "label": 0, "idx": "5"}"#,
            "idx",
        ),
        (
            r#"{"premise": "P", "choice2": "B", "question": "cause", "label": 0, "idx": 5}"#,
            "choice1",
        ),
        (
            r#"{"premise": "", "choice1": "A", "choice2": "B", "question": "cause", "label": 0, "idx": 5}"#,
            "premise",
        ),
        (
            r#"{"premise": "P", "choice1": "A", "choice2": "B", "question": "cause", "label": 0, "idx": 5, "changed": 1}"#,
            "changed",
        ),
    ];
    for (bad, field) in cases {
        let p = write(
            dir.path(),
            "x.jsonl",
            format!("{first}\n{bad}\n").as_bytes(),
        );
        let err = xcopa::read(&p).unwrap_err();
        match &err {
            CorpusError::Field {
                line: 2, field: f, ..
            } => assert_eq!(f, field, "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
        assert!(
            err.to_string()
                .contains(&format!("x.jsonl:2: field `{field}`")),
            "{err}"
        );
    }
    let p = write(
        dir.path(),
        "x.jsonl",
        format!("{first}\n{{not json\n").as_bytes(),
    );
    assert!(matches!(
        xcopa::read(&p),
        Err(CorpusError::Json { line: 2, .. })
    ));
    let p = write(
        dir.path(),
        "x.jsonl",
        format!("{first}\n\n{first}\n").as_bytes(),
    );
    assert!(matches!(
        xcopa::read(&p),
        Err(CorpusError::EmptyLine { line: 2, .. })
    ));
    let p = write(
        dir.path(),
        "x.jsonl",
        format!("{first}\n{first}\n").as_bytes(),
    );
    assert!(matches!(
        xcopa::read(&p),
        Err(CorpusError::Duplicate {
            line: 2,
            first_line: 1,
            ..
        })
    ));
}

fn item(idx: u32, question: Question, label: u8) -> XcopaItem {
    XcopaItem {
        idx,
        premise: format!("p{idx}"),
        choice1: "a".into(),
        choice2: "b".into(),
        question,
        label,
    }
}

#[test]
fn fix_questions_takes_the_reference_by_idx() {
    use Question::{Cause, Effect};
    // Reference in another order; items 1 and 2 are wrong.
    let reference = [item(2, Cause, 0), item(0, Effect, 1), item(1, Cause, 1)];
    let mut items = vec![item(0, Effect, 1), item(1, Effect, 1), item(2, Effect, 0)];
    assert_eq!(xcopa::fix_questions(&mut items, &reference).unwrap(), 2);
    assert_eq!(
        items.iter().map(|i| i.question).collect::<Vec<_>>(),
        [Effect, Cause, Cause]
    );
    assert_eq!(xcopa::fix_questions(&mut items, &reference).unwrap(), 0);

    let mut items = vec![item(0, Effect, 1), item(3, Cause, 0)];
    assert!(matches!(
        xcopa::fix_questions(&mut items, &reference),
        Err(CorpusError::MissingReference { idx: 3 })
    ));
    let mut items = vec![item(1, Effect, 1), item(2, Effect, 1)];
    let err = xcopa::fix_questions(&mut items, &reference).unwrap_err();
    assert!(matches!(
        err,
        CorpusError::ReferenceMismatch {
            idx: 2,
            label: 1,
            reference_label: 0
        }
    ));
    assert_eq!(
        items[0].question, Effect,
        "a failed fix must change nothing"
    );
}

// ---------- Belebele ----------

fn belebele_line(correct: &str, extra: &str) -> String {
    format!(
        r#"{{"link": "https://x/a", "question_number": 1, "flores_passage": "Text.", "question": "Q?", "mc_answer1": "a1", "mc_answer2": "a2", "mc_answer3": "a3", "mc_answer4": "a4", "correct_answer_num": {correct}, "dialect": "eng_Latn"{extra}}}"#
    )
}

#[test]
fn belebele_reads_the_original_schema() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n{}\n",
        belebele_line("\"3\"", ""),
        belebele_line("2", ", \"ds\": \"2023-05-03\"")
    );
    let p = write(dir.path(), "eng_Latn.jsonl", text.as_bytes());
    let items = belebele::read(&p).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].correct, 3);
    assert_eq!(items[0].correct_answer(), "a3");
    assert_eq!(items[0].answers, ["a1", "a2", "a3", "a4"]);
    assert_eq!(
        (items[0].link.as_str(), items[0].question_number),
        ("https://x/a", 1)
    );
    assert_eq!(items[1].correct, 2);
    assert_eq!(belebele::rel("deu_Latn"), "belebele/deu_Latn.jsonl");
}

#[test]
fn belebele_errors_name_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = belebele_line("\"1\"", "");
    for (bad, field) in [
        (belebele_line("\"5\"", ""), "correct_answer_num"),
        (belebele_line("\"one\"", ""), "correct_answer_num"),
        (belebele_line("0", ""), "correct_answer_num"),
        (good.replace("\"mc_answer3\": \"a3\", ", ""), "mc_answer3"),
        (
            good.replace("\"question_number\": 1", "\"question_number\": -1"),
            "question_number",
        ),
        (
            good.replace("\"question\": \"Q?\"", "\"question\": null"),
            "question",
        ),
    ] {
        let p = write(
            dir.path(),
            "b.jsonl",
            format!("{good}\n{good}\n{bad}\n").as_bytes(),
        );
        match belebele::read(&p) {
            Err(CorpusError::Field {
                line: 3, field: f, ..
            }) => assert_eq!(f, field, "{bad}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}
