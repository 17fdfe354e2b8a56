//! XCOPA causal commonsense reasoning (JSON Lines, one item per line).
//!
//! The `question` field is wrong upstream in the th, tr, sw, id and it files; use
//! [`fix_questions`] with a consistent language such as zh as the reference.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use crate::error::CorpusError;

/// Whether the item asks for the cause or the effect of the premise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Question {
    Cause,
    Effect,
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Question::Cause => "cause",
            Question::Effect => "effect",
        })
    }
}

/// One XCOPA item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct XcopaItem {
    /// Position within the split, shared by the translations of the same item.
    pub idx: u32,
    pub premise: String,
    pub choice1: String,
    pub choice2: String,
    pub question: Question,
    /// 0 when `choice1` is correct, 1 when `choice2` is.
    pub label: u8,
}

impl XcopaItem {
    /// The correct choice.
    pub fn answer(&self) -> &str {
        if self.label == 0 {
            &self.choice1
        } else {
            &self.choice2
        }
    }
}

/// Path of a split file in the data layout, e.g. `xcopa/sw/test.sw.jsonl`; `split` is `val`
/// or `test`.
pub fn split_rel(lang: &str, split: &str) -> String {
    format!("xcopa/{lang}/{split}.{lang}.jsonl")
}

/// Read a split file. Required fields: `premise`, `choice1`, `choice2` (non-empty strings),
/// `question` (`"cause"` or `"effect"`), `label` (0 or 1), `idx` (unique non-negative
/// integer). Upstream's undocumented `changed` flag, if present, must be a boolean and is
/// not kept; other fields are ignored.
pub fn read(path: &Path) -> Result<Vec<XcopaItem>, CorpusError> {
    let mut first_line: HashMap<u32, usize> = HashMap::new();
    crate::jsonl::read(path, |r| {
        let question = match r.get("question").and_then(|v| v.as_str()) {
            Some("cause") => Question::Cause,
            Some("effect") => Question::Effect,
            _ => return Err(r.error("question", "\"cause\" or \"effect\"")),
        };
        let label = match r.get("label").and_then(|v| v.as_u64()) {
            Some(n @ (0 | 1)) => n as u8,
            _ => return Err(r.error("label", "0 or 1")),
        };
        if r.get("changed").is_some_and(|v| !v.is_boolean()) {
            return Err(r.error("changed", "a boolean"));
        }
        let idx = r.u32("idx")?;
        if let Some(&first) = first_line.get(&idx) {
            return Err(CorpusError::Duplicate {
                path: r.path.to_path_buf(),
                line: r.line,
                field: "idx".to_owned(),
                value: idx.to_string(),
                first_line: first,
            });
        }
        first_line.insert(idx, r.line);
        Ok(XcopaItem {
            idx,
            premise: r.text("premise")?,
            choice1: r.text("choice1")?,
            choice2: r.text("choice2")?,
            question,
            label,
        })
    })
}

/// Replace each item's `question` with that of the reference item with the same `idx`
/// (the upstream field is wrong in some languages; see `xcopa/README.md`). Returns how
/// many items changed. Fails, changing nothing, if the reference lacks an `idx` or an
/// item's `label` disagrees with the reference (then it is not the same split).
pub fn fix_questions(
    items: &mut [XcopaItem],
    reference: &[XcopaItem],
) -> Result<usize, CorpusError> {
    let by_idx: HashMap<u32, &XcopaItem> = reference.iter().map(|r| (r.idx, r)).collect();
    let mut fixed = Vec::with_capacity(items.len());
    for item in items.iter() {
        let r = by_idx
            .get(&item.idx)
            .ok_or(CorpusError::MissingReference { idx: item.idx })?;
        if r.label != item.label {
            return Err(CorpusError::ReferenceMismatch {
                idx: item.idx,
                label: item.label,
                reference_label: r.label,
            });
        }
        fixed.push(r.question);
    }
    let mut changed = 0;
    for (item, q) in items.iter_mut().zip(fixed) {
        if item.question != q {
            item.question = q;
            changed += 1;
        }
    }
    Ok(changed)
}
