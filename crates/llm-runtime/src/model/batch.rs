//! Host-side layout of a padded batch: where each row's real tokens sit, their positions, and the
//! attention masks that follow from that.
//!
//! Row `b` holds its real tokens in the absolute columns `start[b]..end[b]` (absolute = counting
//! columns already in the KV cache). Right padding (prefill for statistics) has `start = 0`;
//! left padding (generation) has `end = cols`, so decoding appends one real column to every row.
//! Positions restart at 0 for each row, and real tokens are contiguous, so the sliding-window
//! distance between two real tokens equals their column distance.

/// Layout of one forward call over a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BatchLayout {
    /// Columns already in the KV cache.
    pub past: usize,
    /// New columns fed in this call.
    pub cols: usize,
    /// First real absolute column of each row.
    pub start: Vec<usize>,
    /// One past the last real absolute column of each row (`<= past + cols`).
    pub end: Vec<usize>,
}

impl BatchLayout {
    /// Real tokens at the left, padding at the right.
    pub fn right_padded(lens: &[usize]) -> Self {
        let cols = lens.iter().copied().max().unwrap_or(0);
        Self {
            past: 0,
            cols,
            start: vec![0; lens.len()],
            end: lens.to_vec(),
        }
    }

    /// Padding at the left, real tokens right-aligned (all rows end in the last column).
    pub fn left_padded(lens: &[usize]) -> Self {
        let cols = lens.iter().copied().max().unwrap_or(0);
        Self {
            past: 0,
            cols,
            start: lens.iter().map(|l| cols - l).collect(),
            end: vec![cols; lens.len()],
        }
    }

    /// The state between calls of a generation: `total` columns cached, row `b`'s real tokens
    /// in `start[b]..total` (every row ends in the last column). Only [`Self::next_step`],
    /// [`Self::total`] and the row starts are read from it.
    pub fn settled(total: usize, start: Vec<usize>) -> Self {
        Self {
            past: total,
            cols: 0,
            end: vec![total; start.len()],
            start,
        }
    }

    pub fn rows(&self) -> usize {
        self.start.len()
    }

    /// Columns after this call (cache length).
    pub fn total(&self) -> usize {
        self.past + self.cols
    }

    pub fn is_real(&self, b: usize, abs_col: usize) -> bool {
        abs_col >= self.start[b] && abs_col < self.end[b]
    }

    /// RoPE position of an absolute column (0 for padding, whose result is never used).
    pub fn position(&self, b: usize, abs_col: usize) -> usize {
        if self.is_real(b, abs_col) {
            abs_col - self.start[b]
        } else {
            0
        }
    }

    /// Positions of this call's columns, row-major `[rows, cols]`.
    pub fn positions(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.rows() * self.cols);
        for b in 0..self.rows() {
            for c in 0..self.cols {
                out.push(self.position(b, self.past + c));
            }
        }
        out
    }

    /// The layout of the next single-token decode step (every row gets one more real token).
    pub fn next_step(&self) -> Self {
        let past = self.total();
        Self {
            past,
            cols: 1,
            start: self.start.clone(),
            end: vec![past + 1; self.rows()],
        }
    }

    /// Key columns a query chunk may need: all earlier columns for full attention, the last
    /// `window` columns for sliding-window attention.
    pub fn key_range(&self, q0: usize, q1: usize, window: Option<usize>) -> (usize, usize) {
        let (a0, a1) = (self.past + q0, self.past + q1);
        let k0 = match window {
            Some(w) => a0.saturating_sub(w.saturating_sub(1)),
            None => 0,
        };
        (k0, a1)
    }

    /// Boolean mask `[rows, 1, q1 - q0, k1 - k0]`, `true` = masked out, for queries in this
    /// call's columns `q0..q1` against absolute key columns `k0..k1`.
    ///
    /// A real query attends to real keys at or before it (and, with a window, fewer than
    /// `window` columns back). A padding query attends only to itself, so no row is ever fully
    /// masked: backends differ in what they return for an all-masked row (zeros or NaN), and a
    /// NaN would survive the multiply-by-zero that drops padding from statistics.
    pub fn mask(
        &self,
        q0: usize,
        q1: usize,
        k0: usize,
        k1: usize,
        window: Option<usize>,
    ) -> Vec<bool> {
        let (nq, nk) = (q1 - q0, k1 - k0);
        let mut m = vec![true; self.rows() * nq * nk];
        for b in 0..self.rows() {
            for qi in 0..nq {
                let a = self.past + q0 + qi;
                let row = &mut m[(b * nq + qi) * nk..(b * nq + qi + 1) * nk];
                if !self.is_real(b, a) {
                    if a >= k0 && a < k1 {
                        row[a - k0] = false;
                    }
                    continue;
                }
                let lo = match window {
                    Some(w) => (a + 1).saturating_sub(w),
                    None => 0,
                }
                .max(self.start[b])
                .max(k0);
                let hi = (a + 1).min(k1);
                for j in lo..hi {
                    row[j - k0] = false;
                }
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn left_padding_masks_and_positions() {
        let l = BatchLayout::left_padded(&[3, 1]);
        assert_eq!(l.cols, 3);
        assert_eq!(l.positions(), vec![0, 1, 2, 0, 0, 0]);
        let m = l.mask(0, 3, 0, 3, None);
        // row 0: causal lower triangle
        let r0: Vec<bool> = m[0..9].to_vec();
        assert_eq!(
            r0,
            vec![false, true, true, false, false, true, false, false, false]
        );
        // row 1: pads attend to themselves, the real token (col 2) only to itself
        let r1: Vec<bool> = m[9..18].to_vec();
        assert_eq!(
            r1,
            vec![false, true, true, true, false, true, true, true, false]
        );
        let s = l.next_step();
        assert_eq!((s.past, s.cols, s.end.clone()), (3, 1, vec![4, 4]));
        assert_eq!(s.positions(), vec![3, 1]);
        assert_eq!(
            s.mask(0, 1, 0, 4, None),
            vec![false, false, false, false, true, true, false, false]
        );
    }

    #[test]
    fn sliding_window_and_key_range() {
        let l = BatchLayout::right_padded(&[5]);
        // window 2: token i sees i-1 and i
        let (k0, k1) = l.key_range(3, 5, Some(2));
        assert_eq!((k0, k1), (2, 5));
        let m = l.mask(3, 5, k0, k1, Some(2));
        assert_eq!(m, vec![false, false, true, true, false, false]);
    }
}
