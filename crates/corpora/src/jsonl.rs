//! JSON Lines reading with typed, located field access.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::CorpusError;

/// One JSON object of a JSONL file, with its location for error messages.
pub(crate) struct Record<'a> {
    pub(crate) path: &'a Path,
    pub(crate) line: usize,
    map: Map<String, Value>,
}

/// Parse every line of `path` as a JSON object and convert it with `convert`.
/// A final line end is optional; an empty line elsewhere is an error.
pub(crate) fn read<T>(
    path: &Path,
    mut convert: impl FnMut(&Record<'_>) -> Result<T, CorpusError>,
) -> Result<Vec<T>, CorpusError> {
    let text = crate::text::read_utf8(path)?;
    let mut out = Vec::new();
    for (line, s) in crate::text::numbered_lines(&text) {
        if s.trim().is_empty() {
            return Err(CorpusError::EmptyLine {
                path: path.to_path_buf(),
                line,
            });
        }
        let map: Map<String, Value> =
            serde_json::from_str(s).map_err(|source| CorpusError::Json {
                path: path.to_path_buf(),
                line,
                source,
            })?;
        out.push(convert(&Record { path, line, map })?);
    }
    if out.is_empty() {
        return Err(CorpusError::NoRecords {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}

fn describe(v: Option<&Value>) -> String {
    match v {
        None => "nothing (field missing)".to_owned(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 60 {
                format!("{}…", s.chars().take(60).collect::<String>())
            } else {
                s
            }
        }
    }
}

impl Record<'_> {
    pub(crate) fn error(&self, field: &str, expected: &str) -> CorpusError {
        CorpusError::Field {
            path: self.path.to_path_buf(),
            line: self.line,
            field: field.to_owned(),
            expected: expected.to_owned(),
            found: describe(self.map.get(field)),
        }
    }

    pub(crate) fn get(&self, field: &str) -> Option<&Value> {
        self.map.get(field)
    }

    /// A string field that must hold some non-whitespace text.
    pub(crate) fn text(&self, field: &str) -> Result<String, CorpusError> {
        match self.map.get(field) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(self.error(field, "a non-empty string")),
        }
    }

    /// A non-negative integer field that fits in `u32`.
    pub(crate) fn u32(&self, field: &str) -> Result<u32, CorpusError> {
        self.map
            .get(field)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| self.error(field, "a non-negative integer below 2^32"))
    }
}
