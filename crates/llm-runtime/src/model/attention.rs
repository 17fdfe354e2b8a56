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

/// Build the chunked masks of one forward call for one attention kind. With `keys = Some(n)`
/// (a decode step over a cache of capacity `n`) the single query chunk sees key columns `0..n`,
/// the unfilled ones and those outside a sliding window masked, so the shapes stay the same
/// from step to step.
pub(crate) fn mask_chunks(
    layout: &BatchLayout,
    window: Option<usize>,
    keys: Option<usize>,
    device: &RuntimeDevice,
) -> Vec<MaskChunk> {
    let mut out = Vec::new();
    let mut q0 = 0;
    while q0 < layout.cols {
        let q1 = (q0 + QUERY_CHUNK).min(layout.cols);
        let (k0, k1) = match keys {
            Some(n) if layout.cols <= QUERY_CHUNK => (0, n),
            _ => layout.key_range(q0, q1, window),
        };
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
    /// Columns the KV cache's buffers hold after this call (at least the filled ones; more in
    /// a decode step, see [`CACHE_GROWTH`]).
    pub cache_capacity: usize,
}

/// Columns a decode step's KV cache grows by when it is full: between growths every step has the
/// same shapes (the buffers' capacity, and masks over it), so a GPU backend reuses its compiled
/// kernels and fusion plans instead of meeting a new cache length each step, and no step copies
/// the whole cache to append one column.
pub(crate) const CACHE_GROWTH: usize = 64;

/// The capacity a cache holding `total` columns after this call is given by a decode step.
pub(crate) fn decode_capacity(total: usize) -> usize {
    total.div_ceil(CACHE_GROWTH) * CACHE_GROWTH
}

/// Keys and values of the columns seen so far, `[rows, kv_heads, capacity, head_dim]`: the first
/// `len` columns are filled, the rest are zeros no mask lets a query see.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerCache {
    pub k: Option<Tensor<4>>,
    pub v: Option<Tensor<4>>,
    /// Filled columns.
    pub len: usize,
}

impl LayerCache {
    /// Write this call's keys and values `[rows, kv_heads, cols, d]` after the filled columns,
    /// in buffers of at least `capacity` columns (grown by zeros if needed); returns the whole
    /// buffers.
    fn append(&mut self, k: Tensor<4>, v: Tensor<4>, capacity: usize) -> (Tensor<4>, Tensor<4>) {
        let cols = k.dims()[2];
        let end = self.len + cols;
        let capacity = capacity.max(end);
        let put = |old: Option<Tensor<4>>, new: Tensor<4>, len: usize| match old {
            None if capacity == cols => new,
            None => grow(new, capacity),
            Some(old) => {
                let old = if old.dims()[2] < capacity {
                    grow(old, capacity)
                } else {
                    old
                };
                let [b, h, _, d] = old.dims();
                old.slice_assign([0..b, 0..h, len..len + cols, 0..d], new)
            }
        };
        let k = put(self.k.take(), k, self.len);
        let v = put(self.v.take(), v, self.len);
        self.k = Some(k.clone());
        self.v = Some(v.clone());
        self.len = end;
        (k, v)
    }

    /// Cut the buffers to their filled columns (before splicing caches together).
    fn trim(&mut self) {
        let len = self.len;
        let cut = |t: Tensor<4>| {
            if t.dims()[2] == len {
                t
            } else {
                t.narrow(2, 0, len)
            }
        };
        self.k = self.k.take().map(cut);
        self.v = self.v.take().map(cut);
    }

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
        self.trim();
        let pad = |t: Tensor<4>| {
            let zeros = zero_columns(&t, n);
            Tensor::cat(vec![zeros, t], 2)
        };
        self.k = self.k.take().map(pad);
        self.v = self.v.take().map(pad);
        self.len += n;
    }

    /// Drop the first `n` cached columns.
    pub fn drop_front(&mut self, n: usize) {
        let cut = |t: Tensor<4>| {
            let len = t.dims()[2];
            t.narrow(2, n, len - n)
        };
        self.k = self.k.take().map(cut);
        self.v = self.v.take().map(cut);
        self.len -= n;
    }

    /// Stack `other`'s rows below this cache's (both the same number of filled columns).
    pub fn append_rows(&mut self, mut other: LayerCache) {
        debug_assert_eq!(self.len, other.len);
        self.trim();
        other.trim();
        let join = |a: Option<Tensor<4>>, b: Option<Tensor<4>>| match (a, b) {
            (Some(a), Some(b)) => Some(Tensor::cat(vec![a, b], 0)),
            (a, b) => a.or(b),
        };
        self.k = join(self.k.take(), other.k);
        self.v = join(self.v.take(), other.v);
        self.len = self.len.max(other.len);
    }
}

/// `t` with zero columns appended up to `capacity`.
fn grow(t: Tensor<4>, capacity: usize) -> Tensor<4> {
    let zeros = zero_columns(&t, capacity - t.dims()[2]);
    Tensor::cat(vec![t, zeros], 2)
}

/// `n` zero columns shaped like `t`'s (`[rows, heads, n, d]`), on its device and in its dtype.
fn zero_columns(t: &Tensor<4>, n: usize) -> Tensor<4> {
    let [b, h, _, d] = t.dims();
    t.clone().narrow(2, 0, 1).zeros_like().expand([b, h, n, d])
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
            Some(c) => c.append(k, v, ctx.cache_capacity),
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
