//! The data side of the pipeline on the real files, obtained through `fetch` (run with
//! `BRIDGEX_DATA_MIRROR=/work/shared/data` offline). Expectations come from the files themselves,
//! read here with plain `std::fs`, and from the data README's documented counts.

use std::collections::BTreeMap;

use fetch::DataStore;
use muse_dict::Split;
use neuron_probe::data::{load_language_text, load_probe_dictionary};
use neuron_probe::testkit::{FakeConfig, FakeModel, Scenario, ScenarioSize};
use neuron_probe::{
    ArtifactStore, CaptureSite, ProbeParams, RunContext, StatsParams, TextSelection, language_stats,
};
use neuron_probe::{PipelineParams, bridge_for_pair};
use sha2::{Digest, Sha256};

fn store() -> DataStore {
    DataStore::from_env()
        .expect("data store (set BRIDGEX_DATA_MIRROR to the data mirror when offline)")
}

#[test]
fn flores_english_windows() {
    let store = store();
    let text = load_language_text(&store, "eng_Latn", &TextSelection::default()).unwrap();
    assert_eq!(text.lang, "en");
    assert_eq!(text.sentences.len(), 1012);
    let path = store.file("flores200/devtest/eng_Latn.devtest").unwrap();
    let raw = std::fs::read(&path).unwrap();
    assert_eq!(text.files[0].sha256, hex::encode(Sha256::digest(&raw)));
    let raw = String::from_utf8(raw).unwrap();
    let chars: usize = raw.lines().map(|l| l.chars().count()).sum();

    // A one-neuron fake model tokenises one token per character, so the counts are known.
    let mut model = FakeModel::new(FakeConfig {
        layers: 1,
        neurons: 1,
        languages: vec![],
        groups: vec![],
        lexicon: BTreeMap::new(),
        seed: 0,
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    let params = StatsParams {
        window_tokens: 2048,
        site: CaptureSite::GateAct,
        batch_windows: 8,
    };
    let stats = language_stats(&mut model, std::slice::from_ref(&text), &params, &ctx)
        .unwrap()
        .value;
    assert_eq!(stats[0].stats.tokens, chars as u64);
    assert_eq!(stats[0].windows, chars.div_ceil(2047));
    assert_eq!(model.calls.windows, stats[0].windows);

    // SIB-200 adds its 510 FLORES dev sentences; the quick-run cap cuts the total.
    let with_dev = TextSelection {
        max_sentences: None,
        include_sib_dev: true,
    };
    let text = load_language_text(&store, "en", &with_dev).unwrap();
    assert_eq!(text.sentences.len(), 1012 + 510);
    assert_eq!(text.files.len(), 4);
    let capped = TextSelection {
        max_sentences: Some(10),
        include_sib_dev: true,
    };
    assert_eq!(
        load_language_text(&store, "en", &capped)
            .unwrap()
            .sentences
            .len(),
        10
    );
}

#[test]
fn probe_dictionaries_come_from_the_documented_sources() {
    let store = store();
    let en_de = load_probe_dictionary(&store, "en", "de", Split::Train).unwrap();
    assert_eq!(en_de.origin, "MUSE");
    assert_eq!(en_de.entries.len(), 5000);
    assert_eq!(en_de.files[0].path, "muse/full/en-de.txt");
    // en-sw is the Wiktionary list (5,203 English words), train = first floor(0.8 n) = 4,162.
    let en_sw = load_probe_dictionary(&store, "en", "sw", Split::Train).unwrap();
    assert_eq!(en_sw.origin, "Wiktionary");
    assert_eq!(en_sw.entries.len(), 4162);
}

#[test]
fn bridge_for_pair_wires_real_files() {
    // The fake model knows none of the real scripts, so the scores mean nothing here; this
    // checks that every stage gets its inputs from the data store and reports them.
    let store = store();
    let sc = Scenario::new(
        "en",
        "sw",
        "pt",
        &["pt"],
        ScenarioSize {
            layers: 4,
            neurons: 16,
            overlap_per_layer: 2,
            ..ScenarioSize::default()
        },
    )
    .unwrap();
    let mut model = sc.model.clone();
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    let mut params = PipelineParams::default();
    params.text.max_sentences = Some(8);
    params.stats.window_tokens = 256;
    params.probe = ProbeParams {
        probe_size: 12,
        filter: false,
        ..ProbeParams::default()
    };
    params.bridge.sets = overlap::SetMethod::TopRate {
        top_rate: 0.2,
        threshold: overlap::Threshold::Quantile,
    };
    let report = bridge_for_pair(&mut model, &store, "en", "deu_Latn", &[], &params, &ctx)
        .unwrap()
        .value;
    assert_eq!(
        (report.source.as_str(), report.target.as_str()),
        ("en", "de")
    );
    let candidates: Vec<&str> = report
        .candidates
        .iter()
        .map(|c| c.language.as_str())
        .collect();
    assert_eq!(candidates, ["fr", "it", "pt", "es"]);
    assert_eq!(report.languages.len(), 6);
    assert!(report.languages.iter().all(|l| l.sentences == 8));
    assert_eq!(report.probe.dictionary_origin, "MUSE");
    assert_eq!(report.probe.samples, 12);
    assert_eq!(
        report.pipeline.as_ref().map(|p| p.stats.window_tokens),
        Some(256)
    );
}

#[test]
fn a_sentence_limit_above_the_corpus_is_no_limit() {
    // The bug: `--max-sentences N` with N >= the corpus size keyed the statistics apart from a
    // run without the limit, so it missed their artifacts and computed them again.
    let store = store();
    let all = load_language_text(&store, "sw", &TextSelection::default()).unwrap();
    for n in [1012, 5000] {
        let sel = TextSelection {
            max_sentences: Some(n),
            ..TextSelection::default()
        };
        let limited = load_language_text(&store, "sw", &sel).unwrap();
        assert_eq!(limited, all, "--max-sentences {n}");
    }
    let sel = TextSelection {
        max_sentences: Some(10),
        ..TextSelection::default()
    };
    let cut = load_language_text(&store, "sw", &sel).unwrap();
    assert_eq!(
        (cut.sentences.len(), cut.selection.max_sentences),
        (10, Some(10))
    );
}

#[test]
fn an_unreachable_filter_minimum_is_refused_before_any_work() {
    // The bug: `--min-understood 50` still applied when `--filter-max-words 20` made 50
    // unreachable, so the filter ran over 20 words only to fall back.
    let sc = Scenario::new("en", "sw", "pt", &["pt"], ScenarioSize::default()).unwrap();
    let mut model = sc.model.clone();
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    let params = ProbeParams {
        min_survivors: 50,
        max_candidates: Some(20),
        ..ProbeParams::default()
    };
    let e = neuron_probe::probe(&mut model, &sc.dictionary, &params, &ctx)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("--min-understood 50") && e.contains("--filter-max-words 20"),
        "{e}"
    );
    let params = ProbeParams {
        min_survivors: 50,
        probe_size: 30,
        ..ProbeParams::default()
    };
    let e = neuron_probe::probe(&mut model, &sc.dictionary, &params, &ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("--probe-size 30"), "{e}");
    assert_eq!(model.calls.total(), 0);
}
