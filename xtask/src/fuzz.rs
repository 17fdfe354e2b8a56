//! `cargo xtask fuzz`: a seeded, structure-aware fuzz campaign on the stable toolchain over the
//! readers of untrusted files: the GGUF reader (and what is built on it: tensors, tokenizer,
//! weights, the model), Hugging Face checkpoints (`config.json` and the safetensors header),
//! the dictionary parsers and the JSON Lines stores (results, memo).
//!
//! Written here rather than run under cargo-fuzz or AFL: both need a nightly toolchain or an
//! instrumented build this machine cannot make. There is no coverage feedback; instead every
//! input starts from a generator that writes a valid file of the format with random content
//! (the structure), then gets one to four byte-level mutations (bit flips, interesting
//! integers over length and count fields, inserts, deletes, truncation, splices). Each input
//! must give a value or an error, never a panic; a panic's input and message are saved under
//! `target/fuzz/crashes/` and become a regression test.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use llm_runtime::WeightSource;
use llm_runtime::gguf::{GgmlType, GgufFile, GgufWriter, MetadataArray, MetadataValue};
use llm_runtime::loader::{GgufWeights, HfWeights, config_from_hf_json};
use llm_runtime::tokenizer::Tokenizer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// What the campaign covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// GGUF files: parse, dequantise every tensor, tokenizer, weights view, sometimes the model
    Gguf,
    /// Hugging Face checkpoints: `config.json` and `model.safetensors` (header and tensors)
    Safetensors,
    /// Dictionary files (MUSE and PanLex formats, strict and lenient)
    Dict,
    /// JSON Lines stores: per-item results and the generation memo, opened then appended to
    Jsonl,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Gguf,
        Target::Safetensors,
        Target::Dict,
        Target::Jsonl,
    ];

    /// Share of a campaign's executions (the slow file-backed targets get fewer).
    fn weight(self) -> u64 {
        match self {
            Target::Gguf => 4,
            Target::Safetensors => 2,
            Target::Dict => 3,
            Target::Jsonl => 1,
        }
    }
}

/// What one target's run did.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub target: Target,
    pub executions: u64,
    /// Inputs that gave a value (the rest gave an error).
    pub accepted: u64,
    pub seconds: f64,
    pub crashes: Vec<String>,
}

/// Inputs saved for panics go here.
pub fn crash_dir() -> PathBuf {
    PathBuf::from("target/fuzz/crashes")
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Run `executions` inputs of `target` from `seed`; panics are caught, saved and reported.
pub fn run_target(target: Target, executions: u64, seed: u64, scratch: &Path) -> TargetReport {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{info}{at}"));
        }
    }));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (target as u64).wrapping_mul(0x9E37_79B9));
    let started = Instant::now();
    let mut report = TargetReport {
        target,
        executions: 0,
        accepted: 0,
        seconds: 0.0,
        crashes: Vec::new(),
    };
    let progress =
        progress::Progress::new(executions, "executions", &format!("fuzz {target:?}"), true);
    for i in 0..executions {
        let seed_input = match target {
            Target::Gguf => gguf_seed(&mut rng),
            Target::Safetensors => hf_seed(&mut rng),
            Target::Dict => dict_seed(&mut rng),
            Target::Jsonl => jsonl_seed(&mut rng),
        };
        let input = mutate(&mut rng, &seed_input);
        let heavy = i % 50 == 0;
        if heavy {
            // An allocation failure aborts the process, which no catch_unwind sees: the input
            // of every model build is on disk first.
            let _ = std::fs::create_dir_all(crash_dir());
            let _ = std::fs::write(
                crash_dir().join(format!("{target:?}-last-heavy.bin")),
                &input,
            );
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| match target {
            Target::Gguf => exercise_gguf(&input, heavy),
            Target::Safetensors => exercise_hf(&input, scratch),
            Target::Dict => exercise_dict(&input, scratch, heavy),
            Target::Jsonl => exercise_jsonl(&input, scratch),
        }));
        report.executions += 1;
        match outcome {
            Ok(true) => report.accepted += 1,
            Ok(false) => {}
            Err(_) => {
                let message = LAST_PANIC
                    .lock()
                    .ok()
                    .and_then(|mut m| m.take())
                    .unwrap_or_default();
                report.crashes.push(save_crash(target, &input, &message));
            }
        }
        progress.inc(1);
    }
    progress.finish();
    report.seconds = started.elapsed().as_secs_f64();
    std::panic::set_hook(previous);
    report
}

/// Split `total` executions over `targets` by their weights and run them in turn.
pub fn campaign(targets: &[Target], total: u64, seed: u64) -> Vec<TargetReport> {
    let scratch = scratch_dir();
    let weights: u64 = targets.iter().map(|t| t.weight()).sum::<u64>().max(1);
    let reports = targets
        .iter()
        .map(|&t| run_target(t, total * t.weight() / weights, seed, &scratch))
        .collect();
    let _ = std::fs::remove_dir_all(&scratch);
    reports
}

/// A folder for the file-backed targets: in memory where the system has one.
fn scratch_dir() -> PathBuf {
    let base = Path::new("/dev/shm");
    let base = if base.is_dir() {
        base.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("bridgex-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn save_crash(target: Target, input: &[u8], message: &str) -> String {
    use sha2::Digest as _;
    let name = format!(
        "{target:?}-{}",
        &hex::encode(sha2::Sha256::digest(input))[..16]
    )
    .to_lowercase();
    let dir = crash_dir();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}.bin")), input);
    let _ = std::fs::write(dir.join(format!("{name}.txt")), message);
    format!("{name}: {message}")
}

// ---------------------------------------------------------------------------------------------
// Mutation

const INTERESTING: [u64; 20] = [
    0,
    1,
    2,
    3,
    7,
    8,
    16,
    31,
    32,
    64,
    127,
    255,
    256,
    4096,
    65535,
    65536,
    0x7fff_ffff,
    0xffff_ffff,
    1 << 40,
    u64::MAX,
];

/// One to four stacked byte-level mutations of `seed`.
pub fn mutate(rng: &mut ChaCha8Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    // A share of valid inputs keeps the deep paths (tokenizer, model) exercised.
    if rng.random_range(0..10) == 0 {
        return v;
    }
    for _ in 0..rng.random_range(1..=4) {
        let len = v.len();
        match rng.random_range(0..9) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                v[i] = rng.random();
            }
            2 if len >= 4 => {
                let i = rng.random_range(0..=len - 4);
                let x = INTERESTING[rng.random_range(0..INTERESTING.len())] as u32;
                v[i..i + 4].copy_from_slice(&x.to_le_bytes());
            }
            3 if len >= 8 => {
                let i = rng.random_range(0..=len - 8);
                let x = INTERESTING[rng.random_range(0..INTERESTING.len())];
                v[i..i + 8].copy_from_slice(&x.to_le_bytes());
            }
            4 => {
                let i = rng.random_range(0..=len);
                let n = rng.random_range(1..16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                v.splice(i..i, bytes);
            }
            5 if len > 0 => {
                let i = rng.random_range(0..len);
                let n = rng.random_range(1..=(len - i).min(64));
                v.drain(i..i + n);
            }
            6 if len > 0 => v.truncate(rng.random_range(0..len)),
            7 if len > 8 => {
                // Copy a block over another place (duplicated fields, repeated keys).
                let a = rng.random_range(0..len);
                let n = rng.random_range(1..=(len - a).min(32));
                let block = v[a..a + n].to_vec();
                let b = rng.random_range(0..=len - n);
                v[b..b + n].copy_from_slice(&block);
            }
            _ => {
                // A byte that means something to text formats.
                let i = rng.random_range(0..=len);
                let b =
                    [b'\n', b'\t', b' ', b'"', b'{', b'}', b'\r', 0, 0xff][rng.random_range(0..9)];
                v.insert(i, b);
            }
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// GGUF

fn small(rng: &mut ChaCha8Rng, choices: &[usize]) -> usize {
    choices[rng.random_range(0..choices.len())]
}

fn values(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// A small GGUF model of a random family, with a tokenizer, as llama.cpp's converter lays
/// one out (tensors sometimes missing or of another shape).
pub fn gguf_seed(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let arch = ["llama", "qwen2", "gemma3", "mistral", "phi3"][rng.random_range(0..5)];
    let hidden = small(rng, &[8, 16, 32]);
    let heads = small(rng, &[1, 2]);
    let kv = if heads == 2 { small(rng, &[1, 2]) } else { 1 };
    let ffn = small(rng, &[16, 32, 64]);
    let layers = small(rng, &[1, 2]);
    let head_dim = hidden / heads;
    let vocab = 12;
    let mut w = GgufWriter::new();
    let s = |x: &str| MetadataValue::String(x.into());
    w.add_metadata("general.architecture", s(arch));
    for (k, v) in [
        ("embedding_length", hidden),
        ("feed_forward_length", ffn),
        ("block_count", layers),
        ("attention.head_count", heads),
        ("attention.head_count_kv", kv),
        ("attention.key_length", head_dim),
        ("context_length", 64),
    ] {
        w.add_metadata(format!("{arch}.{k}"), MetadataValue::U32(v as u32));
    }
    w.add_metadata(
        format!("{arch}.attention.layer_norm_rms_epsilon"),
        MetadataValue::F32(1e-6),
    );
    if rng.random_bool(0.5) {
        w.add_metadata(
            format!("{arch}.rope.freq_base"),
            MetadataValue::F32(10_000.0),
        );
    }
    if arch == "gemma3" {
        w.add_metadata(
            format!("{arch}.attention.sliding_window"),
            MetadataValue::U32(8),
        );
        if rng.random_bool(0.5) {
            let flags = (0..layers).map(|i| i % 2 == 0).collect();
            w.add_metadata(
                format!("{arch}.attention.sliding_window_pattern"),
                MetadataValue::Array(MetadataArray::Bool(flags)),
            );
        }
    }
    if rng.random_bool(0.3) {
        w.add_metadata(format!("{arch}.rope.scaling.type"), s("linear"));
        w.add_metadata(
            format!("{arch}.rope.scaling.factor"),
            MetadataValue::F32(2.0),
        );
    }
    let pieces: Vec<String> = [
        "<pad>", "<eos>", "<bos>", "<unk>", "▁", "a", "b", "ab", "▁a", "<0x41>", "  ", "Ġa",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    if rng.random_bool(0.5) {
        w.add_metadata("tokenizer.ggml.model", s("llama"));
        w.add_metadata(
            "tokenizer.ggml.scores",
            MetadataValue::Array(MetadataArray::F32(
                (0..vocab).map(|i| -(i as f32)).collect(),
            )),
        );
        w.add_metadata(
            "tokenizer.ggml.token_type",
            MetadataValue::Array(MetadataArray::I32(vec![3, 3, 3, 2, 1, 1, 1, 1, 1, 6, 4, 1])),
        );
    } else {
        w.add_metadata("tokenizer.ggml.model", s("gpt2"));
        w.add_metadata(
            "tokenizer.ggml.pre",
            s(["qwen2", "llama-bpe", "smollm", "default"][rng.random_range(0..4)]),
        );
        w.add_metadata(
            "tokenizer.ggml.merges",
            MetadataValue::Array(MetadataArray::String(vec!["a b".into(), "Ġ a".into()])),
        );
    }
    w.add_metadata(
        "tokenizer.ggml.tokens",
        MetadataValue::Array(MetadataArray::String(pieces)),
    );
    w.add_metadata("tokenizer.ggml.bos_token_id", MetadataValue::U32(2));
    w.add_metadata("tokenizer.ggml.eos_token_id", MetadataValue::U32(1));
    let types = [
        GgmlType::F32,
        GgmlType::F16,
        GgmlType::BF16,
        GgmlType::Q8_0,
        GgmlType::Q4_0,
    ];
    let tensor = |w: &mut GgufWriter, rng: &mut ChaCha8Rng, name: String, shape: &[usize]| {
        if rng.random_range(0..20) == 0 {
            return; // missing
        }
        let n = shape.iter().product();
        let inner = shape.last().copied().unwrap_or(1);
        let ty = if inner % 32 == 0 {
            types[rng.random_range(0..types.len())]
        } else {
            types[rng.random_range(0..3)]
        };
        let _ = w.add_tensor(name, shape, &values(rng, n), ty);
    };
    tensor(&mut w, rng, "token_embd.weight".into(), &[vocab, hidden]);
    tensor(&mut w, rng, "output_norm.weight".into(), &[hidden]);
    for l in 0..layers {
        let b = |n: &str| format!("blk.{l}.{n}");
        tensor(&mut w, rng, b("attn_norm.weight"), &[hidden]);
        tensor(&mut w, rng, b("attn_q.weight"), &[heads * head_dim, hidden]);
        tensor(&mut w, rng, b("attn_k.weight"), &[kv * head_dim, hidden]);
        tensor(&mut w, rng, b("attn_v.weight"), &[kv * head_dim, hidden]);
        tensor(
            &mut w,
            rng,
            b("attn_output.weight"),
            &[hidden, heads * head_dim],
        );
        tensor(&mut w, rng, b("ffn_norm.weight"), &[hidden]);
        tensor(&mut w, rng, b("ffn_gate.weight"), &[ffn, hidden]);
        tensor(&mut w, rng, b("ffn_up.weight"), &[ffn, hidden]);
        tensor(&mut w, rng, b("ffn_down.weight"), &[hidden, ffn]);
        if arch == "qwen2" {
            tensor(&mut w, rng, b("attn_q.bias"), &[heads * head_dim]);
            tensor(&mut w, rng, b("attn_k.bias"), &[kv * head_dim]);
            tensor(&mut w, rng, b("attn_v.bias"), &[kv * head_dim]);
        }
        if arch == "gemma3" {
            tensor(&mut w, rng, b("attn_q_norm.weight"), &[head_dim]);
            tensor(&mut w, rng, b("attn_k_norm.weight"), &[head_dim]);
            tensor(&mut w, rng, b("post_attention_norm.weight"), &[hidden]);
            tensor(&mut w, rng, b("post_ffw_norm.weight"), &[hidden]);
        }
    }
    w.to_bytes()
}

/// Everything the runtime does with a GGUF file; `true` when the file loaded as weights.
pub fn exercise_gguf(bytes: &[u8], build_model: bool) -> bool {
    let Ok(file) = GgufFile::from_bytes(bytes.to_vec(), "fuzz.gguf") else {
        return false;
    };
    for t in file.tensors() {
        let _ = file.dequantize(&t.name);
    }
    if let Ok(tok) = Tokenizer::from_gguf(&file)
        && let Ok(ids) = tok.encode("ab a  b A\u{2192}ü", true)
    {
        let _ = tok.decode(&ids);
    }
    let Ok(w) = GgufWeights::from_file(file) else {
        return false;
    };
    for name in w.tensor_names() {
        let _ = w.tensor(&name);
    }
    if build_model
        && let Ok(m) = llm_runtime::Transformer::from_weights(
            &w,
            &llm_runtime::RuntimeDevice::cpu(),
            llm_runtime::Dtype::F32,
        )
    {
        let _ = m.last_logits(&[vec![2, 5, 6]]);
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Hugging Face checkpoints

/// A `config.json` and a `model.safetensors`, packed as `u32 length | config | safetensors`
/// so that one mutation can hit either.
pub fn hf_seed(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let model_type = ["llama", "qwen2", "gemma3_text", "mistral", "gpt2"][rng.random_range(0..5)];
    let hidden = small(rng, &[8, 16]);
    let mut config = serde_json::json!({
        "model_type": model_type,
        "hidden_size": hidden,
        "intermediate_size": 2 * hidden,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "num_key_value_heads": small(rng, &[1, 2]),
        "vocab_size": 12,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
    });
    match rng.random_range(0..4) {
        0 => config["rope_scaling"] = serde_json::json!({"rope_type": "linear", "factor": 2.0}),
        1 => {
            config["rope_scaling"] = serde_json::json!({"rope_type": "llama3", "factor": 8.0,
                "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                "original_max_position_embeddings": 8192})
        }
        2 => config["text_config"] = config.clone(),
        _ => {}
    }
    let config = serde_json::to_vec(&config).unwrap_or_default();
    let dtypes = [
        safetensors::Dtype::F32,
        safetensors::Dtype::F16,
        safetensors::Dtype::BF16,
        safetensors::Dtype::I32,
    ];
    let mut owned: Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, shape) in [
        ("model.embed_tokens.weight", vec![12, hidden]),
        ("model.norm.weight", vec![hidden]),
        (
            "model.layers.0.mlp.up_proj.weight",
            vec![2 * hidden, hidden],
        ),
    ] {
        let dtype = dtypes[rng.random_range(0..dtypes.len())];
        let n: usize = shape.iter().product();
        let bytes: Vec<u8> = (0..n * dtype.bitsize() / 8).map(|_| rng.random()).collect();
        owned.push((name.to_string(), dtype, shape, bytes));
    }
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = owned
        .iter()
        .filter_map(|(n, d, s, b)| {
            safetensors::tensor::TensorView::new(*d, s.clone(), b)
                .ok()
                .map(|v| (n.clone(), v))
        })
        .collect();
    let st = safetensors::serialize(views, None).unwrap_or_default();
    let mut out = (config.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(&config);
    out.extend_from_slice(&st);
    out
}

/// A checkpoint directory from a packed seed: the config through the parser, the directory
/// through `HfWeights`; `true` when it opened.
pub fn exercise_hf(packed: &[u8], scratch: &Path) -> bool {
    if packed.len() < 4 {
        return false;
    }
    let n = (u32::from_le_bytes([packed[0], packed[1], packed[2], packed[3]]) as usize)
        .min(packed.len() - 4);
    let (config, st) = packed[4..].split_at(n);
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(config) {
        let _ = config_from_hf_json(&json, Path::new("config.json"));
    }
    let dir = scratch.join("hf");
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("config.json"), config).is_err()
        || std::fs::write(dir.join("model.safetensors"), st).is_err()
    {
        return false;
    }
    let Ok(w) = HfWeights::open(&dir) else {
        return false;
    };
    for name in w.tensor_names() {
        let _ = w.tensor(&name);
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Dictionaries

/// Dictionary lines in either format, in several scripts, with the odd empty line, CR, tab and
/// repeated pair.
pub fn dict_seed(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let words = [
        "haus", "house", "maison", "水", "みず", "מים", "maji", "tubig", "vesi", "víz",
    ];
    let mut out = String::new();
    for _ in 0..rng.random_range(0..40) {
        let s = words[rng.random_range(0..words.len())];
        let t = words[rng.random_range(0..words.len())];
        let sep = ["\t", " ", "  ", " \t"][rng.random_range(0..4)];
        let end = ["\n", "\r\n", "\n\n"][rng.random_range(0..3)];
        out.push_str(&format!("{s}{sep}{t}{end}"));
    }
    out.into_bytes()
}

/// Both formats and modes over the bytes (as a file when they are not UTF-8), then the
/// operations the experiments use; `true` when one parse succeeded.
pub fn exercise_dict(bytes: &[u8], scratch: &Path, through_file: bool) -> bool {
    use muse_dict::{Dictionary, Format, ParseMode};
    let mut any = false;
    for format in [Format::Muse, Format::Tsv] {
        for mode in [ParseMode::Strict, ParseMode::Lenient] {
            let parsed = match std::str::from_utf8(bytes) {
                Ok(text) if !through_file => {
                    Dictionary::parse(text, Path::new("fuzz"), format, mode)
                }
                _ => {
                    let path = scratch.join("dict.txt");
                    if std::fs::write(&path, bytes).is_err() {
                        continue;
                    }
                    Dictionary::from_path(&path, format, mode)
                }
            };
            if let Ok(d) = parsed {
                any = true;
                let _ = d.rank_range(1..5);
                let _ = Dictionary::pivot(&d, &d);
                let _ = d.sample(3, 7);
                if let Some(e) = d.entries().first() {
                    let _ = d.lookup(&e.source);
                }
            }
        }
    }
    any
}

// ---------------------------------------------------------------------------------------------
// JSON Lines stores

fn item(id: &str) -> xicl_eval::ItemRecord {
    xicl_eval::ItemRecord {
        id: id.to_string(),
        task: "bli:en-sw".into(),
        route: "direct".into(),
        prompts: vec![vec!["English:\"w\"→kiswahili:".into()]],
        outputs: vec![vec![" \"maji\"".into()]],
        prediction: Some("maji".into()),
        gold: vec!["maji".into()],
        correct: Some(true),
        chrf_pp: None,
        option_logprobs: Vec::new(),
        provenance: Some(xicl_eval::Provenance {
            model: "0123".into(),
            precision: "f32".into(),
            steps: vec!["generate max_new_tokens=30 stop=[\"\\n\"]".into()],
        }),
    }
}

/// A results file of a few records, one byte `0x00` or `0x01` first saying which store (0:
/// results, 1: memo).
pub fn jsonl_seed(rng: &mut ChaCha8Rng) -> Vec<u8> {
    let memo = rng.random_bool(0.3);
    let mut out = vec![u8::from(memo)];
    for i in 0..rng.random_range(0..6) {
        let line = if memo {
            serde_json::to_string(
                &serde_json::json!({"key": format!("k{i}"), "model": "0123 f32",
                "text": "a\nb"}),
            )
        } else {
            serde_json::to_string(&item(&format!("w{i}")))
        };
        out.extend_from_slice(line.unwrap_or_default().as_bytes());
        out.push(b'\n');
    }
    out
}

/// Open the store over the bytes, append a record, open again: the record count must add up.
pub fn exercise_jsonl(bytes: &[u8], scratch: &Path) -> bool {
    let Some((&kind, body)) = bytes.split_first() else {
        return false;
    };
    let path = scratch.join("store.jsonl");
    if std::fs::write(&path, body).is_err() {
        return false;
    }
    fn cycle<R: xicl_eval::StoreRecord>(path: &Path, fresh: R) -> bool {
        let Ok(mut store) = xicl_eval::JsonlStore::<R>::open(path) else {
            return false;
        };
        let before = store.len();
        if store.append(vec![fresh]).is_err() {
            return true; // a duplicate key is refused, fine
        }
        drop(store);
        let again =
            xicl_eval::JsonlStore::<R>::open(path).expect("a store reopens after an append");
        assert_eq!(again.len(), before + 1, "an appended record is read back");
        true
    }
    if kind % 2 == 1 {
        let fresh = xicl_eval::memo::MemoRecord {
            key: "fresh-key".into(),
            model: "0123 f32".into(),
            text: Some("x".into()),
            loglik: None,
        };
        cycle(&path, fresh)
    } else {
        cycle(&path, item("fresh-id"))
    }
}

// ---------------------------------------------------------------------------------------------
// The command

/// `cargo xtask fuzz`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Executions over all targets (split by weight: GGUF 4, safetensors 2, dictionaries 3,
    /// JSON Lines 1)
    #[arg(long, default_value_t = 1_000_000)]
    pub execs: u64,
    /// Seed of the generators and mutations (a campaign is reproducible)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Targets, comma-separated [default: all]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub targets: Vec<Target>,
    /// Also write the report as JSON here
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// The campaign's report: what ran and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignReport {
    pub seed: u64,
    pub executions: u64,
    pub seconds: f64,
    pub crashes: usize,
    pub targets: Vec<TargetReport>,
}

pub fn run(args: Args) -> anyhow::Result<std::process::ExitCode> {
    let targets = if args.targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        args.targets.clone()
    };
    let reports = campaign(&targets, args.execs, args.seed);
    let report = CampaignReport {
        seed: args.seed,
        executions: reports.iter().map(|r| r.executions).sum(),
        seconds: reports.iter().map(|r| r.seconds).sum(),
        crashes: reports.iter().map(|r| r.crashes.len()).sum(),
        targets: reports,
    };
    for t in &report.targets {
        println!(
            "{:<12} {:>9} executions in {:>7.1} s ({:>7.0}/s), {:>5.1}% accepted, {} crashes",
            format!("{:?}", t.target),
            t.executions,
            t.seconds,
            t.executions as f64 / t.seconds.max(1e-9),
            100.0 * t.accepted as f64 / t.executions.max(1) as f64,
            t.crashes.len()
        );
        for c in &t.crashes {
            println!("  {c}");
        }
    }
    println!(
        "total: {} executions in {:.1} s, {} crashes (inputs under {})",
        report.executions,
        report.seconds,
        report.crashes,
        crash_dir().display()
    );
    if let Some(path) = &args.report {
        cli::output::write_json(path, &report)?;
    }
    Ok(if report.crashes == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}
