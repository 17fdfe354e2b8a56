//! Line parsing of word-list files.

use std::path::Path;

use crate::builder::Builder;
use crate::error::DictError;

/// The line layout of a word-list file. Both are UTF-8, one pair per line, `\n` or `\r\n`
/// line ends, no header; a final line end is optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// MUSE layout (also the Wiktionary and FreeDict lists): exactly two fields separated by
    /// one or more spaces or tabs; leading and trailing spaces/tabs are ignored. This is how
    /// MUSE's own loader (`line.split()`) reads it.
    Muse,
    /// PanLex-BLI layout: exactly two fields separated by one tab. Each field is trimmed of
    /// surrounding whitespace and must not be empty; inner spaces are kept.
    Tsv,
}

/// What to do with a malformed line (wrong number of fields, an empty field, a blank line
/// or invalid UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseMode {
    /// Fail with [`DictError::Malformed`] (or [`DictError::InvalidUtf8`]) naming file and line.
    Strict,
    /// Skip the line and count it in [`ParseStats`].
    Lenient,
}

/// What a parse saw. `lines = pairs + duplicate_pairs + malformed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// Lines read (a final line end does not start another line).
    pub lines: usize,
    /// Distinct pairs kept.
    pub pairs: usize,
    /// Lines repeating a pair already seen (kept once).
    pub duplicate_pairs: usize,
    /// Malformed lines skipped (always 0 in strict mode).
    pub malformed: usize,
    /// 1-based numbers of the skipped lines, in file order.
    pub malformed_lines: Vec<usize>,
    /// Source words whose lines were not contiguous and were regrouped at first appearance.
    pub regrouped_sources: usize,
}

pub(crate) fn parse_bytes(
    bytes: &[u8],
    path: &Path,
    format: Format,
    mode: ParseMode,
) -> Result<(Builder, ParseStats), DictError> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    // Sizing for one source per line over-reserves a little but avoids every regrowth.
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut state = State {
        builder: Builder::with_capacity(lines),
        stats: ParseStats::default(),
        path,
        format,
        mode,
    };
    if bytes.is_empty() {
        return Ok(state.finish());
    }
    match std::str::from_utf8(bytes) {
        // Fast path: one validation for the whole file, then memchr-based line splitting.
        Ok(text) => {
            for (i, line) in text.split('\n').enumerate() {
                state.line(i + 1, Some(line))?;
            }
        }
        Err(e) => {
            if mode == ParseMode::Strict {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                return Err(DictError::InvalidUtf8 {
                    path: path.to_path_buf(),
                    line,
                });
            }
            for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
                state.line(i + 1, std::str::from_utf8(line).ok())?;
            }
        }
    }
    Ok(state.finish())
}

struct State<'a> {
    builder: Builder,
    stats: ParseStats,
    path: &'a Path,
    format: Format,
    mode: ParseMode,
}

impl State<'_> {
    /// Handle line `number`; `None` is a line that is not valid UTF-8 (lenient mode only).
    fn line(&mut self, number: usize, line: Option<&str>) -> Result<(), DictError> {
        self.stats.lines += 1;
        let Some(line) = line else {
            self.skip(number);
            return Ok(());
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        match split_fields(line, self.format) {
            Ok((s, t)) => {
                if self.builder.push(s, t) {
                    self.stats.pairs += 1;
                } else {
                    self.stats.duplicate_pairs += 1;
                }
                Ok(())
            }
            Err(reason) => match self.mode {
                ParseMode::Strict => Err(DictError::Malformed {
                    path: self.path.to_path_buf(),
                    line: number,
                    reason,
                    content: line.chars().take(80).collect(),
                }),
                ParseMode::Lenient => {
                    self.skip(number);
                    Ok(())
                }
            },
        }
    }

    fn skip(&mut self, number: usize) {
        self.stats.malformed += 1;
        self.stats.malformed_lines.push(number);
    }

    /// The grouped pairs and what the parse saw.
    fn finish(mut self) -> (Builder, ParseStats) {
        self.stats.regrouped_sources = self.builder.regrouped_sources();
        (self.builder, self.stats)
    }
}

/// Split one line (without its line end) into `(source, target)`, or say what is wrong.
fn split_fields(line: &str, format: Format) -> Result<(&str, &str), String> {
    match format {
        Format::Muse => {
            let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
            match (fields.next(), fields.next(), fields.next()) {
                (Some(s), Some(t), None) => Ok((s, t)),
                _ => {
                    let n = line.split([' ', '\t']).filter(|f| !f.is_empty()).count();
                    Err(format!(
                        "expected 2 fields (source target) separated by spaces or tabs, found {n}"
                    ))
                }
            }
        }
        Format::Tsv => {
            let n = line.split('\t').count();
            let Some((s, t)) = line.split_once('\t').filter(|_| n == 2) else {
                return Err(format!(
                    "expected 2 tab-separated fields (source<TAB>target), found {n}"
                ));
            };
            let (s, t) = (s.trim(), t.trim());
            if s.is_empty() {
                return Err("source field is empty".to_owned());
            }
            if t.is_empty() {
                return Err("target field is empty".to_owned());
            }
            Ok((s, t))
        }
    }
}
