//! Tiny random models of each family against a naive f64 forward pass written here, loop by
//! loop from the published model definitions (HF `modeling_llama.py`, `modeling_qwen2.py`,
//! `modeling_gemma3.py`). Covers logits, padding/batching, long inputs (query chunking,
//! sliding windows across chunks), capture statistics, prompt means, greedy generation and
//! RoPE scaling.

use crate::model_common;

use llm_runtime::{
    ActivationSink, BatchRows, CaptureSite, Dtype, GenerateOptions, RopeScaling, RuntimeDevice,
    Tensor, Transformer,
};
use model_common::tiny::{Family, MemWeights, Reference};

fn model(w: &MemWeights) -> Transformer {
    Transformer::from_weights(w, &RuntimeDevice::cpu(), Dtype::F32).expect("tiny model loads")
}

fn assert_close(a: &[f32], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    let mut worst = (0.0f64, 0usize);
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let d = (x as f64 - y).abs() / y.abs().max(1.0);
        if d > worst.0 {
            worst = (d, i);
        }
    }
    assert!(
        worst.0 <= tol,
        "{what}: worst difference {} at {} ({} vs {})",
        worst.0,
        worst.1,
        a[worst.1],
        b[worst.1]
    );
}

/// Prompts of different lengths, each starting with BOS.
fn prompts(vocab: u32, lens: &[usize], seed: u32) -> Vec<Vec<u32>> {
    lens.iter()
        .enumerate()
        .map(|(k, &n)| {
            let mut v = vec![1u32];
            v.extend((1..n).map(|i| {
                3 + ((i as u64 * 7 + k as u64 * 13 + seed as u64) * 2654435761 % (vocab as u64 - 3))
                    as u32
            }));
            v
        })
        .collect()
}

fn check_logits(family: Family) {
    let w = MemWeights::random(family, None, 42);
    let r = Reference::new(&w);
    let m = model(&w);
    let ps = prompts(64, &[1, 7, 13, 4], 1);
    let all = m.all_logits(&ps).unwrap();
    for (p, got) in ps.iter().zip(&all) {
        let want = r.forward(p);
        for (pos, (g, e)) in got.iter().zip(&want.logits).enumerate() {
            assert_close(
                g,
                e,
                1e-4,
                &format!("{family:?} prompt len {} pos {pos}", p.len()),
            );
        }
    }
    // Batched (padded) runs equal one-at-a-time runs.
    let batched = m.last_logits(&ps).unwrap();
    for (p, b) in ps.iter().zip(&batched) {
        let single = m.last_logits(std::slice::from_ref(p)).unwrap();
        let max = b
            .iter()
            .zip(&single[0])
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(max <= 1e-5, "{family:?}: batched vs single differ by {max}");
    }
    // Same input, same output.
    assert_eq!(m.last_logits(&ps).unwrap(), batched);
}

#[test]
fn model_tiny_llama_logits() {
    check_logits(Family::Llama);
}

#[test]
fn model_tiny_qwen2_logits() {
    check_logits(Family::Qwen2);
}

#[test]
fn model_tiny_gemma3_logits() {
    check_logits(Family::Gemma3);
}

#[test]
fn model_tiny_long_inputs_cross_query_chunks() {
    // 600 tokens span three query chunks; gemma's window (300) reaches across chunk borders.
    for (family, window) in [(Family::Gemma3, Some(300)), (Family::Llama, None)] {
        let w = MemWeights::random(family, window, 7);
        let r = Reference::new(&w);
        let m = model(&w);
        let ps = prompts(64, &[600, 280], 3);
        let all = m.all_logits(&ps).unwrap();
        for (p, got) in ps.iter().zip(&all) {
            let want = r.forward(p);
            for pos in [0, 1, 255, 256, 257, 299, 300, 301, 511, 512, p.len() - 1] {
                if pos < p.len() {
                    assert_close(
                        &got[pos],
                        &want.logits[pos],
                        1e-4,
                        &format!("{family:?} long pos {pos}"),
                    );
                }
            }
        }
    }
}

/// Continuation log-likelihoods (answer scoring) against log-softmax of the f64 reference's
/// logits, with pairs of different lengths batched together and a batch budget small enough to
/// split them.
#[test]
fn model_tiny_continuation_logprobs_match_reference() {
    for family in [Family::Gemma3, Family::Llama] {
        let w = MemWeights::random(family, None, 11);
        let r = Reference::new(&w);
        let mut m = model(&w);
        m.set_batch_tokens(40);
        let heads = prompts(64, &[5, 9, 2, 12], 4);
        let tails = [vec![7u32], vec![9, 10, 11], vec![3, 3], vec![60, 5, 8, 21]];
        let pairs: Vec<(Vec<u32>, Vec<u32>)> = heads.into_iter().zip(tails).collect();
        let got = m.continuation_logprobs(&pairs).unwrap();
        for ((p, c), g) in pairs.iter().zip(&got) {
            let full: Vec<u32> = p.iter().chain(c).copied().collect();
            let logits = r.forward(&full).logits;
            let want: f64 = c
                .iter()
                .enumerate()
                .map(|(k, &t)| {
                    let row = &logits[p.len() - 1 + k];
                    let max = row.iter().cloned().fold(f64::MIN, f64::max);
                    let lse = max + row.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
                    row[t as usize] - lse
                })
                .sum();
            assert!(
                (g - want).abs() <= 1e-4 * want.abs().max(1.0),
                "{family:?} prompt {} + {c:?}: {g} vs reference {want}",
                p.len()
            );
        }
    }
    let w = MemWeights::random(Family::Qwen2, None, 1);
    let err = model(&w)
        .continuation_logprobs(&[(vec![1, 4], vec![])])
        .unwrap_err()
        .to_string();
    assert!(err.contains("continuation"), "{err}");
}

#[test]
fn model_tiny_capture_matches_reference() {
    for family in [Family::Gemma3, Family::Qwen2] {
        let w = MemWeights::random(family, None, 5);
        let r = Reference::new(&w);
        let mut m = model(&w);
        // A small budget forces several batches with padding.
        m.set_batch_tokens(24);
        let windows = prompts(64, &[9, 3, 12, 1, 6], 2);
        let refs: Vec<_> = windows.iter().map(|p| r.forward(p)).collect();
        let (layers, neurons) = (w.config.num_layers, w.config.intermediate_size);
        for site in [
            CaptureSite::GateAct,
            CaptureSite::GatePre,
            CaptureSite::Up,
            CaptureSite::Product,
        ] {
            let stats = m.corpus_stats(&windows, site).unwrap();
            assert_eq!((stats.layers, stats.neurons), (layers, neurons));
            // Every token but the leading BOS: 8 + 2 + 11 + 0 + 5.
            assert_eq!(stats.tokens, 26);
            let mut sum = vec![0f64; layers * neurons];
            let mut sum_sq = vec![0f64; layers * neurons];
            let mut over = vec![0u64; layers * neurons];
            let mut near_zero = vec![false; layers * neurons];
            for o in &refs {
                let acts = o.site(site);
                for (l, layer) in acts.iter().enumerate() {
                    for row in &layer[1..] {
                        for (n, &a) in row.iter().enumerate() {
                            let i = l * neurons + n;
                            sum[i] += a;
                            sum_sq[i] += a * a;
                            over[i] += u64::from(a > 0.0);
                            near_zero[i] |= a.abs() < 1e-5;
                        }
                    }
                }
            }
            let got_sum: Vec<f32> = stats.sum.iter().map(|&x| x as f32).collect();
            let got_sq: Vec<f32> = stats.sum_sq.iter().map(|&x| x as f32).collect();
            assert_close(&got_sum, &sum, 1e-4, &format!("{family:?} {site} sum"));
            assert_close(&got_sq, &sum_sq, 1e-4, &format!("{family:?} {site} sum_sq"));
            for i in 0..over.len() {
                if !near_zero[i] {
                    assert_eq!(
                        stats.over_zero[i], over[i],
                        "{family:?} {site} over_zero[{i}]"
                    );
                }
            }
            // Per-prompt means (the BOS-only window has no tokens to average: left out here).
            let ps: Vec<Vec<u32>> = windows.iter().filter(|p| p.len() > 1).cloned().collect();
            let means = m.prompt_means(&ps, site).unwrap();
            assert_eq!(
                (means.prompts, means.layers, means.neurons),
                (4, layers, neurons)
            );
            for (k, p) in ps.iter().enumerate() {
                let o = r.forward(p);
                let acts = o.site(site);
                for (l, layer) in acts.iter().enumerate() {
                    let want: Vec<f64> = (0..neurons)
                        .map(|n| {
                            layer[1..].iter().map(|row| row[n]).sum::<f64>() / (p.len() - 1) as f64
                        })
                        .collect();
                    assert_close(
                        means.row(k, l),
                        &want,
                        1e-4,
                        &format!("{family:?} {site} mean p{k} l{l}"),
                    );
                }
            }
        }
        assert!(
            m.prompt_means(&[vec![1]], CaptureSite::GateAct).is_err(),
            "BOS-only prompt has no mean"
        );
    }
}

/// A caller's own sink: keeps every activation, `[sequence][layer][position][neuron]`, padding
/// left out by the rows the model reports.
struct KeepAll {
    site: CaptureSite,
    rows: Vec<(usize, usize)>,
    cols: usize,
    got: Vec<Vec<Vec<Vec<f32>>>>,
}

impl ActivationSink for KeepAll {
    fn site(&self) -> CaptureSite {
        self.site
    }

    fn begin_batch(&mut self, batch: &BatchRows<'_>) {
        self.rows = batch
            .index
            .iter()
            .copied()
            .zip(batch.lens.iter().copied())
            .collect();
        self.cols = batch.cols;
    }

    fn record(&mut self, layer: usize, act: Tensor<2>) {
        let [_, neurons] = act.dims();
        let v = act.try_into_vec_as::<f32>().unwrap();
        for (b, &(seq, len)) in self.rows.iter().enumerate() {
            let per_seq = &mut self.got[seq];
            if per_seq.len() <= layer {
                per_seq.resize(layer + 1, Vec::new());
            }
            per_seq[layer] = (0..len)
                .map(|p| {
                    let o = (b * self.cols + p) * neurons;
                    v[o..o + neurons].to_vec()
                })
                .collect();
        }
    }
}

#[test]
fn model_tiny_custom_sink_sees_the_reference_activations() {
    for family in [Family::Gemma3, Family::Llama] {
        let w = MemWeights::random(family, Some(4), 11);
        let r = Reference::new(&w);
        let mut m = model(&w);
        m.set_batch_tokens(20);
        let seqs = prompts(64, &[7, 2, 11, 5], 4);
        for site in [CaptureSite::GateAct, CaptureSite::Product] {
            let mut sink = KeepAll {
                site,
                rows: Vec::new(),
                cols: 0,
                got: vec![Vec::new(); seqs.len()],
            };
            m.capture(&seqs, &mut sink).unwrap();
            for (k, s) in seqs.iter().enumerate() {
                let want = r.forward(s);
                let want = want.site(site);
                assert_eq!(sink.got[k].len(), want.len(), "{family:?} layers");
                for (l, layer) in want.iter().enumerate() {
                    assert_eq!(sink.got[k][l].len(), s.len(), "{family:?} positions");
                    for (p, row) in layer.iter().enumerate() {
                        assert_close(
                            &sink.got[k][l][p],
                            row,
                            1e-4,
                            &format!("{family:?} {site} seq {k} layer {l} pos {p}"),
                        );
                    }
                }
            }
        }
    }
}

/// Decode ids as letters, so stop strings can be tested without a real tokenizer.
fn letters(ids: &[u32]) -> llm_runtime::Result<String> {
    Ok(ids
        .iter()
        .map(|&i| char::from(b'a' + (i % 26) as u8))
        .collect())
}

#[test]
fn model_tiny_generation_matches_reference_greedy() {
    for family in [Family::Llama, Family::Gemma3] {
        let w = MemWeights::random(family, None, 11);
        let r = Reference::new(&w);
        let mut m = model(&w);
        m.set_eos_ids(vec![]);
        let ps = prompts(64, &[5, 2, 9], 4);
        let n_new = 6;
        let want: Vec<(Vec<u32>, Vec<Vec<f64>>)> = ps.iter().map(|p| r.greedy(p, n_new)).collect();
        let opts = GenerateOptions {
            max_new_tokens: n_new,
            stop: vec![],
        };
        let gens = m.generate_with_logits(&ps, &opts, 3, &letters).unwrap();
        for (k, (g, (toks, step_logits))) in gens.iter().zip(&want).enumerate() {
            assert_eq!(&g.tokens, toks, "{family:?} prompt {k} tokens");
            assert_eq!(g.finish, llm_runtime::FinishReason::Length);
            assert_eq!(g.text, letters(toks).unwrap());
            for (s, (top, logits)) in g.top_logits.iter().zip(step_logits).enumerate() {
                assert_eq!(top.len(), 3);
                assert_eq!(top[0].token, toks[s]);
                for t in top {
                    let e = logits[t.token as usize];
                    assert!(
                        (t.logit as f64 - e).abs() <= 1e-4 * e.abs().max(1.0),
                        "{family:?} step {s} logit"
                    );
                }
            }
        }
        // Stop strings: cut the text before the stop, end that prompt early.
        let stop_char = letters(&want[0].0[2..3]).unwrap();
        let cut = letters(&want[0].0).unwrap().find(&stop_char).unwrap();
        let opts = GenerateOptions {
            max_new_tokens: n_new,
            stop: vec![stop_char.clone()],
        };
        let gens = m.generate(&ps, &opts, &letters).unwrap();
        assert_eq!(gens[0].finish, llm_runtime::FinishReason::Stop);
        assert_eq!(gens[0].text, letters(&want[0].0[..cut]).unwrap());
        assert_eq!(gens[0].tokens, want[0].0[..=cut].to_vec());
        // EOS: make the reference's 2nd token of prompt 1 the EOS; it is not returned.
        m.set_eos_ids(vec![want[1].0[1]]);
        let gens = m
            .generate(
                &ps,
                &GenerateOptions {
                    max_new_tokens: n_new,
                    stop: vec![],
                },
                &letters,
            )
            .unwrap();
        let first_eos = want[1].0.iter().position(|&t| t == want[1].0[1]).unwrap();
        assert_eq!(gens[1].finish, llm_runtime::FinishReason::Eos);
        assert_eq!(gens[1].tokens, want[1].0[..first_eos].to_vec());
        m.set_eos_ids(vec![]);

        // Means over prompt (BOS excluded) and the generated tokens fed back (all but the last).
        let (means, gens) = m
            .prompt_means_generated(
                &ps,
                CaptureSite::GateAct,
                &GenerateOptions {
                    max_new_tokens: 4,
                    stop: vec![],
                },
                &letters,
            )
            .unwrap();
        for (k, p) in ps.iter().enumerate() {
            let mut full = p.clone();
            full.extend_from_slice(&gens[k].tokens[..3]);
            check_mean(
                &r,
                &means,
                k,
                &full,
                &format!("{family:?} generated mean p{k}"),
            );
        }
    }
}

/// Prompt `k`'s capture means equal the f64 reference's `GateAct` averaged over `full`
/// (BOS at position 0 left out).
fn check_mean(r: &Reference, means: &llm_runtime::PromptMeans, k: usize, full: &[u32], what: &str) {
    let o = r.forward(full);
    for (l, acts) in o.gate_act.iter().enumerate() {
        let want: Vec<f64> = (0..acts[0].len())
            .map(|n| (1..full.len()).map(|pos| acts[pos][n]).sum::<f64>() / (full.len() - 1) as f64)
            .collect();
        assert_close(means.row(k, l), &want, 1e-4, &format!("{what} l{l}"));
    }
}

#[test]
fn model_tiny_refilled_rows_decode_as_alone() {
    for family in [Family::Llama, Family::Gemma3] {
        let w = MemWeights::random(family, None, 5);
        let r = Reference::new(&w);
        let mut m = model(&w);
        let ps = prompts(64, &[5, 2, 9, 3, 12, 2, 7, 4, 10], 9);
        let n_new = 7;
        let want: Vec<Vec<u32>> = ps.iter().map(|p| r.greedy(p, n_new).0).collect();
        // An EOS that ends some prompts early: the 2nd token of one, the 1st of another.
        let eos = vec![want[3][1], want[6][0]];
        let cut = |toks: &[u32]| -> Vec<u32> {
            toks.iter()
                .take_while(|t| !eos.contains(t))
                .copied()
                .collect()
        };
        assert!(
            want.iter().filter(|t| cut(t).len() < n_new).count() >= 2,
            "{family:?}: the test needs rows that finish early"
        );
        m.set_eos_ids(eos.clone());
        for rows in [1, 2, 3] {
            m.set_generation_rows(rows);
            let opts = GenerateOptions {
                max_new_tokens: n_new,
                stop: vec![],
            };
            let gens = m.generate(&ps, &opts, &letters).unwrap();
            for (k, (g, toks)) in gens.iter().zip(&want).enumerate() {
                assert_eq!(g.tokens, cut(toks), "{family:?} rows {rows} prompt {k}");
            }
            let (means, gens) = m
                .prompt_means_generated(&ps, CaptureSite::GateAct, &opts, &letters)
                .unwrap();
            for (k, p) in ps.iter().enumerate() {
                // Fed back: every generated token but the last (or all of them when EOS, which
                // is not returned, ended the row).
                let fed = if gens[k].finish == llm_runtime::FinishReason::Eos {
                    gens[k].tokens.len()
                } else {
                    gens[k].tokens.len() - 1
                };
                let mut full = p.clone();
                full.extend_from_slice(&gens[k].tokens[..fed]);
                check_mean(
                    &r,
                    &means,
                    k,
                    &full,
                    &format!("{family:?} rows {rows} mean p{k}"),
                );
            }
        }
    }
}

#[test]
fn model_tiny_portable_attention_and_bf16() {
    for family in [Family::Gemma3, Family::Qwen2] {
        let w = MemWeights::random(family, None, 3);
        let r = Reference::new(&w);
        let ps = prompts(64, &[11, 3, 6], 5);
        let want: Vec<Vec<f64>> = ps
            .iter()
            .map(|p| r.forward(p).logits.last().unwrap().clone())
            .collect();
        // The GPU backends' attention path (K/V heads repeated, masks per head), run on the CPU.
        let portable = Transformer::from_weights(
            &w,
            &RuntimeDevice::cpu().with_portable_attention(),
            Dtype::F32,
        )
        .unwrap();
        for (got, e) in portable.last_logits(&ps).unwrap().iter().zip(&want) {
            assert_close(got, e, 1e-4, &format!("{family:?} portable attention"));
        }
        // bf16 weights and activations: same model within bf16 precision, capture still f32.
        let bf16 = Transformer::from_weights(&w, &RuntimeDevice::cpu(), Dtype::Bf16).unwrap();
        for (got, e) in bf16.last_logits(&ps).unwrap().iter().zip(&want) {
            assert_close(got, e, 0.2, &format!("{family:?} bf16"));
        }
        let f16 = Transformer::from_weights(&w, &RuntimeDevice::cpu(), Dtype::F16).unwrap();
        for (got, e) in f16.last_logits(&ps).unwrap().iter().zip(&want) {
            assert_close(got, e, 0.02, &format!("{family:?} f16"));
        }
        let stats = bf16.corpus_stats(&ps, CaptureSite::GateAct).unwrap();
        assert_eq!(stats.tokens, 10 + 2 + 5);
        assert!(stats.sum.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn model_tiny_rejects_bad_input() {
    let w = MemWeights::random(Family::Llama, None, 1);
    let m = model(&w);
    assert!(
        m.last_logits(&[vec![]])
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    assert!(
        m.last_logits(&[vec![1, 64]])
            .unwrap_err()
            .to_string()
            .contains("outside the vocabulary")
    );
    let mut broken = w.clone();
    broken.tensors.remove("model.layers.1.mlp.up_proj.weight");
    assert!(Transformer::from_weights(&broken, &RuntimeDevice::cpu(), Dtype::F32).is_err());
    let mut wrong = w.clone();
    wrong.tensors.get_mut("model.norm.weight").unwrap().shape = vec![31];
    let e = Transformer::from_weights(&wrong, &RuntimeDevice::cpu(), Dtype::F32)
        .unwrap_err()
        .to_string();
    assert!(e.contains("model.norm.weight"), "{e}");
}

/// RoPE scaling against the reference's own f64 reading of HF's formulas: llama3 on Llama (with
/// theta 1e4 and head_dim 8 the wavelengths 2pi, 20pi, 200pi, 2000pi fall in all three regimes
/// of thresholds 128 / 4 = 32 and 128 / 1), linear on Qwen2, and linear on Gemma 3, whose
/// sliding-window layers stay unscaled. The scaled logits must also differ from the unscaled
/// ones, or the comparison would not show that scaling is applied.
#[test]
fn model_tiny_rope_scaling_matches_reference() {
    let cases = [
        (
            Family::Llama,
            RopeScaling::Llama3 {
                factor: 8.0,
                low_freq_factor: 1.0,
                high_freq_factor: 4.0,
                original_max_position_embeddings: 128,
            },
        ),
        (Family::Qwen2, RopeScaling::Linear { factor: 4.0 }),
        (Family::Gemma3, RopeScaling::Linear { factor: 8.0 }),
    ];
    for (family, scaling) in cases {
        let plain = MemWeights::random(family, None, 77);
        let mut scaled = plain.clone();
        scaled.config.rope_scaling = Some(scaling);
        let (r_plain, r_scaled) = (Reference::new(&plain), Reference::new(&scaled));
        let ps = prompts(64, &[13, 6], 5);
        let got = model(&scaled).all_logits(&ps).unwrap();
        let mut effect = 0f64;
        for (p, g) in ps.iter().zip(&got) {
            let want = r_scaled.forward(p);
            let unscaled = r_plain.forward(p);
            for (pos, (gl, e)) in g.iter().zip(&want.logits).enumerate() {
                assert_close(
                    gl,
                    e,
                    1e-4,
                    &format!("{family:?} scaled, prompt len {} pos {pos}", p.len()),
                );
                let d = e
                    .iter()
                    .zip(&unscaled.logits[pos])
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f64, f64::max);
                effect = effect.max(d);
            }
        }
        assert!(
            effect > 1e-2,
            "{family:?}: scaling should change the logits (max change {effect})"
        );
    }
}
