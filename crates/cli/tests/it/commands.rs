//! The commands' library functions end to end on neuron-probe's fake model: results, JSON
//! structure, files (PNG headers decode), caching, and numbers checked against independent
//! hand computations.

use crate::common;

use std::collections::BTreeMap;

use cli::{
    BridgeOptions, EvalOptions, ProbeOptions, SimilarityOptions, StatsOptions, TaskArg, bridge,
    eval_command, probe_command, render_bridge, render_similarity, similarity_command,
    stats_command,
};
use common::{CANDIDATES, ctx, png_size, probe_params, read_json, sets, stats_params, world};
use neuron_probe::{NeuronModel, language_stats};
use xicl_eval::Route;

fn bridge_options(out: &std::path::Path) -> BridgeOptions {
    let mut opts = BridgeOptions::new("en-sw".parse().unwrap());
    opts.candidates = CANDIDATES.iter().map(|c| c.to_string()).collect();
    opts.params.stats = stats_params();
    opts.params.probe = probe_params();
    opts.params.bridge.sets = sets();
    opts.out_dir = Some(out.to_path_buf());
    opts
}

#[test]
fn bridge_finds_the_constructed_bridge_and_writes_its_files() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let ctx = ctx(dir.path());
    let mut model = sc.model.clone();
    let opts = bridge_options(&out);
    let outcome = bridge(&mut model, &inputs, &ctx, &opts).unwrap();
    assert_eq!(outcome.report.chosen.as_deref(), Some(sc.bridge.as_str()));

    // JSON: structure, and numbers re-derived from its own per-layer scores.
    let json = read_json(&out.join("bridge-en-sw.json"));
    assert_eq!(json["format"], "bridgex-bridge/1");
    let report = &json["report"];
    assert_eq!(report["source"], "en");
    assert_eq!(report["target"], "sw");
    assert_eq!(report["chosen"], "pt");
    let layers = model.layers();
    let (first, last) = (
        report["window"]["first"].as_u64().unwrap() as usize,
        report["window"]["last"].as_u64().unwrap() as usize,
    );
    // docs/METHOD.md §5 for 6 layers: [round(1.875), round(4.125) - 1] = [2, 3].
    assert_eq!((first, last), (2, 3));
    let mut scores: Vec<(String, f64)> = Vec::new();
    for c in report["candidates"].as_array().unwrap() {
        let per_layer = c["layers"].as_array().unwrap();
        assert_eq!(per_layer.len(), layers);
        // Every layer was scored (the plot needs full curves), not only the window.
        assert!(per_layer.iter().all(|l| l["score"].is_number()));
        let window: Vec<f64> = per_layer[first..=last]
            .iter()
            .map(|l| l["score"].as_f64().unwrap())
            .collect();
        let mean = window.iter().sum::<f64>() / window.len() as f64;
        let score = c["score"].as_f64().unwrap();
        assert!(
            (mean - score).abs() <= 1e-12 * score.abs().max(1.0),
            "{mean} vs {score}"
        );
        scores.push((c["language"].as_str().unwrap().to_string(), score));
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1));
    let ranking: Vec<String> = report["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ranking,
        scores.iter().map(|s| s.0.clone()).collect::<Vec<_>>()
    );
    let probe = &report["probe"];
    assert_eq!(probe["samples"], 40);
    assert_eq!(probe["dictionary_origin"], "fixture");
    assert!(probe["survived"].as_u64().unwrap() >= 40);
    assert_eq!(
        json["run"]["stats"]["computed"].as_array().unwrap().len(),
        5
    );
    assert_eq!(json["run"]["probe"]["computed"][0], "en-sw");

    // Table and figure.
    let txt = std::fs::read_to_string(out.join("bridge-en-sw.txt")).unwrap();
    assert_eq!(txt, render_bridge(&outcome.report));
    assert!(txt.contains("Chosen bridge: Portuguese (pt)"), "{txt}");
    assert!(txt.contains("understanding filter"));
    assert_eq!(png_size(&out.join("bridge-en-sw-layers.png")), (1100, 640));

    // The same run again: everything from the artifacts, the model never called.
    let mut fresh = sc.model.clone();
    let again = bridge(&mut fresh, &inputs, &ctx, &opts).unwrap();
    assert_eq!(fresh.calls.total(), 0);
    assert_eq!(again.report, outcome.report);
    assert_eq!(again.run.stats.cached.len(), 5);
    assert!(again.run.stats.computed.is_empty());
    assert_eq!(again.run.probe.cached, vec!["en-sw".to_string()]);
    assert!(again.run.summary_line().contains("5 from cache"));
}

#[test]
fn bridge_options_are_checked() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let mut model = sc.model.clone();

    let mut opts = bridge_options(&dir.path().join("out"));
    opts.candidates = vec!["sw".into(), "pt".into()];
    let err = bridge(&mut model, &inputs, &ctx, &opts).unwrap_err();
    assert!(
        format!("{err:#}").contains("source or the target"),
        "{err:#}"
    );

    let mut opts = bridge_options(&dir.path().join("out"));
    opts.layer_window = Some("2-9".parse().unwrap());
    let err = bridge(&mut model, &inputs, &ctx, &opts).unwrap_err();
    assert!(format!("{err:#}").contains("6 layers"), "{err:#}");

    // An explicit window is used, and no files are written without an output directory.
    let mut opts = bridge_options(&dir.path().join("none"));
    opts.out_dir = None;
    opts.layer_window = Some("1-4".parse().unwrap());
    let o = bridge(&mut model, &inputs, &ctx, &opts).unwrap();
    assert_eq!((o.report.window.first, o.report.window.last), (1, 4));
    assert!(o.files.is_empty());
    assert!(!dir.path().join("none").exists());
}

/// numpy's default (linear) quantile, written out here as the independent reference.
fn quantile_linear(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

#[test]
fn similarity_matrices_match_a_hand_computation() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let ctx = ctx(dir.path());
    let mut model = sc.model.clone();
    let languages = ["en", "sw", "de", "pt", "es"];
    let opts = SimilarityOptions {
        languages: languages.iter().map(|l| l.to_string()).collect(),
        stats: stats_params(),
        sets: sets(),
        out_dir: Some(out.clone()),
        ..SimilarityOptions::default()
    };
    let o = similarity_command(&mut model, &inputs, &ctx, &opts).unwrap();

    // Independent reference: p = over_zero / tokens, T_l = p >= the 0.9 quantile of p.
    let stats = language_stats(&mut sc.model.clone(), &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    let (p, t) = hand_sets(&stats, &[]);
    for (i, a) in languages.iter().enumerate() {
        for (j, b) in languages.iter().enumerate() {
            let common: Vec<usize> = t[*a]
                .iter()
                .copied()
                .filter(|n| t[*b].contains(n))
                .collect();
            assert_eq!(o.matrices.overlap[i][j], common.len(), "{a}-{b}");
            let dot: f64 = common.iter().map(|&n| p[*a][n] * p[*b][n]).sum();
            let na: f64 = common.iter().map(|&n| p[*a][n].powi(2)).sum::<f64>().sqrt();
            let nb: f64 = common.iter().map(|&n| p[*b][n].powi(2)).sum::<f64>().sqrt();
            let cos = if na > 0.0 && nb > 0.0 {
                dot / (na * nb)
            } else {
                0.0
            };
            assert!((o.matrices.cosine[i][j] - cos).abs() < 1e-12, "{a}-{b}");
            let union = t[*a].len() + t[*b].len() - common.len();
            let jaccard = common.len() as f64 / union as f64;
            assert!(
                (o.matrices.jaccard[i][j] - jaccard).abs() < 1e-12,
                "{a}-{b}"
            );
            let all = cosine(&p[*a], &p[*b]);
            assert!((o.matrices.cosine_all[i][j] - all).abs() < 1e-12, "{a}-{b}");
        }
        assert_eq!(o.languages[i].set_size, t[*languages.get(i).unwrap()].len());
    }
    // en and sw share the coupled overlap group: each is the other's nearest by overlap.
    assert_eq!(o.languages[0].nearest_by_overlap.as_deref(), Some("sw"));

    // Files: JSON, CSV with a header row and column, two decodable heat maps.
    let json = read_json(&out.join("similarity.json"));
    assert_eq!(json["format"], "bridgex-similarity/1");
    assert_eq!(json["matrices"]["languages"].as_array().unwrap().len(), 5);
    let csv = std::fs::read_to_string(out.join("similarity-overlap.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0], "language,en,sw,de,pt,es");
    assert!(lines[1].starts_with("en,"));
    let csv = std::fs::read_to_string(out.join("similarity-cosine.csv")).unwrap();
    assert_eq!(csv.lines().count(), 6);
    for name in ["similarity-overlap.png", "similarity-cosine.png"] {
        let (w, h) = png_size(&out.join(name));
        assert!(w > 400 && h > 400, "{name}: {w}x{h}");
    }
    let txt = render_similarity(&o);
    assert!(txt.contains("Overlap counts") && txt.contains("Cosine similarity"));
}

/// Per language, `p` and `T` = the neurons outside `excluded` at or above the 0.9 quantile of
/// the remaining neurons' `p`.
#[allow(clippy::type_complexity)]
fn hand_sets(
    stats: &[neuron_probe::LanguageStats],
    excluded: &[usize],
) -> (BTreeMap<String, Vec<f64>>, BTreeMap<String, Vec<usize>>) {
    let mut p: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut t: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for s in stats {
        let probs: Vec<f64> = s
            .stats
            .over_zero
            .iter()
            .map(|&c| c as f64 / s.stats.tokens as f64)
            .collect();
        let rest: Vec<usize> = (0..probs.len()).filter(|n| !excluded.contains(n)).collect();
        let values: Vec<f64> = rest.iter().map(|&n| probs[n]).collect();
        let cut = quantile_linear(&values, 0.9);
        t.insert(
            s.lang.clone(),
            rest.into_iter().filter(|&n| probs[n] >= cut).collect(),
        );
        p.insert(s.lang.clone(), probs);
    }
    (p, t)
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    dot / (na * nb)
}

#[test]
fn generic_neurons_left_out_as_a_hand_computation_does() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let languages = ["en", "sw", "de", "pt", "es"];
    let stats: Vec<_> = language_stats(&mut sc.model.clone(), &sc.texts, &stats_params(), &ctx)
        .unwrap()
        .value
        .into_iter()
        .filter(|s| languages.contains(&s.lang.as_str()))
        .collect();
    let (p, _) = hand_sets(&stats, &[]);
    // The bar: the highest probability every language reaches on one neuron, so at least
    // that neuron is generic.
    let floor = |n: usize| p.values().map(|v| v[n]).fold(f64::INFINITY, f64::min);
    let neurons = p["en"].len();
    let bar = (0..neurons).map(floor).fold(0.0, f64::max);
    assert!(bar > 0.0);
    let generic: Vec<usize> = (0..neurons).filter(|&n| floor(n) >= bar).collect();
    let (_, t) = hand_sets(&stats, &generic);

    let opts = SimilarityOptions {
        languages: languages.iter().map(|l| l.to_string()).collect(),
        stats: stats_params(),
        sets: sets(),
        generic: neuron_probe::GenericNeurons::AboveBar { bar },
        ..SimilarityOptions::default()
    };
    let o = similarity_command(&mut sc.model.clone(), &inputs, &ctx, &opts).unwrap();
    assert_eq!(o.generic_excluded, generic.len());
    for (i, l) in languages.iter().enumerate() {
        assert_eq!(o.languages[i].set_size, t[*l].len(), "{l}");
        for (j, m) in languages.iter().enumerate() {
            let shared = t[*l].iter().filter(|n| t[*m].contains(n)).count();
            assert_eq!(o.matrices.overlap[i][j], shared, "{l}-{m}");
        }
    }
    assert!(render_similarity(&o).contains("generic neurons left out"));
}

#[test]
fn stats_summary_is_consistent_with_the_raw_counts() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let mut model = sc.model.clone();
    let mut opts = StatsOptions::new(vec!["en".into(), "swh_Latn".into()]);
    opts.stats = stats_params();
    opts.sets = sets();
    opts.out_dir = Some(dir.path().join("out"));
    let o = stats_command(&mut model, &inputs, &ctx, &opts).unwrap();
    assert_eq!(o.languages.len(), 2);
    assert_eq!(o.languages[1].language, "sw");
    let raw = language_stats(&mut sc.model.clone(), &sc.texts[..2], &stats_params(), &ctx)
        .unwrap()
        .value;
    for (summary, s) in o.languages.iter().zip(&raw) {
        assert_eq!(summary.tokens, s.stats.tokens);
        let n = s.stats.neurons;
        for (layer, &m) in summary.layer_mean_active.iter().enumerate() {
            let hand = s.stats.over_zero[layer * n..(layer + 1) * n]
                .iter()
                .map(|&c| c as f64 / s.stats.tokens as f64)
                .sum::<f64>()
                / n as f64;
            assert!((m - hand).abs() < 1e-12);
        }
        assert_eq!(
            summary.layer_set_size.iter().sum::<usize>(),
            summary.set_size
        );
    }
    let json = read_json(&dir.path().join("out/stats-en-sw.json"));
    assert_eq!(json["format"], "bridgex-stats/1");
    assert_eq!(
        json["languages"][0]["layer_mean_active"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
    assert!(
        std::fs::read_to_string(dir.path().join("out/stats-en-sw.txt"))
            .unwrap()
            .contains("Per layer")
    );
}

#[test]
fn probe_keeps_only_words_the_model_translates() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let mut model = sc.model.clone();
    let mut opts = ProbeOptions::new("en-sw".parse().unwrap());
    opts.probe = probe_params();
    opts.out_dir = Some(dir.path().join("out"));
    let o = probe_command(&mut model, &inputs, &ctx, &opts).unwrap();
    assert_eq!(o.summary.samples, 40);
    assert_eq!(o.words.len(), 40);
    // The fake model's lexicon says which words it translates right.
    let lexicon = &sc.model.config().lexicon;
    for (w, targets) in o.words.iter().zip(&o.targets) {
        assert!(targets.contains(&lexicon[w]), "{w} was not understood");
    }
    assert!(!o.summary.fell_back);
    assert_eq!(o.layers.len(), 6);
    assert!(o.layers.iter().all(|l| (0.0..=1.0).contains(&l.positive)));
    let json = read_json(&dir.path().join("out/probe-en-sw.json"));
    assert_eq!(json["format"], "bridgex-probe/1");
    assert_eq!(
        json["prompts"][0]
            .as_str()
            .unwrap()
            .matches('\u{2192}')
            .count(),
        1
    );
}

#[test]
fn eval_bli_scores_match_the_lexicon() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let mut model = sc.model.clone();
    let mut opts = EvalOptions::new(
        "en-sw".parse().unwrap(),
        TaskArg::Bli,
        dir.path().to_path_buf(),
    );
    opts.routes = vec![Route::Direct, Route::Bridge("pt".into())];
    opts.progress = false;
    opts.limit = Some(30);
    let o = eval_command(&mut model, &inputs, &opts).unwrap();
    assert_eq!(o.task, "bli:en-sw");
    assert_eq!(o.runs.len(), 2);
    // By hand: a word counts when the lexicon's answer is its gold target.
    let lexicon = &sc.model.config().lexicon;
    // --limit 30 spreads over the unique source words (here one entry each): every k-th.
    let entries = &sc.dictionary.entries;
    let unique: std::collections::HashSet<&str> =
        entries.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(unique.len(), entries.len());
    let right = (0..30)
        .map(|i| &entries[i * entries.len() / 30])
        .filter(|e| e.targets.contains(&lexicon[&e.source]))
        .count();
    for r in &o.runs {
        assert_eq!(r.items, 30);
        assert!(
            (r.primary() - 100.0 * right as f64 / 30.0).abs() < 1e-9,
            "{r:?}"
        );
        let lines = std::fs::read_to_string(&r.output).unwrap();
        assert_eq!(lines.lines().count(), 30);
    }
    let json = read_json(&dir.path().join("eval-bli-en-sw.json"));
    assert_eq!(json["format"], "bridgex-eval/1");
    assert_eq!(json["runs"][1]["route"], "bridge:pt");

    // A bridge may not be an endpoint of the task.
    opts.routes = vec![Route::Bridge("sw".into())];
    let err = eval_command(&mut model, &inputs, &opts).unwrap_err();
    assert!(format!("{err:#}").contains("sw"), "{err:#}");

    // Tasks that need the data store say so.
    let opts = EvalOptions::new(
        "en-sw".parse().unwrap(),
        TaskArg::Xcopa,
        dir.path().to_path_buf(),
    );
    let err = eval_command(&mut model, &inputs, &opts).unwrap_err();
    assert!(format!("{err:#}").contains("data store"), "{err:#}");
}

#[test]
fn eval_mt_runs_on_fixture_text() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let mut model = sc.model.clone();
    let mut opts = EvalOptions::new(
        "en-sw".parse().unwrap(),
        TaskArg::Mt,
        dir.path().to_path_buf(),
    );
    opts.limit = Some(3);
    opts.progress = false;
    let o = eval_command(&mut model, &inputs, &opts).unwrap();
    assert_eq!(o.runs[0].items, 3);
    assert!(o.runs[0].metrics.get("chrf++").is_some());
    assert!(cli::render_eval(&o).contains("chrf++"));
}

#[test]
fn languages_table_lists_the_registry() {
    let rows = cli::languages();
    assert_eq!(rows.len(), langs::all().len());
    assert_eq!(rows.iter().filter(|r| r.paper).count(), 15);
    let sw = rows.iter().find(|r| r.code == "sw").unwrap();
    assert_eq!(sw.flores, "swh_Latn");
    assert_eq!(sw.native_name, "kiswahili");
    let text = cli::render_languages(&rows);
    assert!(text.contains("swh_Latn") && text.contains("中文") && text.contains("עִברִית"));
    // Which tasks have data, from the manifest and the task files: Swahili has a Wiktionary
    // list, FLORES, XCOPA and SIB-200 but no Belebele; German has Belebele.
    assert_eq!(sw.tasks, ["bli", "mt", "xcopa", "sib"]);
    let de = rows.iter().find(|r| r.code == "de").unwrap();
    assert!(de.tasks.contains(&"belebele".to_string()), "{:?}", de.tasks);
}

#[test]
fn models_reports_caches() {
    let dir = tempfile::tempdir().unwrap();
    let models_dir = dir.path().join("models");
    let artifacts = dir.path().join("artifacts");
    std::fs::create_dir_all(models_dir.join("sub")).unwrap();
    std::fs::write(models_dir.join("tiny.gguf"), b"GGUF").unwrap();
    std::fs::create_dir_all(artifacts.join("probe")).unwrap();
    std::fs::write(artifacts.join("probe/en-sw-0123456789abcdef.json"), b"{}").unwrap();
    std::fs::write(
        artifacts.join("probe/en-sw-0123456789abcdef.safetensors"),
        b"12345",
    )
    .unwrap();
    let info = cli::models(Some(&models_dir), Some(&artifacts));
    // Both named models, the default first; nothing of them in this cache.
    let names: Vec<&str> = info.named_models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["gemma-3-270m", "qwen2.5-coder-0.5b"]);
    assert!(info.named_models[0].default && !info.named_models[1].default);
    assert_eq!(info.named_models[1].family, "qwen2");
    assert_eq!(info.named_models[1].bytes, 491_400_064);
    for m in &info.named_models {
        if m.state != "override" {
            assert!(!m.cached, "{m:?}");
            assert_eq!(m.state, "missing");
            assert_eq!(
                m.path.as_deref(),
                Some(models_dir.join(&m.file_name).as_path())
            );
        }
    }
    // A file of the right size is reported as cached but not yet verified; with the stamp that
    // fetching writes, as verified (no hashing in a listing).
    let qwen = &info.named_models[1];
    if qwen.state != "override" {
        let path = models_dir.join(&qwen.file_name);
        std::fs::File::create(&path)
            .unwrap()
            .set_len(qwen.bytes)
            .unwrap();
        let again = cli::models(Some(&models_dir), Some(&artifacts));
        assert_eq!(again.named_models[1].state, "unverified");
        assert!(again.named_models[1].cached);
        let text = cli::render_models(&again);
        assert!(text.contains("yes (not verified yet)"), "{text}");
        std::fs::remove_file(&path).unwrap();
    }
    assert_eq!(info.cached_models.len(), 1);
    assert_eq!(info.cached_models[0].bytes, 4);
    assert_eq!(info.artifacts.len(), 1);
    assert_eq!(info.artifacts[0].artifacts, 1);
    assert_eq!(info.artifacts[0].bytes, 7);
    assert!(info.gguf_tensor_types.contains(&"Q4_K".to_string()));
    let text = cli::render_models(&info);
    assert!(text.contains("gemma3") && text.contains("tiny.gguf"));
}

#[test]
fn bridge_states_its_confidence() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ctx(dir.path());
    let mut model = sc.model.clone();
    let mut opts = bridge_options(&dir.path().join("out"));
    opts.params.confidence.replicates = 30;
    let o = bridge(&mut model, &inputs, &ctx, &opts).unwrap();
    let conf = o.report.confidence.as_ref().expect("a confidence estimate");
    assert_eq!(conf.replicates, 30);
    let wins: f64 = conf.candidates.iter().map(|c| c.win_rate).sum();
    assert!((wins - 1.0).abs() < 1e-12, "every replicate has one winner");
    // The scenario makes pt the bridge in every replicate.
    let txt = render_bridge(&o.report);
    assert!(
        txt.contains("Verdict: clear: Portuguese (pt) wins 100% of 30 bootstrap replicates"),
        "{txt}"
    );
    assert!(
        txt.contains("win rate") && txt.contains("95% interval"),
        "{txt}"
    );
    let json = read_json(&dir.path().join("out/bridge-en-sw.json"));
    assert_eq!(json["report"]["confidence"]["verdict"]["verdict"], "clear");
    // Redrawn words: a probe of twice the words is computed once, as its own artifact.
    opts.params.confidence.resample = neuron_probe::Resample::Words {
        pool: 2 * opts.params.probe.probe_size,
    };
    let o = bridge(&mut model, &inputs, &ctx, &opts).unwrap();
    let conf = o.report.confidence.as_ref().expect("a confidence estimate");
    assert_eq!(
        conf.resampled,
        format!(
            "probe words ({} of a pool of {}, without replacement)",
            opts.params.probe.probe_size,
            2 * opts.params.probe.probe_size
        )
    );
    assert!(
        render_bridge(&o.report).contains("30 replicates redrawing the probe words"),
        "{}",
        render_bridge(&o.report)
    );
    // Off on request.
    opts.params.confidence.replicates = 0;
    let o = bridge(&mut model, &inputs, &ctx, &opts).unwrap();
    assert!(o.report.confidence.is_none());
    assert!(!render_bridge(&o.report).contains("Verdict"));
}
