//! One decoder block. The families differ only in where the norms sit:
//!
//! - llama / qwen2: `h = x + attn(in_norm(x)); out = h + mlp(post_attn_norm(h))`
//! - gemma3: `h = x + post_attn_norm(attn(in_norm(x))); out = h + post_ffw_norm(mlp(pre_ffw_norm(h)))`

use burn::tensor::Tensor;

use super::attention::{Attention, AttnCtx, LayerCache};
use super::mlp::Mlp;
use super::norm::RmsNorm;
use crate::capture::CaptureSite;

/// The norms of one block; gemma3 has all four, llama/qwen2 only `input` and `pre_mlp` (which
/// HF calls `post_attention_layernorm` there).
#[derive(Debug, Clone)]
pub(crate) struct Norms {
    pub input: RmsNorm,
    pub post_attn: Option<RmsNorm>,
    pub pre_mlp: RmsNorm,
    pub post_mlp: Option<RmsNorm>,
}

#[derive(Debug, Clone)]
pub(crate) struct DecoderLayer {
    pub attn: Attention,
    pub mlp: Mlp,
    pub norms: Norms,
}

impl DecoderLayer {
    pub fn forward(
        &self,
        x: Tensor<2>,
        ctx: &AttnCtx<'_>,
        cache: Option<&mut LayerCache>,
        site: Option<CaptureSite>,
    ) -> (Tensor<2>, Option<Tensor<2>>) {
        let n = &self.norms;
        let a = self.attn.forward(n.input.forward(x.clone()), ctx, cache);
        let a = match &n.post_attn {
            Some(post) => post.forward(a),
            None => a,
        };
        let h = x + a;
        let (m, cap) = self.mlp.forward(n.pre_mlp.forward(h.clone()), site);
        let m = match &n.post_mlp {
            Some(post) => post.forward(m),
            None => m,
        };
        (h + m, cap)
    }
}
