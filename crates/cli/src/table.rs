//! Terminal tables (comfy-table): the few shapes the commands print, and number formats.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

/// A table with a header; columns from `right_from` on are right-aligned (numbers).
pub fn table(header: &[&str], right_from: usize) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().map(Cell::new).collect::<Vec<_>>());
    for i in right_from..header.len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    t
}

/// Two columns, `what` and `value`, for summaries.
pub fn key_values<K: AsRef<str>, V: AsRef<str>>(rows: &[(K, V)]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    for (k, v) in rows {
        t.add_row(vec![Cell::new(k.as_ref()), Cell::new(v.as_ref())]);
    }
    t
}

/// A square matrix with the labels as header row and first column.
pub fn matrix(labels: &[String], cell: impl Fn(usize, usize) -> String) -> Table {
    let mut header: Vec<&str> = vec![""];
    header.extend(labels.iter().map(String::as_str));
    let mut t = table(&header, 1);
    for (i, l) in labels.iter().enumerate() {
        let mut row = vec![l.clone()];
        row.extend((0..labels.len()).map(|j| cell(i, j)));
        t.add_row(row);
    }
    t
}

/// `x` with `sig` significant digits, plain notation for moderate magnitudes and scientific
/// otherwise (`12.35`, `0.001235`, `1.235e-7`).
pub fn num(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let sig = sig.max(1);
    let mag = x.abs().log10().floor() as i32;
    if !(-4..=6).contains(&mag) {
        return format!("{:.*e}", sig - 1, x);
    }
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    format!("{x:.decimals$}")
}

/// [`num`] with 4 significant digits, or `-` for a missing value.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |v| num(v, 4))
}

/// `part/total (xx.x %)`.
pub fn share(part: usize, total: usize) -> String {
    if total == 0 {
        return format!("{part}/0");
    }
    format!(
        "{part}/{total} ({:.1} %)",
        100.0 * part as f64 / total as f64
    )
}

/// Thousands separated by commas: `1,234,567`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(num(12.3456, 4), "12.35");
        assert_eq!(num(0.00123456, 4), "0.001235");
        assert_eq!(num(1.23456e-7, 4), "1.235e-7");
        assert_eq!(num(-3.0, 3), "-3.00");
        assert_eq!(num(1234.6, 4), "1235");
        assert_eq!(num(0.0, 4), "0");
        assert_eq!(opt(None), "-");
        assert_eq!(share(1, 4), "1/4 (25.0 %)");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
    }

    #[test]
    fn tables_align_wide_characters() {
        let mut t = table(&["code", "name", "n"], 2);
        t.add_row(vec!["zh", "中文", "1"]);
        t.add_row(vec!["en", "English", "22"]);
        let s = t.to_string();
        let lines: Vec<&str> = s.lines().collect();
        // Every line has the same display width (CJK characters count double).
        let width = |l: &str| -> usize {
            l.chars()
                .map(|c| {
                    if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                        2
                    } else {
                        1
                    }
                })
                .sum()
        };
        let w0 = width(lines[0]);
        assert!(lines.iter().all(|l| width(l) == w0), "{s}");
        assert!(s.contains("中文"));
    }
}
