//! Stage 1: per-language activation statistics over FLORES text (docs/METHOD.md §2).
//!
//! One artifact per language, so an interrupted run resumes at the first unfinished language.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::artifacts::{Loaded, Tensor, key_of};
use crate::context::RunContext;
use crate::error::{ProbeError, Result};
use crate::model::{CaptureSite, CorpusStats, ModelIdentity, NeuronModel};
use crate::staged::{StageCache, StageLog, Staged};
use crate::windows::{Windows, build_windows};

/// Artifact kind of per-language statistics.
pub const STATS_KIND: &str = "language-stats";

/// An input file and its sha256, as recorded in artifact metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    /// Path relative to the data root (same layout as the data mirror), or a fixture label.
    pub path: String,
    pub sha256: String,
}

/// How the sentences of a language were chosen from its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSelection {
    /// Only the first `n` FLORES devtest sentences (quick runs); `None` = all 1012.
    pub max_sentences: Option<usize>,
    /// Add the SIB-200 rows with `index_id < 997` (FLORES dev sentences), in index order.
    pub include_sib_dev: bool,
}

impl TextSelection {
    /// Cut `sentences` to `max_sentences` and return the selection that took effect: a limit
    /// at or above the number of sentences cuts nothing and is recorded as none, so such a run
    /// finds the artifacts of a run without the limit.
    pub fn apply(&self, sentences: &mut Vec<String>) -> TextSelection {
        let mut applied = self.clone();
        match self.max_sentences {
            Some(n) if n < sentences.len() => sentences.truncate(n),
            _ => applied.max_sentences = None,
        }
        applied
    }
}

/// The text of one language, ready for windowing.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageText {
    /// ISO 639-1 code (`sw`).
    pub lang: String,
    pub sentences: Vec<String>,
    /// The files the sentences were read from, with digests (artifact key material).
    pub files: Vec<DataFile>,
    pub selection: TextSelection,
}

/// Parameters of the statistics stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsParams {
    /// Window length in tokens, BOS included (docs/METHOD.md default 2048).
    pub window_tokens: usize,
    pub site: CaptureSite,
    /// Windows per model call. Does not change the result, so it is not part of the key.
    #[serde(skip, default = "default_batch_windows")]
    pub batch_windows: usize,
}

fn default_batch_windows() -> usize {
    4
}

impl Default for StatsParams {
    fn default() -> Self {
        StatsParams {
            window_tokens: 2048,
            site: CaptureSite::GateAct,
            batch_windows: default_batch_windows(),
        }
    }
}

/// Statistics of one language.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageStats {
    pub lang: String,
    /// Digest of the model that produced the statistics ([`ModelIdentity::digest`]).
    pub model_digest: String,
    pub sentences: usize,
    pub windows: usize,
    pub stats: CorpusStats,
}

impl LanguageStats {
    /// `p_l = over_zero / n_l` per neuron, `[layer * neurons + neuron]`.
    pub fn activation_probability(&self) -> Vec<f64> {
        let n = self.stats.tokens.max(1) as f64;
        self.stats.over_zero.iter().map(|&c| c as f64 / n).collect()
    }

    /// Mean value at the capture site per neuron.
    pub fn mean(&self) -> Vec<f64> {
        let n = self.stats.tokens.max(1) as f64;
        self.stats.sum.iter().map(|&s| s / n).collect()
    }
}

/// Metadata stored with a language's statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StatsPayload {
    model: ModelIdentity,
    lang: String,
    sentences: usize,
    windows: usize,
    tokens: u64,
    layers: usize,
    neurons: usize,
}

fn stats_inputs(
    model: &ModelIdentity,
    text: &LanguageText,
    params: &StatsParams,
) -> serde_json::Value {
    // The sentence digest covers any selection the loader made; files + selection say where
    // they came from.
    let mut h = sha2::Sha256::default();
    for s in &text.sentences {
        sha2::Digest::update(&mut h, s.as_bytes());
        sha2::Digest::update(&mut h, b"\n");
    }
    json!({
        "model": model.key_material(),
        "lang": text.lang,
        "files": text.files,
        "selection": text.selection,
        "sentences_sha256": hex::encode(sha2::Digest::finalize(h)),
        "params": params,
    })
}

/// Compute (or load) the statistics of every language in `texts`, in order.
///
/// Languages whose artifact exists are loaded; the others are tokenised, windowed and run
/// through the model in batches, each saved as soon as it is done. The log says which.
pub fn language_stats<M: NeuronModel + ?Sized>(
    model: &mut M,
    texts: &[LanguageText],
    params: &StatsParams,
    ctx: &RunContext,
) -> Result<Staged<Vec<LanguageStats>>> {
    if params.batch_windows == 0 {
        return Err(ProbeError::param("batch_windows", "must be at least 1"));
    }
    let identity = model.identity();
    let (layers, neurons) = (model.layers(), model.neurons());
    let mut out: Vec<Option<LanguageStats>> = vec![None; texts.len()];
    let mut todo: Vec<(usize, String, serde_json::Value, Windows)> = Vec::new();
    let mut log = StageLog::default();

    for (i, text) in texts.iter().enumerate() {
        let inputs = stats_inputs(&identity, text, params);
        let key = key_of(STATS_KIND, &inputs);
        if let Some(found) = ctx
            .artifacts
            .load::<StatsPayload>(STATS_KIND, &text.lang, &key)?
        {
            let path = found.json_path.clone();
            match stats_from_artifact(found, &text.lang, &identity) {
                Ok(stats) => {
                    tracing::info!(lang = %text.lang, "statistics loaded from {}", path.display());
                    log.stats.merge(&StageCache::cached(&text.lang));
                    out[i] = Some(stats);
                    continue;
                }
                Err(e) => tracing::warn!("recomputing: {e}"),
            }
        }
        if text.sentences.is_empty() {
            return Err(ProbeError::data(format!(
                "language `{}`: no sentences to count",
                text.lang
            )));
        }
        let windows = build_windows(model, &text.sentences, params.window_tokens)?;
        todo.push((i, key, inputs, windows));
    }

    if !todo.is_empty() {
        ctx.artifacts.ensure_writable(STATS_KIND)?;
    }
    let total: u64 = todo.iter().map(|t| t.3.windows.len() as u64).sum();
    let bar = ctx.progress(total, "windows", "language statistics");
    for (i, key, inputs, windows) in todo {
        let text = &texts[i];
        bar.set_label(&format!("language statistics {}", text.lang));
        // One process computes a language at a time; another one waits, then loads it.
        let _lock = ctx.artifacts.lock(STATS_KIND, &text.lang, &key)?;
        if let Some(found) = ctx
            .artifacts
            .load::<StatsPayload>(STATS_KIND, &text.lang, &key)?
            && let Ok(stats) = stats_from_artifact(found, &text.lang, &identity)
        {
            tracing::info!(lang = %text.lang, "statistics computed by another run meanwhile");
            log.stats.merge(&StageCache::cached(&text.lang));
            bar.inc(windows.windows.len() as u64);
            out[i] = Some(stats);
            continue;
        }
        let (mut acc, mut done) =
            resume_checkpoint(ctx, &text.lang, &key, &identity, windows.windows.len())?;
        bar.inc(done as u64);
        let mut saved_at = std::time::Instant::now();
        for batch in windows.windows[done..].chunks(params.batch_windows) {
            let part = model.corpus_stats(batch, params.site)?;
            acc.merge(&part).map_err(|e| ProbeError::Contract {
                model: identity.name.clone(),
                op: "corpus_stats",
                what: e.to_string(),
            })?;
            done += batch.len();
            bar.inc(batch.len() as u64);
            if done < windows.windows.len() && saved_at.elapsed() >= ctx.checkpoint_every {
                save_checkpoint(ctx, &text.lang, &key, &inputs, &identity, &acc, done)?;
                saved_at = std::time::Instant::now();
            }
        }
        // BOS excluded, no padding: the model must have counted exactly the stream tokens.
        if acc.tokens != windows.content_tokens {
            return Err(ProbeError::Contract {
                model: identity.name.clone(),
                op: "corpus_stats",
                what: format!(
                    "language `{}`: counted {} tokens, the windows hold {} non-BOS tokens",
                    text.lang, acc.tokens, windows.content_tokens
                ),
            });
        }
        let payload = StatsPayload {
            model: identity.clone(),
            lang: text.lang.clone(),
            sentences: text.sentences.len(),
            windows: windows.windows.len(),
            tokens: acc.tokens,
            layers,
            neurons,
        };
        let (oz, sum, sum_sq) = stats_tensors(&acc);
        let path = ctx.artifacts.save(
            STATS_KIND,
            &text.lang,
            &key,
            &inputs,
            &payload,
            &[("over_zero", &oz), ("sum", &sum), ("sum_sq", &sum_sq)],
        )?;
        tracing::info!(lang = %text.lang, tokens = payload.tokens, "statistics saved to {}", path.display());
        ctx.artifacts
            .remove(STATS_CHECKPOINT_KIND, &text.lang, &key)?;
        log.stats.merge(&StageCache::computed(&text.lang));
        out[i] = Some(LanguageStats {
            lang: payload.lang,
            model_digest: identity.digest.clone(),
            sentences: payload.sentences,
            windows: payload.windows,
            stats: acc,
        });
    }
    bar.finish();
    Ok(Staged::new(out.into_iter().flatten().collect(), log))
}

/// Artifact kind of a language's statistics part-way: the sums over its first windows.
pub const STATS_CHECKPOINT_KIND: &str = "language-stats-checkpoint";

/// Metadata of a checkpoint: how many windows its sums cover.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CheckpointPayload {
    model: ModelIdentity,
    lang: String,
    windows_done: usize,
    tokens: u64,
}

/// The statistics of the first windows a killed run finished, and how many windows that is
/// (zeros and 0 without a usable checkpoint).
fn resume_checkpoint(
    ctx: &RunContext,
    lang: &str,
    key: &str,
    identity: &ModelIdentity,
    windows: usize,
) -> Result<(CorpusStats, usize)> {
    let fresh = (CorpusStats::zeros(identity.layers, identity.neurons), 0);
    let Some(mut found) =
        ctx.artifacts
            .load::<CheckpointPayload>(STATS_CHECKPOINT_KIND, lang, key)?
    else {
        return Ok(fresh);
    };
    let p = found.envelope.payload.clone();
    if p.lang != lang || p.windows_done >= windows {
        return Ok(fresh);
    }
    let shape = [identity.layers, identity.neurons];
    let over_zero = match found.take("over_zero", &shape)? {
        Tensor::U64 { data, .. } => data,
        _ => return Ok(fresh),
    };
    let stats = CorpusStats {
        layers: identity.layers,
        neurons: identity.neurons,
        tokens: p.tokens,
        over_zero,
        sum: take_f64(&mut found, "sum", &shape)?,
        sum_sq: take_f64(&mut found, "sum_sq", &shape)?,
    };
    tracing::info!(
        lang,
        "resuming the statistics after window {}",
        p.windows_done
    );
    Ok((stats, p.windows_done))
}

fn save_checkpoint(
    ctx: &RunContext,
    lang: &str,
    key: &str,
    inputs: &serde_json::Value,
    identity: &ModelIdentity,
    acc: &CorpusStats,
    done: usize,
) -> Result<()> {
    let (oz, sum, sum_sq) = stats_tensors(acc);
    let payload = CheckpointPayload {
        model: identity.clone(),
        lang: lang.to_string(),
        windows_done: done,
        tokens: acc.tokens,
    };
    ctx.artifacts.save(
        STATS_CHECKPOINT_KIND,
        lang,
        key,
        inputs,
        &payload,
        &[("over_zero", &oz), ("sum", &sum), ("sum_sq", &sum_sq)],
    )?;
    Ok(())
}

/// The three tensors statistics are stored as.
fn stats_tensors(acc: &CorpusStats) -> (Tensor, Tensor, Tensor) {
    let shape = vec![acc.layers, acc.neurons];
    (
        Tensor::U64 {
            shape: shape.clone(),
            data: acc.over_zero.clone(),
        },
        Tensor::F64 {
            shape: shape.clone(),
            data: acc.sum.clone(),
        },
        Tensor::F64 {
            shape,
            data: acc.sum_sq.clone(),
        },
    )
}

/// Check and unpack a loaded artifact (its key already matched).
fn stats_from_artifact(
    mut found: Loaded<StatsPayload>,
    lang: &str,
    identity: &ModelIdentity,
) -> Result<LanguageStats> {
    let p = found.envelope.payload.clone();
    if p.lang != lang || (p.layers, p.neurons) != (identity.layers, identity.neurons) {
        return Err(ProbeError::artifact(
            &found.json_path,
            format!(
                "holds `{}` {}x{}, expected `{lang}` {}x{}",
                p.lang, p.layers, p.neurons, identity.layers, identity.neurons
            ),
        ));
    }
    let shape = [p.layers, p.neurons];
    let over_zero = match found.take("over_zero", &shape)? {
        Tensor::U64 { data, .. } => data,
        _ => {
            return Err(ProbeError::artifact(
                &found.json_path,
                "`over_zero` is not u64",
            ));
        }
    };
    let sum = take_f64(&mut found, "sum", &shape)?;
    let sum_sq = take_f64(&mut found, "sum_sq", &shape)?;
    Ok(LanguageStats {
        lang: p.lang,
        model_digest: identity.digest.clone(),
        sentences: p.sentences,
        windows: p.windows,
        stats: CorpusStats {
            layers: p.layers,
            neurons: p.neurons,
            tokens: p.tokens,
            over_zero,
            sum,
            sum_sq,
        },
    })
}

fn take_f64<T>(found: &mut Loaded<T>, name: &str, shape: &[usize]) -> Result<Vec<f64>> {
    match found.take(name, shape)? {
        Tensor::F64 { data, .. } => Ok(data),
        _ => Err(ProbeError::artifact(
            &found.json_path,
            format!("`{name}` is not f64"),
        )),
    }
}
