//! Reading line-oriented UTF-8 files with line numbers for errors.

use std::path::Path;

use crate::error::CorpusError;

/// Read a whole file as UTF-8; an invalid byte is reported with its line number.
pub(crate) fn read_utf8(path: &Path) -> Result<String, CorpusError> {
    let bytes = std::fs::read(path).map_err(|source| CorpusError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let valid = e.utf8_error().valid_up_to();
        CorpusError::InvalidUtf8 {
            path: path.to_path_buf(),
            line: bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1,
        }
    })
}

/// `(1-based number, line)` for each line: `\n` or `\r\n` ends, a final line end does not
/// start another line.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines = if text.is_empty() {
        None
    } else {
        Some(body.split('\n'))
    };
    lines
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
}

/// The non-empty lines of a file; an empty or whitespace-only line is an error, and so is a
/// file without lines.
pub(crate) fn nonempty_lines(path: &Path) -> Result<Vec<String>, CorpusError> {
    let text = read_utf8(path)?;
    let mut out = Vec::new();
    for (line, s) in numbered_lines(&text) {
        if s.trim().is_empty() {
            return Err(CorpusError::EmptyLine {
                path: path.to_path_buf(),
                line,
            });
        }
        out.push(s.to_owned());
    }
    if out.is_empty() {
        return Err(CorpusError::NoRecords {
            path: path.to_path_buf(),
        });
    }
    Ok(out)
}
