//! Tiny random models held in memory, and a naive f64 forward pass to check the runtime against.
//!
//! The reference follows the HF definitions directly: RMSNorm `x / sqrt(mean(x^2) + eps) * w`
//! (Gemma: `* (1 + w)`), rotate-half RoPE (scaled as `rope_scaling` says, except on Gemma's
//! local layers), softmax attention over allowed keys (causal, and for Gemma's local layers the
//! last `window` positions), gated MLP, Gemma's sandwich norms, embedding scale sqrt(hidden),
//! q/k norms, final-logit soft cap.

use std::collections::HashMap;

use llm_runtime::{
    Activation, Architecture, CaptureSite, HostTensor, ModelConfig, RopeScaling, WeightSource,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Llama,
    Qwen2,
    Gemma3,
}

pub fn config(family: Family, window: Option<usize>) -> ModelConfig {
    let base = ModelConfig {
        architecture: Architecture::Llama,
        vocab_size: 64,
        hidden_size: 32,
        intermediate_size: 48,
        num_layers: 3,
        num_heads: 4,
        num_kv_heads: 2,
        head_dim: 8,
        rms_norm_eps: 1e-5,
        rope_theta: 10000.0,
        rope_local_theta: None,
        rope_scaling: None,
        sliding_window: None,
        sliding_window_pattern: None,
        attention_scale: 1.0 / 8f64.sqrt(),
        final_logit_softcapping: None,
        tie_word_embeddings: true,
        activation: Activation::Silu,
        bos_token_id: Some(1),
        eos_token_id: Some(2),
        max_position_embeddings: 2048,
    };
    match family {
        Family::Llama => base,
        Family::Qwen2 => ModelConfig {
            architecture: Architecture::Qwen2,
            tie_word_embeddings: false,
            rope_theta: 1e6,
            rms_norm_eps: 1e-6,
            ..base
        },
        Family::Gemma3 => ModelConfig {
            architecture: Architecture::Gemma3,
            intermediate_size: 64,
            num_layers: 4,
            num_kv_heads: 1,
            head_dim: 16,
            rms_norm_eps: 1e-6,
            rope_theta: 1e6,
            rope_local_theta: Some(1e4),
            sliding_window: Some(window.unwrap_or(4)),
            sliding_window_pattern: Some(2),
            attention_scale: 0.2,
            final_logit_softcapping: Some(10.0),
            activation: Activation::GeluTanh,
            ..base
        },
    }
}

#[derive(Debug, Clone)]
pub struct MemWeights {
    pub config: ModelConfig,
    pub tensors: HashMap<String, HostTensor>,
}

impl MemWeights {
    /// Random weights; `window` overrides Gemma's sliding window.
    pub fn random(family: Family, window: Option<usize>, seed: u64) -> Self {
        Self::random_with(config(family, window), seed)
    }

    /// Random weights for any configuration of the three families.
    pub fn random_with(config: ModelConfig, seed: u64) -> Self {
        let c = &config;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut tensors = HashMap::new();
        let mut put =
            |name: String, shape: Vec<usize>, center: f32, spread: f32, rng: &mut ChaCha8Rng| {
                let n = shape.iter().product();
                let data = (0..n)
                    .map(|_| center + spread * (rng.random::<f32>() * 2.0 - 1.0))
                    .collect();
                tensors.insert(name, HostTensor::new(shape, data));
            };
        let gemma = c.architecture == Architecture::Gemma3;
        let norm_center = if gemma { 0.0 } else { 1.0 };
        let (hid, inter, d, h, kvh) = (
            c.hidden_size,
            c.intermediate_size,
            c.head_dim,
            c.num_heads,
            c.num_kv_heads,
        );
        let lin = |i: usize| 1.7 / (i as f32).sqrt();
        put(
            "model.embed_tokens.weight".into(),
            vec![c.vocab_size, hid],
            0.0,
            1.0,
            &mut rng,
        );
        for l in 0..c.num_layers {
            let p = format!("model.layers.{l}");
            put(
                format!("{p}.self_attn.q_proj.weight"),
                vec![h * d, hid],
                0.0,
                lin(hid),
                &mut rng,
            );
            put(
                format!("{p}.self_attn.k_proj.weight"),
                vec![kvh * d, hid],
                0.0,
                lin(hid),
                &mut rng,
            );
            put(
                format!("{p}.self_attn.v_proj.weight"),
                vec![kvh * d, hid],
                0.0,
                lin(hid),
                &mut rng,
            );
            put(
                format!("{p}.self_attn.o_proj.weight"),
                vec![hid, h * d],
                0.0,
                lin(h * d),
                &mut rng,
            );
            if c.architecture == Architecture::Qwen2 {
                put(
                    format!("{p}.self_attn.q_proj.bias"),
                    vec![h * d],
                    0.0,
                    0.5,
                    &mut rng,
                );
                put(
                    format!("{p}.self_attn.k_proj.bias"),
                    vec![kvh * d],
                    0.0,
                    0.5,
                    &mut rng,
                );
                put(
                    format!("{p}.self_attn.v_proj.bias"),
                    vec![kvh * d],
                    0.0,
                    0.5,
                    &mut rng,
                );
            }
            if gemma {
                put(
                    format!("{p}.self_attn.q_norm.weight"),
                    vec![d],
                    0.0,
                    0.3,
                    &mut rng,
                );
                put(
                    format!("{p}.self_attn.k_norm.weight"),
                    vec![d],
                    0.0,
                    0.3,
                    &mut rng,
                );
                put(
                    format!("{p}.pre_feedforward_layernorm.weight"),
                    vec![hid],
                    0.0,
                    0.3,
                    &mut rng,
                );
                put(
                    format!("{p}.post_feedforward_layernorm.weight"),
                    vec![hid],
                    0.0,
                    0.3,
                    &mut rng,
                );
            }
            put(
                format!("{p}.input_layernorm.weight"),
                vec![hid],
                norm_center,
                0.3,
                &mut rng,
            );
            put(
                format!("{p}.post_attention_layernorm.weight"),
                vec![hid],
                norm_center,
                0.3,
                &mut rng,
            );
            put(
                format!("{p}.mlp.gate_proj.weight"),
                vec![inter, hid],
                0.0,
                lin(hid),
                &mut rng,
            );
            put(
                format!("{p}.mlp.up_proj.weight"),
                vec![inter, hid],
                0.0,
                lin(hid),
                &mut rng,
            );
            put(
                format!("{p}.mlp.down_proj.weight"),
                vec![hid, inter],
                0.0,
                lin(inter),
                &mut rng,
            );
        }
        put(
            "model.norm.weight".into(),
            vec![hid],
            norm_center,
            0.3,
            &mut rng,
        );
        if !c.tie_word_embeddings {
            put(
                "lm_head.weight".into(),
                vec![c.vocab_size, hid],
                0.0,
                lin(hid),
                &mut rng,
            );
        }
        MemWeights { config, tensors }
    }
}

impl WeightSource for MemWeights {
    fn config(&self) -> &ModelConfig {
        &self.config
    }
    fn tensor_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.tensors.keys().cloned().collect();
        v.sort();
        v
    }
    fn tensor(&self, name: &str) -> llm_runtime::Result<HostTensor> {
        self.tensors
            .get(name)
            .cloned()
            .ok_or_else(|| llm_runtime::Error::MissingTensor {
                origin: "memory".into(),
                name: name.into(),
            })
    }
    fn origin(&self) -> String {
        "memory".into()
    }
}

/// Output of the reference forward: logits per position and the four MLP sites per
/// `[layer][position][neuron]`.
pub struct RefOut {
    pub logits: Vec<Vec<f64>>,
    pub gate_pre: Vec<Vec<Vec<f64>>>,
    pub gate_act: Vec<Vec<Vec<f64>>>,
    pub up: Vec<Vec<Vec<f64>>>,
    pub product: Vec<Vec<Vec<f64>>>,
}

impl RefOut {
    pub fn site(&self, site: CaptureSite) -> &Vec<Vec<Vec<f64>>> {
        match site {
            CaptureSite::GatePre => &self.gate_pre,
            CaptureSite::GateAct => &self.gate_act,
            CaptureSite::Up => &self.up,
            CaptureSite::Product => &self.product,
        }
    }
}

pub struct Reference {
    c: ModelConfig,
    t: HashMap<String, (Vec<usize>, Vec<f64>)>,
}

impl Reference {
    pub fn new(w: &MemWeights) -> Self {
        let t = w
            .tensors
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    (v.shape.clone(), v.data.iter().map(|&x| x as f64).collect()),
                )
            })
            .collect();
        Reference {
            c: w.config.clone(),
            t,
        }
    }

    fn w(&self, name: &str) -> &[f64] {
        &self
            .t
            .get(name)
            .unwrap_or_else(|| panic!("reference: no tensor {name}"))
            .1
    }

    /// `W x (+ b)` with `W` `[out, in]` row-major.
    fn matvec(&self, name: &str, x: &[f64]) -> Vec<f64> {
        let w = self.w(&format!("{name}.weight"));
        let inp = x.len();
        let out = w.len() / inp;
        let mut y: Vec<f64> = (0..out)
            .map(|o| (0..inp).map(|i| w[o * inp + i] * x[i]).sum())
            .collect();
        if let Some((_, b)) = self.t.get(&format!("{name}.bias")) {
            for (v, bb) in y.iter_mut().zip(b) {
                *v += bb;
            }
        }
        y
    }

    fn rms(&self, name: &str, x: &[f64]) -> Vec<f64> {
        let w = self.w(name);
        let ms = x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64;
        let inv = 1.0 / (ms + self.c.rms_norm_eps).sqrt();
        let gemma = self.c.architecture == Architecture::Gemma3;
        x.iter()
            .zip(w)
            .map(|(v, w)| v * inv * if gemma { 1.0 + w } else { *w })
            .collect()
    }

    /// Inverse frequencies of layer `l`'s rotary pairs: `rope_theta` with `rope_scaling` (HF
    /// `modeling_rope_utils`: linear divides by the factor, llama3 keeps short wavelengths,
    /// divides long ones and blends in between; llama.cpp's `rope_freqs` divide pair by pair),
    /// except Gemma's sliding-window layers, which use `rope_local_base_freq` unscaled.
    pub fn inv_freq(&self, l: usize) -> Vec<f64> {
        let c = &self.c;
        let d = c.head_dim;
        let local = match c.rope_local_theta {
            Some(t) if !c.is_global_layer(l) => Some(t),
            _ => None,
        };
        let theta = local.unwrap_or(c.rope_theta);
        (0..d / 2)
            .map(|i| {
                let f = 1.0 / theta.powf((2 * i) as f64 / d as f64);
                match (&c.rope_scaling, local) {
                    (_, Some(_)) | (None, None) => f,
                    (Some(RopeScaling::Linear { factor }), None) => f / factor,
                    (Some(RopeScaling::Frequencies { factors }), None) => f / factors[i] as f64,
                    (
                        Some(RopeScaling::Llama3 {
                            factor,
                            low_freq_factor: low,
                            high_freq_factor: high,
                            original_max_position_embeddings: orig,
                        }),
                        None,
                    ) => {
                        let orig = *orig as f64;
                        let wavelen = 2.0 * std::f64::consts::PI / f;
                        if wavelen < orig / high {
                            f
                        } else if wavelen > orig / low {
                            f / factor
                        } else {
                            let smooth = (orig / wavelen - low) / (high - low);
                            (1.0 - smooth) * f / factor + smooth * f
                        }
                    }
                }
            })
            .collect()
    }

    fn rope(&self, x: &mut [f64], pos: usize, inv_freq: &[f64]) {
        let d = x.len();
        let half = d / 2;
        let orig = x.to_vec();
        for (i, &freq) in inv_freq.iter().enumerate().take(half) {
            let (s, c) = (pos as f64 * freq).sin_cos();
            x[i] = orig[i] * c - orig[i + half] * s;
            x[i + half] = orig[i + half] * c + orig[i] * s;
        }
    }

    fn act(&self, g: f64) -> f64 {
        match self.c.activation {
            Activation::Silu => g / (1.0 + (-g).exp()),
            Activation::GeluTanh => {
                0.5 * g
                    * (1.0
                        + ((2.0 / std::f64::consts::PI).sqrt() * (g + 0.044715 * g * g * g)).tanh())
            }
        }
    }

    /// Full forward over one unpadded sequence.
    pub fn forward(&self, ids: &[u32]) -> RefOut {
        let c = &self.c;
        let (hid, d, h, kvh) = (c.hidden_size, c.head_dim, c.num_heads, c.num_kv_heads);
        let gemma = c.architecture == Architecture::Gemma3;
        let n = ids.len();
        let emb = self.w("model.embed_tokens.weight");
        let scale = if gemma { (hid as f64).sqrt() } else { 1.0 };
        let mut x: Vec<Vec<f64>> = ids
            .iter()
            .map(|&t| {
                emb[t as usize * hid..(t as usize + 1) * hid]
                    .iter()
                    .map(|v| v * scale)
                    .collect()
            })
            .collect();
        let mut out = RefOut {
            logits: vec![],
            gate_pre: vec![],
            gate_act: vec![],
            up: vec![],
            product: vec![],
        };
        for l in 0..c.num_layers {
            let p = format!("model.layers.{l}");
            let global = c.is_global_layer(l);
            let inv_freq = self.inv_freq(l);
            let window = if global { None } else { c.sliding_window };
            let hs: Vec<Vec<f64>> = x
                .iter()
                .map(|v| self.rms(&format!("{p}.input_layernorm.weight"), v))
                .collect();
            let mut qs = Vec::new();
            let mut ks = Vec::new();
            let mut vs = Vec::new();
            for (pos, hv) in hs.iter().enumerate() {
                let mut q = self.matvec(&format!("{p}.self_attn.q_proj"), hv);
                let mut k = self.matvec(&format!("{p}.self_attn.k_proj"), hv);
                let v = self.matvec(&format!("{p}.self_attn.v_proj"), hv);
                for head in 0..h {
                    let s = &mut q[head * d..(head + 1) * d];
                    if gemma {
                        let nq = self.rms(&format!("{p}.self_attn.q_norm.weight"), s);
                        s.copy_from_slice(&nq);
                    }
                    self.rope(s, pos, &inv_freq);
                }
                for head in 0..kvh {
                    let s = &mut k[head * d..(head + 1) * d];
                    if gemma {
                        let nk = self.rms(&format!("{p}.self_attn.k_norm.weight"), s);
                        s.copy_from_slice(&nk);
                    }
                    self.rope(s, pos, &inv_freq);
                }
                qs.push(q);
                ks.push(k);
                vs.push(v);
            }
            let mut g_l = Vec::new();
            let mut a_l = Vec::new();
            let mut u_l = Vec::new();
            let mut p_l = Vec::new();
            for i in 0..n {
                let mut attn = vec![0f64; h * d];
                for head in 0..h {
                    let kv = head / (h / kvh);
                    let q = &qs[i][head * d..(head + 1) * d];
                    let allowed: Vec<usize> = (0..=i)
                        .filter(|&j| window.is_none_or(|w| i - j < w))
                        .collect();
                    let scores: Vec<f64> = allowed
                        .iter()
                        .map(|&j| {
                            q.iter()
                                .zip(&ks[j][kv * d..(kv + 1) * d])
                                .map(|(a, b)| a * b)
                                .sum::<f64>()
                                * c.attention_scale
                        })
                        .collect();
                    let mx = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = scores.iter().map(|s| (s - mx).exp()).collect();
                    let z: f64 = e.iter().sum();
                    for (&j, ej) in allowed.iter().zip(&e) {
                        for t in 0..d {
                            attn[head * d + t] += ej / z * vs[j][kv * d + t];
                        }
                    }
                }
                let o = self.matvec(&format!("{p}.self_attn.o_proj"), &attn);
                let o = if gemma {
                    self.rms(&format!("{p}.post_attention_layernorm.weight"), &o)
                } else {
                    o
                };
                let hres: Vec<f64> = x[i].iter().zip(&o).map(|(a, b)| a + b).collect();
                let m_in = if gemma {
                    self.rms(&format!("{p}.pre_feedforward_layernorm.weight"), &hres)
                } else {
                    self.rms(&format!("{p}.post_attention_layernorm.weight"), &hres)
                };
                let g = self.matvec(&format!("{p}.mlp.gate_proj"), &m_in);
                let u = self.matvec(&format!("{p}.mlp.up_proj"), &m_in);
                let a: Vec<f64> = g.iter().map(|&v| self.act(v)).collect();
                let prod: Vec<f64> = a.iter().zip(&u).map(|(x, y)| x * y).collect();
                let m = self.matvec(&format!("{p}.mlp.down_proj"), &prod);
                let m = if gemma {
                    self.rms(&format!("{p}.post_feedforward_layernorm.weight"), &m)
                } else {
                    m
                };
                x[i] = hres.iter().zip(&m).map(|(a, b)| a + b).collect();
                g_l.push(g);
                a_l.push(a);
                u_l.push(u);
                p_l.push(prod);
            }
            out.gate_pre.push(g_l);
            out.gate_act.push(a_l);
            out.up.push(u_l);
            out.product.push(p_l);
        }
        let head_name = if c.tie_word_embeddings {
            "model.embed_tokens"
        } else {
            "lm_head"
        };
        for xi in &x {
            let hn = self.rms("model.norm.weight", xi);
            let mut lg = self.matvec(head_name, &hn);
            if let Some(cap) = c.final_logit_softcapping {
                for v in &mut lg {
                    *v = (*v / cap).tanh() * cap;
                }
            }
            out.logits.push(lg);
        }
        out
    }

    /// Greedy continuation (no EOS): tokens and the logits of each step.
    pub fn greedy(&self, prompt: &[u32], n: usize) -> (Vec<u32>, Vec<Vec<f64>>) {
        let mut seq = prompt.to_vec();
        let mut toks = Vec::new();
        let mut logits = Vec::new();
        for _ in 0..n {
            let o = self.forward(&seq);
            let last = o.logits.last().unwrap().clone();
            let mut sorted = last.clone();
            sorted.sort_by(|a, b| b.partial_cmp(a).unwrap());
            assert!(
                sorted[0] - sorted[1] > 1e-3,
                "reference greedy step is a near tie; pick another seed"
            );
            let best = last
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.partial_cmp(b.1).unwrap())
                .unwrap()
                .0 as u32;
            seq.push(best);
            toks.push(best);
            logits.push(last);
        }
        (toks, logits)
    }
}
