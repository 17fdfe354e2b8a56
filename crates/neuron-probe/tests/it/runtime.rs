//! The adapter on the real default model (Gemma 3 270M, fetched and verified by llm-runtime;
//! `BRIDGEX_GEMMA_GGUF` may name a local copy). Reference: MODELS.md gives the greedy
//! continuation of `English:"water"→Deutsch:` as ` "Wasser"`.
#![cfg(feature = "runtime")]

use neuron_probe::{
    ArtifactStore, CaptureSite, NeuronModel, ProbeDictionary, ProbeEntry, ProbeParams, RunContext,
    RuntimeModel, StatsParams, TextSelection, language_stats, probe, probe_prompt,
};

fn gemma() -> RuntimeModel {
    RuntimeModel::from_spec("gemma-3-270m", "cpu", llm_runtime::Dtype::F32).expect("default model")
}

#[test]
fn gemma_through_the_adapter() {
    let mut model = gemma();
    let id = model.identity();
    assert_eq!(
        (id.layers, id.neurons, id.architecture.as_str()),
        (18, 2048, "gemma3")
    );
    assert_eq!(
        id.digest,
        "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
    );
    assert_eq!(model.bos_id(), Some(2));

    let prompt = probe_prompt("English", "water", "Deutsch");
    let out = model.greedy(&[prompt], 8, &["\n"]).unwrap();
    assert_eq!(
        xicl_eval::parse::parse_bli_answer(&out[0])
            .map(|a| xicl_eval::parse::normalize_word(&a))
            .as_deref(),
        Some("wasser"),
        "{:?}",
        out[0]
    );

    // Statistics count every token but the BOS of each window (checked by the stage itself).
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    let text = neuron_probe::LanguageText {
        lang: "en".into(),
        sentences: vec![
            "The cat sat on the mat.".into(),
            "It was warm, and the sun was out.".into(),
        ],
        files: vec![],
        selection: TextSelection::default(),
    };
    let params = StatsParams {
        window_tokens: 8,
        site: CaptureSite::GateAct,
        batch_windows: 2,
    };
    let stats = language_stats(&mut model, std::slice::from_ref(&text), &params, &ctx)
        .unwrap()
        .value;
    let stream: usize = text
        .sentences
        .iter()
        .map(|s| model.encode(s, false).unwrap().len())
        .sum();
    assert_eq!(stats[0].stats.tokens, stream as u64);
    assert_eq!(stats[0].windows, stream.div_ceil(7));
    let p = stats[0].activation_probability();
    assert!(p.iter().all(|&x| (0.0..=1.0).contains(&x)) && p.iter().any(|&x| x > 0.0));

    // A two-word probe: the filter keeps "water" (model answers "Wasser") and the tensor has
    // one finite row per neuron.
    let dict = ProbeDictionary {
        src: "en".into(),
        trg: "de".into(),
        origin: "test".into(),
        split: "two words".into(),
        files: vec![],
        entries: vec![
            ProbeEntry {
                source: "water".into(),
                targets: vec!["wasser".into()],
            },
            ProbeEntry {
                source: "house".into(),
                targets: vec!["haus".into()],
            },
        ],
    };
    let params = ProbeParams {
        probe_size: 2,
        min_survivors: 1,
        max_new_tokens: 8,
        ..ProbeParams::default()
    };
    let a = probe(&mut model, &dict, &params, &ctx).unwrap().value;
    assert!(a.words.contains(&"water".to_string()), "{:?}", a.summary);
    assert_eq!(a.data.len(), 18 * 2048 * a.samples());
    assert!(a.data.iter().all(|v| v.is_finite()));
}
