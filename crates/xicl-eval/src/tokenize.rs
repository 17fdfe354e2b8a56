//! BLEU tokenisers, reproducing sacreBLEU 2.x's `13a`, `zh`, `char` and `none` exactly.
//!
//! Which tokeniser scores which target language ([`BleuTokenizer::for_target`]):
//!
//! | target | tokeniser | sacreBLEU's own default for that target |
//! |---|---|---|
//! | Chinese (`zh`, `zho_*`, `cmn`, `yue`) | `zh` | `zh` (same) |
//! | Japanese (`ja`, `jpn_*`) | `char` | `ja-mecab` (needs MeCab, not available here) |
//! | Thai (`th`, `tha_*`) | `char` | `13a` (which leaves unsegmented Thai as one token per clause) |
//! | everything else, Korean included | `13a` | `13a` (`ko-mecab` for Korean) |
//!
//! Scores made with `char` for Japanese are therefore not comparable with published `ja-mecab`
//! figures; the tokeniser's name travels with every BLEU score ([`BleuTokenizer::signature`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::MetricError;
use crate::pytext::{py_split, py_strip};

/// A BLEU tokeniser with sacreBLEU's exact behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BleuTokenizer {
    /// `none`: the text is already tokenised.
    None,
    /// `13a`: mteval-v13a, sacreBLEU's default.
    #[serde(rename = "13a")]
    Tok13a,
    /// `zh`: every CJK character is a token, the rest goes through the 13a rules.
    Zh,
    /// `char`: every non-whitespace character is a token.
    Char,
}

impl BleuTokenizer {
    /// The tokeniser used for a target language given as ISO 639 code (`zh`, `ja-JP`) or FLORES
    /// code (`zho_Hans`); see the module table.
    pub fn for_target(lang: &str) -> BleuTokenizer {
        let base = lang
            .split(['_', '-'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match base.as_str() {
            "zh" | "zho" | "cmn" | "yue" => BleuTokenizer::Zh,
            "ja" | "jpn" | "th" | "tha" => BleuTokenizer::Char,
            _ => BleuTokenizer::Tok13a,
        }
    }

    /// sacreBLEU's signature name (`tok:` field).
    pub fn signature(self) -> &'static str {
        match self {
            BleuTokenizer::None => "none",
            BleuTokenizer::Tok13a => "13a",
            BleuTokenizer::Zh => "zh",
            BleuTokenizer::Char => "char",
        }
    }

    /// Tokenise one line; the result is tokens joined by single spaces (for `char`, the
    /// characters joined by spaces, whitespace characters included, as sacreBLEU does).
    pub fn tokenize(self, line: &str) -> String {
        match self {
            BleuTokenizer::None => line.to_owned(),
            BleuTokenizer::Tok13a => tokenize_13a(line),
            BleuTokenizer::Zh => tokenize_zh(line),
            BleuTokenizer::Char => {
                let mut out = String::with_capacity(line.len() * 2);
                for (i, c) in line.chars().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push(c);
                }
                out
            }
        }
    }
}

impl fmt::Display for BleuTokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.signature())
    }
}

impl FromStr for BleuTokenizer {
    type Err = MetricError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(BleuTokenizer::None),
            "13a" => Ok(BleuTokenizer::Tok13a),
            "zh" => Ok(BleuTokenizer::Zh),
            "char" => Ok(BleuTokenizer::Char),
            other => Err(MetricError::UnknownTokenizer(other.to_owned())),
        }
    }
}

/// sacreBLEU `Tokenizer13a`.
fn tokenize_13a(line: &str) -> String {
    let mut l = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if l.contains('&') {
        l = l
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    post_tokenize(&format!(" {l} "))
}

/// sacreBLEU `TokenizerZh`: strip, isolate CJK characters, then the 13a regular expressions
/// (without 13a's entity and newline handling).
fn tokenize_zh(line: &str) -> String {
    let mut out = String::with_capacity(line.len() * 2);
    for c in py_strip(line).chars() {
        if is_sacrebleu_chinese(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    post_tokenize(&out)
}

/// The code points sacreBLEU's `zh` tokeniser treats as Chinese.
///
/// sacreBLEU's table writes two supplementary-plane ranges as `u'\u20000'` and `u'\u2f800'`,
/// which Python reads as two-character strings (`'\u2000' + '0'`); its string comparisons then
/// make the effective ranges U+2001..=U+2A6D and U+2F81..=U+2FA1 (general punctuation such as
/// “ ” — … included, Extension-B ideographs excluded). These are the ranges it really applies,
/// merged; the test checks them against Python's enumeration.
fn is_sacrebleu_chinese(c: char) -> bool {
    const RANGES: [(u32, u32); 13] = [
        (0x2001, 0x2A6D),
        (0x2E80, 0x2FDF),
        (0x2FF0, 0x303F),
        (0x3100, 0x312F),
        (0x31A0, 0x31EF),
        (0x3200, 0x4DB5),
        (0x4E00, 0x9FBB),
        (0xF900, 0xFA2D),
        (0xFA30, 0xFA6A),
        (0xFA70, 0xFAD9),
        (0xFE10, 0xFE1F),
        (0xFE30, 0xFE4F),
        (0xFF00, 0xFFEF),
    ];
    let u = c as u32;
    RANGES.iter().any(|&(lo, hi)| (lo..=hi).contains(&u))
}

/// sacreBLEU `TokenizerRegexp`: four regular-expression substitutions applied in order, each
/// scanning left to right without overlap, then whitespace normalisation.
fn post_tokenize(line: &str) -> String {
    // r'([\{-\~\[-\` -\&\(-\+\:-\@\/])' -> r' \1 '
    let mut s1: Vec<char> = Vec::with_capacity(line.len() * 2);
    for c in line.chars() {
        if matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/') {
            s1.extend([' ', c, ' ']);
        } else {
            s1.push(c);
        }
    }
    let is_digit = |c: char| c.is_ascii_digit();
    let is_dot_comma = |c: char| c == '.' || c == ',';
    // r'([^0-9])([\.,])' -> r'\1 \2 '
    let s2 = substitute_pairs(
        &s1,
        |a, b| !is_digit(a) && is_dot_comma(b),
        |a, b| [Some(a), Some(' '), Some(b), Some(' ')],
    );
    // r'([\.,])([^0-9])' -> r' \1 \2'
    let s3 = substitute_pairs(
        &s2,
        |a, b| is_dot_comma(a) && !is_digit(b),
        |a, b| [Some(' '), Some(a), Some(' '), Some(b)],
    );
    // r'([0-9])(-)' -> r'\1 \2 '
    let s4 = substitute_pairs(
        &s3,
        |a, b| is_digit(a) && b == '-',
        |a, b| [Some(a), Some(' '), Some(b), Some(' ')],
    );
    let joined: String = s4.into_iter().collect();
    py_split(&joined).collect::<Vec<_>>().join(" ")
}

/// Python `re.sub` for a two-character pattern: at each position try to match the pair; on a
/// match emit the replacement and skip both characters, else copy one character.
fn substitute_pairs(
    s: &[char],
    matches: impl Fn(char, char) -> bool,
    replace: impl Fn(char, char) -> [Option<char>; 4],
) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() + s.len() / 2);
    let mut i = 0;
    while i < s.len() {
        if i + 1 < s.len() && matches(s[i], s[i + 1]) {
            out.extend(replace(s[i], s[i + 1]).into_iter().flatten());
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_ranges_match_python_enumeration() {
        // Printed by: python3 -c "from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh as T;
        // cs=[c for c in range(0x110000) if not 0xd800<=c<=0xdfff and T._is_chinese_char(chr(c))];
        // ..." merged into inclusive ranges (sacreBLEU 2.6.0).
        let python: [(u32, u32); 13] = [
            (0x2001, 0x2a6d),
            (0x2e80, 0x2fdf),
            (0x2ff0, 0x303f),
            (0x3100, 0x312f),
            (0x31a0, 0x31ef),
            (0x3200, 0x4db5),
            (0x4e00, 0x9fbb),
            (0xf900, 0xfa2d),
            (0xfa30, 0xfa6a),
            (0xfa70, 0xfad9),
            (0xfe10, 0xfe1f),
            (0xfe30, 0xfe4f),
            (0xff00, 0xffef),
        ];
        let mut ours: Vec<(u32, u32)> = Vec::new();
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            if is_sacrebleu_chinese(c) {
                let u = c as u32;
                match ours.last_mut() {
                    Some(last) if last.1 + 1 == u => last.1 = u,
                    _ => ours.push((u, u)),
                }
            }
        }
        assert_eq!(ours, python);
    }

    #[test]
    fn tokenizer_for_target() {
        assert_eq!(BleuTokenizer::for_target("zh"), BleuTokenizer::Zh);
        assert_eq!(BleuTokenizer::for_target("zho_Hans"), BleuTokenizer::Zh);
        assert_eq!(BleuTokenizer::for_target("ja"), BleuTokenizer::Char);
        assert_eq!(BleuTokenizer::for_target("jpn_Jpan"), BleuTokenizer::Char);
        assert_eq!(BleuTokenizer::for_target("tha_Thai"), BleuTokenizer::Char);
        assert_eq!(BleuTokenizer::for_target("de"), BleuTokenizer::Tok13a);
        assert_eq!(BleuTokenizer::for_target("kor_Hang"), BleuTokenizer::Tok13a);
        assert_eq!(BleuTokenizer::for_target(""), BleuTokenizer::Tok13a);
    }

    #[test]
    fn names_round_trip() {
        for t in [
            BleuTokenizer::None,
            BleuTokenizer::Tok13a,
            BleuTokenizer::Zh,
            BleuTokenizer::Char,
        ] {
            assert_eq!(t.signature().parse::<BleuTokenizer>().ok(), Some(t));
            let json = serde_json::to_string(&t).ok();
            assert_eq!(json, Some(format!("\"{}\"", t.signature())));
        }
        assert!("intl".parse::<BleuTokenizer>().is_err());
    }
}
