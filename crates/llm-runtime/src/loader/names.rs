//! Tensor names: llama.cpp's GGUF names <-> Hugging Face names, and the q/k row permutation
//! llama.cpp's converter applies to llama-architecture checkpoints. The per-layer names that
//! differ between families, and whether a family is permuted, come from [`crate::family`].

use crate::family::Architecture;

/// Per-layer GGUF suffix -> HF suffix (after `model.layers.N.`), common to all families.
const LAYER_COMMON: &[(&str, &str)] = &[
    ("attn_q.weight", "self_attn.q_proj.weight"),
    ("attn_k.weight", "self_attn.k_proj.weight"),
    ("attn_v.weight", "self_attn.v_proj.weight"),
    ("attn_output.weight", "self_attn.o_proj.weight"),
    ("attn_q.bias", "self_attn.q_proj.bias"),
    ("attn_k.bias", "self_attn.k_proj.bias"),
    ("attn_v.bias", "self_attn.v_proj.bias"),
    ("attn_output.bias", "self_attn.o_proj.bias"),
    ("ffn_gate.weight", "mlp.gate_proj.weight"),
    ("ffn_up.weight", "mlp.up_proj.weight"),
    ("ffn_down.weight", "mlp.down_proj.weight"),
    ("attn_norm.weight", "input_layernorm.weight"),
    ("attn_q_norm.weight", "self_attn.q_norm.weight"),
    ("attn_k_norm.weight", "self_attn.k_norm.weight"),
];

const GLOBAL: &[(&str, &str)] = &[
    ("token_embd.weight", "model.embed_tokens.weight"),
    ("output_norm.weight", "model.norm.weight"),
    ("output.weight", "lm_head.weight"),
];

fn layer_table(arch: Architecture) -> [&'static [(&'static str, &'static str)]; 2] {
    [LAYER_COMMON, arch.family().layer_names]
}

/// The HF name of a GGUF tensor, or `None` for tensors without an HF counterpart
/// (e.g. `rope_freqs.weight`).
pub fn gguf_to_hf(arch: Architecture, gguf: &str) -> Option<String> {
    if let Some(&(_, hf)) = GLOBAL.iter().find(|(g, _)| *g == gguf) {
        return Some(hf.to_string());
    }
    let rest = gguf.strip_prefix("blk.")?;
    let (layer, suffix) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    layer_table(arch)
        .iter()
        .flat_map(|t| t.iter())
        .find(|(g, _)| *g == suffix)
        .map(|(_, hf)| format!("model.layers.{layer}.{hf}"))
}

/// The GGUF name of an HF tensor (inverse of [`gguf_to_hf`]).
pub fn hf_to_gguf(arch: Architecture, hf: &str) -> Option<String> {
    if let Some(&(g, _)) = GLOBAL.iter().find(|(_, h)| *h == hf) {
        return Some(g.to_string());
    }
    let rest = hf.strip_prefix("model.layers.")?;
    let (layer, suffix) = rest.split_once('.')?;
    let layer: usize = layer.parse().ok()?;
    layer_table(arch)
        .iter()
        .flat_map(|t| t.iter())
        .find(|(_, h)| *h == suffix)
        .map(|(g, _)| format!("blk.{layer}.{g}"))
}

/// Whether llama.cpp permuted this tensor's rows for interleaved RoPE (q/k projections, weights
/// and biases, of families with [`crate::family::GgufQuirks::permuted_qk`]).
pub fn is_permuted_qk(arch: Architecture, gguf: &str) -> Option<QkKind> {
    if !arch.family().gguf_quirks.permuted_qk {
        return None;
    }
    let suffix = gguf.strip_prefix("blk.")?.split_once('.')?.1;
    match suffix {
        "attn_q.weight" | "attn_q.bias" => Some(QkKind::Q),
        "attn_k.weight" | "attn_k.bias" => Some(QkKind::K),
        _ => None,
    }
}

/// Which projection a permuted tensor belongs to (selects the head count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QkKind {
    Q,
    K,
}

/// Undo llama.cpp's `permute`: within each head of `rows / n_head` rows, GGUF row `2j + i` holds HF
/// row `i * half + j` (i in 0..2, j in 0..half). `data` is row-major `[rows, cols]`.
pub fn unpermute_qk<T: Copy + Default>(
    data: &[T],
    rows: usize,
    cols: usize,
    n_head: usize,
) -> Vec<T> {
    permute_rows(data, rows, cols, n_head, false)
}

/// llama.cpp's `permute` (HF -> GGUF order), for writing llama-architecture GGUF files.
pub fn permute_qk<T: Copy + Default>(
    data: &[T],
    rows: usize,
    cols: usize,
    n_head: usize,
) -> Vec<T> {
    permute_rows(data, rows, cols, n_head, true)
}

fn permute_rows<T: Copy + Default>(
    data: &[T],
    rows: usize,
    cols: usize,
    n_head: usize,
    to_gguf: bool,
) -> Vec<T> {
    debug_assert_eq!(data.len(), rows * cols);
    let head_dim = rows / n_head.max(1);
    let half = head_dim / 2;
    let mut out = vec![T::default(); data.len()];
    for h in 0..n_head {
        for i in 0..2 {
            for j in 0..half {
                let hf_row = h * head_dim + i * half + j;
                let gguf_row = h * head_dim + 2 * j + i;
                let (src, dst) = if to_gguf {
                    (hf_row, gguf_row)
                } else {
                    (gguf_row, hf_row)
                };
                out[dst * cols..(dst + 1) * cols]
                    .copy_from_slice(&data[src * cols..(src + 1) * cols]);
            }
        }
    }
    out
}
