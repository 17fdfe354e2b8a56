//! Greedy generation with a KV cache over left-padded batches: stop strings (checked on the
//! decoded text, which is cut where the first stop string begins), a token limit, EOS, and
//! optionally the top-k logits of every step and the mean capture over prompt + generated
//! tokens.

use serde::{Deserialize, Serialize};

use crate::capture::{CaptureSite, PromptMeans, RowSumAccumulator};
use crate::error::{Error, Result};
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
        let mut means = extras
            .capture
            .map(|_| vec![0f32; prompts.len() * per_prompt]);
        let mut out: Vec<Option<Generation>> = vec![None; prompts.len()];
        let lens: Vec<usize> = prompts.iter().map(Vec::len).collect();
        for batch in self.plan_batches(&lens, self.generation_rows()) {
            let rows: Vec<&[u32]> = batch.iter().map(|&i| prompts[i].as_slice()).collect();
            let (gens, sums) = self.generate_batch(&rows, opts, decode, extras)?;
            for (b, (&i, g)) in batch.iter().zip(gens).enumerate() {
                if let (Some(m), Some((sums, counts))) = (means.as_mut(), sums.as_ref()) {
                    if counts[b] == 0 {
                        return Err(Error::Invalid(format!(
                            "prompt {i} has no token besides BOS"
                        )));
                    }
                    let inv = 1.0 / counts[b] as f32;
                    for (d, s) in m[i * per_prompt..(i + 1) * per_prompt]
                        .iter_mut()
                        .zip(&sums[b])
                    {
                        *d = s * inv;
                    }
                }
                out[i] = Some(g);
            }
        }
        let gens = out
            .into_iter()
            .map(|g| g.expect("every prompt is in one batch"))
            .collect();
        let means = means.map(|data| PromptMeans {
            prompts: prompts.len(),
            layers,
            neurons,
            data,
        });
        Ok((gens, means))
    }

    /// One left-padded batch. Returns the generations and, with capture, per row the summed
    /// activations `[layers * neurons]` and the number of tokens summed.
    #[allow(clippy::type_complexity)]
    fn generate_batch(
        &self,
        rows: &[&[u32]],
        opts: &GenerateOptions,
        decode: &dyn Fn(&[u32]) -> Result<String>,
        extras: GenerationExtras,
    ) -> Result<(Vec<Generation>, Option<(Vec<Vec<f32>>, Vec<u64>)>)> {
        let n = rows.len();
        let per_prompt = self.config().num_layers * self.config().intermediate_size;
        let lens: Vec<usize> = rows.iter().map(|r| r.len()).collect();
        let mut layout = BatchLayout::left_padded(&lens);
        let mut cache = self.new_cache();
        let (weights, counts) = self.prompt_weights(rows, &layout);
        let mut acc = extras.capture.map(|site| {
            RowSumAccumulator::new(site, self.float_tensor(weights, [n, 1, layout.cols]))
        });
        let mut states: Vec<RowState> = counts
            .iter()
            .map(|&counted| RowState {
                tokens: Vec::new(),
                text: String::new(),
                finish: None,
                top: Vec::new(),
                counted,
            })
            .collect();
        let mut sums: Vec<Vec<f32>> = vec![Vec::new(); n];

        let hidden = self.forward(
            &Self::padded_ids(rows, &layout),
            &layout,
            Some(&mut cache),
            acc.as_mut()
                .map(|a| a as &mut dyn crate::capture::ActivationSink),
        );
        let last: Vec<usize> = (0..n).map(|b| b * layout.cols + layout.cols - 1).collect();
        let mut hidden_last = hidden.select(0, self.int_tensor(&last));
        // Batch row -> index into `rows`.
        let mut active: Vec<usize> = (0..n).collect();
        if opts.max_new_tokens == 0 {
            for s in &mut states {
                s.finish = Some(FinishReason::Length);
            }
        }
        while active.iter().any(|&r| states[r].finish.is_none()) {
            let logits = self.logits(hidden_last);
            let next = logits
                .clone()
                .argmax(1)
                .try_into_vec_as::<i64>()
                .map_err(|e| {
                    Error::Invalid(format!("reading next tokens from the device: {e:?}"))
                })?;
            let top = if extras.top_k > 0 {
                let k = extras.top_k.min(self.config().vocab_size);
                let (vals, idx) = logits.topk_with_indices(k, 1);
                let vals = read_f32(vals)?;
                let idx = idx.try_into_vec_as::<i64>().map_err(|e| {
                    Error::Invalid(format!("reading top-k ids from the device: {e:?}"))
                })?;
                Some((k, vals, idx))
            } else {
                None
            };
            for (b, &r) in active.iter().enumerate() {
                let st = &mut states[r];
                let tok = next[b] as u32;
                if self.eos_ids().contains(&tok) {
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
                let text = decode(&st.tokens)?;
                if let Some(cut) = cut_at_stop(&text, &opts.stop) {
                    st.text = text[..cut].to_string();
                    st.finish = Some(FinishReason::Stop);
                } else {
                    st.text = text;
                    if st.tokens.len() >= opts.max_new_tokens {
                        st.finish = Some(FinishReason::Length);
                    }
                }
            }
            let keep: Vec<usize> = (0..active.len())
                .filter(|&b| states[active[b]].finish.is_none())
                .collect();
            if keep.is_empty() {
                break;
            }
            if keep.len() < active.len() {
                // Drop finished rows from the batch; their capture sums are final now.
                if let Some(a) = &acc {
                    let done: Vec<usize> =
                        (0..active.len()).filter(|b| !keep.contains(b)).collect();
                    let v = a.read_rows(&self.int_tensor(&done))?;
                    for (j, &b) in done.iter().enumerate() {
                        sums[active[b]] = v[j * per_prompt..(j + 1) * per_prompt].to_vec();
                    }
                }
                let idx = self.int_tensor(&keep);
                for lc in &mut cache {
                    lc.keep_rows(&idx);
                }
                if let Some(a) = acc.as_mut() {
                    a.keep_rows(&idx);
                }
                layout = layout.keep_rows(&keep);
                active = keep.iter().map(|&b| active[b]).collect();
            }
            layout = layout.next_step();
            let ids: Vec<u32> = active
                .iter()
                .map(|&r| *states[r].tokens.last().expect("one token"))
                .collect();
            if let Some(a) = acc.as_mut() {
                a.set_weights(self.float_tensor(vec![1.0; active.len()], [active.len(), 1, 1]));
                for &r in &active {
                    states[r].counted += 1;
                }
            }
            hidden_last = self.forward(
                &ids,
                &layout,
                Some(&mut cache),
                acc.as_mut()
                    .map(|a| a as &mut dyn crate::capture::ActivationSink),
            );
        }
        if let Some(a) = &acc {
            let all: Vec<usize> = (0..active.len()).collect();
            let v = a.read_rows(&self.int_tensor(&all))?;
            for (b, &r) in active.iter().enumerate() {
                sums[r] = v[b * per_prompt..(b + 1) * per_prompt].to_vec();
            }
        }
        let counts: Vec<u64> = states.iter().map(|s| s.counted).collect();
        let gens = states
            .into_iter()
            .map(|s| Generation {
                tokens: s.tokens,
                text: s.text,
                finish: s.finish.unwrap_or(FinishReason::Length),
                top_logits: s.top,
            })
            .collect();
        Ok((gens, acc.map(|_| (sums, counts))))
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
