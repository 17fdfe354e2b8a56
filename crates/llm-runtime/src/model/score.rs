//! Likelihood of given continuations: how multiple-choice answers are scored on base models
//! (lm-eval-harness' `loglikelihood`), where asking the model to *write* the answer letter
//! often yields no parsable answer at all.

use burn::tensor::activation::log_softmax;

use super::Transformer;
use crate::error::{Error, Result};
use crate::model::read_f32;

impl Transformer {
    /// For each `(prompt, continuation)` pair of token ids, the sum over the continuation's
    /// tokens of `log p(token | prompt and the continuation's earlier tokens)`, natural log.
    /// Ids are taken as given: the prompt carries its BOS, the continuation none. Pairs are
    /// batched like prompts; padding never reaches a score.
    pub fn continuation_logprobs(&self, pairs: &[(Vec<u32>, Vec<u32>)]) -> Result<Vec<f64>> {
        for (i, (p, c)) in pairs.iter().enumerate() {
            if p.is_empty() || c.is_empty() {
                return Err(Error::Invalid(format!(
                    "continuation pair {i}: the prompt ({} tokens) and the continuation ({} tokens) each need at least one token",
                    p.len(),
                    c.len()
                )));
            }
        }
        let seqs: Vec<Vec<u32>> = pairs
            .iter()
            .map(|(p, c)| [&p[..], &c[..]].concat())
            .collect();
        self.check_ids(&seqs, "sequence")?;
        let mut out = vec![0f64; pairs.len()];
        for batch in self.right_padded_batches(&seqs) {
            let layout = &batch.layout;
            let hidden = self.forward(&batch.ids, layout, None, None);
            // Position prompt_len - 1 + k predicts continuation token k. Only these rows go
            // through the output projection.
            let (mut at, mut want) = (Vec::new(), Vec::new());
            for (b, &i) in batch.index.iter().enumerate() {
                let (p, c) = &pairs[i];
                for (k, &t) in c.iter().enumerate() {
                    at.push(b * layout.cols + p.len() - 1 + k);
                    want.push(t as usize);
                }
            }
            let logp = log_softmax(self.logits(hidden.select(0, self.int_tensor(&at))), 1);
            let picked = logp.gather(1, self.int_tensor(&want).reshape([want.len(), 1]));
            let mut v = read_f32(picked)?.into_iter();
            for &i in &batch.index {
                out[i] = v.by_ref().take(pairs[i].1.len()).map(f64::from).sum();
            }
        }
        Ok(out)
    }
}
