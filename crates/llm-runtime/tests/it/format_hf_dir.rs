//! HF checkpoint directories: config.json parsing per family, single and sharded safetensors,
//! f32/f16/bf16 conversion, multimodal Gemma 3 names, RoPE scaling (`rope_scaling`,
//! `rope_parameters`), and errors that name file and key.

use std::path::Path;

use llm_runtime::loader::{HfWeights, config_from_hf_json};
use llm_runtime::{Activation, Architecture, ModelConfig, RopeScaling, WeightSource};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, serialize_to_file};
use serde_json::json;

/// (name, dtype, shape, raw little-endian bytes)
type RawTensor = (&'static str, Dtype, Vec<usize>, Vec<u8>);

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn write_safetensors(path: &Path, tensors: &[RawTensor]) {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s, b)| (n.to_string(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    serialize_to_file(views, None, path).unwrap();
}

const WORD_LEVEL_TOKENIZER: &str = r#"{
  "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
  "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
  "model": {"type": "WordLevel", "vocab": {"<unk>": 0, "hello": 1, "world": 2}, "unk_token": "<unk>"}
}"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn llama_single_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "llama", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 2,
            "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 3, "rms_norm_eps": 1e-5,
            "rope_theta": 500000.0, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": [2, 0],
            "max_position_embeddings": 8192, "tie_word_embeddings": false}"#,
    );
    write(dir.path(), "tokenizer.json", WORD_LEVEL_TOKENIZER);
    let emb: Vec<f32> = (0..24).map(|i| i as f32 * 0.5).collect();
    write_safetensors(
        &dir.path().join("model.safetensors"),
        &[
            (
                "model.embed_tokens.weight",
                Dtype::F32,
                vec![3, 8],
                f32_bytes(&emb),
            ),
            (
                "model.norm.weight",
                Dtype::F32,
                vec![8],
                f32_bytes(&[1.0; 8]),
            ),
        ],
    );
    let w = HfWeights::open(dir.path()).unwrap();
    let c = w.config();
    assert_eq!(c.architecture, Architecture::Llama);
    assert_eq!(
        (c.hidden_size, c.intermediate_size, c.num_layers),
        (8, 16, 2)
    );
    assert_eq!(
        (c.num_heads, c.num_kv_heads, c.head_dim, c.vocab_size),
        (2, 1, 4, 3)
    );
    assert_eq!((c.rms_norm_eps, c.rope_theta), (1e-5, 500_000.0));
    assert_eq!(c.attention_scale, 0.5); // 4^-0.5
    assert_eq!(c.activation, Activation::Silu);
    assert_eq!(
        (c.bos_token_id, c.eos_token_id, c.max_position_embeddings),
        (Some(1), Some(2), 8192)
    );
    // tie_word_embeddings=false, but there is no lm_head: the embedding must serve as output.
    assert!(c.tie_word_embeddings);
    let e = w.tensor("model.embed_tokens.weight").unwrap();
    assert_eq!(e.shape, vec![3, 8]);
    assert_eq!(e.data, emb);
    let t = w.tokenizer().unwrap();
    assert_eq!(t.encode("hello world", false).unwrap(), [1, 2]);
    assert_eq!(t.eos_ids(), [2, 0]);
    let err = w.tensor("lm_head.weight").unwrap_err().to_string();
    assert!(
        err.contains("lm_head.weight") && err.contains(&dir.path().display().to_string()),
        "{err}"
    );
}

#[test]
fn qwen2_sharded_half_precision() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "qwen2", "hidden_size": 4, "intermediate_size": 8, "num_hidden_layers": 1,
            "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 2, "rms_norm_eps": 1e-6,
            "rope_theta": 1000000.0, "sliding_window": 32768, "use_sliding_window": false,
            "tie_word_embeddings": false, "eos_token_id": 151643}"#,
    );
    // bf16: 0x3FC0 = 1.5, 0xC000 = -2.0; f16: 0x3C00 = 1.0, 0xB800 = -0.5.
    let bf16 = [0xC0, 0x3F, 0x00, 0xC0].repeat(4);
    let f16 = [0x00, 0x3C, 0x00, 0xB8].repeat(4);
    write_safetensors(
        &dir.path().join("model-00001-of-00002.safetensors"),
        &[("model.embed_tokens.weight", Dtype::BF16, vec![2, 4], bf16)],
    );
    write_safetensors(
        &dir.path().join("model-00002-of-00002.safetensors"),
        &[
            ("lm_head.weight", Dtype::F16, vec![2, 4], f16),
            (
                "model.layers.0.self_attn.q_proj.bias",
                Dtype::F32,
                vec![4],
                f32_bytes(&[0.25; 4]),
            ),
        ],
    );
    write(
        dir.path(),
        "model.safetensors.index.json",
        r#"{"metadata": {"total_size": 48}, "weight_map": {
            "model.embed_tokens.weight": "model-00001-of-00002.safetensors",
            "lm_head.weight": "model-00002-of-00002.safetensors",
            "model.layers.0.self_attn.q_proj.bias": "model-00002-of-00002.safetensors"}}"#,
    );
    let w = HfWeights::open(dir.path()).unwrap();
    let c = w.config();
    assert_eq!(c.architecture, Architecture::Qwen2);
    assert_eq!(c.sliding_window, None); // use_sliding_window = false
    assert!(!c.tie_word_embeddings);
    assert_eq!(c.head_dim, 2);
    let mut names = w.tensor_names();
    names.sort();
    assert_eq!(
        names,
        [
            "lm_head.weight",
            "model.embed_tokens.weight",
            "model.layers.0.self_attn.q_proj.bias"
        ]
    );
    assert_eq!(
        w.tensor("model.embed_tokens.weight").unwrap().data,
        [1.5, -2.0].repeat(4)
    );
    assert_eq!(
        w.tensor("lm_head.weight").unwrap().data,
        [1.0, -0.5].repeat(4)
    );
    assert_eq!(
        w.tensor("model.layers.0.self_attn.q_proj.bias")
            .unwrap()
            .data,
        [0.25; 4]
    );
}

#[test]
fn gemma3_multimodal_text_config() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "gemma3", "eos_token_id": [1, 106],
            "text_config": {"model_type": "gemma3_text", "hidden_size": 8, "intermediate_size": 16,
              "num_hidden_layers": 12, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 256,
              "vocab_size": 4, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
              "sliding_window": 512, "query_pre_attn_scalar": 256, "final_logit_softcapping": null,
              "hidden_activation": "gelu_pytorch_tanh",
              "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
                              "sliding_attention", "full_attention", "sliding_attention", "sliding_attention",
                              "sliding_attention", "sliding_attention", "sliding_attention", "full_attention"]},
            "vision_config": {"hidden_size": 1152}}"#,
    );
    write_safetensors(
        &dir.path().join("model.safetensors"),
        &[
            (
                "language_model.model.embed_tokens.weight",
                Dtype::F32,
                vec![4, 8],
                f32_bytes(&[0.5; 32]),
            ),
            (
                "model.language_model.norm.weight",
                Dtype::F32,
                vec![8],
                f32_bytes(&[0.1; 8]),
            ),
            (
                "vision_tower.patch.weight",
                Dtype::F32,
                vec![2],
                f32_bytes(&[0.0; 2]),
            ),
        ],
    );
    let w = HfWeights::open(dir.path()).unwrap();
    let c = w.config();
    assert_eq!(c.architecture, Architecture::Gemma3);
    assert_eq!(c.attention_scale, 1.0 / 16.0);
    assert_eq!(
        (c.sliding_window, c.sliding_window_pattern),
        (Some(512), Some(6))
    );
    assert_eq!(
        (c.rope_theta, c.rope_local_theta),
        (1_000_000.0, Some(10_000.0))
    );
    assert_eq!(c.final_logit_softcapping, None);
    assert_eq!(c.activation, Activation::GeluTanh);
    assert!(c.tie_word_embeddings); // Gemma's default
    assert_eq!(c.eos_token_id, Some(1));
    assert_eq!(
        w.tensor("model.embed_tokens.weight").unwrap().data,
        [0.5; 32]
    );
    assert_eq!(w.tensor("model.norm.weight").unwrap().data, [0.1; 8]);
}

#[test]
fn mistral_reads_as_llama_with_window() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "mistral", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "vocab_size": 2, "sliding_window": 4096}"#,
    );
    write_safetensors(
        &dir.path().join("model.safetensors"),
        &[(
            "model.embed_tokens.weight",
            Dtype::F32,
            vec![2, 8],
            f32_bytes(&[0.0; 16]),
        )],
    );
    let c = HfWeights::open(dir.path()).unwrap().config().clone();
    assert_eq!(c.architecture, Architecture::Llama);
    assert_eq!(
        (c.sliding_window, c.sliding_window_pattern),
        (Some(4096), None)
    );
    assert!(!c.is_global_layer(0));
}

#[test]
fn errors_name_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().display().to_string();
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("config.json") && e.contains(&p), "{e}");

    write(dir.path(), "config.json", "{not json");
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("config.json") && e.contains("invalid JSON"),
        "{e}"
    );

    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "llama", "hidden_size": 8}"#,
    );
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("config.json") && e.contains("num_attention_heads"),
        "{e}"
    );

    write(dir.path(), "config.json", r#"{"model_type": "gpt_neox"}"#);
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("gpt_neox"), "{e}");

    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "llama", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "vocab_size": 2, "hidden_act": "relu"}"#,
    );
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("hidden_act") && e.contains("relu"), "{e}");

    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "llama", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "vocab_size": 2}"#,
    );
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("model.safetensors"), "{e}");

    write(
        dir.path(),
        "model.safetensors.index.json",
        r#"{"weight_map": {"model.embed_tokens.weight": "missing.safetensors"}}"#,
    );
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(e.contains("missing.safetensors"), "{e}");

    std::fs::remove_file(dir.path().join("model.safetensors.index.json")).unwrap();
    let ints: Vec<u8> = [1i32, 2].iter().flat_map(|x| x.to_le_bytes()).collect();
    write_safetensors(
        &dir.path().join("model.safetensors"),
        &[
            (
                "model.embed_tokens.weight",
                Dtype::F32,
                vec![2, 8],
                f32_bytes(&[0.0; 16]),
            ),
            ("counts", Dtype::I32, vec![2], ints),
        ],
    );
    let w = HfWeights::open(dir.path()).unwrap();
    let e = w.tensor("counts").unwrap_err().to_string();
    assert!(
        e.contains("model.safetensors") && e.contains("`counts`") && e.contains("I32"),
        "{e}"
    );
    let e = w.tokenizer().unwrap_err().to_string();
    assert!(e.contains("tokenizer.json"), "{e}");

    std::fs::write(
        dir.path().join("model.safetensors"),
        b"\x08\0\0\0\0\0\0\0{}",
    )
    .unwrap();
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("model.safetensors") && e.contains("safetensors"),
        "{e}"
    );
}

/// `config.json` of a two-layer llama with `extra` merged in, parsed as if read from `path`.
fn llama_with(extra: serde_json::Value, path: &Path) -> llm_runtime::Result<ModelConfig> {
    let mut cfg = serde_json::json!({"model_type": "llama", "hidden_size": 256,
        "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
        "vocab_size": 4, "rope_theta": 500000.0, "max_position_embeddings": 131072});
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    config_from_hf_json(&cfg, path).map(|(c, _)| c)
}

#[test]
fn rope_scaling_is_read_or_refused() {
    let path = Path::new("/models/x/config.json");
    let llama3 = RopeScaling::Llama3 {
        factor: 8.0,
        low_freq_factor: 1.0,
        high_freq_factor: 4.0,
        original_max_position_embeddings: 8192,
    };
    // Llama 3.1 8B's rope_scaling, verbatim.
    let c = llama_with(
        json!({"rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192, "rope_type": "llama3"}}),
        path,
    )
    .unwrap();
    assert_eq!(c.rope_scaling, Some(llama3.clone()));
    assert_eq!(c.rope_for_layer(1), (500000.0, Some(&llama3)));
    // Linear, under the older `type` key.
    let c = llama_with(
        json!({"rope_scaling": {"type": "linear", "factor": 2.0}}),
        path,
    )
    .unwrap();
    assert_eq!(c.rope_scaling, Some(RopeScaling::Linear { factor: 2.0 }));
    // null, absent, "default" and {} are no scaling.
    for extra in [
        json!({"rope_scaling": null}),
        json!({}),
        json!({"rope_scaling": {"rope_type": "default"}}),
        json!({"rope_scaling": {}}),
    ] {
        let c = llama_with(extra.clone(), path).unwrap();
        assert_eq!(c.rope_scaling, None, "{extra}");
        assert_eq!(c.rope_theta, 500000.0, "{extra}");
    }
    // Anything else is refused, naming the file, the key and what is supported.
    for kind in ["yarn", "dynamic", "longrope", "su"] {
        let e = llama_with(
            json!({"rope_scaling": {"rope_type": kind, "factor": 4.0,
                "original_max_position_embeddings": 32768}}),
            path,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("/models/x/config.json")
                && e.contains("`rope_scaling.rope_type`")
                && e.contains(kind)
                && e.contains("default, linear, llama3"),
            "{e}"
        );
    }
    // Missing or unusable parameters are errors too.
    let e = llama_with(
        json!({"rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0}}),
        path,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("config.json") && e.contains("rope_scaling.original_max_position_embeddings"),
        "{e}"
    );
    let e = llama_with(json!({"rope_scaling": {"rope_type": "linear"}}), path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("rope_scaling.factor"), "{e}");
    let e = llama_with(
        json!({"rope_scaling": {"rope_type": "linear", "factor": -1.0}}),
        path,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("rope_scaling") && e.contains("-1"), "{e}");
    let e = llama_with(json!({"rope_scaling": {"factor": 2.0}}), path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("rope_scaling.rope_type` is missing"), "{e}");

    // Transformers 5's `rope_parameters`: one object for llama ...
    let c = llama_with(
        json!({"rope_theta": null, "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0,
            "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192}}),
        path,
    )
    .unwrap();
    assert_eq!((c.rope_theta, c.rope_scaling), (500000.0, Some(llama3)));
    let e = llama_with(
        json!({"rope_parameters": {"rope_type": "yarn", "rope_theta": 1e6, "factor": 4.0}}),
        path,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("`rope_parameters.rope_type`") && e.contains("yarn"),
        "{e}"
    );
}

#[test]
fn gemma3_linear_scaling_is_for_global_layers() {
    let path = Path::new("/models/gemma-3-4b/config.json");
    // Gemma 3 4B's text config (trimmed): linear scaling 8 on the global layers.
    let gemma = |rope: serde_json::Value| {
        let mut text = json!({"model_type": "gemma3_text", "hidden_size": 2560,
            "intermediate_size": 10240, "num_hidden_layers": 34, "num_attention_heads": 8,
            "num_key_value_heads": 4, "head_dim": 256, "vocab_size": 262208,
            "query_pre_attn_scalar": 256, "sliding_window": 1024, "sliding_window_pattern": 6});
        for (k, v) in rope.as_object().unwrap() {
            text[k] = v.clone();
        }
        let cfg = json!({"model_type": "gemma3", "text_config": text});
        config_from_hf_json(&cfg, path).map(|(c, _)| c)
    };
    let linear = RopeScaling::Linear { factor: 8.0 };
    let check = |c: &ModelConfig| {
        assert_eq!(c.rope_scaling, Some(linear.clone()));
        assert_eq!(c.rope_for_layer(5), (1_000_000.0, Some(&linear)));
        assert_eq!(c.rope_for_layer(4), (10_000.0, None));
        assert_eq!(c.rope_for_layer(6), (10_000.0, None));
    };
    check(
        &gemma(
            json!({"rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
            "rope_scaling": {"factor": 8.0, "rope_type": "linear"}}),
        )
        .unwrap(),
    );
    // Transformers 5: one rope_parameters object per layer type.
    check(
        &gemma(json!({"rope_parameters": {
            "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1000000.0},
            "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}}))
        .unwrap(),
    );
    // Scaled sliding-window layers are not implemented: refused, not ignored.
    let e = gemma(json!({"rope_parameters": {
        "full_attention": {"rope_type": "default", "rope_theta": 1000000.0},
        "sliding_attention": {"rope_type": "linear", "factor": 2.0, "rope_theta": 10000.0}}}))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("gemma-3-4b/config.json")
            && e.contains("rope_parameters.sliding_attention.rope_type"),
        "{e}"
    );
    // Gemma 3 1B / 270M: rope_scaling null.
    let c = gemma(json!({"rope_scaling": null})).unwrap();
    assert_eq!(c.rope_scaling, None);
    assert_eq!(c.rope_for_layer(5), (1_000_000.0, None));
}

#[test]
fn unsupported_rope_scaling_in_a_directory_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "config.json",
        r#"{"model_type": "qwen2", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1,
            "num_attention_heads": 2, "vocab_size": 2,
            "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}"#,
    );
    let e = HfWeights::open(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains(&dir.path().join("config.json").display().to_string())
            && e.contains("rope_scaling.rope_type")
            && e.contains("yarn"),
        "{e}"
    );
}
