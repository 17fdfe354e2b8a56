//! Belebele multiple-choice reading comprehension, original JSON Lines schema: `link`,
//! `question_number`, `flores_passage`, `question`, `mc_answer1`..`mc_answer4`,
//! `correct_answer_num` (a string `"1"`..`"4"`), `dialect` and optionally `ds`.

use std::path::Path;

use crate::error::CorpusError;

/// One question on a FLORES passage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BelebeleItem {
    pub link: String,
    pub question_number: u32,
    pub flores_passage: String,
    pub question: String,
    /// `mc_answer1`..`mc_answer4`, in order.
    pub answers: [String; 4],
    /// 1-based number of the correct answer, 1..=4.
    pub correct: u8,
}

impl BelebeleItem {
    /// The text of the correct answer.
    pub fn correct_answer(&self) -> &str {
        &self.answers[usize::from(self.correct.clamp(1, 4)) - 1]
    }
}

/// Path of a language's file in the data layout, e.g. `belebele/eng_Latn.jsonl`.
pub fn rel(flores_code: &str) -> String {
    format!("belebele/{flores_code}.jsonl")
}

/// Read a Belebele file. `correct_answer_num` must be `"1"`..`"4"` (the original's string
/// form; the integers 1..4 are accepted too). Text fields must be non-empty. `dialect`
/// (the FLORES-200 code) must be a string if present; it and `ds` are not kept, since the
/// file name already says the language.
pub fn read(path: &Path) -> Result<Vec<BelebeleItem>, CorpusError> {
    crate::jsonl::read(path, |r| {
        if r.get("dialect").is_some_and(|v| !v.is_string()) {
            return Err(r.error("dialect", "a string"));
        }
        let correct = match r.get("correct_answer_num") {
            Some(serde_json::Value::String(s)) => s.trim().parse::<u8>().ok(),
            Some(v) => v.as_u64().and_then(|n| u8::try_from(n).ok()),
            None => None,
        }
        .filter(|n| (1..=4).contains(n))
        .ok_or_else(|| r.error("correct_answer_num", "\"1\", \"2\", \"3\" or \"4\""))?;
        Ok(BelebeleItem {
            link: r.text("link")?,
            question_number: r.u32("question_number")?,
            flores_passage: r.text("flores_passage")?,
            question: r.text("question")?,
            answers: [
                r.text("mc_answer1")?,
                r.text("mc_answer2")?,
                r.text("mc_answer3")?,
                r.text("mc_answer4")?,
            ],
            correct,
        })
    })
}
