//! SIB-200 topic classification: TSV files with CSV quoting and a header
//! `index_id<TAB>category<TAB>text`.

use std::collections::HashMap;
use std::path::Path;

use crate::error::CorpusError;

/// One labelled FLORES sentence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SibItem {
    /// Row of FLORES-200 `dev` (0–996) followed by `devtest` (997–2008).
    pub index_id: u32,
    pub category: String,
    pub text: String,
}

/// Path of a split file in the data layout, e.g. `sib200/swh_Latn/test.tsv`; `split` is
/// `train`, `dev` or `test`.
pub fn split_rel(flores_code: &str, split: &str) -> String {
    format!("sib200/{flores_code}/{split}.tsv")
}

/// Path of the label list in the data layout.
pub const LABELS_REL: &str = "sib200/labels.txt";

const COLUMNS: [&str; 3] = ["index_id", "category", "text"];

/// Read one split file. Fields are parsed as CSV with a tab delimiter (a field holding a
/// double quote is wrapped in quotes with the inner quotes doubled), so quoted fields are
/// unquoted. The header must name exactly the columns `index_id`, `category`, `text`
/// (in any order); `index_id` must be a non-negative integer unique in the file, and
/// `category` and `text` non-empty.
pub fn read(path: &Path) -> Result<Vec<SibItem>, CorpusError> {
    let bytes = std::fs::read(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let csv_err = |source: csv::Error| CorpusError::Csv {
        path: path.to_path_buf(),
        line: source.position().map_or(0, |p| p.line()),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes.as_slice());
    let header = reader.headers().map_err(csv_err)?.clone();
    let found: Vec<&str> = header.iter().collect();
    let mut sorted = found.clone();
    sorted.sort_unstable();
    let mut want = COLUMNS.to_vec();
    want.sort_unstable();
    if sorted != want {
        return Err(CorpusError::Header {
            path: path.to_path_buf(),
            expected: COLUMNS.join(", "),
            found: found.join(", "),
        });
    }
    let col = |name: &str| found.iter().position(|c| *c == name).unwrap_or(0);
    let (c_id, c_cat, c_text) = (col("index_id"), col("category"), col("text"));

    let mut items = Vec::new();
    let mut first_line: HashMap<u32, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field_err = |field: &str, expected: &str, found: &str| CorpusError::Field {
            path: path.to_path_buf(),
            line,
            field: field.to_owned(),
            expected: expected.to_owned(),
            found: format!("{found:?}"),
        };
        let raw_id = record.get(c_id).unwrap_or("");
        let index_id: u32 = raw_id
            .trim()
            .parse()
            .map_err(|_| field_err("index_id", "a non-negative integer", raw_id))?;
        let category = record.get(c_cat).unwrap_or("");
        if category.trim().is_empty() {
            return Err(field_err("category", "a label", category));
        }
        let text = record.get(c_text).unwrap_or("");
        if text.trim().is_empty() {
            return Err(field_err("text", "a sentence", text));
        }
        if let Some(&first) = first_line.get(&index_id) {
            return Err(CorpusError::Duplicate {
                path: path.to_path_buf(),
                line,
                field: "index_id".to_owned(),
                value: index_id.to_string(),
                first_line: first,
            });
        }
        first_line.insert(index_id, line);
        items.push(SibItem {
            index_id,
            category: category.to_owned(),
            text: text.to_owned(),
        });
    }
    if items.is_empty() {
        return Err(CorpusError::NoRecords {
            path: path.to_path_buf(),
        });
    }
    Ok(items)
}

/// Read the label list: one label per line, no empty lines, no repeats; file order is kept.
pub fn read_labels(path: &Path) -> Result<Vec<String>, CorpusError> {
    let lines = crate::text::nonempty_lines(path)?;
    let mut labels: Vec<String> = Vec::with_capacity(lines.len());
    for (i, l) in lines.into_iter().enumerate() {
        let label = l.trim().to_owned();
        if let Some(first) = labels.iter().position(|x| *x == label) {
            return Err(CorpusError::Duplicate {
                path: path.to_path_buf(),
                line: i + 1,
                field: "label".to_owned(),
                value: label,
                first_line: first + 1,
            });
        }
        labels.push(label);
    }
    Ok(labels)
}
