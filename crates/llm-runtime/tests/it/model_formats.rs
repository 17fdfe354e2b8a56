//! The same tiny random model written as an HF checkpoint directory (config.json +
//! model.safetensors) and as GGUF files (F32, and Q8_0 matrices), read back through the
//! loaders: logits must match the in-memory model (for Q8_0, the in-memory model with its
//! matrices rounded by a naive Q8_0 written here, following ggml's reference quantiser). With
//! RoPE scaling, HF's `rope_scaling` and llama.cpp's encoding of it (linear metadata, or the
//! `rope_freqs.weight` divisors its converter writes for Llama 3) must give the same logits.

use crate::model_common;

use std::collections::HashMap;

use llm_runtime::gguf::{GgmlType, GgufWriter, MetadataValue};
use llm_runtime::loader::HfWeights;
use llm_runtime::loader::names::{hf_to_gguf, permute_qk};
use llm_runtime::loader::{GgufWeights, ROPE_FREQS_TENSOR};
use llm_runtime::{Architecture, Dtype, RopeScaling, RuntimeDevice, Transformer, WeightSource};
use model_common::tiny::{Family, MemWeights, config};
use serde_json::json;

/// A model every format can express exactly: Q8_0-sized rows, standard attention scale.
fn roundtrip_model(family: Family, seed: u64) -> MemWeights {
    let mut c = config(family, None);
    c.attention_scale = 1.0 / (c.head_dim as f64).sqrt();
    c.intermediate_size = 64;
    MemWeights::random_with(c, seed)
}

fn logits(ws: &dyn WeightSource) -> Vec<Vec<f32>> {
    let m = Transformer::from_weights(ws, &RuntimeDevice::cpu(), Dtype::F32).expect("model loads");
    let prompts = vec![
        vec![1, 5, 9, 33, 2, 17, 60, 4, 4, 12],
        vec![1, 40],
        vec![1, 7, 7, 7, 7, 7, 7],
    ];
    m.last_logits(&prompts).unwrap()
}

fn max_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn model_type(a: Architecture) -> &'static str {
    match a {
        Architecture::Llama => "llama",
        Architecture::Qwen2 => "qwen2",
        Architecture::Gemma3 => "gemma3_text",
    }
}

/// `bf16_matrices`: 2-D tensors as bf16 (how HF checkpoints ship), the rest f32.
fn write_hf(w: &MemWeights, dir: &std::path::Path, bf16_matrices: bool) {
    let c = &w.config;
    let mut cfg = json!({
        "model_type": model_type(c.architecture),
        "hidden_size": c.hidden_size,
        "intermediate_size": c.intermediate_size,
        "num_hidden_layers": c.num_layers,
        "num_attention_heads": c.num_heads,
        "num_key_value_heads": c.num_kv_heads,
        "head_dim": c.head_dim,
        "vocab_size": c.vocab_size,
        "rms_norm_eps": c.rms_norm_eps,
        "rope_theta": c.rope_theta,
        "tie_word_embeddings": c.tie_word_embeddings,
        "bos_token_id": c.bos_token_id,
        "eos_token_id": c.eos_token_id,
        "max_position_embeddings": c.max_position_embeddings,
        "hidden_act": if c.architecture == Architecture::Gemma3 { "gelu_pytorch_tanh" } else { "silu" },
    });
    let rope_scaling = match &c.rope_scaling {
        None => json!(null),
        Some(RopeScaling::Linear { factor }) => json!({"rope_type": "linear", "factor": factor}),
        Some(RopeScaling::Llama3 {
            factor,
            low_freq_factor,
            high_freq_factor,
            original_max_position_embeddings,
        }) => json!({"rope_type": "llama3", "factor": factor,
            "low_freq_factor": low_freq_factor, "high_freq_factor": high_freq_factor,
            "original_max_position_embeddings": original_max_position_embeddings}),
        Some(other) => panic!("HF configs have no {other:?}"),
    };
    cfg.as_object_mut()
        .unwrap()
        .insert("rope_scaling".into(), rope_scaling);
    if c.architecture == Architecture::Gemma3 {
        let o = cfg.as_object_mut().unwrap();
        o.insert("rope_local_base_freq".into(), json!(c.rope_local_theta));
        o.insert("sliding_window".into(), json!(c.sliding_window));
        o.insert(
            "sliding_window_pattern".into(),
            json!(c.sliding_window_pattern),
        );
        o.insert("query_pre_attn_scalar".into(), json!(c.head_dim));
        o.insert(
            "final_logit_softcapping".into(),
            json!(c.final_logit_softcapping),
        );
    }
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&cfg).unwrap(),
    )
    .unwrap();
    type Entry = (Vec<usize>, safetensors::Dtype, Vec<u8>);
    let bytes: HashMap<String, Entry> = w
        .tensors
        .iter()
        .map(|(k, t)| {
            let entry = if bf16_matrices && t.shape.len() == 2 {
                let b = t
                    .data
                    .iter()
                    .flat_map(|v| half::bf16::from_f32(*v).to_le_bytes());
                (t.shape.clone(), safetensors::Dtype::BF16, b.collect())
            } else {
                let b = t.data.iter().flat_map(|v| v.to_le_bytes());
                (t.shape.clone(), safetensors::Dtype::F32, b.collect())
            };
            (k.clone(), entry)
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = bytes
        .iter()
        .map(|(k, (s, dtype, b))| {
            (
                k.clone(),
                safetensors::tensor::TensorView::new(*dtype, s.clone(), b).unwrap(),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, None, &dir.join("model.safetensors")).unwrap();
}

/// ggml's `quantize_row_q8_0_ref` followed by dequantisation.
fn q8_0_roundtrip(x: &[f32]) -> Vec<f32> {
    x.chunks(32)
        .flat_map(|b| {
            let amax = b.iter().fold(0f32, |m, v| m.max(v.abs()));
            let d = amax / 127.0;
            let id = if d != 0.0 { 1.0 / d } else { 0.0 };
            let d16 = half::f16::from_f32(d).to_f32();
            b.iter()
                .map(move |v| (v * id).round() * d16)
                .collect::<Vec<f32>>()
        })
        .collect()
}

fn write_gguf(w: &MemWeights, path: &std::path::Path, matrices: GgmlType) {
    let c = &w.config;
    let arch = match c.architecture {
        Architecture::Llama => "llama",
        Architecture::Qwen2 => "qwen2",
        Architecture::Gemma3 => "gemma3",
    };
    let mut g = GgufWriter::new();
    let k = |s: &str| format!("{arch}.{s}");
    g.add_metadata("general.architecture", MetadataValue::String(arch.into()));
    g.add_metadata(
        k("embedding_length"),
        MetadataValue::U32(c.hidden_size as u32),
    );
    g.add_metadata(k("block_count"), MetadataValue::U32(c.num_layers as u32));
    g.add_metadata(
        k("feed_forward_length"),
        MetadataValue::U32(c.intermediate_size as u32),
    );
    g.add_metadata(
        k("attention.head_count"),
        MetadataValue::U32(c.num_heads as u32),
    );
    g.add_metadata(
        k("attention.head_count_kv"),
        MetadataValue::U32(c.num_kv_heads as u32),
    );
    g.add_metadata(
        k("attention.key_length"),
        MetadataValue::U32(c.head_dim as u32),
    );
    g.add_metadata(
        k("attention.value_length"),
        MetadataValue::U32(c.head_dim as u32),
    );
    g.add_metadata(
        k("attention.layer_norm_rms_epsilon"),
        MetadataValue::F32(c.rms_norm_eps as f32),
    );
    g.add_metadata(k("rope.freq_base"), MetadataValue::F32(c.rope_theta as f32));
    g.add_metadata(
        k("context_length"),
        MetadataValue::U32(c.max_position_embeddings as u32),
    );
    g.add_metadata(
        "tokenizer.ggml.bos_token_id",
        MetadataValue::U32(c.bos_token_id.unwrap()),
    );
    g.add_metadata(
        "tokenizer.ggml.eos_token_id",
        MetadataValue::U32(c.eos_token_id.unwrap()),
    );
    if c.architecture == Architecture::Gemma3 {
        g.add_metadata(
            k("attention.sliding_window"),
            MetadataValue::U32(c.sliding_window.unwrap() as u32),
        );
        g.add_metadata(
            k("attention.sliding_window_pattern"),
            MetadataValue::U32(c.sliding_window_pattern.unwrap() as u32),
        );
        g.add_metadata(
            k("rope.freq_base_swa"),
            MetadataValue::F32(c.rope_local_theta.unwrap() as f32),
        );
        g.add_metadata(
            k("final_logit_softcapping"),
            MetadataValue::F32(c.final_logit_softcapping.unwrap() as f32),
        );
    }
    match &c.rope_scaling {
        None => {}
        Some(RopeScaling::Linear { factor }) => {
            g.add_metadata(
                k("rope.scaling.type"),
                MetadataValue::String("linear".into()),
            );
            g.add_metadata(k("rope.scaling.factor"), MetadataValue::F32(*factor as f32));
        }
        Some(RopeScaling::Llama3 {
            factor,
            low_freq_factor,
            high_freq_factor,
            original_max_position_embeddings,
        }) => {
            // llama.cpp's converter: Llama 3 scaling becomes one divisor per rotary pair.
            let (low, high) = (*low_freq_factor, *high_freq_factor);
            let orig = *original_max_position_embeddings as f64;
            let factors: Vec<f32> = (0..c.head_dim / 2)
                .map(|i| {
                    let freq = 1.0 / c.rope_theta.powf((2 * i) as f64 / c.head_dim as f64);
                    let wavelen = 2.0 * std::f64::consts::PI / freq;
                    let divisor = if wavelen < orig / high {
                        1.0
                    } else if wavelen > orig / low {
                        *factor
                    } else {
                        let smooth = (orig / wavelen - low) / (high - low);
                        1.0 / ((1.0 - smooth) / factor + smooth)
                    };
                    divisor as f32
                })
                .collect();
            g.add_tensor(ROPE_FREQS_TENSOR, &[factors.len()], &factors, GgmlType::F32)
                .unwrap();
        }
        Some(other) => panic!("not written: {other:?}"),
    }
    let mut names: Vec<&String> = w.tensors.keys().collect();
    names.sort();
    for name in names {
        let t = &w.tensors[name];
        let gname =
            hf_to_gguf(c.architecture, name).unwrap_or_else(|| panic!("no GGUF name for {name}"));
        let mut data = t.data.clone();
        if c.architecture == Architecture::Llama
            && (name.ends_with("q_proj.weight") || name.ends_with("k_proj.weight"))
        {
            let heads = if name.ends_with("q_proj.weight") {
                c.num_heads
            } else {
                c.num_kv_heads
            };
            data = permute_qk(&data, t.shape[0], t.shape[1], heads);
        }
        if c.architecture == Architecture::Gemma3 && name.ends_with("norm.weight") {
            // llama.cpp's converter stores Gemma's (1 + w).
            data.iter_mut().for_each(|v| *v += 1.0);
        }
        let ty = if t.shape.len() == 2 {
            matrices
        } else {
            GgmlType::F32
        };
        g.add_tensor(gname, &t.shape, &data, ty).unwrap();
    }
    g.write_file(path).unwrap();
}

#[test]
fn model_formats_hf_and_gguf_give_the_same_logits() {
    for (family, seed) in [
        (Family::Llama, 21),
        (Family::Qwen2, 22),
        (Family::Gemma3, 23),
    ] {
        let w = roundtrip_model(family, seed);
        let want = logits(&w);
        let dir = tempfile::tempdir().unwrap();

        let hf_dir = dir.path().join("hf");
        std::fs::create_dir(&hf_dir).unwrap();
        write_hf(&w, &hf_dir, false);
        let hf = HfWeights::open(&hf_dir).unwrap();
        assert_eq!(hf.config().architecture, w.config.architecture);
        assert_eq!(
            hf.config().sliding_window_pattern,
            w.config.sliding_window_pattern
        );
        let d = max_diff(&logits(&hf), &want);
        assert!(d <= 1e-6, "{family:?}: HF logits differ by {d}");

        // bf16 matrices (kept in bf16 on the CPU): the logits of bf16-rounded weights.
        let bf16_dir = dir.path().join("hf-bf16");
        std::fs::create_dir(&bf16_dir).unwrap();
        write_hf(&w, &bf16_dir, true);
        let mut wb = w.clone();
        for t in wb.tensors.values_mut().filter(|t| t.shape.len() == 2) {
            t.data = t
                .data
                .iter()
                .map(|v| half::bf16::from_f32(*v).to_f32())
                .collect();
        }
        let want_b = logits(&wb);
        assert!(
            max_diff(&want_b, &want) > 1e-4,
            "{family:?}: bf16 rounding should show"
        );
        let d = max_diff(&logits(&HfWeights::open(&bf16_dir).unwrap()), &want_b);
        assert!(
            d <= 1e-5,
            "{family:?}: HF bf16 logits differ from naive bf16 by {d}"
        );

        let f32_path = dir.path().join("f32.gguf");
        write_gguf(&w, &f32_path, GgmlType::F32);
        let g = GgufWeights::open(&f32_path).unwrap();
        assert_eq!(g.config().sliding_window, w.config.sliding_window);
        let d = max_diff(&logits(&g), &want);
        assert!(d <= 1e-5, "{family:?}: GGUF F32 logits differ by {d}");

        let q_path = dir.path().join("q8.gguf");
        write_gguf(&w, &q_path, GgmlType::Q8_0);
        let mut wq = w.clone();
        for t in wq.tensors.values_mut() {
            if t.shape.len() == 2 {
                t.data = q8_0_roundtrip(&t.data);
            }
        }
        let want_q = logits(&wq);
        assert!(
            max_diff(&want_q, &want) > 1e-4,
            "{family:?}: Q8_0 rounding should change the logits"
        );
        let d = max_diff(&logits(&GgufWeights::open(&q_path).unwrap()), &want_q);
        assert!(
            d <= 1e-4,
            "{family:?}: GGUF Q8_0 logits differ from naive Q8_0 by {d}"
        );
    }
}

#[test]
fn model_formats_rope_scaling_survives_hf_and_gguf() {
    // Llama 3 scaling with thresholds 32 and 128 against wavelengths 2pi, 20pi, 200pi, 2000pi
    // (theta 1e4, head_dim 8): one pair kept, one blended, two divided by the factor.
    let llama3 = RopeScaling::Llama3 {
        factor: 8.0,
        low_freq_factor: 1.0,
        high_freq_factor: 4.0,
        original_max_position_embeddings: 128,
    };
    for (family, seed, scaling) in [
        (Family::Llama, 31, llama3),
        (Family::Qwen2, 32, RopeScaling::Linear { factor: 4.0 }),
        (Family::Gemma3, 33, RopeScaling::Linear { factor: 8.0 }),
    ] {
        let plain = roundtrip_model(family, seed);
        let mut w = plain.clone();
        w.config.rope_scaling = Some(scaling.clone());
        let want = logits(&w);
        let effect = max_diff(&want, &logits(&plain));
        assert!(
            effect > 1e-2,
            "{family:?}: scaling should change the logits (by {effect})"
        );
        let dir = tempfile::tempdir().unwrap();

        let hf_dir = dir.path().join("hf");
        std::fs::create_dir(&hf_dir).unwrap();
        write_hf(&w, &hf_dir, false);
        let hf = HfWeights::open(&hf_dir).unwrap();
        assert_eq!(hf.config().rope_scaling.as_ref(), Some(&scaling));
        let d = max_diff(&logits(&hf), &want);
        assert!(d <= 1e-6, "{family:?}: HF logits differ by {d}");

        let path = dir.path().join("f32.gguf");
        write_gguf(&w, &path, GgmlType::F32);
        let g = GgufWeights::open(&path).unwrap();
        match (&scaling, g.config().rope_scaling.as_ref()) {
            (RopeScaling::Llama3 { .. }, Some(RopeScaling::Frequencies { factors })) => {
                // Pair 0 kept, pair 1 blended (wavelen 20pi: smooth = (128 / 20pi - 1) / 3),
                // pairs 2 and 3 divided by 8.
                let smooth = (128.0 / (20.0 * std::f64::consts::PI) - 1.0) / 3.0;
                let blended = (1.0 / ((1.0 - smooth) / 8.0 + smooth)) as f32;
                assert_eq!(factors, &[1.0, blended, 8.0, 8.0]);
            }
            (s, got) => assert_eq!(got, Some(s), "{family:?}"),
        }
        let d = max_diff(&logits(&g), &want);
        assert!(d <= 1e-5, "{family:?}: GGUF logits differ by {d}");
    }
}
