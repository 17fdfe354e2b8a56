//! The reductions of the method as forward passes with sinks: corpus statistics, per-prompt
//! means and last-token activations, each reduced on the device ([`crate::capture`]), and
//! [`Transformer::capture`] for a caller's own [`ActivationSink`].

use super::Transformer;
use super::batch::BatchLayout;
use crate::capture::{
    ActivationSink, BatchRows, CaptureSite, CorpusAccumulator, CorpusStats, PromptMeans,
    RowSumAccumulator,
};
use crate::error::{Error, Result};

impl Transformer {
    /// Run `seqs` through the model in right-padded batches and hand `sink` the activations at
    /// its site: [`ActivationSink::begin_batch`] with each batch's rows, then
    /// [`ActivationSink::record`] once per layer. Sequences are taken as given (add the BOS
    /// yourself).
    pub fn capture(&self, seqs: &[Vec<u32>], sink: &mut dyn ActivationSink) -> Result<()> {
        self.check_ids(seqs, "sequence")?;
        for batch in self.right_padded_batches(seqs) {
            sink.begin_batch(&BatchRows {
                index: &batch.index,
                lens: &batch.lens,
                cols: batch.layout.cols,
            });
            let _ = self.forward(&batch.ids, &batch.layout, None, Some(sink));
        }
        Ok(())
    }

    /// Corpus statistics of `site` over windows of token ids (each usually starting with BOS).
    /// Counted: every real token except a BOS at position 0; padding never. Empty windows add
    /// nothing.
    pub fn corpus_stats(&self, windows: &[Vec<u32>], site: CaptureSite) -> Result<CorpusStats> {
        self.check_ids_allow_empty(windows, "window", true)?;
        let c = self.config();
        let mut stats = CorpusStats::zeros(c.num_layers, c.intermediate_size);
        for batch in self.right_padded_batches(windows) {
            let (rows, layout) = (&batch.rows, &batch.layout);
            let mut weights = vec![0f32; layout.rows() * layout.cols];
            let mut tokens = 0u64;
            for (b, r) in rows.iter().enumerate() {
                for (p, &t) in r.iter().enumerate() {
                    if !self.is_skipped(p, t) {
                        weights[b * layout.cols + p] = 1.0;
                        tokens += 1;
                    }
                }
            }
            if tokens == 0 {
                continue;
            }
            let n = weights.len();
            let mut acc = CorpusAccumulator::new(site, self.float_tensor(weights, [1, n]));
            let _ = self.forward(&batch.ids, layout, None, Some(&mut acc));
            acc.add_into(&mut stats, tokens)?;
        }
        Ok(stats)
    }

    /// Mean of `site` over each prompt's tokens (a BOS at position 0 excluded).
    pub fn prompt_means(&self, prompts: &[Vec<u32>], site: CaptureSite) -> Result<PromptMeans> {
        self.check_ids(prompts, "prompt")?;
        let c = self.config();
        let (layers, neurons) = (c.num_layers, c.intermediate_size);
        let per_prompt = layers * neurons;
        let mut data = vec![0f32; prompts.len() * per_prompt];
        for batch in self.right_padded_batches(prompts) {
            let layout = &batch.layout;
            let (weights, counts) = self.prompt_weights(&batch.rows, layout);
            if let Some(b) = counts.iter().position(|&n| n == 0) {
                return Err(Error::Invalid(format!(
                    "prompt {} has no token besides BOS",
                    batch.index[b]
                )));
            }
            let mut acc = RowSumAccumulator::new(
                site,
                self.float_tensor(weights, [layout.rows(), 1, layout.cols]),
            );
            let _ = self.forward(&batch.ids, layout, None, Some(&mut acc));
            let all: Vec<usize> = (0..layout.rows()).collect();
            let sums = acc.read_rows(&self.int_tensor(&all))?;
            for (b, &i) in batch.index.iter().enumerate() {
                let inv = 1.0 / counts[b] as f32;
                let src = &sums[b * per_prompt..(b + 1) * per_prompt];
                for (d, s) in data[i * per_prompt..(i + 1) * per_prompt]
                    .iter_mut()
                    .zip(src)
                {
                    *d = s * inv;
                }
            }
        }
        Ok(PromptMeans {
            prompts: prompts.len(),
            layers,
            neurons,
            data,
        })
    }

    /// The activations of `site` at the last token of each sequence, as a
    /// [`PromptMeans`]-shaped `[sequences, layers, neurons]` array.
    pub fn last_token_activations(
        &self,
        seqs: &[Vec<u32>],
        site: CaptureSite,
    ) -> Result<PromptMeans> {
        self.check_ids(seqs, "sequence")?;
        let c = self.config();
        let (layers, neurons) = (c.num_layers, c.intermediate_size);
        let per = layers * neurons;
        let mut data = vec![0f32; seqs.len() * per];
        for batch in self.right_padded_batches(seqs) {
            let layout = &batch.layout;
            let mut weights = vec![0f32; layout.rows() * layout.cols];
            for (b, &l) in batch.lens.iter().enumerate() {
                weights[b * layout.cols + l - 1] = 1.0;
            }
            let mut acc = RowSumAccumulator::new(
                site,
                self.float_tensor(weights, [layout.rows(), 1, layout.cols]),
            );
            let _ = self.forward(&batch.ids, layout, None, Some(&mut acc));
            let all: Vec<usize> = (0..layout.rows()).collect();
            let v = acc.read_rows(&self.int_tensor(&all))?;
            for (b, &i) in batch.index.iter().enumerate() {
                data[i * per..(i + 1) * per].copy_from_slice(&v[b * per..(b + 1) * per]);
            }
        }
        Ok(PromptMeans {
            prompts: seqs.len(),
            layers,
            neurons,
            data,
        })
    }

    /// Row weights `[rows, cols]` (1 for counted tokens) and counted tokens per row.
    pub(crate) fn prompt_weights(
        &self,
        rows: &[&[u32]],
        layout: &BatchLayout,
    ) -> (Vec<f32>, Vec<u64>) {
        let mut weights = vec![0f32; layout.rows() * layout.cols];
        let mut counts = vec![0u64; rows.len()];
        for (b, r) in rows.iter().enumerate() {
            let o = b * layout.cols + layout.start[b] - layout.past;
            for (p, &t) in r.iter().enumerate() {
                if !self.is_skipped(p, t) {
                    weights[o + p] = 1.0;
                    counts[b] += 1;
                }
            }
        }
        (weights, counts)
    }
}
