//! Reading answers out of model continuations, and answer normalisation.
//!
//! Every parser returns `None` when the continuation holds no usable answer; the tasks count
//! that as wrong (docs/METHOD.md §6: parse failures count as wrong).

/// Double-style quotation marks: ASCII, curly, low-9, guillemets, CJK corner brackets.
const DOUBLE_QUOTES: &[char] = &[
    '"', '\u{201C}', '\u{201D}', '\u{201E}', '\u{201F}', '\u{00AB}', '\u{00BB}', '\u{300C}',
    '\u{300D}', '\u{300E}', '\u{300F}', '\u{FF02}',
];
/// Single-style quotation marks (the ASCII apostrophe only opens, it never closes mid-word
/// unless the answer itself was opened by one).
const SINGLE_QUOTES: &[char] = &[
    '\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}', '\u{2039}', '\u{203A}',
];

fn is_quote(c: char) -> bool {
    DOUBLE_QUOTES.contains(&c) || SINGLE_QUOTES.contains(&c)
}

/// The word of a word-translation continuation such as ` "Wasser"` or ` Wasser→English:`.
///
/// Leading whitespace is skipped. If the continuation opens with a quotation mark, the answer
/// runs to the next quotation mark of the same style (double or single) or the end of the line;
/// otherwise it runs to the end of the line, a `"` or a `→` (the template's own delimiters).
/// Surrounding whitespace and quotation marks are stripped; nothing left = `None`.
pub fn parse_bli_answer(output: &str) -> Option<String> {
    let s = output.trim_start();
    let mut chars = s.chars();
    let body: String = match chars.next() {
        None => return None,
        Some(open) if DOUBLE_QUOTES.contains(&open) => chars
            .take_while(|&c| c != '\n' && !DOUBLE_QUOTES.contains(&c))
            .collect(),
        Some(open) if SINGLE_QUOTES.contains(&open) => chars
            .take_while(|&c| c != '\n' && !SINGLE_QUOTES.contains(&c))
            .collect(),
        Some(_) => s
            .chars()
            .take_while(|&c| c != '\n' && c != '"' && c != '\u{2192}')
            .collect(),
    };
    let word = body.trim().trim_matches(is_quote).trim();
    (!word.is_empty()).then(|| word.to_owned())
}

/// The first non-empty line of a continuation, trimmed (translations, translated inputs);
/// empty when the continuation is blank.
pub fn first_line(output: &str) -> String {
    output
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_owned()
}

/// The first character of `allowed` that stands alone: not preceded or followed by a letter or
/// digit (so the `A` of "According" or the `1` of "10" do not count).
pub fn first_standalone(output: &str, allowed: &[char]) -> Option<char> {
    let chars: Vec<char> = output.chars().collect();
    (0..chars.len()).find_map(|i| {
        let c = chars[i];
        let before_ok = i == 0 || !chars[i - 1].is_alphanumeric();
        let after_ok = i + 1 == chars.len() || !chars[i + 1].is_alphanumeric();
        (allowed.contains(&c) && before_ok && after_ok).then_some(c)
    })
}

/// Belebele: the first standalone A/B/C/D, as option number 1..=4.
pub fn parse_abcd(output: &str) -> Option<u8> {
    first_standalone(output, &['A', 'B', 'C', 'D']).map(|c| c as u8 - b'A' + 1)
}

/// XCOPA: the first standalone 1/2 or A/B, as choice number 1 or 2.
pub fn parse_two_way(output: &str) -> Option<u8> {
    first_standalone(output, &['1', '2', 'A', 'B']).map(|c| match c {
        '1' | 'A' => 1,
        _ => 2,
    })
}

/// SIB-200: index of the label mentioned first in the continuation, compared case-insensitively;
/// when two labels start at the same place the longer wins.
pub fn parse_label<S: AsRef<str>>(output: &str, labels: &[S]) -> Option<usize> {
    let lower = output.to_lowercase();
    labels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.as_ref().to_lowercase();
            if l.is_empty() {
                return None;
            }
            lower
                .find(&l)
                .map(|pos| (pos, std::cmp::Reverse(l.len()), i))
        })
        .min()
        .map(|(_, _, i)| i)
}

/// Hebrew points and cantillation marks (the nonspacing marks of U+0591..=U+05C7; the
/// punctuation in that block, maqaf U+05BE, paseq U+05C0, sof pasuq U+05C3 and nun hafukha
/// U+05C6, is kept).
pub fn is_niqqud(c: char) -> bool {
    matches!(
        c,
        '\u{0591}'
            ..='\u{05BD}'
                | '\u{05BF}'
                | '\u{05C1}'
                | '\u{05C2}'
                | '\u{05C4}'
                | '\u{05C5}'
                | '\u{05C7}'
    )
}

/// Word-translation normal form: niqqud stripped, lower-cased, trimmed.
pub fn normalize_word(s: &str) -> String {
    let stripped: String = s.chars().filter(|&c| !is_niqqud(c)).collect();
    stripped.to_lowercase().trim().to_owned()
}

/// Whether a predicted word matches any gold target after [`normalize_word`].
pub fn bli_match<S: AsRef<str>>(prediction: &str, golds: &[S]) -> bool {
    let p = normalize_word(prediction);
    !p.is_empty() && golds.iter().any(|g| normalize_word(g.as_ref()) == p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bli_answers() {
        assert_eq!(parse_bli_answer(" \"Wasser\"").as_deref(), Some("Wasser"));
        assert_eq!(
            parse_bli_answer("\"Wasser\"→English:\"water\"").as_deref(),
            Some("Wasser")
        );
        assert_eq!(
            parse_bli_answer(" Wasser→English:").as_deref(),
            Some("Wasser")
        );
        assert_eq!(
            parse_bli_answer(" Wasser\nDeutsch:").as_deref(),
            Some("Wasser")
        );
        assert_eq!(parse_bli_answer(" „Wasser“ und").as_deref(), Some("Wasser"));
        assert_eq!(parse_bli_answer("«eau» ").as_deref(), Some("eau"));
        assert_eq!(parse_bli_answer("「水」").as_deref(), Some("水"));
        // an apostrophe inside a word survives double quotes
        assert_eq!(
            parse_bli_answer("\"aujourd'hui\"").as_deref(),
            Some("aujourd'hui")
        );
        // an unclosed quote runs to the end of the line
        assert_eq!(
            parse_bli_answer(" \"New York\nx").as_deref(),
            Some("New York")
        );
        assert_eq!(
            parse_bli_answer(" \"two words\" ").as_deref(),
            Some("two words")
        );
        // parse failures
        assert_eq!(parse_bli_answer(""), None);
        assert_eq!(parse_bli_answer("  \n"), None);
        assert_eq!(parse_bli_answer(" \"\""), None);
        assert_eq!(parse_bli_answer("\n\"Wasser\""), Some("Wasser".to_owned()));
    }

    #[test]
    fn lines() {
        assert_eq!(first_line(" Hallo Welt.\nTranslate"), "Hallo Welt.");
        assert_eq!(first_line("\n\n  Hallo \n"), "Hallo");
        assert_eq!(first_line(" \n "), "");
    }

    #[test]
    fn letters() {
        assert_eq!(parse_abcd(" B"), Some(2));
        assert_eq!(parse_abcd(" According to the passage, D is right"), Some(4));
        assert_eq!(parse_abcd("(C)"), Some(3));
        assert_eq!(parse_abcd("A: For additional volume"), Some(1));
        assert_eq!(parse_abcd("Answer: none"), None);
        assert_eq!(parse_abcd(" a"), None);
        assert_eq!(parse_two_way(" 2"), Some(2));
        assert_eq!(parse_two_way("Option 1."), Some(1));
        assert_eq!(parse_two_way(" B"), Some(2));
        assert_eq!(parse_two_way(" 12 or 21"), None);
        assert_eq!(parse_two_way("A"), Some(1));
    }

    #[test]
    fn labels() {
        let labels = [
            "science/technology",
            "travel",
            "politics",
            "sports",
            "health",
            "entertainment",
            "geography",
        ];
        assert_eq!(parse_label(" Travel", &labels), Some(1));
        assert_eq!(
            parse_label(" It is about SPORTS and politics", &labels),
            Some(3)
        );
        assert_eq!(parse_label("science/technology", &labels), Some(0));
        assert_eq!(parse_label("science", &labels), None);
        assert_eq!(parse_label("", &labels), None);
        // same start: the longer label wins
        assert_eq!(
            parse_label("travel agency", &["travel", "travel agency"]),
            Some(1)
        );
    }

    #[test]
    fn niqqud_and_case() {
        // שָׁלוֹם with points and dots -> שלום
        assert_eq!(normalize_word("שָׁלוֹם"), "שלום");
        // maqaf (punctuation) is kept
        assert_eq!(normalize_word("בֵּית־סֵפֶר"), "בית־ספר");
        assert!(bli_match("שָׁלוֹם", &["שלום"]));
        assert!(bli_match("Wasser", &["wasser"]));
        assert!(bli_match(" WASSER ", &["see", "Wasser"]));
        assert!(!bli_match("Wasse", &["wasser"]));
        assert!(!bli_match("", &[""]));
    }
}
