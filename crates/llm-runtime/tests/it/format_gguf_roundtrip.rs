//! GGUF writer -> reader round trips, a hand-assembled file, and tiny llama/qwen2/gemma3 models
//! read back as HF-named weights (q/k un-permuted, Gemma norms shifted by -1), and their RoPE
//! scaling metadata and `rope_freqs.weight` tensor.

use half::f16;
use llm_runtime::gguf::{GgmlType, GgufFile, GgufWriter, MetadataArray, MetadataValue};
use llm_runtime::loader::{GgufWeights, ROPE_FREQS_TENSOR};
use llm_runtime::{Activation, Architecture, RopeScaling, WeightSource};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

#[test]
fn hand_assembled_file_parses_and_writer_matches_it() {
    // GGUF v3, 1 tensor, 1 metadata entry: "a" = u32 7; tensor "t": 1 dim [2] F32 at offset 0.
    let mut b = Vec::new();
    b.extend_from_slice(b"GGUF");
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&1u64.to_le_bytes()); // tensors
    b.extend_from_slice(&1u64.to_le_bytes()); // kv
    b.extend_from_slice(&1u64.to_le_bytes());
    b.push(b'a');
    b.extend_from_slice(&4u32.to_le_bytes()); // u32
    b.extend_from_slice(&7u32.to_le_bytes());
    b.extend_from_slice(&1u64.to_le_bytes());
    b.push(b't');
    b.extend_from_slice(&1u32.to_le_bytes()); // n_dims
    b.extend_from_slice(&2u64.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes()); // F32
    b.extend_from_slice(&0u64.to_le_bytes()); // offset
    assert_eq!(b.len(), 4 + 4 + 8 + 8 + 9 + 4 + 4 + 9 + 4 + 8 + 4 + 8);
    b.resize(b.len().next_multiple_of(32), 0);
    let data_start = b.len();
    b.extend_from_slice(&1.5f32.to_le_bytes());
    b.extend_from_slice(&(-2.0f32).to_le_bytes());

    let f = GgufFile::from_bytes(b.clone(), "hand.gguf").unwrap();
    assert_eq!(f.version(), 3);
    assert_eq!(f.data_offset(), data_start as u64);
    assert_eq!(f.get("a"), Some(&MetadataValue::U32(7)));
    assert_eq!(f.dequantize("t").unwrap(), [1.5, -2.0]);

    let mut w = GgufWriter::new();
    w.add_metadata("a", MetadataValue::U32(7));
    w.add_tensor("t", &[2], &[1.5, -2.0], GgmlType::F32)
        .unwrap();
    assert_eq!(w.to_bytes(), b);

    // Version 2 has the same layout (64-bit counts); only version 1 differs.
    let mut v2 = b.clone();
    v2[4] = 2;
    let f = GgufFile::from_bytes(v2, "v2.gguf").unwrap();
    assert_eq!(
        (f.version(), f.dequantize("t").unwrap()),
        (2, vec![1.5, -2.0])
    );
}

#[test]
fn every_metadata_type_round_trips() {
    let values = vec![
        ("u8", MetadataValue::U8(200)),
        ("i8", MetadataValue::I8(-100)),
        ("u16", MetadataValue::U16(60_000)),
        ("i16", MetadataValue::I16(-30_000)),
        ("u32", MetadataValue::U32(4_000_000_000)),
        ("i32", MetadataValue::I32(-2_000_000_000)),
        ("f32", MetadataValue::F32(1e-6)),
        ("bool", MetadataValue::Bool(true)),
        ("string", MetadataValue::String("Grüße ▁ 🙂".into())),
        ("u64", MetadataValue::U64(u64::MAX)),
        ("i64", MetadataValue::I64(i64::MIN)),
        ("f64", MetadataValue::F64(-2.5e300)),
        (
            "arr.u8",
            MetadataValue::Array(MetadataArray::U8(vec![1, 2, 255])),
        ),
        (
            "arr.i8",
            MetadataValue::Array(MetadataArray::I8(vec![-1, 2])),
        ),
        (
            "arr.u16",
            MetadataValue::Array(MetadataArray::U16(vec![1, 65535])),
        ),
        (
            "arr.i16",
            MetadataValue::Array(MetadataArray::I16(vec![-3])),
        ),
        (
            "arr.u32",
            MetadataValue::Array(MetadataArray::U32(vec![7, 8, 9])),
        ),
        (
            "arr.i32",
            MetadataValue::Array(MetadataArray::I32(vec![-7])),
        ),
        (
            "arr.f32",
            MetadataValue::Array(MetadataArray::F32(vec![0.5, -1000.0])),
        ),
        (
            "arr.bool",
            MetadataValue::Array(MetadataArray::Bool(vec![true, false, true])),
        ),
        (
            "arr.str",
            MetadataValue::Array(MetadataArray::String(vec!["".into(), "<0x0A>".into()])),
        ),
        (
            "arr.u64",
            MetadataValue::Array(MetadataArray::U64(vec![u64::MAX])),
        ),
        (
            "arr.i64",
            MetadataValue::Array(MetadataArray::I64(vec![-1, 1])),
        ),
        (
            "arr.f64",
            MetadataValue::Array(MetadataArray::F64(vec![1e-300])),
        ),
        (
            "arr.empty",
            MetadataValue::Array(MetadataArray::U32(vec![])),
        ),
        (
            "arr.nested",
            MetadataValue::Array(MetadataArray::Array(vec![
                MetadataArray::String(vec!["x".into()]),
                MetadataArray::Array(vec![MetadataArray::I32(vec![1, 2])]),
            ])),
        ),
    ];
    let mut w = GgufWriter::new();
    for (k, v) in &values {
        w.add_metadata(*k, v.clone());
    }
    let f = GgufFile::from_bytes(w.to_bytes(), "meta.gguf").unwrap();
    assert_eq!(f.metadata().len(), values.len());
    for ((k, v), (k2, v2)) in values.iter().zip(f.metadata()) {
        assert_eq!(k, k2);
        assert_eq!(v, v2, "{k}");
    }
    assert_eq!(f.tensors().len(), 0);
    // Typed accessors convert between integer types and name the key on type errors.
    assert_eq!(f.get_u64("u8").unwrap(), Some(200));
    assert_eq!(f.get_f64("f32").unwrap(), Some(1e-6));
    assert!(f.get_u64("i8").unwrap_err().to_string().contains("`i8`"));
    assert!(
        f.get_str("u32")
            .unwrap_err()
            .to_string()
            .contains("expected a string")
    );
}

#[test]
fn tensors_round_trip_with_alignment() {
    let shape = [3usize, 64];
    let x = random(3 * 64, 1);
    let mut w = GgufWriter::new();
    w.set_alignment(64).unwrap();
    for ty in [
        GgmlType::F32,
        GgmlType::F16,
        GgmlType::BF16,
        GgmlType::Q8_0,
        GgmlType::Q4_0,
    ] {
        w.add_tensor(format!("t.{}", ty.name()), &shape, &x, ty)
            .unwrap();
    }
    // An odd-sized tensor forces padding before the next one.
    w.add_tensor("odd", &[3], &[1.0, 2.0, 3.0], GgmlType::F32)
        .unwrap();
    w.add_tensor("after", &[32], &x[..32], GgmlType::Q8_0)
        .unwrap();
    let bytes = w.to_bytes();
    let f = GgufFile::from_bytes(bytes, "t.gguf").unwrap();
    assert_eq!(f.alignment(), 64);
    assert_eq!(f.data_offset() % 64, 0);
    for t in f.tensors() {
        assert_eq!(t.offset % 64, 0, "{}", t.name);
    }
    let get = |n: &str| f.dequantize(n).unwrap();
    assert_eq!(get("t.F32"), x);
    assert_eq!(f.tensor_info("t.F32").unwrap().dims, vec![64, 3]);
    assert_eq!(f.tensor_info("t.F32").unwrap().shape(), vec![3, 64]);
    for (a, b) in get("t.F16").iter().zip(&x) {
        assert_eq!(*a, f16::from_f32(*b).to_f32());
    }
    for (a, b) in get("t.BF16").iter().zip(&x) {
        assert!((a - b).abs() <= b.abs() / 128.0);
    }
    // Quantisation error bounds, plus the f16 rounding of the scale. Q8_0: half a step of
    // amax/127. Q4_0: the largest-magnitude value maps to -8, so values of the opposite sign
    // near amax reach +8, which clamps to 7: up to one full step of amax/8.
    for (ty, step_div, steps) in [("t.Q8_0", 127.0, 0.5), ("t.Q4_0", 8.0, 1.0)] {
        let y = get(ty);
        for (blk, (ys, xs)) in y.chunks(32).zip(x.chunks(32)).enumerate() {
            let amax = xs.iter().fold(0f32, |m, v| m.max(v.abs()));
            for (a, b) in ys.iter().zip(xs) {
                assert!(
                    (a - b).abs() <= amax / step_div * steps + amax * 2e-3,
                    "{ty} block {blk}: {a} vs {b}"
                );
            }
        }
    }
    assert_eq!(get("odd"), [1.0, 2.0, 3.0]);
    assert_eq!(get("after").len(), 32);
}

#[test]
fn writer_rejects_bad_tensors() {
    let mut w = GgufWriter::new();
    assert!(
        w.add_tensor("x", &[2, 30], &[0.0; 60], GgmlType::Q8_0)
            .is_err()
    ); // 30 % 32 != 0
    assert!(
        w.add_tensor("x", &[2, 32], &[0.0; 60], GgmlType::F32)
            .is_err()
    ); // wrong count
    assert!(
        w.add_tensor("x", &[32], &[0.0; 32], GgmlType::Q4_K)
            .is_err()
    ); // no k-quant encoder
    w.add_tensor("x", &[32], &[0.0; 32], GgmlType::F32).unwrap();
    assert!(w.add_tensor("x", &[32], &[0.0; 32], GgmlType::F32).is_err()); // duplicate
    assert!(w.set_alignment(48).is_err());
}

/// A tiny model's tensors in HF layout.
struct Tiny {
    arch: Architecture,
    hidden: usize,
    ffn: usize,
    heads: usize,
    kv_heads: usize,
    head_dim: usize,
    layers: usize,
    vocab: usize,
}

impl Tiny {
    fn hf_tensors(&self) -> Vec<HfTensor> {
        let mut v = Vec::new();
        let mut seed = 10;
        let mut add = |name: String, shape: Vec<usize>| {
            seed += 1;
            let n = shape.iter().product();
            v.push((name, shape, random(n, seed)));
        };
        add(
            "model.embed_tokens.weight".into(),
            vec![self.vocab, self.hidden],
        );
        add("model.norm.weight".into(), vec![self.hidden]);
        for l in 0..self.layers {
            let p = format!("model.layers.{l}.");
            add(
                format!("{p}self_attn.q_proj.weight"),
                vec![self.heads * self.head_dim, self.hidden],
            );
            add(
                format!("{p}self_attn.k_proj.weight"),
                vec![self.kv_heads * self.head_dim, self.hidden],
            );
            add(
                format!("{p}self_attn.v_proj.weight"),
                vec![self.kv_heads * self.head_dim, self.hidden],
            );
            add(
                format!("{p}self_attn.o_proj.weight"),
                vec![self.hidden, self.heads * self.head_dim],
            );
            add(
                format!("{p}mlp.gate_proj.weight"),
                vec![self.ffn, self.hidden],
            );
            add(
                format!("{p}mlp.up_proj.weight"),
                vec![self.ffn, self.hidden],
            );
            add(
                format!("{p}mlp.down_proj.weight"),
                vec![self.hidden, self.ffn],
            );
            add(format!("{p}input_layernorm.weight"), vec![self.hidden]);
            add(
                format!("{p}post_attention_layernorm.weight"),
                vec![self.hidden],
            );
            match self.arch {
                Architecture::Gemma3 => {
                    add(
                        format!("{p}pre_feedforward_layernorm.weight"),
                        vec![self.hidden],
                    );
                    add(
                        format!("{p}post_feedforward_layernorm.weight"),
                        vec![self.hidden],
                    );
                    add(format!("{p}self_attn.q_norm.weight"), vec![self.head_dim]);
                    add(format!("{p}self_attn.k_norm.weight"), vec![self.head_dim]);
                }
                Architecture::Qwen2 => {
                    add(
                        format!("{p}self_attn.q_proj.bias"),
                        vec![self.heads * self.head_dim],
                    );
                    add(
                        format!("{p}self_attn.k_proj.bias"),
                        vec![self.kv_heads * self.head_dim],
                    );
                    add(
                        format!("{p}self_attn.v_proj.bias"),
                        vec![self.kv_heads * self.head_dim],
                    );
                }
                Architecture::Llama => {}
            }
        }
        if self.arch == Architecture::Qwen2 {
            add("lm_head.weight".into(), vec![self.vocab, self.hidden]);
        }
        v
    }
}

/// llama.cpp's converter permutation, written as its NumPy original reads:
/// `w.reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2).reshape(rows, cols)`.
fn llama_cpp_permute(w: &[f32], rows: usize, cols: usize, n_head: usize) -> Vec<f32> {
    let half = rows / n_head / 2;
    let mut out = Vec::with_capacity(w.len());
    // Output index order after swapaxes: (head, j in half, i in 2, col).
    for h in 0..n_head {
        for j in 0..half {
            for i in 0..2 {
                let src_row = (h * 2 + i) * half + j;
                out.extend_from_slice(&w[src_row * cols..(src_row + 1) * cols]);
            }
        }
    }
    out
}

/// The GGUF name of an HF tensor, spelled out independently of the crate's table.
fn gguf_name(arch: Architecture, hf: &str) -> String {
    if hf == "model.embed_tokens.weight" {
        return "token_embd.weight".into();
    }
    if hf == "model.norm.weight" {
        return "output_norm.weight".into();
    }
    if hf == "lm_head.weight" {
        return "output.weight".into();
    }
    let rest = hf.strip_prefix("model.layers.").unwrap();
    let (l, suffix) = rest.split_once('.').unwrap();
    let g = match (suffix, arch) {
        ("self_attn.q_proj.weight", _) => "attn_q.weight",
        ("self_attn.k_proj.weight", _) => "attn_k.weight",
        ("self_attn.v_proj.weight", _) => "attn_v.weight",
        ("self_attn.o_proj.weight", _) => "attn_output.weight",
        ("self_attn.q_proj.bias", _) => "attn_q.bias",
        ("self_attn.k_proj.bias", _) => "attn_k.bias",
        ("self_attn.v_proj.bias", _) => "attn_v.bias",
        ("mlp.gate_proj.weight", _) => "ffn_gate.weight",
        ("mlp.up_proj.weight", _) => "ffn_up.weight",
        ("mlp.down_proj.weight", _) => "ffn_down.weight",
        ("input_layernorm.weight", _) => "attn_norm.weight",
        ("post_attention_layernorm.weight", Architecture::Gemma3) => "post_attention_norm.weight",
        ("post_attention_layernorm.weight", _) => "ffn_norm.weight",
        ("pre_feedforward_layernorm.weight", _) => "ffn_norm.weight",
        ("post_feedforward_layernorm.weight", _) => "post_ffw_norm.weight",
        ("self_attn.q_norm.weight", _) => "attn_q_norm.weight",
        ("self_attn.k_norm.weight", _) => "attn_k_norm.weight",
        other => panic!("no GGUF name for {other:?}"),
    };
    format!("blk.{l}.{g}")
}

/// (HF name, shape, row-major data)
type HfTensor = (String, Vec<usize>, Vec<f32>);

fn write_tiny(t: &Tiny, arch_name: &str) -> (Vec<u8>, Vec<HfTensor>) {
    let (w, tensors) = tiny_writer(t, arch_name);
    (w.to_bytes(), tensors)
}

/// The writer of [`write_tiny`], before serialisation (for tests that add keys or tensors).
fn tiny_writer(t: &Tiny, arch_name: &str) -> (GgufWriter, Vec<HfTensor>) {
    let tensors = t.hf_tensors();
    let mut w = GgufWriter::new();
    w.add_metadata(
        "general.architecture",
        MetadataValue::String(arch_name.into()),
    );
    let k = |s: &str| format!("{arch_name}.{s}");
    w.add_metadata(k("embedding_length"), MetadataValue::U32(t.hidden as u32));
    w.add_metadata(k("feed_forward_length"), MetadataValue::U32(t.ffn as u32));
    w.add_metadata(k("block_count"), MetadataValue::U32(t.layers as u32));
    w.add_metadata(
        k("attention.head_count"),
        MetadataValue::U32(t.heads as u32),
    );
    w.add_metadata(
        k("attention.head_count_kv"),
        MetadataValue::U32(t.kv_heads as u32),
    );
    w.add_metadata(
        k("attention.key_length"),
        MetadataValue::U32(t.head_dim as u32),
    );
    w.add_metadata(
        k("attention.value_length"),
        MetadataValue::U32(t.head_dim as u32),
    );
    w.add_metadata(
        k("attention.layer_norm_rms_epsilon"),
        MetadataValue::F32(1e-5),
    );
    w.add_metadata(k("rope.freq_base"), MetadataValue::F32(500_000.0));
    w.add_metadata(k("context_length"), MetadataValue::U32(256));
    if t.arch == Architecture::Gemma3 {
        w.add_metadata(k("attention.sliding_window"), MetadataValue::U32(16));
    }
    w.add_metadata("tokenizer.ggml.bos_token_id", MetadataValue::U32(1));
    w.add_metadata("tokenizer.ggml.eos_token_id", MetadataValue::U32(2));
    for (name, shape, data) in &tensors {
        let mut stored = data.clone();
        let gname = gguf_name(t.arch, name);
        if t.arch == Architecture::Llama
            && (gname.ends_with("attn_q.weight") || gname.ends_with("attn_k.weight"))
        {
            let heads = if gname.ends_with("attn_q.weight") {
                t.heads
            } else {
                t.kv_heads
            };
            stored = llama_cpp_permute(data, shape[0], shape[1], heads);
        }
        if t.arch == Architecture::Gemma3 && gname.ends_with("norm.weight") {
            stored.iter_mut().for_each(|x| *x += 1.0);
        }
        w.add_tensor(gname, shape, &stored, GgmlType::F32).unwrap();
    }
    (w, tensors)
}

fn check_tiny(t: &Tiny, arch_name: &str) -> GgufWeights {
    let (bytes, tensors) = write_tiny(t, arch_name);
    let w = GgufWeights::from_file(
        GgufFile::from_bytes(bytes, format!("tiny-{arch_name}.gguf")).unwrap(),
    )
    .unwrap();
    let mut names = w.tensor_names();
    names.sort();
    let mut want: Vec<String> = tensors.iter().map(|(n, _, _)| n.clone()).collect();
    want.sort();
    assert_eq!(names, want);
    for (name, shape, data) in &tensors {
        let got = w.tensor(name).unwrap();
        assert_eq!(&got.shape, shape, "{name}");
        for (i, (a, b)) in got.data.iter().zip(data).enumerate() {
            // Gemma norms went through +1 then -1 in f32.
            assert!((a - b).abs() <= 1e-6, "{arch_name} {name}[{i}]: {a} vs {b}");
        }
    }
    let err = w
        .tensor("model.layers.99.mlp.up_proj.weight")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("model.layers.99.mlp.up_proj.weight") && err.contains(arch_name),
        "{err}"
    );
    w
}

#[test]
fn tiny_llama_unpermutes_q_and_k() {
    let t = Tiny {
        arch: Architecture::Llama,
        hidden: 32,
        ffn: 64,
        heads: 4,
        kv_heads: 2,
        head_dim: 8,
        layers: 2,
        vocab: 10,
    };
    let w = check_tiny(&t, "llama");
    let c = w.config();
    assert_eq!(c.architecture, Architecture::Llama);
    assert_eq!(
        (c.hidden_size, c.intermediate_size, c.num_layers),
        (32, 64, 2)
    );
    assert_eq!(
        (c.num_heads, c.num_kv_heads, c.head_dim, c.vocab_size),
        (4, 2, 8, 10)
    );
    assert_eq!(c.rms_norm_eps, 1e-5);
    assert_eq!(c.rope_theta, 500_000.0);
    assert_eq!(c.rope_scaling, None);
    assert_eq!(c.attention_scale, 1.0 / 8f64.sqrt());
    assert_eq!(c.activation, Activation::Silu);
    assert!(c.tie_word_embeddings);
    assert_eq!(c.sliding_window, None);
    assert_eq!(
        (c.bos_token_id, c.eos_token_id, c.max_position_embeddings),
        (Some(1), Some(2), 256)
    );
    // "mistral" is read as llama.
    let (bytes, _) = write_tiny(&t, "llama");
    let mut f = GgufFile::from_bytes(bytes, "x").unwrap();
    assert!(f.get("llama.block_count").is_some());
    drop(f);
    let (bytes, _) = write_tiny(&t, "mistral");
    f = GgufFile::from_bytes(bytes, "m.gguf").unwrap();
    assert_eq!(
        GgufWeights::from_file(f).unwrap().config().architecture,
        Architecture::Llama
    );
}

#[test]
fn tiny_qwen2_keeps_biases_and_untied_head() {
    let t = Tiny {
        arch: Architecture::Qwen2,
        hidden: 32,
        ffn: 96,
        heads: 4,
        kv_heads: 1,
        head_dim: 8,
        layers: 1,
        vocab: 12,
    };
    let w = check_tiny(&t, "qwen2");
    assert_eq!(w.config().architecture, Architecture::Qwen2);
    assert!(!w.config().tie_word_embeddings);
    assert_eq!(w.gguf_name("lm_head.weight"), Some("output.weight"));
}

#[test]
fn tiny_gemma3_subtracts_one_from_norms() {
    let t = Tiny {
        arch: Architecture::Gemma3,
        hidden: 32,
        ffn: 64,
        heads: 2,
        kv_heads: 1,
        head_dim: 32,
        layers: 7,
        vocab: 9,
    };
    let w = check_tiny(&t, "gemma3");
    let c = w.config();
    assert_eq!(c.architecture, Architecture::Gemma3);
    assert_eq!(c.activation, Activation::GeluTanh);
    assert_eq!(c.attention_scale, 1.0 / 32f64.sqrt());
    assert_eq!(
        (c.sliding_window, c.sliding_window_pattern),
        (Some(16), Some(6))
    );
    assert_eq!(
        (c.rope_theta, c.rope_local_theta),
        (500_000.0, Some(10_000.0))
    );
    assert_eq!(c.final_logit_softcapping, None);
    assert!(c.is_global_layer(5) && !c.is_global_layer(6));
    assert_eq!(
        w.gguf_name("model.layers.3.pre_feedforward_layernorm.weight"),
        Some("blk.3.ffn_norm.weight")
    );
    assert_eq!(
        w.gguf_name("model.layers.3.post_attention_layernorm.weight"),
        Some("blk.3.post_attention_norm.weight")
    );
}

#[test]
fn unsupported_architecture_and_missing_keys_are_errors() {
    let t = Tiny {
        arch: Architecture::Llama,
        hidden: 32,
        ffn: 64,
        heads: 4,
        kv_heads: 2,
        head_dim: 8,
        layers: 1,
        vocab: 10,
    };
    let (bytes, _) = write_tiny(&t, "phi3");
    let e = GgufWeights::from_file(GgufFile::from_bytes(bytes, "p.gguf").unwrap()).unwrap_err();
    assert!(e.to_string().contains("phi3"), "{e}");

    let mut w = GgufWriter::new();
    w.add_metadata(
        "general.architecture",
        MetadataValue::String("llama".into()),
    );
    w.add_metadata("llama.embedding_length", MetadataValue::U32(32));
    let e =
        GgufWeights::from_file(GgufFile::from_bytes(w.to_bytes(), "k.gguf").unwrap()).unwrap_err();
    assert!(
        e.to_string().contains("k.gguf") && e.to_string().contains("llama.block_count"),
        "{e}"
    );
}

/// A tiny llama or gemma3 file with extra metadata / tensors added by `edit`, opened.
fn open_tiny_with(
    arch: Architecture,
    name: &str,
    edit: impl FnOnce(&mut GgufWriter),
) -> llm_runtime::Result<GgufWeights> {
    let t = Tiny {
        arch,
        hidden: 32,
        ffn: 64,
        heads: 4,
        kv_heads: 2,
        head_dim: 8,
        layers: if arch == Architecture::Gemma3 { 7 } else { 1 },
        vocab: 10,
    };
    let arch_name = if arch == Architecture::Gemma3 {
        "gemma3"
    } else {
        "llama"
    };
    let (mut w, _) = tiny_writer(&t, arch_name);
    edit(&mut w);
    GgufWeights::from_file(GgufFile::from_bytes(w.to_bytes(), name)?)
}

#[test]
fn rope_scaling_metadata_and_frequency_factors() {
    let llama = Architecture::Llama;
    let string = |s: &str| MetadataValue::String(s.into());
    let scaling = |w: llm_runtime::Result<GgufWeights>| w.unwrap().config().rope_scaling.clone();

    // Linear: explicit type, llama.cpp's default type (absent), and the older key.
    let linear = Some(RopeScaling::Linear { factor: 4.0 });
    let got = scaling(open_tiny_with(llama, "a.gguf", |w| {
        w.add_metadata("llama.rope.scaling.type", string("linear"));
        w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(4.0));
    }));
    assert_eq!(got, linear);
    let got = scaling(open_tiny_with(llama, "b.gguf", |w| {
        w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(4.0));
    }));
    assert_eq!(got, linear);
    let got = scaling(open_tiny_with(llama, "c.gguf", |w| {
        w.add_metadata("llama.rope.scale_linear", MetadataValue::F32(4.0));
    }));
    assert_eq!(got, linear);
    // Type "none", or a factor of 0 (llama.cpp: unset), is no scaling.
    let got = scaling(open_tiny_with(llama, "d.gguf", |w| {
        w.add_metadata("llama.rope.scaling.type", string("none"));
        w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(4.0));
    }));
    assert_eq!(got, None);
    let got = scaling(open_tiny_with(llama, "e.gguf", |w| {
        w.add_metadata("llama.rope.scaling.type", string("linear"));
        w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(0.0));
    }));
    assert_eq!(got, None);

    // llama.cpp's Llama 3 conversion: one factor per rotary pair (head_dim 8: 4 pairs).
    let factors = [1.0f32, 1.5, 8.0, 8.0];
    let got = scaling(open_tiny_with(llama, "f.gguf", |w| {
        w.add_tensor(ROPE_FREQS_TENSOR, &[4], &factors, GgmlType::F32)
            .unwrap();
    }));
    assert_eq!(
        got,
        Some(RopeScaling::Frequencies {
            factors: factors.to_vec()
        })
    );
    // Both: each frequency is divided by its factor and by the linear factor.
    let got = scaling(open_tiny_with(llama, "g.gguf", |w| {
        w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(2.0));
        w.add_tensor(ROPE_FREQS_TENSOR, &[4], &factors, GgmlType::F32)
            .unwrap();
    }));
    assert_eq!(
        got,
        Some(RopeScaling::Frequencies {
            factors: vec![2.0, 3.0, 16.0, 16.0]
        })
    );

    // Gemma 3 4B: linear 8 on the global layers (every 6th), none on the sliding ones.
    let w = open_tiny_with(Architecture::Gemma3, "gemma.gguf", |w| {
        w.add_metadata("gemma3.rope.scaling.type", string("linear"));
        w.add_metadata("gemma3.rope.scaling.factor", MetadataValue::F32(8.0));
    })
    .unwrap();
    let c = w.config();
    let linear8 = RopeScaling::Linear { factor: 8.0 };
    assert_eq!(c.rope_for_layer(5), (500_000.0, Some(&linear8)));
    assert_eq!(c.rope_for_layer(4), (10_000.0, None));
    assert_eq!(c.rope_for_layer(6), (10_000.0, None));

    // Unsupported types and malformed factors are errors naming the file and the key/tensor.
    for kind in ["yarn", "longrope"] {
        let e = open_tiny_with(llama, "y.gguf", |w| {
            w.add_metadata("llama.rope.scaling.type", string(kind));
            w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(4.0));
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("y.gguf") && e.contains("llama.rope.scaling.type") && e.contains(kind),
            "{e}"
        );
    }
    let e = open_tiny_with(llama, "n.gguf", |w| {
        w.add_metadata("llama.rope.scaling.factor", MetadataValue::F32(-2.0));
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("n.gguf") && e.contains("llama.rope.scaling.factor"),
        "{e}"
    );
    let e = open_tiny_with(llama, "r.gguf", |w| {
        w.add_tensor(ROPE_FREQS_TENSOR, &[3], &[1.0, 2.0, 3.0], GgmlType::F32)
            .unwrap();
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("r.gguf") && e.contains(ROPE_FREQS_TENSOR) && e.contains("3 frequency factors"),
        "{e}"
    );
    let e = open_tiny_with(llama, "z.gguf", |w| {
        w.add_tensor(
            ROPE_FREQS_TENSOR,
            &[4],
            &[1.0, 0.0, 1.0, 1.0],
            GgmlType::F32,
        )
        .unwrap();
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("z.gguf") && e.contains(ROPE_FREQS_TENSOR), "{e}");
}
