//! Greedy generation with a KV cache over continuously refilled, left-padded batches: stop strings (checked on the
//! decoded text, which is cut where the first stop string begins), a token limit, EOS, and
//! optionally the top-k logits of every step and the mean capture over prompt + generated
//! tokens.

use serde::{Deserialize, Serialize};

use burn::tensor::Tensor;

use crate::capture::{ActivationSink, CaptureSite, PromptMeans, RowSumAccumulator};
use crate::error::{Error, Result};
use crate::model::attention::LayerCache;
use crate::model::batch::BatchLayout;
use crate::model::{Transformer, read_f32};

pub use crate::model::DEFAULT_GENERATION_ROWS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateOptions {
    /// Most tokens generated per prompt (EOS not counted).
    pub max_new_tokens: usize,
    /// Generation ends when the decoded new text, leading whitespace skipped, contains one of
    /// these; the text is cut before it.
    pub stop: Vec<String>,
}

impl Default for GenerateOptions {
    /// 30 new tokens, stop at a newline (the word-translation setting of docs/METHOD.md §6).
    fn default() -> Self {
        Self {
            max_new_tokens: 30,
            stop: vec!["\n".to_string()],
        }
    }
}

/// Why generation of one prompt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model produced its end-of-sequence token (not included in `tokens`).
    Eos,
    /// A stop string appeared.
    Stop,
    /// `max_new_tokens` reached.
    Length,
}

/// One logit of a step's top-k.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TokenLogit {
    pub token: u32,
    pub logit: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// Generated token ids, EOS excluded; with a stop string, up to and including the token
    /// that completed it.
    pub tokens: Vec<u32>,
    /// Decoded new text, cut before the first stop string.
    pub text: String,
    pub finish: FinishReason,
    /// Per generated step, the top-k logits (highest first); empty unless requested.
    pub top_logits: Vec<Vec<TokenLogit>>,
}

/// What a generation run should record besides tokens.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GenerationExtras {
    /// Top-k logits per step (0 = none).
    pub top_k: usize,
    /// Mean of this site over prompt (BOS excluded) and fed-back generated tokens.
    pub capture: Option<CaptureSite>,
}

struct RowState {
    tokens: Vec<u32>,
    text: String,
    finish: Option<FinishReason>,
    top: Vec<Vec<TokenLogit>>,
    /// Tokens counted in the capture mean.
    counted: u64,
    /// With capture, the summed activations `[layers * neurons]` once the row is done.
    sums: Vec<f32>,
}

/// Cut `text` before the earliest stop string; `None` if none occurs. Leading whitespace is
/// not searched: a small model often opens its answer with a newline (`→Deutsch:\n"Wasser"`),
/// and a newline stop would otherwise cut every such answer to nothing.
fn cut_at_stop(text: &str, stops: &[String]) -> Option<usize> {
    let start = text.len() - text.trim_start().len();
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text[start..].find(s.as_str()))
        .min()
        .map(|i| start + i)
}

impl Transformer {
    /// Greedy generation for each prompt (token ids, BOS included by the caller). `decode`
    /// turns generated ids into text (for stop strings and [`Generation::text`]).
    pub fn generate(
        &self,
        prompts: &[Vec<u32>],
        opts: &GenerateOptions,
        decode: &dyn Fn(&[u32]) -> Result<String>,
    ) -> Result<Vec<Generation>> {
        Ok(self
            .generate_with(prompts, opts, decode, GenerationExtras::default())?
            .0)
    }

    /// [`Transformer::generate`] recording the top-`top_k` logits of every step.
    pub fn generate_with_logits(
        &self,
        prompts: &[Vec<u32>],
        opts: &GenerateOptions,
        top_k: usize,
        decode: &dyn Fn(&[u32]) -> Result<String>,
    ) -> Result<Vec<Generation>> {
        Ok(self
            .generate_with(
                prompts,
                opts,
                decode,
                GenerationExtras {
                    top_k,
                    capture: None,
                },
            )?
            .0)
    }

    /// Generate, and average `site` over each prompt's tokens (BOS excluded) plus the
    /// generated tokens fed back into the model (all generated tokens but the last, which
    /// ends generation before it is fed).
    pub fn prompt_means_generated(
        &self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        opts: &GenerateOptions,
        decode: &dyn Fn(&[u32]) -> Result<String>,
    ) -> Result<(PromptMeans, Vec<Generation>)> {
        let (gens, means) = self.generate_with(
            prompts,
            opts,
            decode,
            GenerationExtras {
                top_k: 0,
                capture: Some(site),
            },
        )?;
        Ok((means.expect("capture requested"), gens))
    }

    pub(crate) fn generate_with(
        &self,
        prompts: &[Vec<u32>],
        opts: &GenerateOptions,
        decode: &dyn Fn(&[u32]) -> Result<String>,
        extras: GenerationExtras,
    ) -> Result<(Vec<Generation>, Option<PromptMeans>)> {
        self.check_ids(prompts, "prompt")?;
        let c = self.config();
        let (layers, neurons) = (c.num_layers, c.intermediate_size);
        let per_prompt = layers * neurons;
        let mut run = Running::new(self, prompts, opts, decode, extras);
        while run.admit()? {
            run.choose_tokens()?;
            run.retire_finished()?;
            run.step();
        }
        let mut means = extras
            .capture
            .map(|_| vec![0f32; prompts.len() * per_prompt]);
        let mut gens = Vec::with_capacity(prompts.len());
        for (i, st) in run.states.into_iter().enumerate() {
            if let Some(m) = means.as_mut() {
                if st.counted == 0 {
                    return Err(Error::Invalid(format!(
                        "prompt {i} has no token besides BOS"
                    )));
                }
                let inv = 1.0 / st.counted as f32;
                for (d, s) in m[i * per_prompt..(i + 1) * per_prompt]
                    .iter_mut()
                    .zip(&st.sums)
                {
                    *d = s * inv;
                }
            }
            gens.push(Generation {
                tokens: st.tokens,
                text: st.text,
                finish: st.finish.unwrap_or(FinishReason::Length),
                top_logits: st.top,
            });
        }
        let means = means.map(|data| PromptMeans {
            prompts: prompts.len(),
            layers,
            neurons,
            data,
        });
        Ok((gens, means))
    }
}

/// Continuous batching: up to [`Transformer::generation_rows`] prompts decode together, and
/// rows that finish are refilled from the waiting prompts (prefilled as a batch of their own,
/// their KV cache spliced in), so a long answer no longer holds a batch of finished rows.
///
/// Batch row `b` decodes prompt `active[b]`. Between calls, every row's real tokens end in the
/// last cached column (`layout.total()`); a row admitted with a shorter history is left-padded,
/// and leading columns that are padding in every row are dropped, so the cache stays as long as
/// the oldest row's prompt plus its answer.
struct Running<'a> {
    model: &'a Transformer,
    prompts: &'a [Vec<u32>],
    opts: &'a GenerateOptions,
    decode: &'a dyn Fn(&[u32]) -> Result<String>,
    extras: GenerationExtras,
    states: Vec<RowState>,
    /// Prompts not yet admitted, next first.
    waiting: std::collections::VecDeque<usize>,
    active: Vec<usize>,
    cache: Vec<LayerCache>,
    layout: BatchLayout,
    /// `[active, hidden]`: the hidden state each row's next token is read from.
    hidden: Option<Tensor<2>>,
    acc: Option<RowSumAccumulator>,
}

impl<'a> Running<'a> {
    fn new(
        model: &'a Transformer,
        prompts: &'a [Vec<u32>],
        opts: &'a GenerateOptions,
        decode: &'a dyn Fn(&[u32]) -> Result<String>,
        extras: GenerationExtras,
    ) -> Self {
        // Longest first, as every batch planner of the crate orders them.
        let lens: Vec<usize> = prompts.iter().map(Vec::len).collect();
        let waiting = model
            .plan_batches(&lens, usize::MAX)
            .into_iter()
            .flatten()
            .collect();
        let states = (0..prompts.len())
            .map(|_| RowState {
                tokens: Vec::new(),
                text: String::new(),
                finish: None,
                top: Vec::new(),
                counted: 0,
                sums: Vec::new(),
            })
            .collect();
        Self {
            model,
            prompts,
            opts,
            decode,
            extras,
            states,
            waiting,
            active: Vec::new(),
            cache: model.new_cache(),
            layout: BatchLayout::settled(0, Vec::new()),
            hidden: None,
            acc: None,
        }
    }

    /// Prefill waiting prompts into free rows (once a quarter of the rows is free, or when
    /// none is active, so a prefill call serves several rows). False once nothing is left.
    fn admit(&mut self) -> Result<bool> {
        let m = self.model;
        let max_rows = m.generation_rows();
        let free = max_rows.saturating_sub(self.active.len());
        if self.waiting.is_empty() || (!self.active.is_empty() && free < max_rows.div_ceil(4)) {
            return Ok(!self.active.is_empty());
        }
        // The prefill batch: free rows within the token budget (one row always fits).
        let mut batch: Vec<usize> = Vec::new();
        while let Some(&i) = self.waiting.front() {
            let width = batch
                .first()
                .map_or(self.prompts[i].len(), |&f| self.prompts[f].len());
            if !batch.is_empty()
                && (batch.len() >= free || (batch.len() + 1) * width > m.batch_tokens())
            {
                break;
            }
            batch.push(i);
            self.waiting.pop_front();
        }
        let rows: Vec<&[u32]> = batch.iter().map(|&i| self.prompts[i].as_slice()).collect();
        let lens: Vec<usize> = rows.iter().map(|r| r.len()).collect();
        let layout = BatchLayout::left_padded(&lens);
        let mut cache = m.new_cache();
        let (weights, counts) = m.prompt_weights(&rows, &layout);
        let mut acc = self.extras.capture.map(|site| {
            RowSumAccumulator::new(site, m.float_tensor(weights, [rows.len(), 1, layout.cols]))
        });
        let hidden = m.forward(
            &Transformer::padded_ids(&rows, &layout),
            &layout,
            Some(&mut cache),
            acc.as_mut().map(|a| a as &mut dyn ActivationSink),
        );
        let last: Vec<usize> = (0..rows.len())
            .map(|b| b * layout.cols + layout.cols - 1)
            .collect();
        let hidden = hidden.select(0, m.int_tensor(&last));
        for (&i, &n) in batch.iter().zip(&counts) {
            self.states[i].counted = n;
        }
        if self.active.is_empty() {
            self.cache = cache;
            self.layout = BatchLayout::settled(layout.total(), layout.start);
            self.hidden = Some(hidden);
            self.acc = acc;
            self.active = batch;
            return Ok(true);
        }
        // Splice: right-align both histories, then stack the new rows below the old. (With
        // longest-first admission the old rows' history is never the shorter one; padding
        // them too keeps any admission order correct.)
        let (old_total, new_total) = (self.layout.total(), layout.total());
        let total = old_total.max(new_total);
        for lc in &mut self.cache {
            lc.pad_front(total - old_total);
        }
        for (lc, new) in self.cache.iter_mut().zip(cache) {
            let mut new = new;
            new.pad_front(total - new_total);
            lc.append_rows(new);
        }
        let mut start: Vec<usize> = self
            .layout
            .start
            .iter()
            .map(|s| s + total - old_total)
            .collect();
        start.extend(layout.start.iter().map(|s| s + total - new_total));
        self.layout = BatchLayout::settled(total, start);
        self.hidden = Some(match self.hidden.take() {
            Some(h) => Tensor::cat(vec![h, hidden], 0),
            None => hidden,
        });
        if let (Some(a), Some(new)) = (self.acc.as_mut(), acc) {
            a.append_rows(new);
        }
        self.active.extend(batch);
        Ok(true)
    }

    /// Read each active row's next token from its hidden state and record it.
    fn choose_tokens(&mut self) -> Result<()> {
        let m = self.model;
        let hidden = self
            .hidden
            .take()
            .expect("admitted rows have a hidden state");
        if self.opts.max_new_tokens == 0 {
            for &r in &self.active {
                self.states[r].finish = Some(FinishReason::Length);
            }
            return Ok(());
        }
        let logits = m.logits(hidden);
        let next = logits
            .clone()
            .argmax(1)
            .try_into_vec_as::<i64>()
            .map_err(|e| Error::Invalid(format!("reading next tokens from the device: {e:?}")))?;
        let top = if self.extras.top_k > 0 {
            let k = self.extras.top_k.min(m.config().vocab_size);
            let (vals, idx) = logits.topk_with_indices(k, 1);
            let vals = read_f32(vals)?;
            let idx = idx
                .try_into_vec_as::<i64>()
                .map_err(|e| Error::Invalid(format!("reading top-k ids from the device: {e:?}")))?;
            Some((k, vals, idx))
        } else {
            None
        };
        for (b, &r) in self.active.iter().enumerate() {
            let st = &mut self.states[r];
            let tok = next[b] as u32;
            if m.eos_ids().contains(&tok) {
                st.finish = Some(FinishReason::Eos);
                continue;
            }
            st.tokens.push(tok);
            if let Some((k, vals, idx)) = &top {
                st.top.push(
                    (0..*k)
                        .map(|j| TokenLogit {
                            token: idx[b * k + j] as u32,
                            logit: vals[b * k + j],
                        })
                        .collect(),
                );
            }
            let text = (self.decode)(&st.tokens)?;
            if let Some(cut) = cut_at_stop(&text, &self.opts.stop) {
                st.text = text[..cut].to_string();
                st.finish = Some(FinishReason::Stop);
            } else {
                st.text = text;
                if st.tokens.len() >= self.opts.max_new_tokens {
                    st.finish = Some(FinishReason::Length);
                }
            }
        }
        Ok(())
    }

    /// Drop finished rows (keeping their capture sums) and the leading columns no row needs.
    fn retire_finished(&mut self) -> Result<()> {
        let m = self.model;
        let keep: Vec<usize> = (0..self.active.len())
            .filter(|&b| self.states[self.active[b]].finish.is_none())
            .collect();
        if keep.len() == self.active.len() {
            return Ok(());
        }
        if let Some(a) = &self.acc {
            let per_prompt = m.config().num_layers * m.config().intermediate_size;
            let done: Vec<usize> = (0..self.active.len())
                .filter(|b| !keep.contains(b))
                .collect();
            let v = a.read_rows(&m.int_tensor(&done))?;
            for (j, &b) in done.iter().enumerate() {
                self.states[self.active[b]].sums = v[j * per_prompt..(j + 1) * per_prompt].to_vec();
            }
        }
        self.active = keep.iter().map(|&b| self.active[b]).collect();
        if self.active.is_empty() {
            self.cache = m.new_cache();
            self.layout = BatchLayout::settled(0, Vec::new());
            self.acc = None;
            return Ok(());
        }
        let idx = m.int_tensor(&keep);
        for lc in &mut self.cache {
            lc.keep_rows(&idx);
        }
        if let Some(a) = self.acc.as_mut() {
            a.keep_rows(&idx);
        }
        let start: Vec<usize> = keep.iter().map(|&b| self.layout.start[b]).collect();
        let unused = start.iter().copied().min().unwrap_or(0);
        if unused > 0 {
            for lc in &mut self.cache {
                lc.drop_front(unused);
            }
        }
        self.layout = BatchLayout::settled(
            self.layout.total() - unused,
            start.iter().map(|s| s - unused).collect(),
        );
        Ok(())
    }

    /// Feed every active row its last token (one decode step).
    fn step(&mut self) {
        if self.active.is_empty() {
            return;
        }
        let m = self.model;
        let layout = self.layout.next_step();
        let ids: Vec<u32> = self
            .active
            .iter()
            .map(|&r| {
                *self.states[r]
                    .tokens
                    .last()
                    .expect("an unfinished row has a token")
            })
            .collect();
        if let Some(a) = self.acc.as_mut() {
            a.set_weights(m.float_tensor(vec![1.0; ids.len()], [ids.len(), 1, 1]));
            for &r in &self.active {
                self.states[r].counted += 1;
            }
        }
        self.hidden = Some(m.forward(
            &ids,
            &layout,
            Some(&mut self.cache),
            self.acc.as_mut().map(|a| a as &mut dyn ActivationSink),
        ));
        self.layout = BatchLayout::settled(layout.total(), layout.start);
    }
}

#[cfg(test)]
mod tests {
    use super::cut_at_stop;

    #[test]
    fn stop_cut_is_earliest() {
        let stops = vec!["\n".to_string(), "\"".to_string(), String::new()];
        assert_eq!(cut_at_stop(" \"Wasser\"\n", &stops), Some(1));
        assert_eq!(cut_at_stop("abc", &stops), None);
        assert_eq!(cut_at_stop("ab\ncd", &["\n".to_string()]), Some(2));
        // Leading whitespace never ends an answer before it starts.
        assert_eq!(
            cut_at_stop("\n\n \"Haus\"\nx", &["\n".to_string()]),
            Some(9)
        );
        assert_eq!(cut_at_stop("\n\n", &["\n".to_string()]), None);
    }
}
