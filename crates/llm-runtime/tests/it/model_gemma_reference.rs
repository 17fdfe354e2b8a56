//! The real default model (Gemma 3 270M, GGUF Q4_K_M) against reference values computed by an
//! independent f32 NumPy implementation (`tests/model_data/gemma3_270m_reference_values.json`):
//! token ids, top-5 logits, first activations of layers 0 and 17 at the last prompt token, the
//! fraction of active neurons per layer, and a known greedy continuation.

use crate::model_common;

use llm_runtime::{CaptureSite, Dtype, GenerateOptions, Model};
use serde_json::Value;

fn reference() -> Value {
    let path = model_common::reference_json();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("reference JSON parses")
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

#[test]
fn model_gemma3_270m_matches_reference_values() {
    // The default model spec, fetched and verified if needed ($BRIDGEX_GEMMA_GGUF names a copy).
    let model = Model::load("gemma-3-270m", "cpu", Dtype::F32).expect("default model loads");
    let tf = model.transformer();
    let (layers, neurons) = (tf.config().num_layers, tf.config().intermediate_size);
    let refs = reference();
    let cases = refs.as_object().expect("object of prompts");
    assert!(!cases.is_empty());
    let bos = model.tokenizer().bos_id().expect("gemma has a BOS");
    let bos_acts = tf
        .last_token_activations(&[vec![bos]], CaptureSite::GateAct)
        .unwrap();
    for (prompt, want) in cases {
        // Token ids, exactly.
        let ids = model.tokenizer().encode(prompt, true).unwrap();
        let want_ids: Vec<u32> = want["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(ids, want_ids, "{prompt}: token ids");

        // Top-5 logits at the last token: same ids in the same order, values within 1e-3.
        let logits = &model.last_logits(std::slice::from_ref(&ids)).unwrap()[0];
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
        for (k, entry) in want["top5"].as_array().unwrap().iter().enumerate() {
            let id = entry[0].as_u64().unwrap() as usize;
            let value = entry[2].as_f64().unwrap();
            assert_eq!(order[k], id, "{prompt}: top-{k} id");
            let got = logits[id] as f64;
            eprintln!("{prompt}: logit {id} {got:.5} vs {value}");
            // The reference prints 3 decimals: allow that rounding on top of 1e-3 relative.
            assert!(
                (got - value).abs() <= 1e-3 * value.abs() + 5e-4,
                "{prompt}: logit of {id}: {got} vs {value}"
            );
        }

        // GateAct at the last prompt token, first 5 neurons of layers 0 and 17 (5 decimals printed).
        let last = tf
            .last_token_activations(std::slice::from_ref(&ids), CaptureSite::GateAct)
            .unwrap();
        for (key, layer) in [("act_L0_last_first5", 0), ("act_L17_last_first5", 17)] {
            for (n, want) in f64s(&want[key]).into_iter().enumerate() {
                let got = last.get(0, layer, n) as f64;
                eprintln!("{prompt}: {key}[{n}] {got:.6} vs {want}");
                assert!(
                    (got - want).abs() <= 1e-3 * want.abs() + 2e-4,
                    "{prompt}: {key}[{n}]: {got} vs {want}"
                );
            }
        }

        // Fraction of active neurons per layer over the prompt's tokens. The reference includes
        // the BOS position: its activations are those of the one-token sequence [BOS] (causal),
        // added to the BOS-free corpus statistics.
        let stats = model
            .corpus_stats(std::slice::from_ref(&ids), CaptureSite::GateAct)
            .unwrap();
        assert_eq!(stats.tokens as usize, ids.len() - 1);
        let want_frac = f64s(&want["frac_act_gt0_per_layer"]);
        let mut worst_with = 0f64;
        let mut worst_without = 0f64;
        for (l, &wf) in want_frac.iter().enumerate() {
            let active: u64 = stats.over_zero[l * neurons..(l + 1) * neurons].iter().sum();
            let bos_active = bos_acts.row(0, l).iter().filter(|&&a| a > 0.0).count() as u64;
            let with_bos = (active + bos_active) as f64 / (ids.len() * neurons) as f64;
            let without = active as f64 / ((ids.len() - 1) * neurons) as f64;
            worst_with = worst_with.max((with_bos - wf).abs());
            worst_without = worst_without.max((without - wf).abs());
        }
        eprintln!(
            "{prompt}: active fraction worst difference {worst_with:.2e} with BOS, {worst_without:.2e} without"
        );
        assert!(
            worst_with <= 1.5e-4,
            "{prompt}: active fraction (BOS included) off by {worst_with}; without BOS: {worst_without}"
        );
        assert_eq!(want_frac.len(), layers);
    }

    // Greedy continuation.
    let ids = model
        .tokenizer()
        .encode("English:\"water\"→Deutsch:", true)
        .unwrap();
    let g = model
        .generate(
            &[ids],
            GenerateOptions {
                max_new_tokens: 4,
                stop: vec![],
            },
        )
        .unwrap();
    eprintln!("continuation {:?}", g[0].text);
    assert!(
        g[0].text.starts_with(" \"Wasser\""),
        "continuation {:?}",
        g[0].text
    );
}
