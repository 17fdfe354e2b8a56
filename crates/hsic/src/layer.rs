//! One layer: the neuron-pair matrix `M` and the layer score.

use serde::{Deserialize, Serialize};

use crate::prep::{
    DistScratch, Distances, Rows, SIGMA_FLOOR, max_mean, sigma, upper_distances_into, zscore_into,
};
use crate::{Engine, HsicError, ScoreKind, SigmaRule, dense, series};

/// Which engine produced a layer score, and with what expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum EngineUsed {
    /// Series engine: highest truncation degree on each side and the number of rank blocks
    /// (GEMMs) kept.
    Series {
        max_degree_x: usize,
        max_degree_y: usize,
        blocks: usize,
    },
    Dense,
}

/// The score of one layer and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerScore {
    /// `½ (mean_i max_j M_ij + mean_j max_i M_ij)`.
    pub score: f64,
    /// The kernel bandwidth σ (median distance + 1e-6).
    pub sigma: f64,
    /// The median distance was 0, so σ sits at its 1e-6 floor: with one or two neurons per set
    /// the self-distances (zeros) are at least half of the distances. Every Gram matrix of
    /// z-scored rows is then the identity and `M_ij` is the same for every candidate (`S - 1`
    /// for the reference kind): the layer carries no information about the candidate, and
    /// the bridge score skips it unless [`crate::HsicConfig::keep_degenerate_layers`].
    #[serde(default)]
    pub degenerate: bool,
    /// Rows of X (overlap neurons) and of Y (bridge neurons) in this layer.
    pub n_overlap: usize,
    pub n_bridge: usize,
    pub engine: EngineUsed,
    /// Certified bound on `|score - exact score|` from the series truncation (0 for the dense
    /// engine). Floating-point rounding is not included.
    pub truncation_bound: f64,
}

/// The full neuron-pair matrix of one layer with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairMatrix {
    /// `M`, row-major `n_overlap x n_bridge`.
    pub m: Vec<f64>,
    pub layer: LayerScore,
}

/// One side of a layer: z-scored rows and their pairwise distances. The X side is prepared once
/// per layer (distances in f64) and shared by every candidate; the Y side of each job reuses
/// one worker's buffers (distances in f32 with an error bound, see `prep.rs`).
#[derive(Default)]
pub(crate) struct Prepared {
    pub rows: Rows,
    pub dist: Distances,
}

impl Prepared {
    pub fn fill<'a>(
        &mut self,
        rows: impl Iterator<Item = &'a [f32]>,
        samples: usize,
        exact: bool,
        scratch: &mut DistScratch,
    ) -> Result<(), HsicError> {
        zscore_into(rows, samples, &mut self.rows);
        upper_distances_into(&self.rows, exact, scratch, &mut self.dist)
    }

    pub fn new<'a>(
        rows: impl Iterator<Item = &'a [f32]>,
        samples: usize,
        exact: bool,
    ) -> Result<Self, HsicError> {
        let mut p = Prepared::default();
        p.fill(rows, samples, exact, &mut DistScratch::default())?;
        Ok(p)
    }
}

/// Reusable buffers of one worker thread (kept across layers to avoid reallocating and
/// page-faulting megabytes per layer).
#[derive(Default)]
pub(crate) struct Workspace {
    pub y: Prepared,
    pub dist: DistScratch,
    pub all: Vec<f64>,
    pub series: series::Workspace,
}

pub(crate) fn check_engine(engine: Engine) -> Result<(), HsicError> {
    if let Engine::Auto { tol } | Engine::Series { tol } = engine
        && !(tol > 0.0 && tol < 1.0)
    {
        return Err(HsicError::BadParameter {
            name: "tol",
            value: tol,
            expected: "a number in (0, 1)",
        });
    }
    Ok(())
}

/// Score one layer; `M` is returned only when `want_matrix` (the bridge ranking needs the score
/// alone and keeps `M` in the worker's buffers).
#[allow(clippy::too_many_arguments)]
pub(crate) fn score_prepared(
    x: &Prepared,
    y: &Prepared,
    kind: ScoreKind,
    engine: Engine,
    sigma_rule: SigmaRule,
    want_matrix: bool,
    all: &mut Vec<f64>,
    ws: &mut series::Workspace,
) -> Result<(LayerScore, Option<Vec<f64>>), HsicError> {
    let (n1, n2) = (x.rows.n, y.rows.n);
    let sig = match sigma_rule {
        SigmaRule::Pooled => sigma(&[(&x.rows, &x.dist), (&y.rows, &y.dist)], all),
        SigmaRule::Overlap => sigma(&[(&x.rows, &x.dist)], all),
    };
    let series_info = match engine {
        Engine::Dense => None,
        Engine::Series { tol } => Some(
            series::layer_matrix(&x.rows, &y.rows, sig, kind, tol, ws)
                .map_err(|reason| HsicError::SeriesNotApplicable { reason })?,
        ),
        Engine::Auto { tol } => series::layer_matrix(&x.rows, &y.rows, sig, kind, tol, ws).ok(),
    };
    let (m, engine_used, bound) = match series_info {
        Some(r) => (
            std::mem::take(&mut ws.m),
            EngineUsed::Series {
                max_degree_x: r.max_degree_x,
                max_degree_y: r.max_degree_y,
                blocks: r.blocks,
            },
            r.bound,
        ),
        None => (
            dense::layer_matrix(&x.rows, &y.rows, sig, kind)?,
            EngineUsed::Dense,
            0.0,
        ),
    };
    let score = max_mean(&m, n1, n2);
    let layer = LayerScore {
        score,
        sigma: sig,
        degenerate: sig <= SIGMA_FLOOR,
        n_overlap: n1,
        n_bridge: n2,
        engine: engine_used,
        truncation_bound: bound,
    };
    if want_matrix {
        Ok((layer, Some(m)))
    } else {
        ws.m = m; // hand the buffer back for the next layer
        Ok((layer, None))
    }
}

fn check_rows(
    what: &'static str,
    data: &[f32],
    rows: usize,
    samples: usize,
) -> Result<(), HsicError> {
    if rows == 0 {
        return Err(HsicError::TooSmall {
            what,
            min: 1,
            unit: "row",
            got: 0,
        });
    }
    if data.len() != rows * samples {
        return Err(HsicError::Length {
            what,
            rows,
            samples,
            expected: rows * samples,
            got: data.len(),
        });
    }
    if let Some((i, &value)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(HsicError::NotFinite {
            what,
            row: i / samples,
            sample: i % samples,
            value,
        });
    }
    Ok(())
}

/// The neuron-pair matrix `M` and the layer score for X (`n1 x samples`, row-major: the overlap
/// neurons' probe rows) and Y (`n2 x samples`: the bridge neurons' rows).
pub fn pair_matrix(
    x: &[f32],
    n1: usize,
    y: &[f32],
    n2: usize,
    samples: usize,
    kind: ScoreKind,
    engine: Engine,
) -> Result<PairMatrix, HsicError> {
    if samples < 2 {
        return Err(HsicError::TooSmall {
            what: "probe samples",
            min: 2,
            unit: "samples",
            got: samples,
        });
    }
    check_engine(engine)?;
    check_rows("X (overlap rows)", x, n1, samples)?;
    check_rows("Y (bridge rows)", y, n2, samples)?;
    let px = Prepared::new(x.chunks_exact(samples), samples, true)?;
    let py = Prepared::new(y.chunks_exact(samples), samples, false)?;
    let (layer, m) = score_prepared(
        &px,
        &py,
        kind,
        engine,
        SigmaRule::Pooled,
        true,
        &mut Vec::new(),
        &mut series::Workspace::default(),
    )?;
    Ok(PairMatrix {
        m: m.unwrap_or_default(),
        layer,
    })
}

/// The layer score alone, see [`pair_matrix`].
pub fn layer_score(
    x: &[f32],
    n1: usize,
    y: &[f32],
    n2: usize,
    samples: usize,
    kind: ScoreKind,
    engine: Engine,
) -> Result<LayerScore, HsicError> {
    Ok(pair_matrix(x, n1, y, n2, samples, kind, engine)?.layer)
}
