//! Multi-head self-attention with grouped K/V heads (GQA), optional per-head q/k RMSNorm,
//! causal or sliding-window masks that respect padding, and a KV cache.
//!
//! Queries are processed in chunks of [`QUERY_CHUNK`] columns and each chunk only sees the key
//! columns its mask can reach (everything before it for global layers, the last `window`
//! columns for local ones). burn's fused attention evaluates every score it is given, so this
//! cuts the quadratic work of long windows roughly in half for global layers and to
//! `O(window)` for local ones.

use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Tensor, TensorData};

use super::batch::BatchLayout;
use super::linear::Linear;
use super::norm::RmsNorm;
use super::rope::Rope;
use crate::device::RuntimeDevice;

/// Query columns per attention call.
pub(crate) const QUERY_CHUNK: usize = 128;

/// One query chunk and its mask.
#[derive(Debug, Clone)]
pub(crate) struct MaskChunk {
    /// Query columns of this call.
    q0: usize,
    q1: usize,
    /// Absolute key columns.
    k0: usize,
    k1: usize,
    /// `[rows, 1, q1 - q0, k1 - k0]`, `true` = masked.
    mask: Tensor<4, Bool>,
}

/// Build the chunked masks of one forward call for one attention kind.
pub(crate) fn mask_chunks(
    layout: &BatchLayout,
    window: Option<usize>,
    device: &RuntimeDevice,
) -> Vec<MaskChunk> {
    let mut out = Vec::new();
    let mut q0 = 0;
    while q0 < layout.cols {
        let q1 = (q0 + QUERY_CHUNK).min(layout.cols);
        let (k0, k1) = layout.key_range(q0, q1, window);
        let m = layout.mask(q0, q1, k0, k1, window);
        let mask = Tensor::<4, Bool>::from_data(
            TensorData::new(m, [layout.rows(), 1, q1 - q0, k1 - k0]),
            device.device(),
        );
        out.push(MaskChunk {
            q0,
            q1,
            k0,
            k1,
            mask,
        });
        q0 = q1;
    }
    out
}

/// Per-call context shared by all layers.
pub(crate) struct AttnCtx<'a> {
    pub rows: usize,
    pub cols: usize,
    pub global_masks: &'a [MaskChunk],
    pub local_masks: &'a [MaskChunk],
    pub global_rope: &'a Rope,
    pub local_rope: &'a Rope,
    pub native_gqa: bool,
}

/// Keys and values of the columns seen so far, `[rows, kv_heads, cols, head_dim]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerCache {
    pub k: Option<Tensor<4>>,
    pub v: Option<Tensor<4>>,
}

impl LayerCache {
    /// Keep only the given batch rows.
    pub fn keep_rows(&mut self, idx: &Tensor<1, burn::tensor::Int>) {
        self.k = self.k.take().map(|t| t.select(0, idx.clone()));
        self.v = self.v.take().map(|t| t.select(0, idx.clone()));
    }

    /// Put `n` zero columns (padding, never attended to) before the cached ones.
    pub fn pad_front(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let pad = |t: Tensor<4>| {
            let [b, h, _, d] = t.dims();
            let zeros = t.clone().narrow(2, 0, 1).zeros_like().expand([b, h, n, d]);
            Tensor::cat(vec![zeros, t], 2)
        };
        self.k = self.k.take().map(pad);
        self.v = self.v.take().map(pad);
    }

    /// Drop the first `n` cached columns.
    pub fn drop_front(&mut self, n: usize) {
        let cut = |t: Tensor<4>| {
            let len = t.dims()[2];
            t.narrow(2, n, len - n)
        };
        self.k = self.k.take().map(cut);
        self.v = self.v.take().map(cut);
    }

    /// Stack `other`'s rows below this cache's (both the same number of columns).
    pub fn append_rows(&mut self, other: LayerCache) {
        let join = |a: Option<Tensor<4>>, b: Option<Tensor<4>>| match (a, b) {
            (Some(a), Some(b)) => Some(Tensor::cat(vec![a, b], 0)),
            (a, b) => a.or(b),
        };
        self.k = join(self.k.take(), other.k);
        self.v = join(self.v.take(), other.v);
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Attention {
    pub q: Linear,
    pub k: Linear,
    pub v: Linear,
    pub o: Linear,
    pub q_norm: Option<RmsNorm>,
    pub k_norm: Option<RmsNorm>,
    pub heads: usize,
    pub kv_heads: usize,
    pub head_dim: usize,
    pub scale: f64,
    /// Sliding window of this layer (`None` = full causal).
    pub window: Option<usize>,
}

impl Attention {
    /// `x: [rows * cols, hidden]` → `[rows * cols, hidden]`.
    pub fn forward(
        &self,
        x: Tensor<2>,
        ctx: &AttnCtx<'_>,
        cache: Option<&mut LayerCache>,
    ) -> Tensor<2> {
        let (rows, cols) = (ctx.rows, ctx.cols);
        let n = rows * cols;
        let (h, kvh, d) = (self.heads, self.kv_heads, self.head_dim);
        let mut q = self.q.forward(x.clone());
        let mut k = self.k.forward(x.clone());
        let v = self.v.forward(x);
        if let Some(norm) = &self.q_norm {
            q = norm.forward(q.reshape([n * h, d])).reshape([n, h * d]);
        }
        if let Some(norm) = &self.k_norm {
            k = norm.forward(k.reshape([n * kvh, d])).reshape([n, kvh * d]);
        }
        let q = q.reshape([rows, cols, h, d]).swap_dims(1, 2);
        let k = k.reshape([rows, cols, kvh, d]).swap_dims(1, 2);
        let v = v.reshape([rows, cols, kvh, d]).swap_dims(1, 2);
        let (rope, masks) = match self.window {
            Some(_) => (ctx.local_rope, ctx.local_masks),
            None => (ctx.global_rope, ctx.global_masks),
        };
        let q = rope.apply(q);
        let k = rope.apply(k);
        let (k, v) = match cache {
            Some(c) => {
                let k = match c.k.take() {
                    Some(old) => Tensor::cat(vec![old, k], 2),
                    None => k,
                };
                let v = match c.v.take() {
                    Some(old) => Tensor::cat(vec![old, v], 2),
                    None => v,
                };
                c.k = Some(k.clone());
                c.v = Some(v.clone());
                (k, v)
            }
            None => (k, v),
        };
        let (k, v) = if kvh < h && !ctx.native_gqa {
            (repeat_kv(k, h / kvh), repeat_kv(v, h / kvh))
        } else {
            (k, v)
        };
        let opts = AttentionModuleOptions {
            scale: Some(self.scale),
            softcap: None,
            is_causal: false,
        };
        let mut outs = Vec::with_capacity(masks.len());
        for c in masks {
            let qc = if masks.len() == 1 {
                q.clone()
            } else {
                q.clone().narrow(2, c.q0, c.q1 - c.q0)
            };
            let kc = k.clone().narrow(2, c.k0, c.k1 - c.k0);
            let vc = v.clone().narrow(2, c.k0, c.k1 - c.k0);
            let mask = if ctx.native_gqa {
                c.mask.clone()
            } else {
                let [r, _, nq, nk] = c.mask.dims();
                c.mask.clone().expand([r, h, nq, nk])
            };
            outs.push(attention(qc, kc, vc, Some(mask), None, opts));
        }
        let out = if outs.len() == 1 {
            outs.pop().expect("one chunk")
        } else {
            Tensor::cat(outs, 2)
        };
        let out = out.swap_dims(1, 2).reshape([n, h * d]);
        self.o.forward(out)
    }
}

/// `[b, kvh, t, d]` → `[b, kvh * group, t, d]`, each K/V head repeated for its query heads.
fn repeat_kv(x: Tensor<4>, group: usize) -> Tensor<4> {
    let [b, kvh, t, d] = x.dims();
    x.unsqueeze_dim::<5>(2)
        .expand([b, kvh, group, t, d])
        .reshape([b, kvh * group, t, d])
}
