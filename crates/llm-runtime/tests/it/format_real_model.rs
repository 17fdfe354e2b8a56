//! The real default model (Gemma 3 270M, GGUF Q4_K_M), obtained through the default-model
//! resolution (`$BRIDGEX_GEMMA_GGUF`, the cache, or the pinned download).
//!
//! Reference numbers: token ids from the project's reference values (computed with the
//! reference tokenizer), hyperparameters of the published checkpoint (google/gemma-3-270m `config.json`), and
//! dequantised values from an independent NumPy implementation of the ggml block formats run over
//! the same file.

use std::sync::OnceLock;

use llm_runtime::gguf::{GgmlType, GgufFile};
use llm_runtime::loader::GgufWeights;
use llm_runtime::tokenizer::Tokenizer;
use llm_runtime::{Activation, Architecture, WeightSource};

fn weights() -> &'static GgufWeights {
    static W: OnceLock<GgufWeights> = OnceLock::new();
    W.get_or_init(|| {
        let path = llm_runtime::models::default_model_path().expect("default model");
        GgufWeights::open(path).expect("open default model")
    })
}

fn tokenizer() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| weights().tokenizer().expect("tokenizer"))
}

fn file() -> &'static GgufFile {
    weights().file()
}

#[test]
fn header_and_tensor_table() {
    let f = file();
    assert_eq!(f.version(), 3);
    assert_eq!(f.alignment(), 32);
    assert_eq!(f.file_len(), 253_113_024);
    assert_eq!(f.tensors().len(), 236); // 18 layers x 13 + token_embd + output_norm
    assert_eq!(f.data_offset() % 32, 0);
    let types: std::collections::BTreeSet<&str> =
        f.tensors().iter().map(|t| t.ggml_type.name()).collect();
    for t in ["F32", "Q8_0", "Q5_0", "Q4_K", "Q6_K"] {
        assert!(types.contains(t), "type {t} missing: {types:?}");
    }
    let embd = f.tensor_info("token_embd.weight").unwrap();
    assert_eq!(embd.dims, vec![640, 262_144]);
    assert_eq!(embd.ggml_type, GgmlType::Q8_0);
    assert_eq!(
        f.tensor_info("blk.0.attn_output.weight").unwrap().ggml_type,
        GgmlType::Q4_K
    );
    assert_eq!(
        f.tensor_info("blk.0.ffn_down.weight").unwrap().ggml_type,
        GgmlType::Q6_K
    );
    assert_eq!(
        f.tensor_info("blk.0.attn_k.weight").unwrap().ggml_type,
        GgmlType::Q5_0
    );
    assert_eq!(f.architecture().unwrap(), "gemma3");
    assert_eq!(f.get_str("tokenizer.ggml.model").unwrap(), Some("llama"));
}

#[test]
fn config_matches_models_md() {
    let c = weights().config();
    assert_eq!(c.architecture, Architecture::Gemma3);
    assert_eq!(c.num_layers, 18);
    assert_eq!(c.hidden_size, 640);
    assert_eq!(c.intermediate_size, 2048);
    assert_eq!(c.num_neurons(), 36_864);
    assert_eq!((c.num_heads, c.num_kv_heads, c.head_dim), (4, 1, 256));
    assert_eq!(c.vocab_size, 262_144);
    assert_eq!(c.rms_norm_eps, 1e-6);
    assert_eq!(c.attention_scale, 1.0 / 16.0);
    assert_eq!(c.rope_theta, 1_000_000.0);
    assert_eq!(c.rope_local_theta, Some(10_000.0));
    assert_eq!(c.rope_scaling, None); // Gemma 3 270M: rope_scaling null
    assert_eq!(c.sliding_window, Some(512));
    assert_eq!(c.sliding_window_pattern, Some(6));
    assert_eq!(c.final_logit_softcapping, None);
    assert!(c.tie_word_embeddings);
    assert_eq!(c.activation, Activation::GeluTanh);
    assert_eq!((c.bos_token_id, c.eos_token_id), (Some(2), Some(1)));
    assert_eq!(c.max_position_embeddings, 32_768);
    let globals: Vec<usize> = (0..18).filter(|&i| c.is_global_layer(i)).collect();
    assert_eq!(globals, vec![5, 11, 17]);
    assert_eq!(c.rope_theta_for_layer(0), 10_000.0);
    assert_eq!(c.rope_theta_for_layer(5), 1_000_000.0);
}

fn close(a: f32, b: f64) -> bool {
    (a as f64 - b).abs() <= 1e-6 * b.abs().max(1e-3)
}

#[test]
fn hf_names_shapes_and_values() {
    let w = weights();
    let names = w.tensor_names();
    assert_eq!(names.len(), 236);
    for n in [
        "model.embed_tokens.weight",
        "model.norm.weight",
        "model.layers.17.self_attn.q_norm.weight",
        "model.layers.3.pre_feedforward_layernorm.weight",
        "model.layers.3.post_feedforward_layernorm.weight",
        "model.layers.3.post_attention_layernorm.weight",
        "model.layers.3.input_layernorm.weight",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} missing");
    }
    assert!(!names.iter().any(|x| x == "lm_head.weight"));

    // Values from the independent NumPy dequantisation (see the module doc).
    let k = w.tensor("model.layers.0.self_attn.k_proj.weight").unwrap(); // Q5_0
    assert_eq!(k.shape, vec![256, 640]);
    for (i, want) in [
        (0, 0.0),
        (1, -0.027557373046875),
        (31, 0.003936767578125),
        (639, -0.030548095703125),
        (640, 0.0037994384765625),
    ] {
        assert!(
            close(k.data[i], want),
            "k_proj[{i}] = {} != {want}",
            k.data[i]
        );
    }
    let o = w.tensor("model.layers.0.self_attn.o_proj.weight").unwrap(); // Q4_K
    assert_eq!(o.shape, vec![640, 1024]);
    for (i, want) in [
        (0, -0.015705108642578125),
        (1, 0.04966926574707031),
        (255, 0.038992881774902344),
        (256, -0.023250937461853027),
        (1023, -0.08481788635253906),
        (1024, 0.029732823371887207),
    ] {
        assert!(
            close(o.data[i], want),
            "o_proj[{i}] = {} != {want}",
            o.data[i]
        );
    }
    let d = w.tensor("model.layers.0.mlp.down_proj.weight").unwrap(); // Q6_K
    assert_eq!(d.shape, vec![640, 2048]);
    for (i, want) in [
        (0, 0.0052117109298706055),
        (1, 0.02171546220779419),
        (128, -0.01588541269302368),
        (2047, 0.008916854858398438),
        (2048, -0.0033416748046875),
    ] {
        assert!(
            close(d.data[i], want),
            "down_proj[{i}] = {} != {want}",
            d.data[i]
        );
    }
    // Gemma norms: the file stores 1 + w; the contract is HF's w.
    let norm = w.tensor("model.norm.weight").unwrap();
    assert_eq!(norm.shape, vec![640]);
    assert_eq!(
        (norm.data[0], norm.data[1], norm.data[639]),
        (6.125, 8.5625, 20.625)
    );
    let qn = w.tensor("model.layers.0.self_attn.q_norm.weight").unwrap();
    assert_eq!((qn.data[0], qn.data[255]), (0.8828125, 0.890625));
}

#[test]
fn embedding_rows() {
    let e = weights().tensor("model.embed_tokens.weight").unwrap(); // Q8_0
    assert_eq!(e.shape, vec![262_144, 640]);
    let row = |r: usize, c: usize| e.data[r * 640 + c];
    for (r, c, want) in [
        (2, 0, -0.014242410659790039),
        (2, 1, 0.010566949844360352),
        (2, 2, 0.013323545455932617),
        (2, 639, -0.07030820846557617),
        (9079, 0, 0.01100301742553711),
        (9079, 5, -0.022886276245117188),
        (9079, 100, -0.03186321258544922),
        (9079, 639, -0.07494163513183594),
    ] {
        assert!(
            close(row(r, c), want),
            "embed[{r},{c}] = {} != {want}",
            row(r, c)
        );
    }
}

#[test]
fn tokenizer_reference_ids() {
    let t = tokenizer();
    // `tests/model_data/gemma3_270m_reference_values.json` (ids of the reference tokenizer).
    let cases: [(&str, &[u32]); 2] = [
        (
            "English:\"water\"→Deutsch:",
            &[2, 27832, 10253, 7632, 236775, 238183, 133579, 236787],
        ),
        ("The capital of France is", &[2, 818, 5279, 529, 7001, 563]),
    ];
    for (text, want) in cases {
        assert_eq!(t.encode(text, true).unwrap(), want, "{text:?}");
        assert_eq!(
            t.encode(text, false).unwrap(),
            want[1..],
            "{text:?} without BOS"
        );
        assert_eq!(t.decode_skip_special(want).unwrap(), text);
    }
    // Top-5 continuations of the reference file name these pieces.
    for (id, piece) in [
        (623, "▁\""),
        (36621, "▁Wasser"),
        (225668, "Wasser"),
        (9079, "▁Paris"),
        (506, "▁the"),
    ] {
        assert_eq!(t.id_to_token(id).as_deref(), Some(piece));
    }
    assert_eq!((t.bos_id(), t.eos_id()), (Some(2), Some(1)));
    assert_eq!(t.decode(&[2, 818]).unwrap(), "<bos>The");
}

#[test]
fn tokenizer_special_cases() {
    let t = tokenizer();
    // Control tokens are matched in raw text; whitespace runs are single user-defined pieces.
    let ids = t.encode("<start_of_turn>user\nHi", false).unwrap();
    assert_eq!(ids[0], 105);
    assert_eq!(t.id_to_token(ids[1]).as_deref(), Some("user"));
    assert_eq!(ids[2], 107); // "\n"
    assert_eq!(t.encode("a  b", false).unwrap()[1], 138); // "▁▁" (two spaces)
    // Byte fallback for a character outside the vocabulary: U+0378 (unassigned) = CD B8.
    let ids = t.encode("\u{0378}", false).unwrap();
    let pieces: Vec<String> = ids.iter().map(|&i| t.id_to_token(i).unwrap()).collect();
    assert_eq!(pieces, ["<0xCD>", "<0xB8>"]);
    assert_eq!(t.decode(&ids).unwrap(), "\u{0378}");
}
