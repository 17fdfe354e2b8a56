//! Token windows for the language statistics (docs/METHOD.md §2).
//!
//! Each sentence is tokenised without BOS, the token lists are concatenated into one stream per
//! language, and the stream is cut into windows of at most `window_tokens` tokens, BOS included:
//! a window is `[BOS] + (window_tokens - 1)` stream tokens (the last one shorter). Keeping the
//! BOS inside the budget means a window never exceeds the model context the user asked for.

use crate::error::{ProbeError, Result};
use crate::model::NeuronModel;

/// Windows of one language and the number of stream tokens they hold (BOS not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Windows {
    pub windows: Vec<Vec<u32>>,
    /// Stream tokens, i.e. the tokens the statistics must count.
    pub content_tokens: u64,
}

/// Cut a token stream into windows of at most `window_tokens` tokens, each starting with `bos`
/// when the model has one.
pub fn cut_windows(stream: &[u32], window_tokens: usize, bos: Option<u32>) -> Result<Windows> {
    let per_window = match bos {
        Some(_) => window_tokens.checked_sub(1).filter(|&n| n > 0),
        None => Some(window_tokens).filter(|&n| n > 0),
    }
    .ok_or_else(|| {
        ProbeError::param(
            "window_tokens",
            format!(
                "{window_tokens} leaves no room for text (need at least {} with{} BOS)",
                if bos.is_some() { 2 } else { 1 },
                if bos.is_some() { "" } else { "out" }
            ),
        )
    })?;
    let windows = stream
        .chunks(per_window)
        .map(|chunk| {
            let mut w = Vec::with_capacity(chunk.len() + 1);
            w.extend(bos);
            w.extend_from_slice(chunk);
            w
        })
        .collect();
    Ok(Windows {
        windows,
        content_tokens: stream.len() as u64,
    })
}

/// Tokenise `sentences` (no BOS), concatenate and cut into windows.
pub fn build_windows<M: NeuronModel + ?Sized>(
    model: &M,
    sentences: &[String],
    window_tokens: usize,
) -> Result<Windows> {
    let mut stream = Vec::new();
    for sentence in sentences {
        stream.extend(model.encode(sentence, false)?);
    }
    cut_windows(&stream, window_tokens, model.bos_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_hold_bos_within_budget() {
        let stream: Vec<u32> = (10..20).collect();
        let w = cut_windows(&stream, 4, Some(1)).unwrap();
        assert_eq!(
            w.windows,
            vec![
                vec![1, 10, 11, 12],
                vec![1, 13, 14, 15],
                vec![1, 16, 17, 18],
                vec![1, 19]
            ]
        );
        assert_eq!(w.content_tokens, 10);
    }

    #[test]
    fn windows_without_bos() {
        let stream: Vec<u32> = (0..5).collect();
        let w = cut_windows(&stream, 2, None).unwrap();
        assert_eq!(w.windows, vec![vec![0, 1], vec![2, 3], vec![4]]);
    }

    #[test]
    fn window_too_small_is_an_error() {
        assert!(cut_windows(&[1, 2], 1, Some(0)).is_err());
        assert!(cut_windows(&[1, 2], 0, None).is_err());
        assert!(cut_windows(&[], 8, Some(0)).unwrap().windows.is_empty());
    }
}
