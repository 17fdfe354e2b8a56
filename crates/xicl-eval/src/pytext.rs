//! Python `str` whitespace semantics, which sacreBLEU's definitions rest on.
//!
//! sacreBLEU splits and strips with Python's `str.split()` / `str.strip()`, whose whitespace set
//! is Unicode White_Space plus the four information separators U+001C..U+001F. Rust's
//! `char::is_whitespace` lacks those four, so using it directly would change scores on text that
//! contains them.

/// Python's `str.isspace()` for one code point.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `s.split()` (no argument): runs of whitespace separate, no empty pieces.
pub fn py_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_py_space).filter(|p| !p.is_empty())
}

/// Python's `s.rstrip()`.
pub fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// Python's `s.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `''.join(s.split())`: every whitespace code point removed.
pub fn remove_py_space(s: &str) -> String {
    s.chars().filter(|&c| !is_py_space(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_set_matches_python() {
        // The list printed by Python 3.11:
        // [hex(c) for c in range(0x110000) if not 0xd800 <= c <= 0xdfff and chr(c).isspace()]
        let python: [u32; 29] = [
            0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
            0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028,
            0x2029, 0x202f, 0x205f, 0x3000,
        ];
        let ours: Vec<u32> = (0..0x11_0000u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_py_space(c))
            .map(|c| c as u32)
            .collect();
        assert_eq!(ours, python);
    }

    #[test]
    fn split_and_strip() {
        assert_eq!(
            py_split("  a\u{1c}b \u{3000}c ").collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(py_rstrip(" a \n\u{1f}"), " a");
        assert_eq!(py_strip("\u{a0} a \u{2003}"), "a");
        assert_eq!(remove_py_space("a b\tc\u{1e}d"), "abcd");
    }
}
