//! Registry contents checked against the specs (docs/METHOD.md, the mirror's FLORES README) and
//! the data files themselves.

use langs::Tier;

/// (ISO, FLORES) as listed in the data mirror's flores200/README.md.
const CODES: [(&str, &str); 20] = [
    ("en", "eng_Latn"),
    ("de", "deu_Latn"),
    ("fr", "fra_Latn"),
    ("it", "ita_Latn"),
    ("pt", "por_Latn"),
    ("es", "spa_Latn"),
    ("zh", "zho_Hans"),
    ("ja", "jpn_Jpan"),
    ("ar", "arb_Arab"),
    ("he", "heb_Hebr"),
    ("id", "ind_Latn"),
    ("tl", "tgl_Latn"),
    ("fi", "fin_Latn"),
    ("hu", "hun_Latn"),
    ("sw", "swh_Latn"),
    ("ru", "rus_Cyrl"),
    ("ko", "kor_Hang"),
    ("vi", "vie_Latn"),
    ("th", "tha_Thai"),
    ("tr", "tur_Latn"),
];

#[test]
fn twenty_languages_with_flores_codes() {
    let all = langs::all();
    let got: Vec<(&str, &str)> = all.iter().map(|l| (l.code, l.flores)).collect();
    assert_eq!(got, CODES);
    for (iso, flores) in CODES {
        assert_eq!(langs::get(iso).unwrap().flores, flores);
        assert_eq!(langs::get(flores).unwrap().code, iso);
        // Script is the FLORES suffix.
        assert_eq!(langs::get(iso).unwrap().script, &flores[4..]);
    }
}

#[test]
fn native_names_are_the_prompt_strings() {
    // docs/METHOD.md section 3, written with escapes so that a visually identical but differently
    // encoded string (decomposed accents, missing Hebrew points) fails.
    let expected = [
        ("en", "English"),
        ("de", "Deutsch"),
        ("fr", "Fran\u{e7}ais"),
        ("it", "Italiano"),
        ("pt", "Portugu\u{ea}s"),
        ("es", "Espa\u{f1}ol"),
        ("zh", "\u{4e2d}\u{6587}"),
        ("ja", "\u{65e5}\u{672c}\u{8a9e}"),
        ("ar", "\u{639}\u{631}\u{628}\u{64a}"),
        ("he", "\u{5e2}\u{5b4}\u{5d1}\u{5e8}\u{5b4}\u{5d9}\u{5ea}"),
        ("id", "Indonesia"),
        ("tl", "Tagalog"),
        ("sw", "kiswahili"),
        ("fi", "suomi"),
        ("hu", "magyar"),
        // Not in docs/METHOD.md; the names the brief fixed.
        ("ru", "\u{420}\u{443}\u{441}\u{441}\u{43a}\u{438}\u{439}"),
        ("ko", "\u{d55c}\u{ad6d}\u{c5b4}"),
        ("vi", "Ti\u{1ebf}ng Vi\u{1ec7}t"),
        ("th", "\u{e44}\u{e17}\u{e22}"),
        ("tr", "T\u{fc}rk\u{e7}e"),
    ];
    for (code, name) in expected {
        assert_eq!(langs::get(code).unwrap().native_name, name, "{code}");
    }
}

#[test]
fn paper_languages_are_the_fifteen_of_method_section_7() {
    let paper: Vec<&str> = langs::paper_languages().iter().map(|l| l.code).collect();
    let mut sorted = paper.clone();
    sorted.sort_unstable();
    let mut want = [
        "zh", "ja", "ar", "he", "id", "tl", "fi", "hu", "sw", "en", "de", "fr", "it", "pt", "es",
    ];
    want.sort_unstable();
    assert_eq!(sorted, want);
    // "15 languages, 7 families", with the families docs/METHOD.md names.
    let mut families: Vec<&str> = langs::paper_languages().iter().map(|l| l.family).collect();
    families.sort_unstable();
    families.dedup();
    assert_eq!(
        families,
        [
            "Afro-Asiatic",
            "Austronesian",
            "Indo-European",
            "Japonic",
            "Niger-Congo",
            "Sino-Tibetan",
            "Uralic"
        ]
    );
    for (pair, family) in [
        ("ar", "Afro-Asiatic"),
        ("he", "Afro-Asiatic"),
        ("id", "Austronesian"),
        ("tl", "Austronesian"),
    ] {
        assert_eq!(langs::get(pair).unwrap().family, family);
    }
}

#[test]
fn tiers() {
    let tier = |c| langs::get(c).unwrap().tier;
    for c in ["sw", "tl"] {
        assert_eq!(tier(c), Tier::Low, "{c}");
    }
    for c in ["he", "id", "fi", "hu", "th", "vi"] {
        assert_eq!(tier(c), Tier::Moderate, "{c}");
    }
    for c in ["en", "de", "fr", "es", "zh", "ja"] {
        assert_eq!(tier(c), Tier::High, "{c}");
    }
    assert_eq!(Tier::Moderate.to_string(), "moderate");
}

#[test]
fn unknown_codes_suggest_nearest() {
    let e = langs::get("sv").unwrap_err();
    // Distance 1 from "sv": sw (substitution); nothing is at distance 0.
    assert_eq!(e.nearest[0], "sw");
    assert!(e.nearest.len() <= 3);
    assert!(
        e.to_string().contains("\"sv\"") && e.to_string().contains("sw"),
        "{e}"
    );
    let e = langs::get("deu_Latm").unwrap_err();
    assert_eq!(e.nearest[0], "deu_Latn");
}

/// Every FLORES code names real data files: FLORES-200 devtest and SIB-200, fetched
/// through the data store (set BRIDGEX_DATA_MIRROR to the data mirror when offline).
#[test]
fn flores_codes_name_files_of_the_data_mirror() {
    let store = fetch::DataStore::from_env().unwrap_or_else(|e| panic!("data store: {e}"));
    for l in langs::all() {
        let path = store
            .file(&format!("flores200/devtest/{}.devtest", l.flores))
            .unwrap_or_else(|e| panic!("{}: {e}", l.code));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1012, "{}", path.display());
        store
            .file(&format!("sib200/{}/test.tsv", l.flores))
            .unwrap_or_else(|e| panic!("{}: {e}", l.code));
    }
}
