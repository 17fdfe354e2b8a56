//! The whole pipeline on the fake model: the bridge it must find follows from how the fake's
//! activations are built (see `fake.rs`), not from earlier runs of this code.

use std::fs;

use neuron_probe::BridgeParams;
use neuron_probe::probe::{FILTER_KIND, PROBE_KIND};
use neuron_probe::stats::STATS_KIND;
use neuron_probe::testkit::{FAKE_BOS, FakeModel, Scenario, ScenarioSize};
use neuron_probe::{
    ArtifactStore, CaptureSite, NeuronModel, ProbeParams, RunContext, StatsParams, language_stats,
    probe,
};
use neuron_probe::{language_sets, rank_bridges, similarity};
use overlap::{SetMethod, Threshold};

const CANDIDATES: [&str; 5] = ["de", "fr", "it", "pt", "es"];

fn scenario() -> Scenario {
    Scenario::new("en", "sw", "pt", &CANDIDATES, ScenarioSize::default()).unwrap()
}

fn ctx(dir: &tempfile::TempDir) -> RunContext {
    RunContext::new(ArtifactStore::new(dir.path())).quiet()
}

fn stats_params() -> StatsParams {
    StatsParams {
        window_tokens: 64,
        site: CaptureSite::GateAct,
        batch_windows: 5,
    }
}

fn probe_params() -> ProbeParams {
    ProbeParams {
        probe_size: 60,
        min_survivors: 20,
        batch_size: 16,
        ..ProbeParams::default()
    }
}

fn bridge_params() -> BridgeParams {
    // 10 % of 288 neurons: the cut-off falls inside the tied block of a language's own neurons
    // (2 groups x 4 x 6 layers = 48 for en and sw), so T_en and T_sw are exactly those blocks.
    BridgeParams {
        sets: SetMethod::TopRate {
            top_rate: 0.1,
            threshold: Threshold::Quantile,
        },
        ..BridgeParams::default()
    }
}

#[test]
fn end_to_end_finds_the_constructed_bridge() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(&dir);
    let sc = scenario();
    let mut model = sc.model.clone();
    let stats = language_stats(&mut model, &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    let activations = probe(&mut model, &sc.dictionary, &probe_params(), &ctx)
        .unwrap()
        .value;
    let report = rank_bridges(
        &stats,
        &activations,
        &CANDIDATES,
        &bridge_params(),
        &model.identity(),
    )
    .unwrap();

    assert_eq!(report.chosen.as_deref(), Some("pt"), "{report:#?}");
    assert_eq!(report.ranking[0], "pt");
    // O_st is the {en, sw} group: 4 neurons in each of the 6 layers.
    assert_eq!(report.overlap.per_layer, vec![4; 6]);
    assert_eq!(report.overlap.source_set, 48);
    assert_eq!(report.overlap.target_set, 48);
    // Window of a 6-layer model: [round(1.875), round(4.125) - 1] = 2..=3.
    assert_eq!((report.window.first, report.window.last), (2, 3));
    let pt = report
        .candidates
        .iter()
        .find(|c| c.language == "pt")
        .unwrap();
    for layer in 2..=3 {
        let best = pt.layers[layer].score.unwrap();
        for other in report.candidates.iter().filter(|c| c.language != "pt") {
            assert_eq!(other.layers[layer].bridge_neurons, 4);
            assert!(
                other.layers[layer].score.unwrap() < best,
                "layer {layer}: {} vs pt",
                other.language
            );
        }
    }

    // The probe holds only words the fake translates correctly, in number probe_size.
    let s = &activations.summary;
    assert_eq!((s.samples, s.fell_back, s.filter), (60, false, true));
    let known = |w: &str| {
        let e = sc
            .dictionary
            .entries
            .iter()
            .find(|e| e.source == w)
            .unwrap();
        sc.model.config().lexicon[w] == e.targets[0]
    };
    assert!(activations.words.iter().all(|w| known(w)));
    // Filter accounting: considered words are whole batches of 16, survivors among them.
    assert_eq!(s.candidates_considered % 16, 0);
    assert!(s.survived >= 60 && s.survived <= s.candidates_considered);
    assert_eq!(s.dictionary_words, 120);
}

#[test]
fn statistics_match_a_naive_count() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario();
    let mut model = sc.model.clone();
    let text = &sc.texts[1]; // sw
    let stats = language_stats(
        &mut model,
        std::slice::from_ref(text),
        &stats_params(),
        &ctx(&dir),
    )
    .unwrap()
    .value;
    let got = &stats[0];

    // Independent: every character of every sentence is one token, no BOS counted.
    let chars: Vec<char> = text.sentences.iter().flat_map(|s| s.chars()).collect();
    assert_eq!(got.stats.tokens, chars.len() as u64);
    assert_eq!(got.windows, chars.len().div_ceil(63));
    let (layers, neurons) = (model.layers(), model.neurons());
    for l in 0..layers {
        for n in 0..neurons {
            let values: Vec<f32> = chars
                .iter()
                .map(|&c| model.activation(l, n, c as u32 + 3))
                .collect();
            let over = values.iter().filter(|&&v| v > 0.0).count() as u64;
            let sum: f64 = values.iter().map(|&v| v as f64).sum();
            let k = l * neurons + n;
            assert_eq!(got.stats.over_zero[k], over, "layer {l} neuron {n}");
            assert!((got.stats.sum[k] - sum).abs() < 1e-6 * (1.0 + sum.abs()));
        }
    }
    // BOS would have been counted as an active token if it had not been skipped.
    assert!(model.activation(0, 0, FAKE_BOS) < 0.0);
}

#[test]
fn probe_tensor_is_the_per_prompt_mean_transposed() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario();
    let mut model = sc.model.clone();
    let params = ProbeParams {
        probe_size: 5,
        filter: false,
        batch_size: 2,
        ..ProbeParams::default()
    };
    let a = probe(&mut model, &sc.dictionary, &params, &ctx(&dir))
        .unwrap()
        .value;
    assert_eq!(a.samples(), 5);
    assert!(a.row(6, 0).is_none() && a.row(0, 48).is_none());
    for (s, prompt) in a.prompts.iter().enumerate() {
        assert_eq!(prompt, &format!("English:\"{}\"→kiswahili:", a.words[s]));
        let chars: Vec<char> = prompt.chars().collect();
        for (l, n) in [(0, 0), (3, 17), (5, 47)] {
            let mean = chars
                .iter()
                .map(|&c| model.activation(l, n, c as u32 + 3) as f64)
                .sum::<f64>()
                / chars.len() as f64;
            assert!(
                (a.row(l, n).unwrap()[s] as f64 - mean).abs() < 1e-5,
                "sample {s} layer {l} neuron {n}"
            );
        }
    }
}

#[test]
fn second_run_computes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(&dir);
    let sc = scenario();
    let mut first = sc.model.clone();
    let s1 = language_stats(&mut first, &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    let p1 = probe(&mut first, &sc.dictionary, &probe_params(), &ctx)
        .unwrap()
        .value;
    assert!(first.calls.total() > 0);

    let mut second = sc.model.clone();
    let s2 = language_stats(&mut second, &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    let p2 = probe(&mut second, &sc.dictionary, &probe_params(), &ctx)
        .unwrap()
        .value;
    assert_eq!(second.calls.total(), 0, "{:?}", second.calls);
    assert_eq!(s1, s2);
    assert_eq!(p1, p2);
    // A batch size does not change results, so it does not miss the cache either.
    let mut third = sc.model.clone();
    let other_batch = StatsParams {
        batch_windows: 1,
        ..stats_params()
    };
    language_stats(&mut third, &sc.texts, &other_batch, &ctx).unwrap();
    assert_eq!(third.calls.total(), 0);
}

#[test]
fn interrupted_run_resumes_and_distrusts_half_written_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(&dir);
    let sc = scenario();
    let mut first = sc.model.clone();
    let s1 = language_stats(&mut first, &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    let p1 = probe(&mut first, &sc.dictionary, &probe_params(), &ctx)
        .unwrap()
        .value;

    // Crash simulation for "fr": tensors written, JSON marker never renamed into place, plus
    // a stale temp file of the interrupted write.
    let stats_dir = dir.path().join(STATS_KIND);
    let fr_json = fs::read_dir(&stats_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name().unwrap().to_string_lossy().starts_with("fr-")
                && p.extension().unwrap() == "json"
        })
        .unwrap();
    fs::remove_file(&fr_json).unwrap();
    fs::write(stats_dir.join(".tmp-crashed"), b"{\"half\": ").unwrap();
    // Probe: the filter's judgements survive, the activations' marker does not.
    let probe_json = fs::read_dir(dir.path().join(PROBE_KIND))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().unwrap() == "json")
        .unwrap();
    fs::remove_file(&probe_json).unwrap();
    assert!(dir.path().join(FILTER_KIND).read_dir().unwrap().count() == 1);

    let mut resumed = sc.model.clone();
    let s2 = language_stats(&mut resumed, &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    let fr = s1.iter().find(|s| s.lang == "fr").unwrap();
    assert_eq!(resumed.calls.windows, fr.windows, "only fr is recomputed");
    assert_eq!(s1, s2);
    let p2 = probe(&mut resumed, &sc.dictionary, &probe_params(), &ctx)
        .unwrap()
        .value;
    assert_eq!(resumed.calls.greedy, 0, "filter judgements are reused");
    assert_eq!(resumed.calls.prompts, 60);
    assert_eq!(p1, p2);
}

#[test]
fn changed_parameters_recompute() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(&dir);
    let sc = scenario();
    let mut first = sc.model.clone();
    language_stats(&mut first, &sc.texts[..2], &stats_params(), &ctx).unwrap();
    probe(&mut first, &sc.dictionary, &probe_params(), &ctx).unwrap();

    let mut m = sc.model.clone();
    let wider = StatsParams {
        window_tokens: 128,
        ..stats_params()
    };
    let s = language_stats(&mut m, &sc.texts[..2], &wider, &ctx)
        .unwrap()
        .value;
    assert_eq!(
        m.calls.windows,
        s[0].windows + s[1].windows,
        "both languages again"
    );
    assert_eq!(s[0].windows, s[0].stats.tokens.div_ceil(127) as usize);

    let mut m = sc.model.clone();
    let site = StatsParams {
        site: CaptureSite::Up,
        ..stats_params()
    };
    language_stats(&mut m, &sc.texts[..1], &site, &ctx).unwrap();
    assert!(m.calls.corpus_stats > 0);

    let mut m = sc.model.clone();
    probe(
        &mut m,
        &sc.dictionary,
        &ProbeParams {
            seed: 7,
            ..probe_params()
        },
        &ctx,
    )
    .unwrap();
    assert!(m.calls.greedy > 0 && m.calls.prompt_means > 0);

    // Only the site changes: the filter's judgements are reused, the activations are not.
    let mut m = sc.model.clone();
    probe(
        &mut m,
        &sc.dictionary,
        &ProbeParams {
            site: CaptureSite::Product,
            ..probe_params()
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(m.calls.greedy, 0);
    assert!(m.calls.prompt_means > 0);

    // Another text (one sentence fewer) is another artifact.
    let mut m = sc.model.clone();
    let mut shorter = sc.texts[0].clone();
    shorter.sentences.pop();
    language_stats(&mut m, &[shorter], &stats_params(), &ctx).unwrap();
    assert!(m.calls.corpus_stats > 0);

    // Another model is another artifact.
    let mut other_cfg = sc.model.config().clone();
    other_cfg.seed += 1;
    let mut other = FakeModel::new(other_cfg).unwrap();
    language_stats(&mut other, &sc.texts[..1], &stats_params(), &ctx).unwrap();
    assert!(other.calls.corpus_stats > 0);
}

#[test]
fn filter_falls_back_when_too_few_words_survive() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario();
    let mut model = sc.model.clone();
    // 90 of 120 words are known (every 4th is answered wrongly); ask for 100 survivors.
    assert_eq!(sc.known_words, 90);
    let params = ProbeParams {
        probe_size: 110,
        min_survivors: 100,
        ..probe_params()
    };
    let a = probe(&mut model, &sc.dictionary, &params, &ctx(&dir))
        .unwrap()
        .value;
    let s = &a.summary;
    assert!(s.fell_back);
    assert_eq!(
        (s.candidates_considered, s.survived, s.samples),
        (120, 90, 110)
    );

    // A candidate budget bounds the filter's work (a minimum above the budget is refused,
    // see real_data.rs).
    let mut model = sc.model.clone();
    let params = ProbeParams {
        probe_size: 110,
        min_survivors: 30,
        max_candidates: Some(30),
        ..probe_params()
    };
    let a = probe(&mut model, &sc.dictionary, &params, &ctx(&dir))
        .unwrap()
        .value;
    assert_eq!(model.calls.generations, 30);
    assert_eq!(a.summary.candidates_considered, 30);
    assert!(a.summary.fell_back);

    // Without the filter nothing is generated.
    let mut model = sc.model.clone();
    let params = ProbeParams {
        filter: false,
        ..probe_params()
    };
    let a = probe(&mut model, &sc.dictionary, &params, &ctx(&dir))
        .unwrap()
        .value;
    assert_eq!(model.calls.greedy, 0);
    assert_eq!(
        (a.summary.candidates_considered, a.summary.samples),
        (0, 60)
    );
}

#[test]
fn similarity_matrices_follow_the_groups() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario();
    let mut model = sc.model.clone();
    let stats = language_stats(&mut model, &sc.texts, &stats_params(), &ctx(&dir))
        .unwrap()
        .value;
    let sets = language_sets(&stats, &bridge_params().sets, Default::default()).unwrap();
    let sim = similarity(&stats, &sets, &["en", "sw", "de"]).unwrap();
    // en and sw share exactly their {en, sw} group (4 x 6); de's set shares nothing with them
    // except, possibly, background neurons, which never reach the en/sw cut-off.
    assert_eq!(sim.overlap[0][1], 24);
    assert_eq!(sim.overlap[0][0], 48);
    assert_eq!(sim.overlap[0][2], 0);
    assert!(
        (sim.cosine[0][1] - 1.0).abs() < 1e-9,
        "identical p on the shared neurons"
    );
    assert_eq!(sim.cosine[0][2], 0.0);
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario();
    let mut model = sc.model.clone();
    let mut empty = sc.texts[0].clone();
    empty.sentences.clear();
    assert!(language_stats(&mut model, &[empty], &stats_params(), &ctx(&dir)).is_err());
    let tiny = StatsParams {
        window_tokens: 1,
        ..stats_params()
    };
    assert!(language_stats(&mut model, &sc.texts[..1], &tiny, &ctx(&dir)).is_err());
    let mut no_words = sc.dictionary.clone();
    no_words.entries.clear();
    assert!(probe(&mut model, &no_words, &probe_params(), &ctx(&dir)).is_err());
    let mut unknown = sc.dictionary.clone();
    unknown.trg = "xx".into();
    assert!(probe(&mut model, &unknown, &probe_params(), &ctx(&dir)).is_err());

    let stats = language_stats(&mut model, &sc.texts[..3], &stats_params(), &ctx(&dir))
        .unwrap()
        .value;
    let a = probe(&mut model, &sc.dictionary, &probe_params(), &ctx(&dir))
        .unwrap()
        .value;
    // "fr" has no statistics here.
    let err = rank_bridges(
        &stats,
        &a,
        &["de", "fr"],
        &bridge_params(),
        &model.identity(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("`fr`"), "{err}");
    // The source cannot be its own bridge.
    assert!(rank_bridges(&stats, &a, &["en"], &bridge_params(), &model.identity()).is_err());
}

#[test]
fn the_coupled_candidate_wins_wherever_it_is() {
    for bridge in ["de", "es"] {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ctx(&dir);
        let sc = Scenario::new("sw", "en", bridge, &CANDIDATES, ScenarioSize::default()).unwrap();
        let mut model = sc.model.clone();
        let stats = language_stats(&mut model, &sc.texts, &stats_params(), &ctx)
            .unwrap()
            .value;
        let a = probe(&mut model, &sc.dictionary, &probe_params(), &ctx)
            .unwrap()
            .value;
        let report = rank_bridges(&stats, &a, &[], &bridge_params(), &model.identity()).unwrap();
        // Default candidates for sw-en: de fr it pt es.
        let langs: Vec<&str> = report
            .candidates
            .iter()
            .map(|c| c.language.as_str())
            .collect();
        assert_eq!(langs, CANDIDATES);
        assert_eq!(report.chosen.as_deref(), Some(bridge));
    }
}

#[test]
fn inconsistent_artifact_metadata_is_recomputed_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(&dir);
    let sc = scenario();
    let mut first = sc.model.clone();
    let s1 = language_stats(&mut first, &sc.texts[..1], &stats_params(), &ctx)
        .unwrap()
        .value;
    let json = fs::read_dir(dir.path().join(STATS_KIND))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().unwrap() == "json")
        .unwrap();
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    v["payload"]["layers"] = serde_json::json!(99);
    fs::write(&json, serde_json::to_string(&v).unwrap()).unwrap();
    fs::write(json.with_extension("safetensors"), b"garbage").unwrap();

    let mut again = sc.model.clone();
    let s2 = language_stats(&mut again, &sc.texts[..1], &stats_params(), &ctx)
        .unwrap()
        .value;
    assert!(again.calls.corpus_stats > 0);
    assert_eq!(s1, s2);
    // ...and the rewritten artifact is trusted again.
    let mut third = sc.model.clone();
    language_stats(&mut third, &sc.texts[..1], &stats_params(), &ctx).unwrap();
    assert_eq!(third.calls.total(), 0);
}

/// The fake model answering with CJK corner brackets (`「水」`) instead of ASCII quotes, as
/// Japanese and Chinese continuations often do.
struct CornerQuotes(FakeModel);

impl NeuronModel for CornerQuotes {
    fn identity(&self) -> neuron_probe::ModelIdentity {
        self.0.identity()
    }
    fn layers(&self) -> usize {
        self.0.layers()
    }
    fn neurons(&self) -> usize {
        self.0.neurons()
    }
    fn bos_id(&self) -> Option<u32> {
        self.0.bos_id()
    }
    fn encode(&self, text: &str, add_bos: bool) -> neuron_probe::Result<Vec<u32>> {
        self.0.encode(text, add_bos)
    }
    fn corpus_stats(
        &mut self,
        windows: &[Vec<u32>],
        site: CaptureSite,
    ) -> neuron_probe::Result<neuron_probe::CorpusStats> {
        self.0.corpus_stats(windows, site)
    }
    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        include_generated: bool,
    ) -> neuron_probe::Result<Vec<f32>> {
        self.0.prompt_means(prompts, site, include_generated)
    }
    fn greedy(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> neuron_probe::Result<Vec<String>> {
        let out = self.0.greedy(prompts, max_new_tokens, stop)?;
        Ok(out
            .into_iter()
            .map(|o| o.replacen('"', "「", 1).replacen('"', "」", 1))
            .collect())
    }
    fn continuation_logprobs(
        &mut self,
        pairs: &[(String, String)],
    ) -> neuron_probe::Result<Vec<f64>> {
        self.0.continuation_logprobs(pairs)
    }
}

/// Issue 12 §4: the filter read answers with ASCII quotes only, so `「水」` (which BLI scores
/// as correct) failed it. It now uses BLI's parser: the same words survive either way.
#[test]
fn the_filter_reads_answers_as_bli_does() {
    let sc = scenario();
    let params = probe_params();
    let plain_dir = tempfile::tempdir().unwrap();
    let mut plain = sc.model.clone();
    let a = probe(&mut plain, &sc.dictionary, &params, &ctx(&plain_dir))
        .unwrap()
        .value;
    let corner_dir = tempfile::tempdir().unwrap();
    let mut corner = CornerQuotes(sc.model.clone());
    let b = probe(&mut corner, &sc.dictionary, &params, &ctx(&corner_dir))
        .unwrap()
        .value;
    // The filter stops after the batch that reaches the probe size.
    assert!(a.summary.survived >= 60 && !a.summary.fell_back);
    assert_eq!(
        (b.summary.survived, b.summary.fell_back),
        (a.summary.survived, false)
    );
    assert_eq!(a.words, b.words);
}
