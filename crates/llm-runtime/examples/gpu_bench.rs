//! GPU parity and throughput harness (issue 3): the numbers behind docs/PERFORMANCE.md's
//! "GPU" section, shaped like the PyTorch peer `torch_capture_peer.py` (docs/PERFORMANCE.md says where it
//! comes from and how it ran) so the two can be compared in
//! one command on the lent GPU machine.
//!
//! ```text
//! gpu_bench parity --gguf FILE --reference JSON [--device cuda] [--dtypes f32,bf16]
//! gpu_bench parity-random --model (random:gemma3-270m | random:llama3-8b) [--device wgpu]
//!                  [--dtypes f32,bf16] [--prompts 2x24]
//! gpu_bench speed  --model (FILE.gguf | random:llama3-8b | random:gemma3-270m)
//!                  [--device cuda] [--dtype bf16] [--prefill 16x2048] [--decode 64x32+64]
//!                  [--iters 3] [--skip-decode] [--decode-batch-tokens N] [--repeat N]
//! ```
//!
//! - `parity` loads the GGUF on the CPU (f32, the reference implementation of this crate) and
//!   on `--device` in each dtype, and prints for every prompt of the reference JSON
//!   (`crates/llm-runtime/tests/model_data/gemma3_270m_reference_values.json`) the top-5 logits against the
//!   reference and the CPU, the largest logit difference to the CPU over the whole vocabulary,
//!   first activations of layers 0 and 17, the active-neuron fractions, and the greedy
//!   continuation of the German prompt.
//! - `parity-random` needs no files: the same random weights (see `RandomWeights`) on the CPU
//!   in f32 and on `--device` in each dtype, fed the same random token ids (prompts of different
//!   lengths, so padding is exercised); prints per prompt the top-5 ids on both, the largest
//!   logit difference over the whole vocabulary relative to the largest |logit|, the
//!   active-neuron counts that differ, and how many of 8 greedy tokens agree with the CPU for 7
//!   prompts decoded on 3 rows (the continuous-batching scheduler refilling rows).
//! - `speed` measures prefill with MLP activation capture (GateAct corpus statistics reduced on
//!   the device; random token ids, no logits, like the peer's `m.model(...)`) and greedy decode
//!   with the KV cache (random prompts, EOS disabled, no detokenisation). `random:` models get
//!   random weights of the named config, generated on the host at load time. One JSON line per
//!   measurement goes to stdout; `gemm` says which library multiplied the dense weights
//!   (`cublaslt` or `burn`; `BRIDGEX_CUBLASLT=1` / `0` turns cuBLASLt on / off).
//!
//! Build: `cargo build --release -p llm-runtime --features cuda --example gpu_bench`.

use std::collections::HashSet;
use std::time::Instant;

use llm_runtime::{
    Activation, Architecture, CaptureSite, Dtype, Error, GenerateOptions, HostTensor, Model,
    ModelConfig, Result, RuntimeDevice, Transformer, WeightSource,
};
use serde_json::{Value, json};

fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// `--key value` options after the mode.
struct Args(Vec<String>);

impl Args {
    fn get(&self, key: &str) -> Option<&str> {
        let flag = format!("--{key}");
        self.0
            .iter()
            .position(|a| *a == flag)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }
    fn or<'a>(&'a self, key: &str, default: &'a str) -> &'a str {
        self.get(key).unwrap_or(default)
    }
    fn flag(&self, key: &str) -> bool {
        self.0.iter().any(|a| *a == format!("--{key}"))
    }
}

fn run() -> Result<()> {
    let mut argv = std::env::args().skip(1);
    let mode = argv.next().unwrap_or_default();
    let args = Args(argv.collect());
    let bad = |what: &str| {
        Error::Invalid(format!(
            "{what} (see the doc comment of examples/gpu_bench.rs)"
        ))
    };
    match mode.as_str() {
        "parity" => parity(
            args.get("gguf")
                .ok_or_else(|| bad("parity needs --gguf FILE"))?,
            args.get("reference")
                .ok_or_else(|| bad("parity needs --reference JSON"))?,
            args.or("device", "cuda"),
            args.or("dtypes", "f32,bf16"),
        ),
        "parity-random" => parity_random(&args),
        "speed" => speed(&args),
        _ => Err(bad("expected mode `parity`, `parity-random` or `speed`")),
    }
}

// ---------------------------------------------------------------------------------------------
// Parity

fn top_k(logits: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    order.truncate(k);
    order
}

fn parity(gguf: &str, reference: &str, device: &str, dtypes: &str) -> Result<()> {
    let text = std::fs::read_to_string(reference)
        .map_err(|e| Error::Invalid(format!("{reference}: {e}")))?;
    let refs: Value =
        serde_json::from_str(&text).map_err(|e| Error::Invalid(format!("{reference}: {e}")))?;
    let cases = refs
        .as_object()
        .ok_or_else(|| Error::Invalid("reference: expected an object".into()))?;
    let t = Instant::now();
    let cpu = Model::from_gguf(gguf, "cpu", Dtype::F32)?;
    println!("cpu f32: loaded in {:.1} s", t.elapsed().as_secs_f64());
    for dtype in dtypes.split(',') {
        let dtype: Dtype = dtype.parse()?;
        let t = Instant::now();
        let gpu = Model::from_gguf(gguf, device, dtype)?;
        println!(
            "\n== {device} {dtype} (loaded in {:.1} s) vs reference and cpu f32",
            t.elapsed().as_secs_f64()
        );
        let mut worst_ref_rel = 0f64;
        let mut worst_cpu_abs = 0f64;
        let mut all_ids_match = true;
        for (prompt, want) in cases {
            let ids = gpu.tokenizer().encode(prompt, true)?;
            let t = Instant::now();
            let g = gpu.last_logits(std::slice::from_ref(&ids))?.remove(0);
            let dt = t.elapsed().as_secs_f64();
            let c = cpu.last_logits(std::slice::from_ref(&ids))?.remove(0);
            let full_abs = g
                .iter()
                .zip(&c)
                .map(|(a, b)| (a - b).abs() as f64)
                .fold(0.0, f64::max);
            worst_cpu_abs = worst_cpu_abs.max(full_abs);
            let (gtop, ctop) = (top_k(&g, 5), top_k(&c, 5));
            let want_top: Vec<(usize, f64)> = want["top5"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| {
                            (
                                e[0].as_u64().unwrap_or(0) as usize,
                                e[2].as_f64().unwrap_or(0.0),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let ref_ids: Vec<usize> = want_top.iter().map(|&(i, _)| i).collect();
            all_ids_match &= gtop == ref_ids;
            println!(
                "{prompt:?}: top-5 ids {gtop:?} (reference {ref_ids:?}, cpu {ctop:?}); max |gpu-cpu| over {} logits {full_abs:.3e} ({dt:.2} s)",
                g.len()
            );
            for &(id, value) in &want_top {
                let rel = (g[id] as f64 - value).abs() / value.abs();
                worst_ref_rel = worst_ref_rel.max(rel);
                println!(
                    "  logit {id:>6}: {device} {:>9.4}  cpu {:>9.4}  reference {value:>8.3}  rel.diff to reference {rel:.2e}",
                    g[id], c[id]
                );
            }
            let acts =
                gpu.last_token_activations(std::slice::from_ref(&ids), CaptureSite::GateAct)?;
            for (key, layer) in [("act_L0_last_first5", 0), ("act_L17_last_first5", 17)] {
                let got: Vec<String> = (0..5)
                    .map(|n| format!("{:.5}", acts.get(0, layer, n)))
                    .collect();
                println!(
                    "  {key}: {device} [{}] reference {}",
                    got.join(", "),
                    want[key]
                );
            }
            let stats = gpu.corpus_stats(std::slice::from_ref(&ids), CaptureSite::GateAct)?;
            let cstats = cpu.corpus_stats(std::slice::from_ref(&ids), CaptureSite::GateAct)?;
            let differ = stats
                .over_zero
                .iter()
                .zip(&cstats.over_zero)
                .filter(|(a, b)| a != b)
                .count();
            println!(
                "  active-neuron counts (BOS-free corpus statistics): {differ} of {} (layer, neuron) counts differ from the cpu",
                stats.over_zero.len()
            );
        }
        let ids = gpu.tokenizer().encode("English:\"water\"→Deutsch:", true)?;
        let g = gpu.generate(
            &[ids],
            GenerateOptions {
                max_new_tokens: 4,
                stop: vec![],
            },
        )?;
        println!(
            "  greedy continuation: {:?} (expected to start with ' \"Wasser\"')",
            g[0].text
        );
        println!(
            "SUMMARY {device} {dtype}: top-5 ids equal to the reference: {all_ids_match}; worst top-5 rel.diff to reference {worst_ref_rel:.2e}; worst |gpu-cpu| logit {worst_cpu_abs:.3e}; greedy ok: {}",
            g[0].text.starts_with(" \"Wasser\"")
        );
    }
    Ok(())
}

/// Device against CPU f32 on identical random weights and token ids (see the module doc).
fn parity_random(args: &Args) -> Result<()> {
    let spec = args.or("model", "random:gemma3-270m");
    let name = spec
        .strip_prefix("random:")
        .ok_or_else(|| Error::Invalid(format!("parity-random needs random:NAME, got `{spec}`")))?;
    let device = args.or("device", "cuda");
    let (rows, cols) = pair(args.or("prompts", "2x24"))?;
    let weights = RandomWeights::new(name)?;
    let vocab = weights.config.vocab_size;
    // Ragged prompts: row r keeps cols - 3r tokens, so the batch is padded.
    let prompts: Vec<Vec<u32>> = random_ids(rows, cols, vocab, 7)
        .into_iter()
        .enumerate()
        .map(|(r, mut p)| {
            p.truncate(cols.saturating_sub(3 * r).max(2));
            p
        })
        .collect();
    let mut cpu = Transformer::from_weights(&weights, &RuntimeDevice::cpu(), Dtype::F32)?;
    let c_logits = cpu.last_logits(&prompts)?;
    let c_stats = cpu.corpus_stats(&prompts, CaptureSite::GateAct)?;
    // Greedy generation through the continuous-batching scheduler: 7 prompts of 5..29 tokens
    // on 3 rows, so finished rows are refilled (EOS off: every row runs 8 tokens).
    let gen_prompts: Vec<Vec<u32>> = random_ids(7, 29, vocab, 11)
        .into_iter()
        .enumerate()
        .map(|(r, mut p)| {
            p.truncate(29 - 4 * r);
            p
        })
        .collect();
    let gen_opts = GenerateOptions {
        max_new_tokens: 8,
        stop: vec![],
    };
    let no_text = |_: &[u32]| -> Result<String> { Ok(String::new()) };
    let generate = |tf: &mut Transformer| -> Result<Vec<Vec<u32>>> {
        tf.set_eos_ids(Vec::new());
        tf.set_generation_rows(3);
        Ok(tf
            .generate(&gen_prompts, &gen_opts, &no_text)?
            .into_iter()
            .map(|g| g.tokens)
            .collect())
    };
    let c_gen = generate(&mut cpu)?;
    for dtype in args.or("dtypes", "f32,bf16").split(',') {
        let dtype: Dtype = dtype.parse()?;
        let t = Instant::now();
        let rd = RuntimeDevice::parse(device)?;
        let mut dev = Transformer::from_weights(&weights, &rd, dtype)?;
        let g_logits = dev.last_logits(&prompts)?;
        let first_s = t.elapsed().as_secs_f64();
        let mut worst_rel = 0f64;
        let mut ids_equal = 0;
        for (r, (g, c)) in g_logits.iter().zip(&c_logits).enumerate() {
            let scale = c.iter().fold(0f64, |m, &x| m.max(x.abs() as f64));
            let abs = g
                .iter()
                .zip(c)
                .map(|(a, b)| (a - b).abs() as f64)
                .fold(0.0, f64::max);
            worst_rel = worst_rel.max(abs / scale);
            let (gtop, ctop) = (top_k(g, 5), top_k(c, 5));
            ids_equal += usize::from(gtop == ctop);
            println!(
                "{spec} {device} {dtype} prompt {r} ({} tokens): top-5 {gtop:?} cpu {ctop:?}; max |dev-cpu| {abs:.3e} (max |logit| {scale:.3})",
                prompts[r].len()
            );
        }
        let stats = dev.corpus_stats(&prompts, CaptureSite::GateAct)?;
        let differ = stats
            .over_zero
            .iter()
            .zip(&c_stats.over_zero)
            .filter(|(a, b)| a != b)
            .count();
        let g_gen = generate(&mut dev)?;
        // Per prompt: how many of the 8 greedy tokens agree before the first difference.
        let gen_agree: Vec<usize> = g_gen
            .iter()
            .zip(&c_gen)
            .map(|(g, c)| g.iter().zip(c).take_while(|(a, b)| a == b).count())
            .collect();
        let line = json!({"parity": spec, "device": device, "dtype": dtype.to_string(),
            "gemm": rd.gemm_library(), "generate_prefix_agree_of_8": gen_agree,
            "prompts": prompts.len(), "top5_ids_equal": ids_equal,
            "worst_max_abs_diff_over_max_abs_logit": worst_rel,
            "active_counts_differing": differ, "active_counts": stats.over_zero.len(),
            "load_and_first_call_s": first_s});
        println!("{line}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Speed

/// `16x2048` → (16, 2048).
fn pair(s: &str) -> Result<(usize, usize)> {
    let bad = || Error::Invalid(format!("`{s}`: expected ROWSxCOLS"));
    let (a, b) = s.split_once('x').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

/// Deterministic token ids in `[0, vocab)` (a 64-bit LCG; the values do not matter for speed).
fn random_ids(rows: usize, cols: usize, vocab: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..rows)
        .map(|_| {
            (0..cols)
                .map(|_| {
                    s = s
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    ((s >> 33) % vocab as u64) as u32
                })
                .collect()
        })
        .collect()
}

fn speed(args: &Args) -> Result<()> {
    let spec = args.or("model", "random:llama3-8b");
    let device = args.or("device", "cuda");
    let dtype: Dtype = args.or("dtype", "bf16").parse()?;
    let iters: usize = args
        .or("iters", "3")
        .parse()
        .map_err(|_| Error::Invalid("--iters".into()))?;
    let t = Instant::now();
    let rd = RuntimeDevice::parse(device)?;
    let mut tf = match spec.strip_prefix("random:") {
        Some(name) => {
            let w = RandomWeights::new(name)?;
            Transformer::from_weights(&w, &rd, dtype)?
        }
        None => Model::from_gguf(spec, device, dtype)?.transformer().clone(),
    };
    let load_s = t.elapsed().as_secs_f64();
    let c = tf.config().clone();
    let label = json!({"model": spec, "device": device, "dtype": dtype.to_string()});
    eprintln!("{spec}: loaded on {device} {dtype} in {load_s:.1} s");

    let (rows, cols) = pair(args.or("prefill", "4x2048"))?;
    tf.set_batch_tokens(rows * cols);
    let windows = random_ids(rows, cols, c.vocab_size, 1);
    let t = Instant::now();
    tf.corpus_stats(&windows, CaptureSite::GateAct)?;
    let first_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut tokens = 0;
    for _ in 0..iters {
        tokens = tf.corpus_stats(&windows, CaptureSite::GateAct)?.tokens;
    }
    let dt = t.elapsed().as_secs_f64() / iters as f64;
    let nonembed = non_embedding_params(&c) as f64;
    let tok_s = (rows * cols) as f64 / dt;
    let mut out = label.clone();
    // Read after the products ran: a failed cuBLASLt product falls back to burn's matmul.
    out["gemm"] = json!(rd.gemm_library());
    out["prefill_capture"] = json!({
        "batch": rows, "seqlen": cols, "iters": iters, "first_call_s": first_s, "s_per_iter": dt,
        "tok_s": tok_s, "tflops": 2.0 * nonembed * tok_s / 1e12, "counted_tokens": tokens, "load_s": load_s,
    });
    println!("{out}");

    if args.flag("skip-decode") {
        return Ok(());
    }
    let dec = args.or("decode", "64x32+64");
    let (shape, new) = dec
        .split_once('+')
        .ok_or_else(|| Error::Invalid(format!("`{dec}`: expected ROWSxPROMPT+NEW")))?;
    let (rows, prompt) = pair(shape)?;
    let new: usize = new
        .parse()
        .map_err(|_| Error::Invalid(format!("`{dec}`: NEW")))?;
    tf.set_eos_ids(Vec::new());
    // All rows in one batch, as the peer decodes them: the decode's own row cap and token
    // budget (the prefill's budget could split it).
    tf.set_generation_rows(rows);
    // `--decode-batch-tokens N` splits the rows into smaller batches (N / prompt rows each),
    // as a small token budget did when one-row batches failed with CUDA error 700.
    let budget = match args.get("decode-batch-tokens") {
        Some(n) => n
            .parse()
            .map_err(|_| Error::Invalid("--decode-batch-tokens".into()))?,
        None => rows * prompt,
    };
    tf.set_batch_tokens(budget);
    let prompts = random_ids(rows, prompt, c.vocab_size, 2);
    let no_text = |_: &[u32]| -> Result<String> { Ok(String::new()) };
    // Warm-up like the peer's (4 new tokens), then the timed run.
    let t = Instant::now();
    tf.generate(
        &prompts,
        &GenerateOptions {
            max_new_tokens: 4,
            stop: vec![],
        },
        &no_text,
    )?;
    let warm_s = t.elapsed().as_secs_f64();
    // `--repeat N` times the same decode N times in this process: the first meets every cache
    // length for the first time (kernels compiled or loaded per new shape), the later ones
    // show the steady state.
    let repeat: usize = args
        .or("repeat", "1")
        .parse()
        .map_err(|_| Error::Invalid("--repeat".into()))?;
    let mut runs = Vec::new();
    let mut generated = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let gens = tf.generate(
            &prompts,
            &GenerateOptions {
                max_new_tokens: new,
                stop: vec![],
            },
            &no_text,
        )?;
        let dt = t.elapsed().as_secs_f64();
        generated = gens.iter().map(|g| g.tokens.len()).sum();
        runs.push(dt);
    }
    let dt = runs[0];
    let best = runs.iter().copied().fold(f64::INFINITY, f64::min);
    // The decode steps alone, as llama-batched-bench's S_TG counts them: a run of one new token
    // is the prompts' prefill (its logits give the first token), so the best run less that
    // time is the NEW - 1 decode steps.
    let t = Instant::now();
    tf.generate(
        &prompts,
        &GenerateOptions {
            max_new_tokens: 1,
            stop: vec![],
        },
        &no_text,
    )?;
    let prefill_s = t.elapsed().as_secs_f64();
    let steps_s = best - prefill_s;
    let mut out = label;
    out["gemm"] = json!(rd.gemm_library());
    out["decode"] = json!({
        "batch": rows, "prompt": prompt, "new_tokens": new, "generated": generated, "warmup_s": warm_s,
        "s": dt, "tok_s": generated as f64 / dt, "runs_s": runs, "best_tok_s": generated as f64 / best,
        "generation_rows": tf.generation_rows(),
        "prefill_s": prefill_s, "steps_s": steps_s,
        "steps_tok_s": (rows * new.saturating_sub(1)) as f64 / steps_s,
    });
    println!("{out}");
    Ok(())
}

/// Parameters outside the embedding and output head (the peer's `nonembed_params`).
fn non_embedding_params(c: &ModelConfig) -> usize {
    let (hid, d) = (c.hidden_size, c.head_dim);
    let attn = hid * c.num_heads * d * 2 + hid * c.num_kv_heads * d * 2;
    let mlp = 3 * hid * c.intermediate_size;
    let norms = if c.architecture == Architecture::Gemma3 {
        4 * hid + 2 * d
    } else {
        2 * hid
    };
    c.num_layers * (attn + mlp + norms) + hid
}

/// Random weights of a named config, made on the fly: each tensor is cut from one pool of
/// uniform values (standard deviation 0.02, like Hugging Face's initialiser) at a
/// name-dependent offset, so an 8B model is built at memory-copy speed.
struct RandomWeights {
    config: ModelConfig,
    shapes: Vec<(String, Vec<usize>)>,
    pool: Vec<f32>,
}

impl RandomWeights {
    fn new(name: &str) -> Result<Self> {
        let config = match name {
            "llama3-8b" => ModelConfig {
                architecture: Architecture::Llama,
                vocab_size: 128_256,
                hidden_size: 4096,
                intermediate_size: 14_336,
                num_layers: 32,
                num_heads: 32,
                num_kv_heads: 8,
                head_dim: 128,
                rms_norm_eps: 1e-5,
                rope_theta: 500_000.0,
                rope_local_theta: None,
                rope_scaling: None,
                sliding_window: None,
                sliding_window_pattern: None,
                attention_scale: 1.0 / (128f64).sqrt(),
                final_logit_softcapping: None,
                tie_word_embeddings: false,
                activation: Activation::Silu,
                bos_token_id: Some(128_000),
                eos_token_id: Some(128_001),
                max_position_embeddings: 8192,
            },
            "gemma3-270m" => ModelConfig {
                architecture: Architecture::Gemma3,
                vocab_size: 262_144,
                hidden_size: 640,
                intermediate_size: 2048,
                num_layers: 18,
                num_heads: 4,
                num_kv_heads: 1,
                head_dim: 256,
                rms_norm_eps: 1e-6,
                rope_theta: 1_000_000.0,
                rope_local_theta: Some(10_000.0),
                rope_scaling: None,
                sliding_window: Some(512),
                sliding_window_pattern: Some(6),
                attention_scale: 1.0 / 16.0,
                final_logit_softcapping: None,
                tie_word_embeddings: true,
                activation: Activation::GeluTanh,
                bos_token_id: Some(2),
                eos_token_id: Some(1),
                max_position_embeddings: 32_768,
            },
            other => {
                return Err(Error::Invalid(format!(
                    "unknown random model `{other}` (llama3-8b, gemma3-270m)"
                )));
            }
        };
        let shapes = Self::shapes(&config);
        // A pool whose length is not a multiple of any row length, so rows do not repeat.
        let n = (1 << 22) + 17;
        let half = 0.02 * 3f32.sqrt();
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let pool = (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * half
            })
            .collect();
        Ok(Self {
            config,
            shapes,
            pool,
        })
    }

    fn shapes(c: &ModelConfig) -> Vec<(String, Vec<usize>)> {
        let (hid, inter, d) = (c.hidden_size, c.intermediate_size, c.head_dim);
        let gemma = c.architecture == Architecture::Gemma3;
        let mut v = vec![
            (
                "model.embed_tokens.weight".to_string(),
                vec![c.vocab_size, hid],
            ),
            ("model.norm.weight".into(), vec![hid]),
        ];
        if !c.tie_word_embeddings {
            v.push(("lm_head.weight".into(), vec![c.vocab_size, hid]));
        }
        for i in 0..c.num_layers {
            let p = format!("model.layers.{i}");
            let mut add = |n: &str, s: Vec<usize>| v.push((format!("{p}.{n}"), s));
            add("self_attn.q_proj.weight", vec![c.num_heads * d, hid]);
            add("self_attn.k_proj.weight", vec![c.num_kv_heads * d, hid]);
            add("self_attn.v_proj.weight", vec![c.num_kv_heads * d, hid]);
            add("self_attn.o_proj.weight", vec![hid, c.num_heads * d]);
            add("mlp.gate_proj.weight", vec![inter, hid]);
            add("mlp.up_proj.weight", vec![inter, hid]);
            add("mlp.down_proj.weight", vec![hid, inter]);
            add("input_layernorm.weight", vec![hid]);
            add("post_attention_layernorm.weight", vec![hid]);
            if gemma {
                add("self_attn.q_norm.weight", vec![d]);
                add("self_attn.k_norm.weight", vec![d]);
                add("pre_feedforward_layernorm.weight", vec![hid]);
                add("post_feedforward_layernorm.weight", vec![hid]);
            }
        }
        v
    }
}

impl WeightSource for RandomWeights {
    fn config(&self) -> &ModelConfig {
        &self.config
    }

    fn tensor_names(&self) -> Vec<String> {
        let names: HashSet<&String> = self.shapes.iter().map(|(n, _)| n).collect();
        names.into_iter().cloned().collect()
    }

    fn tensor(&self, name: &str) -> Result<HostTensor> {
        let (_, shape) =
            self.shapes
                .iter()
                .find(|(n, _)| n == name)
                .ok_or_else(|| Error::MissingTensor {
                    origin: self.origin(),
                    name: name.into(),
                })?;
        let n: usize = shape.iter().product();
        if name.ends_with("norm.weight") {
            // Unit scale: llama stores the scale, gemma stores scale - 1.
            let v = if self.config.architecture == Architecture::Gemma3 {
                0.0
            } else {
                1.0
            };
            return Ok(HostTensor::new(shape.clone(), vec![v; n]));
        }
        let mut start = name
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize))
            % self.pool.len();
        let mut data = Vec::with_capacity(n);
        while data.len() < n {
            let take = (n - data.len()).min(self.pool.len() - start);
            data.extend_from_slice(&self.pool[start..start + take]);
            start = 0;
        }
        Ok(HostTensor::new(shape.clone(), data))
    }

    fn origin(&self) -> String {
        "random weights".into()
    }
}
