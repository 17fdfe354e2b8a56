//! Figures (plotters): per-layer bridge-score curves and similarity heat maps, as PNG (and
//! SVG on request), each written atomically.

use std::path::Path;

use anyhow::anyhow;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::write_via_temp_path;

/// Colours of the candidate lines (matplotlib's tab10, distinct and print-safe).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

const FONT: &str = "sans-serif";

/// Which image formats to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlotFormats {
    pub png: bool,
    pub svg: bool,
}

impl Default for PlotFormats {
    fn default() -> Self {
        PlotFormats {
            png: true,
            svg: false,
        }
    }
}

impl PlotFormats {
    pub fn none() -> Self {
        PlotFormats {
            png: false,
            svg: false,
        }
    }
}

/// One line of a per-layer figure: a label and a value per layer (`None` = no score there).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSeries {
    pub label: String,
    pub values: Vec<Option<f64>>,
    /// Drawn thicker (the chosen bridge).
    pub highlight: bool,
    /// Points to circle as suspect (same length as `values`; empty = none).
    pub flagged: Vec<bool>,
    /// A 95% interval per layer, drawn as a whisker (empty = none).
    pub intervals: Vec<Option<(f64, f64)>>,
}

/// A per-layer figure.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerFigure {
    pub title: String,
    pub y_label: String,
    pub layers: usize,
    /// Shaded layers `first..=last`.
    pub window: Option<(usize, usize)>,
    pub series: Vec<LayerSeries>,
    /// Logarithmic y axis (used only when every value is > 0).
    pub log_y: bool,
    /// Legend text of the circled points.
    pub flag_label: String,
}

impl LayerFigure {
    /// Whether the values span enough decades (>= 100x, all > 0) to want a log axis.
    pub fn wants_log(series: &[LayerSeries]) -> bool {
        let vals: Vec<f64> = series
            .iter()
            .flat_map(|s| s.values.iter().flatten().copied())
            .filter(|v| v.is_finite())
            .collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        lo > 0.0 && hi / lo >= 100.0
    }
}

/// A labelled square matrix figure.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    pub title: String,
    pub labels: Vec<String>,
    pub values: Vec<Vec<f64>>,
    /// Decimals of the values printed in the cells.
    pub decimals: usize,
    /// Colour scale from the off-diagonal values only (the diagonal of an overlap-count
    /// matrix, `|T_i|`, would wash out every other cell); diagonal cells are clipped.
    pub scale_off_diagonal: bool,
    /// Text printed in each cell instead of the value (same shape as `values`).
    pub texts: Option<Vec<Vec<String>>>,
    /// Labels of the colour bar's light and dark ends instead of the lowest and highest value.
    pub scale_labels: Option<(String, String)>,
}

fn draw_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("plotting failed: {e}")
}

/// A figure drawable on any plotters backend, so PNG and SVG come from one drawing routine.
trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>;
}

impl Chart for LayerFigure {
    fn size(&self) -> (u32, u32) {
        (1100, 640)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        draw_layers(root, self)
    }
}

impl Chart for HeatMap {
    fn size(&self) -> (u32, u32) {
        let k = self.labels.len() as u32;
        let side = 100 + 58 * k.max(1);
        // Wide enough for the title whatever the number of languages.
        ((side + 110).max(760), side + 40)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()> {
        draw_heat_map(root, self)
    }
}

/// Write `chart` to `stem.png` / `stem.svg` as `formats` asks (each through a temporary file);
/// returns the paths written.
fn write_chart(
    stem: &Path,
    chart: &impl Chart,
    formats: PlotFormats,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    if formats.png {
        let path = stem.with_extension("png");
        write_via_temp_path(&path, |tmp| {
            let root = BitMapBackend::new(tmp, chart.size()).into_drawing_area();
            chart.draw(&root)?;
            root.present().map_err(draw_err)
        })?;
        written.push(path);
    }
    if formats.svg {
        let path = stem.with_extension("svg");
        write_via_temp_path(&path, |tmp| {
            let root = SVGBackend::new(tmp, chart.size()).into_drawing_area();
            chart.draw(&root)?;
            root.present().map_err(draw_err)
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Write `figure` to `stem.png` / `stem.svg`; returns the paths written.
pub fn write_layer_figure(
    stem: &Path,
    figure: &LayerFigure,
    formats: PlotFormats,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    write_chart(stem, figure, formats)
}

/// Write `map` to `stem.png` / `stem.svg`; returns the paths written.
pub fn write_heat_map(
    stem: &Path,
    map: &HeatMap,
    formats: PlotFormats,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    write_chart(stem, map, formats)
}

/// Consecutive runs of defined values, as (layer, value) points.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for (layer, v) in values.iter().enumerate() {
        match v {
            Some(y) if y.is_finite() => current.push((layer as f64, *y)),
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn draw_layers<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    figure: &LayerFigure,
) -> anyhow::Result<()> {
    root.fill(&WHITE).map_err(draw_err)?;
    let all_positive = figure
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .all(|&v| v > 0.0 || !v.is_finite());
    let log = figure.log_y && all_positive;
    // On a log axis the values are drawn as log10 and labelled back in plain numbers.
    let ty = move |v: f64| if log { v.log10() } else { v };
    let values: Vec<f64> = figure
        .series
        .iter()
        .flat_map(|s| {
            let ends = s.intervals.iter().flatten().flat_map(|&(a, b)| [a, b]);
            s.values.iter().flatten().copied().chain(ends)
        })
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .map(ty)
        .collect();
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.08 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    let (y0, y1) = (lo - pad, hi + pad);
    let layers = figure.layers.max(1);
    let x_range = -0.5f64..(layers as f64 - 0.5);

    // Title on top; the legend gets its own panel on the right so it never hides a point.
    let body = root.titled(&figure.title, (FONT, 22)).map_err(draw_err)?;
    let (w, _) = body.dim_in_pixel();
    let (plot_area, legend_area) = body.split_horizontally(w.saturating_sub(250));
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(16)
        .x_label_area_size(46)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range, y0..y1)
        .map_err(draw_err)?;
    let integer_label = |x: &f64| {
        if (x - x.round()).abs() < 1e-6 {
            format!("{}", x.round() as i64)
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc("layer")
        .y_desc(if log {
            format!("{} (log scale)", figure.y_label)
        } else {
            figure.y_label.clone()
        })
        .x_labels(layers + 1)
        .x_label_formatter(&integer_label)
        .y_labels(12)
        .y_label_formatter(&|y| {
            if !log {
                axis_number(*y)
            } else if (y - y.round()).abs() < 1e-6 {
                axis_number(10f64.powi(y.round() as i32))
            } else {
                String::new()
            }
        })
        .light_line_style(RGBColor(235, 235, 235))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(draw_err)?;

    let window_fill = RGBColor(255, 236, 179);
    if let Some((first, last)) = figure.window {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(first as f64 - 0.5, y0), (last as f64 + 0.5, y1)],
                window_fill.mix(0.55).filled(),
            )))
            .map_err(draw_err)?;
    }

    let mut any_flagged = false;
    let n_series = figure.series.len() as f64;
    for (i, s) in figure.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let width = if s.highlight { 4 } else { 2 };
        // Whiskers side by side within a layer, so series do not hide each other's.
        let dx = 0.5 * (i as f64 - (n_series - 1.0) / 2.0) / n_series.max(1.0);
        let whiskers: Vec<(f64, f64, f64)> = s
            .intervals
            .iter()
            .enumerate()
            .filter_map(|(layer, iv)| {
                let (a, b) = (*iv)?;
                (a.is_finite() && b.is_finite() && (!log || a > 0.0))
                    .then(|| (layer as f64 + dx, ty(a), ty(b)))
            })
            .collect();
        for &(x, a, b) in &whiskers {
            chart
                .draw_series([
                    PathElement::new(vec![(x, a), (x, b)], color.stroke_width(1)),
                    PathElement::new(vec![(x - 0.06, a), (x + 0.06, a)], color.stroke_width(1)),
                    PathElement::new(vec![(x - 0.06, b), (x + 0.06, b)], color.stroke_width(1)),
                ])
                .map_err(draw_err)?;
        }
        let transformed: Vec<Option<f64>> = s.values.iter().map(|v| v.map(ty)).collect();
        for run in runs(&transformed) {
            chart
                .draw_series(LineSeries::new(run.clone(), color.stroke_width(width)))
                .map_err(draw_err)?;
            chart
                .draw_series(
                    run.iter()
                        .map(|&(x, y)| Circle::new((x, y), width + 1, color.filled())),
                )
                .map_err(draw_err)?;
        }
        let flagged: Vec<(f64, f64)> = transformed
            .iter()
            .enumerate()
            .filter(|&(layer, v)| {
                v.is_some_and(f64::is_finite) && s.flagged.get(layer).copied().unwrap_or(false)
            })
            .filter_map(|(layer, v)| v.map(|y| (layer as f64, y)))
            .collect();
        any_flagged |= !flagged.is_empty();
        chart
            .draw_series(
                flagged
                    .into_iter()
                    .map(|p| Circle::new(p, 9, BLACK.stroke_width(1))),
            )
            .map_err(draw_err)?;
    }

    // Legend panel: one row per entry, from the top.
    let text = (FONT, 15).into_font().color(&BLACK);
    let mut y = 40i32;
    let row = 26i32;
    if let Some((first, last)) = figure.window {
        legend_area
            .draw(&Rectangle::new(
                [(8, y - 7), (36, y + 7)],
                window_fill.filled(),
            ))
            .map_err(draw_err)?;
        legend_area
            .draw(&Text::new(
                format!("window {first}-{last}"),
                (44, y - 8),
                text.clone(),
            ))
            .map_err(draw_err)?;
        y += row;
    }
    for (i, s) in figure.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let width = if s.highlight { 4 } else { 2 };
        legend_area
            .draw(&PathElement::new(
                vec![(8, y), (36, y)],
                color.stroke_width(width),
            ))
            .map_err(draw_err)?;
        legend_area
            .draw(&Text::new(s.label.clone(), (44, y - 8), text.clone()))
            .map_err(draw_err)?;
        y += row;
    }
    if any_flagged {
        legend_area
            .draw(&Circle::new((22, y), 8, BLACK.stroke_width(1)))
            .map_err(draw_err)?;
        legend_area
            .draw(&Text::new(
                figure.flag_label.clone(),
                (44, y - 8),
                text.clone(),
            ))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// An axis value without trailing zeros: `80`, `0.05`, `1.5e-5`.
fn axis_number(v: f64) -> String {
    let s = crate::table::num(v, 4);
    if s.contains('e') || !s.contains('.') {
        return s;
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// White to dark blue (ColorBrewer "Blues" end points), `t` in 0..=1.
fn blues(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    RGBColor(lerp(247, 8), lerp(251, 48), lerp(255, 107))
}

fn scale(map: &HeatMap) -> (f64, f64) {
    let k = map.labels.len();
    let cells = (0..k).flat_map(|i| (0..k).map(move |j| (i, j)));
    let vals: Vec<f64> = cells
        .filter(|&(i, j)| !(map.scale_off_diagonal && i == j))
        .map(|(i, j)| map.values[i][j])
        .filter(|v| v.is_finite())
        .collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi <= lo {
        (lo, lo + 1.0)
    } else {
        (lo, hi)
    }
}

fn draw_heat_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &HeatMap,
) -> anyhow::Result<()> {
    root.fill(&WHITE).map_err(draw_err)?;
    let k = map.labels.len();
    let bad_texts = map
        .texts
        .as_ref()
        .is_some_and(|t| t.len() != k || t.iter().any(|r| r.len() != k));
    if k == 0 || map.values.len() != k || map.values.iter().any(|r| r.len() != k) || bad_texts {
        return Err(anyhow!(
            "heat map `{}`: {} labels but a {}-row matrix",
            map.title,
            k,
            map.values.len()
        ));
    }
    let (lo, hi) = scale(map);
    let n = k as i32;
    // Title across the top; below it a square matrix panel and the colour bar to its right.
    let body = root.titled(&map.title, (FONT, 18)).map_err(draw_err)?;
    let (w, h) = body.dim_in_pixel();
    let panel = (h + 36).min(w.saturating_sub(90));
    let (matrix_area, bar_area) = body.split_horizontally(panel);
    let mut chart = ChartBuilder::on(&matrix_area)
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(50)
        // Integer ranges are inclusive in plotters: 0..n-1 gives exactly n segments.
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
        .map_err(draw_err)?;
    let labels = map.labels.clone();
    let x_label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let labels_y = map.labels.clone();
    // Row 0 at the top: y = n - 1 - row.
    let y_label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => labels_y
            .get((n - 1 - *i) as usize)
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(k)
        .y_labels(k)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style((FONT, 15))
        .draw()
        .map_err(draw_err)?;

    let cell_font = (FONT, if k > 12 { 13 } else { 15 });
    for i in 0..k {
        for j in 0..k {
            let v = map.values[i][j];
            let t = if v.is_finite() {
                (v - lo) / (hi - lo)
            } else {
                0.0
            };
            let fill = blues(t);
            let y = n - 1 - i as i32;
            let x = j as i32;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    fill.filled(),
                )))
                .map_err(draw_err)?;
            let ink = if t > 0.55 { WHITE } else { BLACK };
            let text = match &map.texts {
                Some(t) => t[i][j].clone(),
                None => format!("{:.*}", map.decimals, v),
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    cell_font
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))
                .map_err(draw_err)?;
        }
    }

    // Colour bar on the right: the scale's end values.
    let root = &bar_area;
    let (_, h) = root.dim_in_pixel();
    let bar_x = 24i32;
    let (top, bottom) = (40i32, h as i32 - 60);
    let steps = 64;
    for s in 0..steps {
        let t0 = s as f64 / steps as f64;
        let y_hi = bottom - ((bottom - top) as f64 * (t0 + 1.0 / steps as f64)) as i32;
        let y_lo = bottom - ((bottom - top) as f64 * t0) as i32;
        root.draw(&Rectangle::new(
            [(bar_x, y_hi), (bar_x + 18, y_lo)],
            blues(t0 + 0.5 / steps as f64).filled(),
        ))
        .map_err(draw_err)?;
    }
    let (light, dark) = map
        .scale_labels
        .clone()
        .unwrap_or_else(|| (axis_number(lo), axis_number(hi)));
    let style = (FONT, 12).into_font().color(&BLACK);
    root.draw(&Text::new(dark, (bar_x, top - 16), style.clone()))
        .map_err(draw_err)?;
    root.draw(&Text::new(light, (bar_x, bottom + 4), style))
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_break_at_missing_values() {
        let r = runs(&[None, Some(1.0), Some(2.0), None, Some(3.0), Some(f64::NAN)]);
        assert_eq!(r, vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 3.0)]]);
    }

    #[test]
    fn log_axis_only_for_positive_values_spanning_two_decades() {
        let series = |v: Vec<Option<f64>>| LayerSeries {
            label: "x".into(),
            values: v,
            highlight: false,
            flagged: Vec::new(),
            intervals: Vec::new(),
        };
        assert!(LayerFigure::wants_log(&[series(vec![
            Some(0.1),
            None,
            Some(499.0)
        ])]));
        assert!(!LayerFigure::wants_log(&[series(vec![
            Some(1.0),
            Some(99.0)
        ])]));
        assert!(!LayerFigure::wants_log(&[series(vec![
            Some(0.0),
            Some(499.0)
        ])]));
        assert!(!LayerFigure::wants_log(&[series(vec![None])]));
    }

    #[test]
    fn axis_numbers_drop_trailing_zeros() {
        assert_eq!(axis_number(80.0), "80");
        assert_eq!(axis_number(120.0), "120");
        assert_eq!(axis_number(0.05), "0.05");
        assert_eq!(axis_number(2.5), "2.5");
        assert_eq!(axis_number(0.0), "0");
    }

    #[test]
    fn colour_scale_end_points() {
        assert_eq!(blues(0.0), RGBColor(247, 251, 255));
        assert_eq!(blues(1.0), RGBColor(8, 48, 107));
        assert_eq!(blues(7.0), blues(1.0));
    }

    #[test]
    fn off_diagonal_scale_ignores_the_diagonal() {
        let map = HeatMap {
            title: "t".into(),
            labels: vec!["a".into(), "b".into()],
            values: vec![vec![100.0, 3.0], vec![3.0, 90.0]],
            decimals: 0,
            scale_off_diagonal: true,
            texts: None,
            scale_labels: None,
        };
        let (lo, hi) = scale(&map);
        assert_eq!(lo, 3.0);
        assert_eq!(hi, 4.0); // a flat scale is widened to one unit
    }
}
