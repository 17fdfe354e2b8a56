//! One decoder block, its norms placed as the family's [`NormPlacement`] says:
//!
//! - `PreNorm` (llama, qwen2): `h = x + attn(in_norm(x)); out = h + mlp(pre_mlp_norm(h))`
//! - `Sandwich` (gemma3): `h = x + post_attn_norm(attn(in_norm(x)));
//!   out = h + post_mlp_norm(mlp(pre_mlp_norm(h)))`

use burn::tensor::Tensor;

use super::attention::{Attention, AttnCtx, LayerCache};
use super::mlp::Mlp;
use super::norm::RmsNorm;
use crate::capture::CaptureSite;
use crate::error::Result;
use crate::family::NormPlacement;

/// The norms of one block: `input` and `pre_mlp` always, the post norms with `Sandwich`.
#[derive(Debug, Clone)]
pub(crate) struct Norms {
    pub input: RmsNorm,
    pub post_attn: Option<RmsNorm>,
    pub pre_mlp: RmsNorm,
    pub post_mlp: Option<RmsNorm>,
}

impl Norms {
    /// The norms `placement` asks for; `load` fetches one by its HF suffix (no `.weight`).
    pub fn load(
        placement: &NormPlacement,
        mut load: impl FnMut(&str) -> Result<RmsNorm>,
    ) -> Result<Norms> {
        let input = load("input_layernorm")?;
        Ok(match *placement {
            NormPlacement::PreNorm { pre_mlp_norm } => Norms {
                input,
                post_attn: None,
                pre_mlp: load(pre_mlp_norm)?,
                post_mlp: None,
            },
            NormPlacement::Sandwich {
                post_attn_norm,
                pre_mlp_norm,
                post_mlp_norm,
            } => Norms {
                input,
                post_attn: Some(load(post_attn_norm)?),
                pre_mlp: load(pre_mlp_norm)?,
                post_mlp: Some(load(post_mlp_norm)?),
            },
        })
    }
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
