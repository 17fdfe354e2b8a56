//! FLORES-200 devtest: one sentence per line, parallel across languages by line number.

use std::path::Path;

use crate::error::CorpusError;

/// Path of a language's devtest file in the data layout, e.g. `flores200/devtest/swh_Latn.devtest`.
pub fn devtest_rel(flores_code: &str) -> String {
    format!("flores200/devtest/{flores_code}.devtest")
}

/// Read a devtest file: one sentence per line (`\n` or `\r\n`), any number of lines.
/// An empty or whitespace-only line is an error naming its line number, since it would
/// break the line-by-line alignment with other languages; so is a file with no lines.
pub fn read_devtest(path: &Path) -> Result<Vec<String>, CorpusError> {
    crate::text::nonempty_lines(path)
}
