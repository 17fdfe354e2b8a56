//! One decoder block. The families differ only in where the norms sit:
//!
//! - llama / qwen2: `h = x + attn(in_norm(x)); out = h + mlp(post_attn_norm(h))`
//! - gemma3: `h = x + post_attn_norm(attn(in_norm(x))); out = h + post_ffw_norm(mlp(pre_ffw_norm(h)))`

use burn::tensor::Tensor;

use super::attention::{AttnCtx, Attention, LayerCache};
use super::mlp::Mlp;
use super::norm::RmsNorm;
use crate::capture::CaptureSite;

#[derive(Debug, Clone)]
pub(crate) enum Norms {
    /// Pre-norm only (llama, qwen2).
    Pre { input: RmsNorm, pre_mlp: RmsNorm },
    /// Pre- and post-norms around both sub-blocks (gemma3).
    Sandwich { input: RmsNorm, post_attn: RmsNorm, pre_mlp: RmsNorm, post_mlp: RmsNorm },
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
        match &self.norms {
            Norms::Pre { input, pre_mlp } => {
                let h = x.clone() + self.attn.forward(input.forward(x), ctx, cache);
                let (m, cap) = self.mlp.forward(pre_mlp.forward(h.clone()), site);
                (h + m, cap)
            }
            Norms::Sandwich { input, post_attn, pre_mlp, post_mlp } => {
                let a = self.attn.forward(input.forward(x.clone()), ctx, cache);
                let h = x + post_attn.forward(a);
                let (m, cap) = self.mlp.forward(pre_mlp.forward(h.clone()), site);
                (h + post_mlp.forward(m), cap)
            }
        }
    }
}
