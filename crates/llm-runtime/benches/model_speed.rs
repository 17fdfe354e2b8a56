//! CPU throughput of the default model (Gemma 3 270M): prefill with GateAct corpus statistics,
//! and greedy decoding with a KV cache. Prints tokens per second; no criterion harness because
//! one iteration takes seconds.
//!
//! `cargo bench -p llm-runtime --bench model_speed [-- WINDOW WINDOWS [prefill|generate]]`
//! Text: FLORES-200 devtest English from `$BRIDGEX_DATA_MIRROR` (or `$BRIDGEX_DATA_DIR`) if
//! present, else a built-in paragraph repeated. Model: the default model (`$BRIDGEX_GEMMA_GGUF` names a local copy).

use std::path::PathBuf;
use std::time::Instant;

use llm_runtime::{CaptureSite, Dtype, GenerateOptions, Model};

fn text() -> String {
    for var in ["BRIDGEX_DATA_MIRROR", "BRIDGEX_DATA_DIR"] {
        if let Some(root) = std::env::var_os(var) {
            let p = PathBuf::from(root).join("flores200/devtest/eng_Latn.devtest");
            if let Ok(t) = std::fs::read_to_string(&p) {
                eprintln!("text: {}", p.display());
                return t;
            }
        }
    }
    eprintln!("text: built-in paragraph");
    "The quick brown fox jumps over the lazy dog while the committee debated the new budget \
     for public transport, schools and hospitals in the northern provinces. "
        .repeat(400)
}

fn main() -> llm_runtime::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let window: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(512);
    let n_windows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let mode = args.get(2).map_or("all", String::as_str);
    let path = llm_runtime::models::default_model_path()?;
    let t0 = Instant::now();
    let model = Model::from_gguf(&path, "cpu", Dtype::F32)?;
    eprintln!("load: {:.1} s", t0.elapsed().as_secs_f64());

    let tok = model.tokenizer();
    let stream = tok.encode(&text(), false)?;
    let bos = tok.bos_id().expect("BOS");
    let windows: Vec<Vec<u32>> = stream
        .chunks(window - 1)
        .take(n_windows)
        .map(|c| std::iter::once(bos).chain(c.iter().copied()).collect())
        .collect();

    if mode != "generate" {
        prefill(&model, &windows)?;
    }
    if mode != "prefill" {
        generate(&model, &stream, bos)?;
    }
    Ok(())
}

fn prefill(model: &Model, windows: &[Vec<u32>]) -> llm_runtime::Result<()> {
    let tokens: usize = windows.iter().map(Vec::len).sum();
    let window = windows[0].len();
    // Warm-up (allocator, thread pool).
    model.corpus_stats(&windows[..1], CaptureSite::GateAct)?;
    let t = Instant::now();
    let stats = model.corpus_stats(windows, CaptureSite::GateAct)?;
    let dt = t.elapsed().as_secs_f64();
    println!(
        "prefill+capture: {tokens} tokens in {} windows of {window}: {dt:.2} s = {:.0} tok/s (counted {})",
        windows.len(),
        tokens as f64 / dt,
        stats.tokens
    );
    Ok(())
}

fn generate(model: &Model, stream: &[u32], bos: u32) -> llm_runtime::Result<()> {
    let prompts: Vec<Vec<u32>> = (0..16)
        .map(|i| {
            let mut p = vec![bos];
            p.extend_from_slice(&stream[i * 10..i * 10 + 12]);
            p
        })
        .collect();
    let opts = GenerateOptions {
        max_new_tokens: 32,
        stop: vec![],
    };
    let mut m = model.clone();
    m.transformer_mut().set_eos_ids(vec![]);
    let t = Instant::now();
    let gens = m.generate(&prompts, opts.clone())?;
    let dt = t.elapsed().as_secs_f64();
    let generated: usize = gens.iter().map(|g| g.tokens.len()).sum();
    println!(
        "generate: 16 prompts x 32 new tokens: {generated} tokens in {dt:.2} s = {:.1} tok/s (batch 16)",
        generated as f64 / dt
    );
    let t = Instant::now();
    let gens = m.generate(&prompts[..1], opts)?;
    let dt = t.elapsed().as_secs_f64();
    println!(
        "generate: 1 prompt: {} tokens in {dt:.2} s = {:.1} tok/s (batch 1)",
        gens[0].tokens.len(),
        gens[0].tokens.len() as f64 / dt
    );
    Ok(())
}
