//! Stage 2: probe activations from dictionary prompts (docs/METHOD.md §3).
//!
//! Source words are shuffled with a seed; with the "totally understand" filter on, the model
//! translates them greedily in that order until `probe_size` of them match a gold target (or the
//! words run out; below `min_survivors` the stage warns and falls back to unfiltered words).
//! Each kept word's prompt `{Src}:"{word}"→{Trg}:` is run and the capture site is averaged over
//! its tokens (BOS excluded), giving `A[layer, neuron, sample]`.

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use xicl_eval::parse::{bli_match, parse_bli_answer};

use crate::artifacts::{Loaded, Tensor, key_of};
use crate::context::RunContext;
use crate::error::{ProbeError, Result};
use crate::model::{CaptureSite, ModelIdentity, NeuronModel};
use crate::staged::{StageCache, StageLog, Staged};
use crate::stats::DataFile;

/// Artifact kind of the filter's judgements.
pub const FILTER_KIND: &str = "probe-filter";
/// Artifact kind of the filter's judgements part-way (an interrupted run resumes from them).
pub const FILTER_CHECKPOINT_KIND: &str = "probe-filter-checkpoint";
/// Artifact kind of probe activations.
pub const PROBE_KIND: &str = "probe";
/// Stop strings of the filter's translations. Past the closing quote nothing is parsed, and
/// models tend to chain `"→"…"→"…` until the token limit, so `"→` ends generation early
/// without changing any answer.
pub const FILTER_STOP: &[&str] = &["\n", "\"\u{2192}"];
/// Bumped whenever the prompt template or the answer parsing changes (2: BLI's parser).
const PROMPT_VERSION: u32 = 2;

/// The probe prompt, exactly as the reference code writes it: `{Src}:"{word}"→{Trg}:`.
pub fn probe_prompt(src_name: &str, word: &str, trg_name: &str) -> String {
    format!("{src_name}:\"{word}\"\u{2192}{trg_name}:")
}

/// One source word and all its gold translations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeEntry {
    pub source: String,
    pub targets: Vec<String>,
}

/// The dictionary a probe draws its words from.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeDictionary {
    /// ISO 639-1 codes.
    pub src: String,
    pub trg: String,
    /// Where the pairs come from ("muse", "muse-pivot-en", "wiktionary", ...).
    pub origin: String,
    /// Which part of the dictionary ("train: source ranks 0..5000").
    pub split: String,
    pub files: Vec<DataFile>,
    pub entries: Vec<ProbeEntry>,
}

impl ProbeDictionary {
    fn entries_sha256(&self) -> String {
        let mut h = Sha256::new();
        for e in &self.entries {
            h.update(e.source.as_bytes());
            for t in &e.targets {
                h.update(b"\t");
                h.update(t.as_bytes());
            }
            h.update(b"\n");
        }
        hex::encode(h.finalize())
    }

    fn key_material(&self) -> serde_json::Value {
        json!({
            "src": self.src, "trg": self.trg, "origin": self.origin, "split": self.split,
            "files": self.files, "entries": self.entries.len(), "entries_sha256": self.entries_sha256(),
        })
    }
}

/// Parameters of the probe stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeParams {
    /// Words in the probe (docs/METHOD.md default 500).
    pub probe_size: usize,
    /// Seed of the word order.
    pub seed: u64,
    /// The "totally understand" filter.
    pub filter: bool,
    /// Fewer survivors than this: warn and use unfiltered words.
    pub min_survivors: usize,
    /// Generation budget of the filter's translations.
    pub max_new_tokens: usize,
    /// Judge at most this many words (in seeded order) before giving up; `None` = the whole
    /// split. Bounds the filter's cost for weak models on slow hardware.
    pub max_candidates: Option<usize>,
    pub site: CaptureSite,
    /// Also average over the tokens the model generates after the prompt (docs/METHOD.md §3 variant).
    pub include_generated: bool,
    /// Prompts per model call. Does not change the result, so it is not part of the key.
    #[serde(skip, default = "default_batch")]
    pub batch_size: usize,
}

fn default_batch() -> usize {
    16
}

impl Default for ProbeParams {
    fn default() -> Self {
        ProbeParams {
            probe_size: 500,
            seed: 0,
            filter: true,
            min_survivors: 50,
            max_new_tokens: 30,
            max_candidates: None,
            site: CaptureSite::GateAct,
            include_generated: false,
            batch_size: default_batch(),
        }
    }
}

/// What the probe is made of, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSummary {
    pub src: String,
    pub trg: String,
    pub dictionary_origin: String,
    pub dictionary_split: String,
    /// Unique source words available.
    pub dictionary_words: usize,
    pub filter: bool,
    /// Words the filter had the model translate (0 with the filter off).
    pub candidates_considered: usize,
    /// Of those, translated correctly.
    pub survived: usize,
    /// The filter kept fewer than `min_survivors`, so unfiltered words were used.
    pub fell_back: bool,
    /// Prompts in the probe tensor.
    pub samples: usize,
}

/// One filter decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub word: String,
    /// Raw greedy continuation.
    pub output: String,
    /// The answer parsed from it, normalised; `None` = nothing parseable.
    pub answer: Option<String>,
    pub correct: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct FilterPayload {
    model: ModelIdentity,
    judgements: Vec<Judgement>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ProbePayload {
    model: ModelIdentity,
    summary: ProbeSummary,
    layers: usize,
    neurons: usize,
    words: Vec<String>,
    targets: Vec<Vec<String>>,
    prompts: Vec<String>,
}

/// The probe tensor `A[layer, neuron, sample]` and what it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeActivations {
    pub summary: ProbeSummary,
    /// Digest of the model that produced the activations ([`ModelIdentity::digest`]).
    pub model_digest: String,
    pub layers: usize,
    pub neurons: usize,
    pub words: Vec<String>,
    pub targets: Vec<Vec<String>>,
    pub prompts: Vec<String>,
    /// `[layers, neurons, samples]`, row-major.
    pub data: Vec<f32>,
}

impl ProbeActivations {
    pub fn samples(&self) -> usize {
        self.words.len()
    }

    /// Activations of one neuron over all samples; `None` out of range.
    pub fn row(&self, layer: usize, neuron: usize) -> Option<&[f32]> {
        if layer >= self.layers || neuron >= self.neurons {
            return None;
        }
        let s = self.samples();
        let start = (layer * self.neurons + neuron) * s;
        self.data.get(start..start + s)
    }

    /// Mean activation of one neuron over the samples; `None` out of range.
    pub fn mean(&self, layer: usize, neuron: usize) -> Option<f64> {
        let row = self.row(layer, neuron)?;
        Some(row.iter().map(|&v| v as f64).sum::<f64>() / row.len().max(1) as f64)
    }
}

fn native_name(code: &str) -> Result<&'static str> {
    Ok(langs::get(code)?.native_name)
}

/// Unique source words in first-seen order, targets merged.
fn unique_entries(entries: &[ProbeEntry]) -> Vec<ProbeEntry> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<ProbeEntry> = Vec::new();
    for e in entries {
        match index.get(e.source.as_str()) {
            Some(&i) => {
                for t in &e.targets {
                    if !out[i].targets.contains(t) {
                        out[i].targets.push(t.clone());
                    }
                }
            }
            None => {
                index.insert(&e.source, out.len());
                out.push(e.clone());
            }
        }
    }
    out
}

/// Compute (or load) the probe tensor of `dict.src → dict.trg`. The log says whether the probe
/// and the filter's judgements were computed or loaded.
pub fn probe<M: NeuronModel + ?Sized>(
    model: &mut M,
    dict: &ProbeDictionary,
    params: &ProbeParams,
    ctx: &RunContext,
) -> Result<Staged<ProbeActivations>> {
    if params.probe_size == 0 {
        return Err(ProbeError::param("probe_size", "must be at least 1"));
    }
    if params.batch_size == 0 {
        return Err(ProbeError::param("batch_size", "must be at least 1"));
    }
    if params.filter && params.min_survivors > params.probe_size {
        return Err(ProbeError::param(
            "min_survivors",
            format!(
                "--min-understood {} cannot be reached: the probe keeps at most --probe-size {} words",
                params.min_survivors, params.probe_size
            ),
        ));
    }
    if let Some(max) = params.max_candidates
        && params.filter
        && params.min_survivors > max
    {
        return Err(ProbeError::param(
            "min_survivors",
            format!(
                "--min-understood {} cannot be reached: the filter judges at most --filter-max-words {max} words; lower the one or raise the other",
                params.min_survivors
            ),
        ));
    }
    if params.filter && params.max_new_tokens == 0 {
        return Err(ProbeError::param(
            "max_new_tokens",
            "the filter needs at least 1",
        ));
    }
    let src_name = native_name(&dict.src)?;
    let trg_name = native_name(&dict.trg)?;
    let identity = model.identity();
    let (layers, neurons) = (model.layers(), model.neurons());
    let label = format!("{}-{}", dict.src, dict.trg);

    let inputs = json!({
        "model": identity.key_material(),
        "dictionary": dict.key_material(),
        "params": params,
        "prompt_version": PROMPT_VERSION,
    });
    let key = key_of(PROBE_KIND, &inputs);
    let cached = || -> Result<Option<Staged<ProbeActivations>>> {
        let Some(found) = ctx
            .artifacts
            .load::<ProbePayload>(PROBE_KIND, &label, &key)?
        else {
            return Ok(None);
        };
        let path = found.json_path.clone();
        match probe_from_artifact(found, &identity) {
            Ok(a) => {
                tracing::info!(pair = %label, "probe loaded from {}", path.display());
                // The filter's judgements are part of what the probe artifact holds.
                let filter = if params.filter {
                    StageCache::cached(&label)
                } else {
                    StageCache::default()
                };
                let log = StageLog {
                    probe: StageCache::cached(&label),
                    filter,
                    ..StageLog::default()
                };
                Ok(Some(Staged::new(a, log)))
            }
            Err(e) => {
                tracing::warn!("recomputing: {e}");
                Ok(None)
            }
        }
    };
    if let Some(staged) = cached()? {
        return Ok(staged);
    }

    ctx.artifacts.ensure_writable(PROBE_KIND)?;
    if params.filter {
        ctx.artifacts.ensure_writable(FILTER_KIND)?;
    }
    // One process probes a pair at a time; another one waits, then loads the probe.
    let _lock = ctx.artifacts.lock(PROBE_KIND, &label, &key)?;
    if let Some(staged) = cached()? {
        return Ok(staged);
    }
    let entries = unique_entries(&dict.entries);
    if entries.is_empty() {
        return Err(ProbeError::data(format!(
            "{label}: the {} dictionary ({}) has no entries",
            dict.origin, dict.split
        )));
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(params.seed));

    let mut summary = ProbeSummary {
        src: dict.src.clone(),
        trg: dict.trg.clone(),
        dictionary_origin: dict.origin.clone(),
        dictionary_split: dict.split.clone(),
        dictionary_words: entries.len(),
        filter: params.filter,
        candidates_considered: 0,
        survived: 0,
        fell_back: false,
        samples: 0,
    };
    let unfiltered: Vec<usize> = order.iter().copied().take(params.probe_size).collect();
    let mut log = StageLog {
        probe: StageCache::computed(&label),
        ..StageLog::default()
    };
    let chosen: Vec<usize> = if params.filter {
        let judged = run_filter(
            model, dict, &entries, &order, params, ctx, &identity, src_name, trg_name, &label,
        )?;
        log.filter = judged.log.filter;
        let judgements = judged.value;
        summary.candidates_considered = judgements.len();
        let survivors: Vec<usize> = order
            .iter()
            .zip(&judgements)
            .filter(|(_, j)| j.correct)
            .map(|(&i, _)| i)
            .take(params.probe_size)
            .collect();
        summary.survived = judgements.iter().filter(|j| j.correct).count();
        if survivors.len() < params.min_survivors {
            tracing::warn!(
                pair = %label,
                "only {} of {} words survived the understanding filter (minimum {}): using unfiltered words",
                survivors.len(),
                judgements.len(),
                params.min_survivors
            );
            summary.fell_back = true;
            unfiltered
        } else {
            survivors
        }
    } else {
        unfiltered
    };

    let words: Vec<String> = chosen.iter().map(|&i| entries[i].source.clone()).collect();
    let targets: Vec<Vec<String>> = chosen.iter().map(|&i| entries[i].targets.clone()).collect();
    let prompts: Vec<String> = words
        .iter()
        .map(|w| probe_prompt(src_name, w, trg_name))
        .collect();
    let samples = prompts.len();
    summary.samples = samples;

    let bar = ctx.progress(samples as u64, "prompts", &format!("probe {label}"));
    // Gather [samples, layers, neurons], then transpose to [layers, neurons, samples].
    let per_prompt = layers * neurons;
    let mut by_prompt = Vec::with_capacity(samples * per_prompt);
    for batch in prompts.chunks(params.batch_size) {
        let tokens = batch
            .iter()
            .map(|p| model.encode(p, true))
            .collect::<Result<Vec<_>>>()?;
        let means = model.prompt_means(&tokens, params.site, params.include_generated)?;
        if means.len() != batch.len() * per_prompt {
            return Err(ProbeError::Contract {
                model: identity.name.clone(),
                op: "prompt_means",
                what: format!(
                    "returned {} values for {} prompts, expected prompts x layers x neurons = {}",
                    means.len(),
                    batch.len(),
                    batch.len() * per_prompt
                ),
            });
        }
        by_prompt.extend_from_slice(&means);
        bar.inc(batch.len() as u64);
    }
    bar.finish();
    let mut data = vec![0f32; by_prompt.len()];
    for (s, chunk) in by_prompt.chunks_exact(per_prompt.max(1)).enumerate() {
        for (ln, &v) in chunk.iter().enumerate() {
            data[ln * samples + s] = v;
        }
    }

    let payload = ProbePayload {
        model: identity.clone(),
        summary: summary.clone(),
        layers,
        neurons,
        words: words.clone(),
        targets: targets.clone(),
        prompts: prompts.clone(),
    };
    let tensor = Tensor::F32 {
        shape: vec![layers, neurons, samples],
        data,
    };
    let path = ctx.artifacts.save(
        PROBE_KIND,
        &label,
        &key,
        &inputs,
        &payload,
        &[("activations", &tensor)],
    )?;
    tracing::info!(pair = %label, samples, "probe saved to {}", path.display());
    let Tensor::F32 { data, .. } = tensor else {
        return Err(ProbeError::artifact(
            path,
            "internal: activations tensor changed type",
        ));
    };
    let activations = ProbeActivations {
        summary,
        model_digest: identity.digest.clone(),
        layers,
        neurons,
        words,
        targets,
        prompts,
        data,
    };
    Ok(Staged::new(activations, log))
}

/// Check and unpack a loaded probe artifact (its key already matched).
fn probe_from_artifact(
    mut found: Loaded<ProbePayload>,
    identity: &ModelIdentity,
) -> Result<ProbeActivations> {
    let p = found.envelope.payload.clone();
    if (p.layers, p.neurons) != (identity.layers, identity.neurons)
        || p.targets.len() != p.words.len()
        || p.prompts.len() != p.words.len()
    {
        return Err(ProbeError::artifact(
            &found.json_path,
            format!(
                "inconsistent metadata: {}x{} neurons, {} words, {} targets, {} prompts",
                p.layers,
                p.neurons,
                p.words.len(),
                p.targets.len(),
                p.prompts.len()
            ),
        ));
    }
    let shape = [p.layers, p.neurons, p.words.len()];
    let data = match found.take("activations", &shape)? {
        Tensor::F32 { data, .. } => data,
        _ => {
            return Err(ProbeError::artifact(
                &found.json_path,
                "`activations` is not f32",
            ));
        }
    };
    Ok(ProbeActivations {
        summary: p.summary,
        model_digest: identity.digest.clone(),
        layers: p.layers,
        neurons: p.neurons,
        words: p.words,
        targets: p.targets,
        prompts: p.prompts,
        data,
    })
}

/// Judge words in `order` until `probe_size` are correct or none are left (or load the
/// judgements of an earlier run). Returns judgements in `order`, one per word judged, and
/// whether they were loaded.
#[allow(clippy::too_many_arguments)]
fn run_filter<M: NeuronModel + ?Sized>(
    model: &mut M,
    dict: &ProbeDictionary,
    entries: &[ProbeEntry],
    order: &[usize],
    params: &ProbeParams,
    ctx: &RunContext,
    identity: &ModelIdentity,
    src_name: &str,
    trg_name: &str,
    label: &str,
) -> Result<Staged<Vec<Judgement>>> {
    let inputs = json!({
        "model": identity.key_material(),
        "dictionary": dict.key_material(),
        "seed": params.seed,
        "probe_size": params.probe_size,
        "max_new_tokens": params.max_new_tokens,
        "max_candidates": params.max_candidates,
        "prompt_version": PROMPT_VERSION,
    });
    let key = key_of(FILTER_KIND, &inputs);
    let done = |judgements| {
        let log = StageLog {
            filter: StageCache::cached(label),
            ..StageLog::default()
        };
        Staged::new(judgements, log)
    };
    if let Some(j) = load_judgements(ctx, FILTER_KIND, label, &key, entries, order)? {
        return Ok(done(j));
    }
    // One process judges a pair's words at a time; another one waits, then loads them.
    let _lock = ctx.artifacts.lock(FILTER_KIND, label, &key)?;
    if let Some(j) = load_judgements(ctx, FILTER_KIND, label, &key, entries, order)? {
        return Ok(done(j));
    }
    // A killed run's judgements so far (saved at batch boundaries, so the batches continue
    // as an uninterrupted run's would).
    let mut judgements = load_judgements(ctx, FILTER_CHECKPOINT_KIND, label, &key, entries, order)?
        .filter(|j| j.len() % params.batch_size == 0)
        .unwrap_or_default();
    let mut correct = judgements.iter().filter(|j| j.correct).count();
    let budget = params
        .max_candidates
        .unwrap_or(order.len())
        .min(order.len());
    // Progress counts words tried out of the budget (its rate and ETA are real; the count of
    // understood words alone gave "1h10m left" for a pair that ended in minutes), and the
    // label says how many were understood; the run stops early once enough are.
    let bar = ctx.progress(
        budget as u64,
        "words tried",
        &filter_label(label, correct, params.probe_size),
    );
    bar.inc(judgements.len().min(budget) as u64);
    let mut saved_at = std::time::Instant::now();
    let start = judgements.len().min(budget);
    for batch in order[start..budget].chunks(params.batch_size) {
        if correct >= params.probe_size {
            break;
        }
        let prompts: Vec<String> = batch
            .iter()
            .map(|&i| probe_prompt(src_name, &entries[i].source, trg_name))
            .collect();
        let outputs = model.greedy(&prompts, params.max_new_tokens, FILTER_STOP)?;
        if outputs.len() != prompts.len() {
            return Err(ProbeError::Contract {
                model: identity.name.clone(),
                op: "greedy",
                what: format!(
                    "returned {} outputs for {} prompts",
                    outputs.len(),
                    prompts.len()
                ),
            });
        }
        for (&i, output) in batch.iter().zip(outputs) {
            // The same reading as the BLI task's, so a word the filter keeps is one BLI would
            // score as translated.
            let answer = parse_bli_answer(&output);
            let ok = answer
                .as_deref()
                .is_some_and(|a| bli_match(a, &entries[i].targets));
            if ok {
                correct += 1;
            }
            judgements.push(Judgement {
                word: entries[i].source.clone(),
                output,
                answer,
                correct: ok,
            });
        }
        bar.set_label(&filter_label(label, correct, params.probe_size));
        bar.inc(batch.len() as u64);
        if saved_at.elapsed() >= ctx.checkpoint_every {
            let payload = FilterPayload {
                model: identity.clone(),
                judgements: judgements.clone(),
            };
            ctx.artifacts
                .save(FILTER_CHECKPOINT_KIND, label, &key, &inputs, &payload, &[])?;
            saved_at = std::time::Instant::now();
        }
    }
    bar.finish();
    ctx.artifacts.save(
        FILTER_KIND,
        label,
        &key,
        &inputs,
        &FilterPayload {
            model: identity.clone(),
            judgements: judgements.clone(),
        },
        &[],
    )?;
    ctx.artifacts.remove(FILTER_CHECKPOINT_KIND, label, &key)?;
    let log = StageLog {
        filter: StageCache::computed(label),
        ..StageLog::default()
    };
    Ok(Staged::new(judgements, log))
}

/// Judgements saved as `kind` under `key` that follow the seeded word order this run would
/// use (`None` when there are none, or when they follow another order).
fn load_judgements(
    ctx: &RunContext,
    kind: &str,
    label: &str,
    key: &str,
    entries: &[ProbeEntry],
    order: &[usize],
) -> Result<Option<Vec<Judgement>>> {
    let Some(found) = ctx.artifacts.load::<FilterPayload>(kind, label, key)? else {
        return Ok(None);
    };
    let judgements = found.envelope.payload.judgements;
    let consistent = judgements.len() <= order.len()
        && judgements
            .iter()
            .zip(order)
            .all(|(j, &i)| j.word == entries[i].source);
    if !consistent {
        tracing::warn!(
            "recomputing: {}: judgements do not follow the word order",
            found.json_path.display()
        );
        return Ok(None);
    }
    tracing::info!(pair = %label, "filter judgements loaded from {}", found.json_path.display());
    Ok(Some(judgements))
}

/// The filter's progress label: `understanding filter en-sw (12 of 500 understood)`.
fn filter_label(pair: &str, understood: usize, wanted: usize) -> String {
    format!("understanding filter {pair} ({understood} of {wanted} understood)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_template_is_exact() {
        assert_eq!(
            probe_prompt("English", "water", "Deutsch"),
            "English:\"water\"\u{2192}Deutsch:"
        );
        // Literal with the arrow typed as itself: no spaces anywhere.
        assert_eq!(
            probe_prompt("English", "water", "Deutsch"),
            "English:\"water\"→Deutsch:"
        );
    }

    #[test]
    fn filter_stops_never_change_the_answer() {
        let outputs = [
            " \"house\"→\"house\"→\"house",
            "because\"→kasiwa",
            " \"Wasser\"\nEnglish:",
            " \"grün\"",
            "\"→\"x\"",
            "「水」\"→「水」",
        ];
        for full in outputs {
            let cut = FILTER_STOP
                .iter()
                .filter_map(|s| full.find(s))
                .min()
                .map_or(full, |i| &full[..i]);
            let (a, b) = (parse_bli_answer(full), parse_bli_answer(cut));
            // "→" alone is never a gold word, so both count as wrong in the last case.
            assert!(
                a == b || (b.is_none() && a.as_deref() == Some("→")),
                "{full:?}: {a:?} vs {b:?}"
            );
        }
    }

    #[test]
    fn unique_entries_merge_targets() {
        let e = |s: &str, t: &[&str]| ProbeEntry {
            source: s.into(),
            targets: t.iter().map(|x| x.to_string()).collect(),
        };
        let got = unique_entries(&[e("a", &["x"]), e("b", &["y"]), e("a", &["z", "x"])]);
        assert_eq!(got, vec![e("a", &["x", "z"]), e("b", &["y"])]);
    }
}
