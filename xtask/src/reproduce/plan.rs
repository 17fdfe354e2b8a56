//! What `reproduce` runs: the 15 language pairs and the tasks.

use std::fmt::Write as _;

use cli::{LanguagePair, TaskArg};

/// The study's 15 pairs (docs/METHOD.md §7), as `source-target`.
///
/// Chosen with the data at hand: every pair has FLORES-200 text on both sides (MT, language
/// statistics), SIB-200 on the target side, and a dictionary (MUSE, through English where MUSE
/// lacks the pair, the Wiktionary list for Swahili). They cover the 7 families of the 15
/// languages and both directions the paper studies:
/// * the six pairs named in the paper or its code: en-sw, zh-ja, ar-he, id-tl, zh-he, id-he;
/// * high → low (data/languages.toml tiers): en-tl, zh-sw, ar-sw, ja-tl;
/// * moderate → low: id-sw, fi-sw, hu-tl, he-tl;
/// * within a family of moderate languages: fi-hu (Uralic).
///
/// Low-resource targets are Swahili and Tagalog, the only two "low" languages among the 15;
/// XCOPA covers Swahili targets, so five pairs end in `sw`.
pub const DEFAULT_PAIRS: [&str; 15] = [
    "en-sw", "zh-ja", "ar-he", "id-tl", "zh-he", "id-he", "en-tl", "zh-sw", "ar-sw", "ja-tl",
    "id-sw", "fi-sw", "hu-tl", "he-tl", "fi-hu",
];

/// Every task, in report order.
pub const ALL_TASKS: [TaskArg; 5] = [
    TaskArg::Bli,
    TaskArg::Mt,
    TaskArg::Xcopa,
    TaskArg::Sib,
    TaskArg::Belebele,
];

/// The pairs to run, parsed (`None` = [`DEFAULT_PAIRS`]); duplicates are refused.
pub fn pairs(given: Option<&[String]>) -> anyhow::Result<Vec<LanguagePair>> {
    let names: Vec<String> = match given {
        Some(list) if !list.is_empty() => list.to_vec(),
        _ => DEFAULT_PAIRS.iter().map(|s| s.to_string()).collect(),
    };
    let mut out: Vec<LanguagePair> = Vec::with_capacity(names.len());
    for n in &names {
        let p: LanguagePair = n
            .parse()
            .map_err(|e| anyhow::anyhow!("--pairs: `{n}`: {e}"))?;
        if out.iter().any(|q| q.label() == p.label()) {
            anyhow::bail!("--pairs: `{}` is listed twice", p.label());
        }
        out.push(p);
    }
    Ok(out)
}

/// Families and tiers of the pairs, for the report's "what was chosen" paragraph.
pub fn describe_pairs(pairs: &[LanguagePair]) -> String {
    let mut families: Vec<&str> = Vec::new();
    for p in pairs {
        for l in [p.source, p.target] {
            if !families.contains(&l.family) {
                families.push(l.family);
            }
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "{} pairs over {} families ({})",
        pairs.len(),
        families.len(),
        families.join(", ")
    );
    out
}
