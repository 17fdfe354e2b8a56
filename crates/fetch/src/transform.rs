//! Rebuilding data-folder files from upstream bytes that are not byte-identical
//! (see [`crate::Transform`]). Every function is strict: input that does not have the shape
//! the conversion assumes is an error naming the URL and line, never a silent guess.

use crate::FetchError;
use std::collections::{HashMap, HashSet};
use std::io::Read;

fn text<'a>(bytes: &'a [u8], url: &str, transform: &'static str) -> Result<&'a str, FetchError> {
    std::str::from_utf8(bytes).map_err(|e| FetchError::Transform {
        url: url.to_owned(),
        transform,
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        message: format!("not UTF-8: {e}"),
    })
}

/// The lines of `s` without their `\n`; the text must end in `\n` and have no empty line.
fn lines<'a>(
    s: &'a str,
    url: &str,
    transform: &'static str,
) -> impl Iterator<Item = Result<(usize, &'a str), FetchError>> + 'a {
    let url = url.to_owned();
    let err = move |line, message: String| FetchError::Transform {
        url: url.clone(),
        transform,
        line,
        message,
    };
    let body = s.strip_suffix('\n');
    let missing_newline = (!s.is_empty() && body.is_none()).then(|| {
        Err(err(
            s.matches('\n').count() + 1,
            "last line does not end in \\n".into(),
        ))
    });
    body.into_iter()
        .flat_map(|b| b.split('\n'))
        .enumerate()
        .map(move |(i, l)| {
            if l.is_empty() || l.contains('\r') {
                Err(err(i + 1, "empty line or carriage return".into()))
            } else {
                Ok((i + 1, l))
            }
        })
        .chain(missing_newline)
}

/// hunalign `T @ S` lines to MUSE `S T` lines, keeping order; with `max_sources`, only the
/// lines whose source word is among the first `max_sources` distinct source words.
pub(crate) fn hunalign_swap(
    bytes: &[u8],
    max_sources: Option<usize>,
    url: &str,
) -> Result<Vec<u8>, FetchError> {
    const NAME: &str = "hunalign-swap";
    let mut out = String::with_capacity(bytes.len());
    let mut kept: HashSet<&str> = HashSet::new();
    for pair in hunalign_pairs(text(bytes, url, NAME)?, url, NAME) {
        let (source, target) = pair?;
        if let Some(max) = max_sources
            && !kept.contains(source)
        {
            if kept.len() == max {
                continue;
            }
            kept.insert(source);
        }
        out.push_str(source);
        out.push(' ');
        out.push_str(target);
        out.push('\n');
    }
    Ok(out.into_bytes())
}

/// (source, target) of each `target @ source` line.
fn hunalign_pairs<'a>(
    s: &'a str,
    url: &'a str,
    transform: &'static str,
) -> impl Iterator<Item = Result<(&'a str, &'a str), FetchError>> + 'a {
    lines(s, url, transform).map(move |l| {
        let (n, line) = l?;
        let mut parts = line.split(' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(t), Some("@"), Some(s), None)
                if !t.is_empty() && !s.is_empty() && !line.contains('\t') =>
            {
                Ok((s, t))
            }
            _ => Err(FetchError::Transform {
                url: url.to_owned(),
                transform,
                line: n,
                message: format!("expected `TARGET @ SOURCE` with single spaces, got {line:?}"),
            }),
        }
    })
}

/// The bytes of member `member` of the zip archive `bytes`.
pub(crate) fn zip_member(bytes: &[u8], member: &str, url: &str) -> Result<Vec<u8>, FetchError> {
    let err = |message: String| FetchError::Transform {
        url: url.to_owned(),
        transform: "zip-member",
        line: 0,
        message,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| err(format!("not a readable zip archive: {e}")))?;
    let mut file = archive
        .by_name(member)
        .map_err(|e| err(format!("member {member:?}: {e}")))?;
    let mut out = Vec::with_capacity(usize::try_from(file.size()).unwrap_or(0));
    file.read_to_end(&mut out)
        .map_err(|e| err(format!("member {member:?}: {e}")))?;
    Ok(out)
}

/// The (sw, en) pairs of a wiktionary_bli `sw<TAB>en` list, cleaned and grouped by source.
fn wiktionary_pairs<'a>(
    s: &'a str,
    url: &str,
    transform: &'static str,
) -> Result<Vec<(&'a str, &'a str)>, FetchError> {
    let mut order: Vec<&str> = Vec::new();
    let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    for l in lines(s, url, transform) {
        let (n, line) = l?;
        let Some((sw, en)) = line
            .split_once('\t')
            .filter(|(a, b)| !a.is_empty() && !b.contains('\t'))
        else {
            return Err(FetchError::Transform {
                url: url.to_owned(),
                transform,
                line: n,
                message: format!("expected `SWAHILI<TAB>ENGLISH`, got {line:?}"),
            });
        };
        // Upstream has a few entries with no English gloss, and some exact repeats.
        if en.is_empty() || !seen.insert((sw, en)) {
            continue;
        }
        groups
            .entry(sw)
            .or_insert_with(|| {
                order.push(sw);
                Vec::new()
            })
            .push(en);
    }
    Ok(order
        .iter()
        .flat_map(|sw| groups[sw].iter().map(move |en| (*sw, *en)))
        .collect())
}

fn join_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
    let mut out = String::new();
    for (a, b) in pairs {
        out.push_str(a);
        out.push(' ');
        out.push_str(b);
        out.push('\n');
    }
    out.into_bytes()
}

/// wiktionary_bli `sw<TAB>en` list to MUSE layout `sw en`.
pub(crate) fn wiktionary_bli(bytes: &[u8], url: &str) -> Result<Vec<u8>, FetchError> {
    const NAME: &str = "wiktionary-bli";
    let pairs = wiktionary_pairs(text(bytes, url, NAME)?, url, NAME)?;
    Ok(join_pairs(pairs.into_iter()))
}

/// The same pairs as [`wiktionary_bli`], reversed to `en sw`, English words ordered by their
/// source-word rank in the hunalign `en-en` list `rank_bytes`, unranked ones after them by
/// first appearance; the Swahili words of one English word keep their order.
pub(crate) fn wiktionary_bli_reverse(
    bytes: &[u8],
    url: &str,
    rank_bytes: &[u8],
    rank_url: &str,
) -> Result<Vec<u8>, FetchError> {
    const NAME: &str = "wiktionary-bli-reverse";
    let pairs = wiktionary_pairs(text(bytes, url, NAME)?, url, NAME)?;
    let mut rank: HashMap<&str, usize> = HashMap::new();
    for pair in hunalign_pairs(text(rank_bytes, rank_url, NAME)?, rank_url, NAME) {
        let (source, _) = pair?;
        let next = rank.len();
        rank.entry(source).or_insert(next);
    }
    let mut first: Vec<&str> = Vec::new();
    let mut by_en: HashMap<&str, Vec<&str>> = HashMap::new();
    for &(sw, en) in &pairs {
        by_en
            .entry(en)
            .or_insert_with(|| {
                first.push(en);
                Vec::new()
            })
            .push(sw);
    }
    let mut english: Vec<(usize, &str)> = first.into_iter().enumerate().collect();
    // Ranked words first by rank, then the rest by first appearance (the stable index).
    english.sort_by_key(|&(i, e)| rank.get(e).map_or((1, i), |&r| (0, r)));
    Ok(join_pairs(english.iter().flat_map(|&(_, en)| {
        by_en[en].iter().map(move |sw| (en, *sw))
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: Vec<u8>) -> String {
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn hunalign_swap_by_hand() {
        let input = b"haus @ house\nheim @ house\nkatze @ cat\nhund @ dog\n";
        assert_eq!(
            s(hunalign_swap(input, None, "u").unwrap()),
            "house haus\nhouse heim\ncat katze\ndog hund\n"
        );
        // The first 2 distinct source words are house and cat.
        assert_eq!(
            s(hunalign_swap(input, Some(2), "u").unwrap()),
            "house haus\nhouse heim\ncat katze\n"
        );
        // A later line of an already kept source word stays, as the filter is by word.
        let input = b"a @ x\nb @ y\nc @ z\nd @ x\n";
        assert_eq!(
            s(hunalign_swap(input, Some(2), "u").unwrap()),
            "x a\ny b\nx d\n"
        );
    }

    #[test]
    fn hunalign_swap_rejects_bad_lines() {
        for (bad, line) in [
            (&b"a @ b\na b\n"[..], 2),
            (b"a @ b\n\nc @ d\n", 2),
            (b"a\t@ b\n", 1),
            (b"a @ b c\n", 1),
            (b"a @ b", 1),
            (b"a @ b\r\n", 1),
        ] {
            match hunalign_swap(bad, None, "http://u") {
                Err(FetchError::Transform { line: l, url, .. }) => {
                    assert_eq!((l, url.as_str()), (line, "http://u"), "{bad:?}")
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(hunalign_swap(b"\xff @ a\n", None, "u").is_err());
    }

    #[test]
    fn wiktionary_by_hand() {
        // Grouping at first position, an empty gloss and a repeated pair dropped.
        let input = "kazi\twork\nsana\tvery\nmtu\t\nkazi\tjob\nsana\tvery\nkazi\twork\n";
        assert_eq!(
            s(wiktionary_bli(input.as_bytes(), "u").unwrap()),
            "kazi work\nkazi job\nsana very\n"
        );
        // en-en ranks: job 0, very 1 (listed twice), work unranked; `x` is noise.
        let rank = b"job @ job\nvery @ very\nvery @ very\nx @ x\n";
        let got = wiktionary_bli_reverse(input.as_bytes(), "u", rank, "r").unwrap();
        assert_eq!(s(got), "job kazi\nvery sana\nwork kazi\n");
        let e = wiktionary_bli(b"kazi work\n", "u").unwrap_err().to_string();
        assert!(
            e.contains("line 1") && e.contains("SWAHILI<TAB>ENGLISH"),
            "{e}"
        );
    }
}
