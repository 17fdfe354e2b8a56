//! `bridgex generate --prompt TEXT`: greedy generation by hand, with the prompt's token ids
//! and the top-k next-token logits of every step in the JSON form.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use llm_runtime::tokenizer::Tokenizer;
use llm_runtime::{FinishReason, GenerateOptions, Generation};
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::args::{GenerateFormat, ModelArgs, unescape};
use crate::commands::common::describe_model;
use crate::model::OpenedModel;
use crate::output::{json_text, print_stdout};
use crate::summary::RunInfo;

/// `bridgex generate`: greedy generation from prompts.
#[derive(clap::Args, Debug)]
// A negative number is a value to check (`--top-rate -0.1`), not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// A prompt (repeat for several; `\n` and `\t` are turned into line breaks and tabs)
    #[arg(long, value_name = "TEXT")]
    pub prompt: Vec<String>,
    /// A file with one prompt per line (empty lines skipped; escapes as for --prompt)
    #[arg(long, value_name = "FILE")]
    pub prompts_file: Option<std::path::PathBuf>,
    /// Most tokens generated per prompt
    #[arg(long, default_value_t = 32, value_name = "N")]
    pub max_new_tokens: usize,
    /// Stop a prompt's generation at this string (repeatable; `\n` for a line break)
    #[arg(long, value_name = "TEXT")]
    pub stop: Vec<String>,
    /// Logits recorded per step in the JSON output
    #[arg(long, default_value_t = 5, value_name = "K")]
    pub top_k: usize,
    /// Do not prepend the BOS token
    #[arg(long)]
    pub no_bos: bool,
    /// Output form
    #[arg(long, value_enum, default_value_t)]
    pub format: GenerateFormat,
    #[command(flatten)]
    pub model: ModelArgs,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let mut prompts: Vec<String> = args.prompt.iter().map(|p| unescape(p)).collect();
    if let Some(f) = &args.prompts_file {
        prompts.extend(read_prompts(f)?);
    }
    if prompts.is_empty() {
        bail!("no prompt: give --prompt TEXT (repeatable) or --prompts-file FILE");
    }
    let opts = GenerateCommandOptions {
        prompts,
        max_new_tokens: args.max_new_tokens,
        stop: args.stop.iter().map(|s| unescape(s)).collect(),
        top_k: args.top_k,
        add_bos: !args.no_bos,
    };
    let ctx = env.ctx().ok();
    let mut model = env.model(&args.model, ctx.as_ref())?;
    let outcome = generate_command(&mut model, &opts)?;
    match args.format {
        GenerateFormat::Text => print_stdout(&render_generate(&outcome))?,
        GenerateFormat::Json => print_stdout(&json_text(&outcome)?)?,
    }
    env.finish(&outcome.run, &[]);
    Ok(())
}

/// The prompts of a `--prompts-file`, one per non-empty line, unescaped.
fn read_prompts(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "--prompts-file {}: cannot read it as UTF-8 text",
            path.display()
        )
    })?;
    // Editors on some systems start UTF-8 files with a byte-order mark; it is not a prompt's.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let prompts: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(unescape)
        .collect();
    if prompts.is_empty() {
        bail!(
            "--prompts-file {} has no prompts (one per line; empty lines are skipped)",
            path.display()
        );
    }
    Ok(prompts)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateCommandOptions {
    pub prompts: Vec<String>,
    pub max_new_tokens: usize,
    /// Generation of a prompt ends when its text contains one of these (cut before it).
    pub stop: Vec<String>,
    /// Logits recorded per step (0 = none).
    pub top_k: usize,
    /// Prepend the model's BOS token (as every pipeline stage does).
    pub add_bos: bool,
}

impl Default for GenerateCommandOptions {
    fn default() -> Self {
        GenerateCommandOptions {
            prompts: Vec::new(),
            max_new_tokens: 32,
            stop: Vec::new(),
            top_k: 5,
            add_bos: true,
        }
    }
}

/// A token id with its vocabulary piece.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub id: u32,
    pub token: String,
}

/// One entry of a step's top-k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopLogit {
    pub id: u32,
    pub token: String,
    pub logit: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptResult {
    pub prompt: String,
    pub prompt_tokens: Vec<TokenInfo>,
    /// Generated tokens (EOS excluded).
    pub tokens: Vec<TokenInfo>,
    /// Decoded continuation, cut before the first stop string.
    pub text: String,
    pub finish: FinishReason,
    /// Per generated step, the top-k next-token logits, highest first.
    pub steps: Vec<Vec<TopLogit>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateOutcome {
    pub format: String,
    pub model: neuron_probe::ModelIdentity,
    pub max_new_tokens: usize,
    pub stop: Vec<String>,
    pub top_k: usize,
    pub results: Vec<PromptResult>,
    pub run: RunInfo,
}

pub const GENERATE_FORMAT: &str = "bridgex-generate/1";

fn token_info(tok: &Tokenizer, id: u32) -> TokenInfo {
    TokenInfo {
        id,
        token: tok.id_to_token(id).unwrap_or_else(|| format!("<{id}>")),
    }
}

fn result_of(tok: &Tokenizer, prompt: &str, ids: &[u32], g: Generation) -> PromptResult {
    PromptResult {
        prompt: prompt.to_string(),
        prompt_tokens: ids.iter().map(|&id| token_info(tok, id)).collect(),
        tokens: g.tokens.iter().map(|&id| token_info(tok, id)).collect(),
        text: g.text,
        finish: g.finish,
        steps: g
            .top_logits
            .iter()
            .map(|step| {
                step.iter()
                    .map(|l| TopLogit {
                        id: l.token,
                        token: tok.id_to_token(l.token).unwrap_or_default(),
                        logit: l.logit,
                    })
                    .collect()
            })
            .collect(),
    }
}

pub fn generate_command(
    model: &mut OpenedModel,
    opts: &GenerateCommandOptions,
) -> anyhow::Result<GenerateOutcome> {
    use neuron_probe::NeuronModel;
    let started = std::time::Instant::now();
    let mut run = RunInfo::new("generate");
    run.model_spec = Some(model.options().spec.clone());
    run.device = Some(model.options().device.clone());
    if opts.prompts.is_empty() {
        bail!("no prompt: give --prompt TEXT or --prompts-file FILE");
    }
    if opts.max_new_tokens == 0 {
        bail!("--max-new-tokens must be at least 1");
    }
    let tokenizer = model.tokenizer().clone();
    let ids = opts
        .prompts
        .iter()
        .map(|p| tokenizer.encode(p, opts.add_bos))
        .collect::<Result<Vec<_>, _>>()
        .context("tokenising the prompts")?;
    if let Some(i) = ids.iter().position(|t| t.is_empty()) {
        bail!(
            "prompt {} is empty after tokenisation (and no BOS was added)",
            i + 1
        );
    }
    let gen_opts = GenerateOptions {
        max_new_tokens: opts.max_new_tokens,
        stop: opts.stop.clone(),
    };
    let identity = model.identity();
    let runtime = model.runtime().context("loading the model")?;
    let generations = runtime
        .model()
        .generate_with_logits(&ids, &gen_opts, opts.top_k)
        .context("generating")?;
    let results = opts
        .prompts
        .iter()
        .zip(&ids)
        .zip(generations)
        .map(|((p, i), g)| result_of(&tokenizer, p, i, g))
        .collect();
    run.elapsed_s = started.elapsed().as_secs_f64();
    run.model_loaded = true;
    run.model_load_s = model.load_time().map(|d| d.as_secs_f64());
    Ok(GenerateOutcome {
        format: GENERATE_FORMAT.to_string(),
        model: identity,
        max_new_tokens: opts.max_new_tokens,
        stop: opts.stop.clone(),
        top_k: opts.top_k,
        results,
        run,
    })
}

/// Text form: each prompt, its continuation and why generation ended.
pub fn render_generate(o: &GenerateOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "model: {}", describe_model(&o.model));
    for (i, r) in o.results.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "── prompt {} ({} tokens) ──",
            i + 1,
            r.prompt_tokens.len()
        );
        let _ = writeln!(out, "{}", r.prompt);
        let _ = writeln!(
            out,
            "── continuation ({} tokens, ended by {}) ──",
            r.tokens.len(),
            match r.finish {
                FinishReason::Eos => "end of sequence",
                FinishReason::Stop => "a stop string",
                FinishReason::Length => "the token limit",
            }
        );
        let _ = writeln!(out, "{}", r.text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompts_file_loses_its_byte_order_mark_and_must_hold_a_prompt() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.txt");
        std::fs::write(&f, "\u{feff}English:\"water\"\n\n  \nsecond\\tline\n").unwrap();
        assert_eq!(
            read_prompts(&f).unwrap(),
            vec!["English:\"water\"".to_string(), "second\tline".to_string()]
        );
        std::fs::write(&f, "\u{feff}\n \n").unwrap();
        let e = read_prompts(&f).unwrap_err().to_string();
        assert!(e.contains("p.txt") && e.contains("has no prompts"), "{e}");
    }
}
